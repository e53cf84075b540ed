// Eigenvalues of a symmetric matrix for the layer-wise conditioning analysis, fast enough to
// run once per epoch on a 785-wide input factor: Householder reduction to tridiagonal form
// (4n³/3 flops, rows read along contiguous memory) and the implicit QL iteration with Wilkinson
// shifts (O(n²)). The cyclic Jacobi method (`symmetricEigenvaluesJacobi`, LinearAlgebraEigen.swift) gives the same values to
// round-off and stays the reference the tests compare against; it needs ~10 sweeps of n²/2
// rotations with strided column updates, seconds at n = 785 where this takes a fraction.

/// Eigenvalues of a symmetric matrix, largest first, by tridiagonalisation and implicit QL.
/// Only the lower triangle of `a` is read; `a` is overwritten. Returns false (eigenvalues set
/// to NaN) when the QL iteration does not converge in 60 steps for some eigenvalue.
// a (n, n) row stride lda -> eigenvalues (n), descending
@discardableResult
public func symmetricEigenvalues(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int,
                                   eigenvalues d: UnsafeMutablePointer<Double>) -> Bool {
    if n == 0 { return true }
    let e = UnsafeMutablePointer<Double>.allocate(capacity: n)
    e.initialize(repeating: 0, count: n)
    defer { e.deallocate() }
    // Householder: row i's part left of the diagonal is reflected away, from the last row up.
    for i in stride(from: n - 1, to: 0, by: -1) {
        let l = i - 1
        let ri = a + i * lda
        var h = 0.0
        if l > 0 {
            var scale = 0.0
            for k in 0...l { scale += abs(ri[k]) }
            if scale == 0 {
                e[i] = ri[l]
            } else {
                for k in 0...l {
                    ri[k] /= scale
                    h += ri[k] * ri[k]
                }
                var f = ri[l]
                var g = f >= 0 ? -h.squareRoot() : h.squareRoot()
                e[i] = scale * g
                h -= f * g
                ri[l] = f - g
                // p = A u / h over the leading (l+1)² block, from its lower triangle by rows.
                for j in 0...l { e[j] = 0 }
                for j in 0...l {
                    let rj = a + j * lda
                    let uj = ri[j]
                    let s = dotAndAxpy(rj, ri, uj, e, j)
                    e[j] += s + rj[j] * uj
                }
                f = 0
                for j in 0...l {
                    e[j] /= h
                    f += e[j] * ri[j]
                }
                let hh = f / (h + h)
                for j in 0...l {
                    f = ri[j]
                    g = e[j] - hh * f
                    e[j] = g
                    let rj = a + j * lda
                    subtractRank2(f, e, g, ri, from: rj, j + 1)
                }
            }
        } else {
            e[i] = ri[l]
        }
    }
    for i in 0..<n { d[i] = a[i * lda + i] }
    // Implicit QL on the tridiagonal (diagonal d, sub-diagonal e shifted to e[0..<n-1]).
    for i in 1..<max(n, 1) { e[i - 1] = e[i] }
    e[n - 1] = 0
    var converged = true
    // An off-diagonal entry is negligible against the whole matrix's scale, not against its two
    // neighbours alone: a factor with hundreds of dead inputs leaves blocks of subnormal round-off
    // (1e-322) on the tridiagonal, on which the local test iterated until it gave up.
    var scale = 0.0
    for i in 0..<n { scale = max(scale, abs(d[i]) + abs(e[i])) }
    outer: for l in 0..<n {
        var iterations = 0
        while true {
            var m = l
            while m < n - 1 {
                if abs(e[m]) <= Double.ulpOfOne * scale { break }
                m += 1
            }
            if m == l { break }
            iterations += 1
            if iterations > 60 { converged = false; break outer }
            var g = (d[l + 1] - d[l]) / (2 * e[l])
            var r = (g * g + 1).squareRoot()
            g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
            var s = 1.0, c = 1.0, p = 0.0
            var i = m - 1
            var deflated = false
            while i >= l {
                let f = s * e[i], b = c * e[i]
                r = (f * f + g * g).squareRoot()
                e[i + 1] = r
                if r == 0 {
                    d[i + 1] -= p
                    e[m] = 0
                    deflated = true
                    break
                }
                s = f / r
                c = g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                i -= 1
            }
            if deflated { continue }
            d[l] -= p
            e[l] = g
            e[m] = 0
        }
    }
    if !converged {
        for i in 0..<n { d[i] = .nan }
        return false
    }
    var values = (0..<n).map { d[$0] }
    values.sort(by: >)
    for i in 0..<n { d[i] = values[i] }
    return true
}
