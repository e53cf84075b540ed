/// The allowed range of a numeric option: `≥ 1`, `0 ≤ x < 1`, `> 0`.
struct Bounds: Hashable, Sendable {
    var lower: Double?
    var lowerInclusive = true
    var upper: Double?
    var upperInclusive = true

    static func atLeast(_ x: Double) -> Bounds { Bounds(lower: x) }
    static func greaterThan(_ x: Double) -> Bounds { Bounds(lower: x, lowerInclusive: false) }
    /// `lo ≤ x < hi`, the range of momenta and rates.
    static func halfOpen(_ lo: Double, _ hi: Double) -> Bounds {
        Bounds(lower: lo, upper: hi, upperInclusive: false)
    }
    static func closed(_ lo: Double, _ hi: Double) -> Bounds { Bounds(lower: lo, upper: hi) }
    static func openClosed(_ lo: Double, _ hi: Double) -> Bounds {
        Bounds(lower: lo, lowerInclusive: false, upper: hi)
    }
    /// Sizes: 1 … 2³⁰, large enough for any layer this machine can hold and far from overflow.
    static let size = Bounds(lower: 1, upper: Double(1 << 30))
    static let count = Bounds(lower: 0, upper: Double(1 << 30))

    /// The requirement `x` breaks, as a message fragment (`at least 1`), or nil when it holds.
    func violation(_ x: Double) -> String? {
        let belowLower = lower.map { lowerInclusive ? x < $0 : x <= $0 } ?? false
        let aboveUpper = upper.map { upperInclusive ? x > $0 : x >= $0 } ?? false
        guard belowLower || aboveUpper || x.isNaN else { return nil }
        // A far-off cap (sizes up to 2³⁰) is noise when the value is too small.
        if belowLower, let lo = lower, let hi = upper, hi >= 1e6 {
            return lowerInclusive ? "at least \(Value.format(lo))" : "greater than \(Value.format(lo))"
        }
        return requirement
    }

    /// `at least 1`, `between 0 and 1 (excluding 1)`, `greater than 0`.
    var requirement: String {
        let lo = lower.map(Value.format), hi = upper.map(Value.format)
        switch (lo, hi) {
        case let (lo?, hi?):
            if lowerInclusive && upperInclusive { return "between \(lo) and \(hi)" }
            if lowerInclusive { return "at least \(lo) and less than \(hi)" }
            if upperInclusive { return "greater than \(lo) and at most \(hi)" }
            return "greater than \(lo) and less than \(hi)"
        case let (lo?, nil): return lowerInclusive ? "at least \(lo)" : "greater than \(lo)"
        case let (nil, hi?): return upperInclusive ? "at most \(hi)" : "less than \(hi)"
        case (nil, nil): return "a number"
        }
    }

    /// `≥ 1`, `0 ≤ x < 1` — the form REFERENCE.md uses.
    var symbolic: String {
        let lo = lower.map(Value.format), hi = upper.map(Value.format)
        switch (lo, hi) {
        case let (lo?, hi?):
            return "\(lo) \(lowerInclusive ? "≤" : "<") x \(upperInclusive ? "≤" : "<") \(hi)"
        case let (lo?, nil): return "\(lowerInclusive ? "≥" : ">") \(lo)"
        case let (nil, hi?): return "\(upperInclusive ? "≤" : "<") \(hi)"
        case (nil, nil): return "any"
        }
    }
}
