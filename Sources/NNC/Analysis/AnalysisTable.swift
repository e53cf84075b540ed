import Foundation

extension AnalysisRecord {
    /// A compact per-layer table for the terminal: a heading line with the bound and the
    /// analysis's own cost, then one row per layer. Absent values print as `–`.
    public func table() -> String {
        var heading = "analysis at epoch \(epoch), step \(step)"
        if let b = operatorNormBound { heading += ": operator-norm bound \(Self.number(b))" }
        heading += String(format: "; took %.2f s, %.1f %% of the %.2f s of training it watched",
                          analysisSeconds, overhead * 100, trainingSeconds)
        let columns = ["layer", "res RMS", "grad RMS", "act mean", "act std", "dead", "satur.", "σmax",
                       "cond A", "cond S", "norm min"]
        var rows: [[String]] = [columns]
        for l in layers {
            rows.append([l.name, Self.number(l.residualRMS), Self.number(l.gradientRMS),
                         Self.number(l.activationMean), Self.number(l.activationStd),
                         Self.percent(l.deadFraction), Self.percent(l.saturatedFraction),
                         Self.number(l.sigmaMax), Self.number(l.input?.condition), Self.number(l.output?.condition),
                         Self.number(l.normMinFactor)])
        }
        let widths = columns.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        let lines = rows.map { row in
            "  " + row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return ([heading] + lines).joined(separator: "\n")
    }

    /// Three significant digits; exponent form outside [0.01, 10 000).
    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        guard value.isFinite else { return "\(value)" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 0.01 || magnitude >= 10_000) { return String(format: "%.2e", value) }
        return String(format: "%.3g", value)
    }

    static func percent(_ fraction: Double?) -> String {
        guard let fraction else { return "–" }
        return String(format: "%.1f%%", fraction * 100)
    }
}
