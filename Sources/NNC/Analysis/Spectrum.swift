/// What the layer-wise conditioning analysis reports of one Kronecker factor's eigenvalues
/// (docs/ALGORITHMS.md "Layer-wise conditioning analysis").
public struct Spectrum: Equatable, Sendable {
    public var eigMax: Double
    /// The smallest non-zero eigenvalue.
    public var eigMin: Double
    /// λ_max / λ_min over the non-zero eigenvalues.
    public var condition: Double
    /// λ_1 / λ_k, k = the larger of 1 % of the spectrum (rounded up) and 5, at most the rank.
    public var generalCondition: Double
    /// How many eigenvalues count as non-zero.
    public var rank: Int

    /// **choice**: an eigenvalue is zero when at most `n · 10⁻¹³ · λ_max` — the round-off of
    /// forming and diagonalising an n × n factor in Double. A batch of B < n samples gives a
    /// factor of rank ≤ B, and a cross-entropy residual sums to zero over the classes, so
    /// exact zeros are common and must not be read as a huge condition number.
    public static func relativeZero(_ n: Int) -> Double { Double(max(n, 1)) * 1e-13 }

    /// The summary of `eigenvalues` (any order); nil when none is positive.
    public init?(eigenvalues: [Double]) {
        let sorted = eigenvalues.filter { !$0.isNaN }.sorted(by: >)
        guard let top = sorted.first, top > 0, top.isFinite else { return nil }
        let floor = top * Spectrum.relativeZero(eigenvalues.count)
        let nonZero = sorted.filter { $0 > floor }
        eigMax = top
        eigMin = nonZero.last ?? top
        rank = nonZero.count
        condition = top / eigMin
        let k = min(max(5, (eigenvalues.count + 99) / 100), rank)
        generalCondition = top / nonZero[k - 1]
    }
}
