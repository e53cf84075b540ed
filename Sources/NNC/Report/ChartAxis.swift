import Foundation

/// How an axis maps values to positions.
enum ChartScale: Equatable {
    case linear
    case log

    /// Log when every finite value is positive and they span at least two decades.
    static func automatic(for values: [Double]) -> ChartScale {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), lo > 0 else { return .linear }
        return hi / lo >= 100 ? .log : .linear
    }
}

/// One chart axis: its scale, the domain it shows, and labelled ticks inside that domain.
struct ChartAxis {
    let scale: ChartScale
    let lower: Double
    let upper: Double
    let ticks: [Double]
    let labels: [String]
    /// Unlabelled grid positions between the labelled ticks (2…9 × 10ᵏ on log axes, unlabelled
    /// categories).
    let minorTicks: [Double]

    /// Values beyond this magnitude are left off the chart, as infinities are: a log may hold
    /// any number, and an axis from -1e308 to 1e308 spans more than a Double holds (its step
    /// overflowed and the ticks never ended). No metric nnc logs comes near it.
    static let drawableMagnitude = 1e300

    /// The narrowest span an axis divides into ticks: below it a tenth of it is no longer a
    /// normal Double (10⁻³⁰⁸), and steps round to 0.
    static let smallestSpan = 1e-300

    static func drawable(_ value: Double) -> Bool { value.isFinite && abs(value) <= drawableMagnitude }

    /// An axis that holds all drawable `values` (positive ones only, on a log axis).
    /// With no usable values it shows 0…1, so an empty chart still draws.
    /// `integers` keeps a linear axis's ticks on whole numbers.
    init(values: [Double], scale: ChartScale? = nil, maxTicks: Int = 7, integers: Bool = false) {
        let scale = scale ?? ChartScale.automatic(for: values)
        let usable = values.filter { ChartAxis.drawable($0) && (scale == .linear || $0 > 0) }
        self.scale = scale
        if scale == .log, let lo = usable.min(), let hi = usable.max() {
            let first = Int(floor(log10(lo) + 1e-9))
            var last = Int(ceil(log10(hi) - 1e-9))
            if last == first { last += 1 }
            let stride = max(1, Int(ceil(Double(last - first) / Double(maxTicks - 1))))
            lower = pow(10, Double(first))
            upper = pow(10, Double(last))
            let exponents = Swift.stride(from: first, through: last, by: stride)
            ticks = exponents.map { pow(10, Double($0)) }
            // One style per axis: plain digits when every tick is short, else 10ⁿ throughout.
            let plain = first >= -2 && last <= 3
            labels = exponents.map { plain ? ChartAxis.plainPowerOfTen($0) : "10" + ChartAxis.superscript($0) }
            minorTicks = (last - first <= 4) ? (first..<last).flatMap { e in
                (2...9).map { Double($0) * pow(10, Double(e)) }
            } : []
        } else {
            var lo = usable.min() ?? 0
            var hi = usable.max() ?? 1
            if hi - lo <= max(abs(hi), abs(lo)) * 1e-12 || hi - lo < ChartAxis.smallestSpan {
                // A flat series, or a spread too small for ticks (a condition number of 1e-322
                // in a log made a step of 10⁻³²⁴, which is 0, and NaN ticks): room around the value.
                let pad = lo == 0 ? 1 : max(abs(lo) * 0.1, ChartAxis.smallestSpan)
                lo -= pad
                hi += pad
            }
            let nice = ChartAxis.niceStep((hi - lo) / Double(maxTicks - 1))
            let step = integers ? max(nice, 1) : nice
            let first = floor(lo / step + 1e-9)
            let last = ceil(hi / step - 1e-9)
            lower = first * step
            upper = last * step
            let values = Swift.stride(from: first, through: last, by: 1).map { $0 * step }
            ticks = values
            labels = ChartAxis.linearLabels(values, step: step)
            minorTicks = []
        }
    }

    /// Integer positions 1…n labelled with `names` (layers, first to last), thinned so that
    /// labels about `characterWidth`-wide glyphs do not collide in `length` pixels.
    init(categories names: [String], length: Double, characterWidth: Double) {
        scale = .linear
        lower = 1
        upper = Double(max(names.count, 2))
        let widest = Double(names.map(\.count).max() ?? 1) * characterWidth + 8
        let spacing = length / max(upper - lower, 1)
        let every = max(1, Int(ceil(widest / spacing)))
        let shown = Swift.stride(from: 0, to: names.count, by: every)
        let labelled = shown.map { Double($0 + 1) }
        ticks = labelled
        labels = shown.map { names[$0] }
        // Every category keeps its grid line even when its label is left out.
        minorTicks = names.indices.map { Double($0 + 1) }.filter { !labelled.contains($0) }
    }

    /// Where `value` falls along the axis, 0 at `lower` and 1 at `upper`; nil when the
    /// value cannot be drawn (not `drawable`, or not positive on a log axis).
    func fraction(_ value: Double) -> Double? {
        guard ChartAxis.drawable(value) else { return nil }
        switch scale {
        case .linear:
            return (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return nil }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    /// 1, 2 or 5 times a power of ten, the smallest such at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= rough * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }

    /// Labels with just enough decimals for `step`; exponent form for very large or small ones.
    static func linearLabels(_ values: [Double], step: Double) -> [String] {
        let largest = values.map { abs($0) }.max() ?? 0
        if largest >= 1e5 || step < 1e-4 {
            return values.map(ChartAxis.scientific)
        }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return values.map { value in
            let text = String(format: "%.\(decimals)f", value)
            return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
        }
    }

    /// 10ᵏ in digits, for exponents -2…3.
    static func plainPowerOfTen(_ exponent: Int) -> String {
        exponent >= 0 ? String(Int(pow(10, Double(exponent)))) : String(format: "%.\(-exponent)f", pow(10, Double(exponent)))
    }

    /// `value` as m×10ᵏ (or just 10ᵏ when m is 1), the way a figure in a paper labels it.
    static func scientific(_ value: Double) -> String {
        guard value != 0 else { return "0" }
        let exponent = Int(floor(log10(abs(value)) + 1e-9))
        var mantissa = String(format: "%.2f", value / pow(10, Double(exponent)))
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
        let power = "10" + superscript(exponent)
        switch mantissa {
        case "1": return power
        case "-1": return "-" + power
        default: return mantissa + "×" + power
        }
    }

    static func superscript(_ exponent: Int) -> String {
        let digits: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
        ]
        return String(String(exponent).map { digits[$0] ?? $0 })
    }
}
