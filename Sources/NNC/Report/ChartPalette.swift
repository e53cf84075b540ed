import Foundation

/// Colours for chart lines: distinct hues for runs, a ramp for ordered things like layers.
enum ChartPalette {
    /// Tableau 10 without its yellow and grey, which read poorly as thin lines on white.
    static let categorical = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#9c755f", "#ff9da7"]

    /// The `index`-th run colour, cycling when there are more runs than colours.
    static func run(_ index: Int) -> String {
        categorical[index % categorical.count]
    }

    /// Samples of viridis (dark purple → green → yellow-green), stopping before its lightest yellow.
    private static let ramp: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (109, 205, 89), (165, 219, 54),
    ]

    /// `count` colours evenly along the ramp, first to last.
    static func sequential(_ count: Int) -> [String] {
        (0..<count).map { i in
            let t = count > 1 ? Double(i) / Double(count - 1) : 0
            let position = t * Double(ramp.count - 1)
            let k = min(Int(position), ramp.count - 2)
            let f = position - Double(k)
            let (a, b) = (ramp[k], ramp[k + 1])
            return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
        }
    }

    /// `color` mixed with white: `amount` 0 keeps it, 1 gives white. Earlier epochs are drawn lighter.
    static func lighten(_ color: String, _ amount: Double) -> String {
        let digits = Array(color.dropFirst())
        guard digits.count == 6 else { return color }
        func channel(_ i: Int) -> Double { Double(Int(String(digits[i..<i + 2]), radix: 16) ?? 0) }
        let mix = { (c: Double) in c + (255 - c) * amount }
        return hex(mix(channel(0)), mix(channel(2)), mix(channel(4)))
    }

    private static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        func byte(_ v: Double) -> Int { max(0, min(255, Int(v.rounded()))) }
        return String(format: "#%02x%02x%02x", byte(r), byte(g), byte(b))
    }
}
