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
        // The result's lower triangle into `a` (free once QL is done).
        scaledGramLowerTriangle(q, f, n: n, into: a)
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

/// The lower triangle of Q·diag(f)·Qᵀ into `out` (n × n, row-major): entry (i, j), j ≤ i, is
/// Σ_k (q_k[i]·f_k)·q_k[j] with q_k row k of `qt` = Qᵀ, summed over k in order, each term one
/// fused multiply-add. Tiles of 4 rows × 16 columns keep their sums in registers across k.
// qt (n, n), f (n) -> out (n, n), lower triangle
private func scaledGramLowerTriangle(_ qt: UnsafePointer<Double>, _ f: UnsafePointer<Double>, n: Int,
                                     into out: UnsafeMutablePointer<Double>) {
    var j0 = 0
    while j0 < n {
        let width = min(16, n - j0)
        var i0 = j0
        while i0 < n {
            let height = min(4, n - i0)
            if width == 16 {
                var acc = (D8(), D8(), D8(), D8(), D8(), D8(), D8(), D8())
                for k in 0..<n {
                    let qk = qt + k * n
                    let b0 = UnsafeRawPointer(qk + j0).loadUnaligned(as: D8.self)
                    let b1 = UnsafeRawPointer(qk + j0 + 8).loadUnaligned(as: D8.self)
                    // Rows past the matrix's end repeat row i0; their sums are never stored.
                    let c0 = D8(repeating: qk[i0] * f[k])
                    let c1 = D8(repeating: qk[i0 + (height > 1 ? 1 : 0)] * f[k])
                    let c2 = D8(repeating: qk[i0 + (height > 2 ? 2 : 0)] * f[k])
                    let c3 = D8(repeating: qk[i0 + (height > 3 ? 3 : 0)] * f[k])
                    acc.0.addProduct(c0, b0); acc.1.addProduct(c0, b1)
                    acc.2.addProduct(c1, b0); acc.3.addProduct(c1, b1)
                    acc.4.addProduct(c2, b0); acc.5.addProduct(c2, b1)
                    acc.6.addProduct(c3, b0); acc.7.addProduct(c3, b1)
                }
                // Row i0 + r keeps columns j0…i of the tile (all 16 below the diagonal).
                func store(_ r: Int, _ low: D8, _ high: D8) {
                    guard r < height else { return }
                    let i = i0 + r, row = out + i * n + j0, count = min(16, i - j0 + 1)
                    for j in 0..<min(8, count) { row[j] = low[j] }
                    for j in min(8, count)..<count { row[j] = high[j - 8] }
                }
                store(0, acc.0, acc.1); store(1, acc.2, acc.3); store(2, acc.4, acc.5); store(3, acc.6, acc.7)
            } else {
                for i in i0..<(i0 + height) {
                    for j in j0..<min(j0 + width, i + 1) {
                        var t = 0.0
                        for k in 0..<n { t.addProduct(qt[k * n + i] * f[k], qt[k * n + j]) }
                        out[i * n + j] = t
                    }
                }
            }
            i0 += 4
        }
        j0 += 16
    }
}
