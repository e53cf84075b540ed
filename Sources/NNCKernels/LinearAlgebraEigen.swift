// Spectra in Double: symmetric eigenvalues by cyclic Jacobi, the reference the faster QL solver
// of the layer-wise conditioning analysis (SymmetricEigen.swift) is tested against, and the
// largest singular value by power iteration for the operator-norm bound (docs/ALGORITHMS.md).

/// Eigenvalues of a symmetric matrix by the cyclic Jacobi method, largest first. `a` is
/// overwritten (it ends nearly diagonal). Each rotation updates rows p and q along contiguous
/// memory and copies them into columns p and q, keeping the whole matrix symmetric; sweeps
/// stop when the off-diagonal Frobenius norm falls below `tolerance` times the whole norm,
/// or after `maxSweeps`. Returns the number of sweeps used. A 785 × 785 matrix takes ~10
/// sweeps of n²/2 rotations — seconds, which is fine for an analysis.
// a (n, n) row stride lda -> eigenvalues (n), descending
@discardableResult
public func symmetricEigenvaluesJacobi(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int,
                                 eigenvalues: UnsafeMutablePointer<Double>,
                                 maxSweeps: Int = 60, tolerance: Double = 1e-14) -> Int {
    var sweeps = 0
    func norms() -> (off: Double, all: Double) {
        var off = 0.0, all = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let v = a[i * lda + j] * a[i * lda + j]
                all += v
                if i != j { off += v }
            }
        }
        return (off.squareRoot(), all.squareRoot())
    }
    while sweeps < maxSweeps {
        let (off, all) = norms()
        if !(off > tolerance * all) { break }
        sweeps += 1
        for p in 0..<n {
            for q in (p + 1)..<max(n, p + 1) {
                let apq = a[p * lda + q]
                if apq == 0 { continue }
                let app = a[p * lda + p], aqq = a[q * lda + q]
                let theta = (aqq - app) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                let rp = a + p * lda, rq = a + q * lda
                var k = 0
                let cv = D8(repeating: c), sv = D8(repeating: s)
                while k + 8 <= n {
                    let x = UnsafeRawPointer(rp + k).loadUnaligned(as: D8.self)
                    let y = UnsafeRawPointer(rq + k).loadUnaligned(as: D8.self)
                    UnsafeMutableRawPointer(rp + k).storeBytes(of: cv * x - sv * y, as: D8.self)
                    UnsafeMutableRawPointer(rq + k).storeBytes(of: sv * x + cv * y, as: D8.self)
                    k += 8
                }
                while k < n {
                    let x = rp[k], y = rq[k]
                    rp[k] = c * x - s * y
                    rq[k] = s * x + c * y
                    k += 1
                }
                for k in 0..<n where k != p && k != q {
                    a[k * lda + p] = rp[k]
                    a[k * lda + q] = rq[k]
                }
                rp[p] = app - t * apq
                rq[q] = aqq + t * apq
                rp[q] = 0
                rq[p] = 0
            }
        }
    }
    var values = (0..<n).map { a[$0 * lda + $0] }
    values.sort { $0 > $1 || ($1.isNaN && !$0.isNaN) }
    for i in 0..<n { eigenvalues[i] = values[i] }
    return sweeps
}

/// The largest singular value of a Float matrix, σ_max(W), by power iteration on WᵀW in
/// Double from a fixed pseudo-random start; stops when the estimate changes by less than
/// `tolerance` relatively, or after `maxIterations`. 0 for a zero or empty matrix.
// w (rows, cols) row stride ldw -> σ_max
public func largestSingularValue(_ w: UnsafePointer<Float>, rows m: Int, cols n: Int, ldw: Int,
                                 maxIterations: Int = 1000, tolerance: Double = 1e-10) -> Double {
    if m == 0 || n == 0 { return 0 }
    var v = [Double](repeating: 0, count: n)
    var u = [Double](repeating: 0, count: m)
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    for j in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        v[j] = Double(state >> 11) / Double(1 << 53) + 0.5
    }
    func normalize(_ x: inout [Double]) -> Double {
        let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for i in x.indices { x[i] /= norm } }
        return norm
    }
    _ = normalize(&v)
    var sigma = 0.0
    for _ in 0..<maxIterations {
        for i in 0..<m {
            var s = 0.0
            for j in 0..<n { s += Double(w[i * ldw + j]) * v[j] }
            u[i] = s
        }
        let next = normalize(&u)
        for j in 0..<n { v[j] = 0 }
        for i in 0..<m {
            let ui = u[i]
            for j in 0..<n { v[j] += Double(w[i * ldw + j]) * ui }
        }
        _ = normalize(&v)
        if next == 0 || !next.isFinite { return next }
        if Swift.abs(next - sigma) <= tolerance * next { return next }
        sigma = next
    }
    return sigma
}
