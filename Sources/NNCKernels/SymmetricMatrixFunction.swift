// Functions of a symmetric Float matrix computed in Double through its eigendecomposition
// (Shampoo's inverse fourth roots, K-FAC's eigen-form inverses), and the load of a Float
// triangle into Double that they and K-FAC's Cholesky inverse share.

/// Copies the lower triangle of the symmetric n × n Float matrix `s` into `a` as Double, and
/// with `mirror` into the upper triangle too. False at the first entry that is not finite.
// s (n, n) -> a (n, n)
func loadLowerTriangle(_ s: UnsafePointer<Float>, n: Int, into a: UnsafeMutablePointer<Double>, mirror: Bool) -> Bool {
    for i in 0..<n {
        for j in 0...i {
            let x = Double(s[i * n + j])
            guard x.isFinite else { return false }
            a[i * n + j] = x
            if mirror { a[j * n + i] = x }
        }
    }
    return true
}

/// `Q·diag(f(λ))·Qᵀ` of the symmetric n × n Float matrix S = Q·diag(λ)·Qᵀ, in Double by
/// `symmetricEigenQL` and rounded to Float into `out` (exactly symmetric). Only S's lower
/// triangle is read. `map` rewrites the n eigenvalues in place into f(λ) and may refuse. False,
/// `out` untouched, when S has a non-finite entry, QL does not converge, `map` refuses, or an
/// entry of the result is not finite. `work` holds 2·n² Doubles.
// s (n, n) -> out (n, n)
public func symmetricMatrixFunction(_ s: UnsafePointer<Float>, n: Int, work: UnsafeMutablePointer<Double>,
                                    out: UnsafeMutablePointer<Float>,
                                    map: (_ eigenvalues: UnsafeMutablePointer<Double>, _ n: Int) -> Bool) -> Bool {
    let a = work, q = work + n * n
    guard loadLowerTriangle(s, n: n, into: a, mirror: true) else { return false }
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(n, 1)) { buffer in
        let f = buffer.baseAddress!
        guard symmetricEigenQL(a, n: n, vectors: q, eigenvalues: f), map(f, n) else { return false }
        // The result's lower triangle into `a` (free once QL is done): entry (i, j) is
        // Σ_k q_k[i]·f_k·q_k[j], q_k row k of Qᵀ, summed in Double over k in order.
        for i in 0..<n { (a + i * n).update(repeating: 0, count: i + 1) }
        for k in 0..<n {
            let qk = q + k * n
            for i in 0..<n {
                let c = qk[i] * f[k], ai = a + i * n
                if c == 0 { continue }
                for j in 0...i { ai[j] += c * qk[j] }
            }
        }
        for i in 0..<n {
            for j in 0...i where !Float(a[i * n + j]).isFinite { return false }
        }
        for i in 0..<n {
            for j in 0...i {
                let x = Float(a[i * n + j])
                out[i * n + j] = x
                out[j * n + i] = x
            }
        }
        return true
    }
}

/// `(F + δI)⁻¹` of a symmetric n × n Float factor by its eigendecomposition, 1/(λ⁺ + δ) on each
/// eigenvalue (negative ones, round-off of a positive semidefinite factor, clamped to 0): it
/// exists for every δ > 0, where the Cholesky form can fail on round-off. False, `inverse`
/// untouched, as `symmetricMatrixFunction`, or when δ ≤ 0 leaves an eigenvalue without inverse.
/// `work` holds 2·n² Doubles.
// factor (n, n) -> inverse (n, n)
public func dampedInverseEigen(_ factor: UnsafePointer<Float>, n: Int, damping: Double,
                               work: UnsafeMutablePointer<Double>, inverse: UnsafeMutablePointer<Float>) -> Bool {
    symmetricMatrixFunction(factor, n: n, work: work, out: inverse) { f, n in
        for k in 0..<n {
            let shifted = max(f[k], 0) + damping
            guard shifted > 0 else { return false }
            f[k] = 1 / shifted
        }
        return true
    }
}
