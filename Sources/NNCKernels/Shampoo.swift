// Shampoo's kernels (docs/ALGORITHMS.md "Shampoo"): a weight's block split, the block statistics
// L ← β·L + G Gᵀ and R ← β·R + Gᵀ G by GEMM, a statistic's inverse fourth root by a symmetric
// eigendecomposition in Double (cyclic Jacobi accumulating the eigenvectors), the adaptive
// grafts, and a block's direction L^{-1/4}·G·R^{-1/4} rescaled to the graft's norm. A block is
// r × c inside a row-major matrix whose rows are `ld` apart; statistics and roots are square,
// row-major, packed block after block.

/// One block of a weight split by `shampooBlocks`: where it sits and where its statistics start.
public struct ShampooBlock: Hashable, Sendable {
    public var row: Int, col: Int, rows: Int, cols: Int
    /// Offsets of its left (rows²) and right (cols²) statistic in the packed buffers.
    public var leftOffset: Int, rightOffset: Int

    public init(row: Int, col: Int, rows: Int, cols: Int, leftOffset: Int, rightOffset: Int) {
        (self.row, self.col, self.rows, self.cols) = (row, col, rows, cols)
        (self.leftOffset, self.rightOffset) = (leftOffset, rightOffset)
    }
}

/// A rows × cols weight cut into blocks of at most size × size, row block by row block.
public func shampooBlocks(rows m: Int, cols n: Int, size: Int) -> [ShampooBlock] {
    let b = max(size, 1)
    var blocks: [ShampooBlock] = [], left = 0, right = 0
    for row in stride(from: 0, to: m, by: b) {
        for col in stride(from: 0, to: n, by: b) {
            let r = min(b, m - row), c = min(b, n - col)
            blocks.append(ShampooBlock(row: row, col: col, rows: r, cols: c, leftOffset: left, rightOffset: right))
            left += r * r
            right += c * c
        }
    }
    return blocks
}

/// Floats of the packed left and right statistics of a split.
public func shampooStatisticCounts(_ blocks: [ShampooBlock]) -> (left: Int, right: Int) {
    blocks.reduce((0, 0)) { ($0.0 + $1.rows * $1.rows, $0.1 + $1.cols * $1.cols) }
}

/// `left ← decay·left + G Gᵀ` and `right ← decay·right + Gᵀ G` of one block G.
// g (r, c) row stride ld -> left (r, r), right (c, c)
public func shampooStatistics(block g: UnsafePointer<Float>, rows r: Int, cols c: Int, ld: Int, decay: Float,
                              left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>,
                              threads: Int, workspace: GEMMWorkspace?) {
    gemm(transA: false, transB: true, m: r, n: r, k: c, a: g, lda: ld, b: g, ldb: ld, beta: decay, c: left, ldc: r,
         threads: threads, workspace: workspace)
    gemm(transA: true, transB: false, m: c, n: c, k: r, a: g, lda: ld, b: g, ldb: ld, beta: decay, c: right, ldc: c,
         threads: threads, workspace: workspace)
}

/// Eigenvalues and eigenvectors of a symmetric n × n Double matrix by the cyclic Jacobi method
/// (`symmetricEigenvaluesJacobi` with the rotations also applied to the vectors). `a` ends
/// nearly diagonal with the eigenvalues on its diagonal, unsorted; `vectors` (n × n) ends as Qᵀ,
/// row i the eigenvector of a[i][i], so that A = Q·diag·Qᵀ — kept transposed so each rotation
/// updates two contiguous rows. False when the off-diagonal norm is still above
/// `tolerance`·‖A‖ after `maxSweeps` sweeps, or the matrix holds a non-finite entry.
// a (n, n) -> diagonal of a, vectors (n, n)
public func symmetricEigenJacobi(_ a: UnsafeMutablePointer<Double>, n: Int, vectors v: UnsafeMutablePointer<Double>,
                                 maxSweeps: Int = 30, tolerance: Double = 1e-12) -> Bool {
    v.update(repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    func rotate(_ rp: UnsafeMutablePointer<Double>, _ rq: UnsafeMutablePointer<Double>, _ c: Double, _ s: Double) {
        let cv = SIMD8<Double>(repeating: c), sv = SIMD8<Double>(repeating: s)
        var k = 0
        while k + 8 <= n {
            let x = UnsafeRawPointer(rp + k).loadUnaligned(as: SIMD8<Double>.self)
            let y = UnsafeRawPointer(rq + k).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(rp + k).storeBytes(of: cv * x - sv * y, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(rq + k).storeBytes(of: sv * x + cv * y, as: SIMD8<Double>.self)
            k += 8
        }
        while k < n {
            let x = rp[k], y = rq[k]
            rp[k] = c * x - s * y
            rq[k] = s * x + c * y
            k += 1
        }
    }
    for _ in 0...maxSweeps {
        var off = 0.0, all = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let x = a[i * n + j] * a[i * n + j]
                all += x
                if i != j { off += x }
            }
        }
        guard all.isFinite else { return false }
        if off <= tolerance * tolerance * all { return true }
        for p in 0..<n {
            for q in (p + 1)..<max(n, p + 1) {
                let apq = a[p * n + q]
                if apq == 0 { continue }
                let app = a[p * n + p], aqq = a[q * n + q]
                let theta = (aqq - app) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                let rp = a + p * n, rq = a + q * n
                rotate(rp, rq, c, s)
                for k in 0..<n where k != p && k != q {
                    a[k * n + p] = rp[k]
                    a[k * n + q] = rq[k]
                }
                rp[p] = app - t * apq
                rq[q] = aqq + t * apq
                rp[q] = 0
                rq[p] = 0
                rotate(v + p * n, v + q * n, c, s)
            }
        }
    }
    return false
}

/// `(S⁺ + ε·λ_max·I)^{-1/4}` of a symmetric n × n Float statistic S, in Double and rounded to
/// Float: S = Q·diag(λ)·Qᵀ by `symmetricEigenJacobi`, negative eigenvalues (round-off) clamped
/// to 0, ε relative to the largest eigenvalue. Only S's lower triangle is read. False, `root`
/// untouched, when S has a non-finite entry, Jacobi does not converge, S is zero (no direction
/// to precondition), or the root is not finite. `work` holds 2·n² Doubles.
// statistic (n, n) -> root (n, n)
public func inverseFourthRoot(_ statistic: UnsafePointer<Float>, n: Int, epsilon: Double,
                              work: UnsafeMutablePointer<Double>, root: UnsafeMutablePointer<Float>) -> Bool {
    let a = work, q = work + n * n
    for i in 0..<n {
        for j in 0...i {
            let x = Double(statistic[i * n + j])
            guard x.isFinite else { return false }
            a[i * n + j] = x
            a[j * n + i] = x
        }
    }
    guard symmetricEigenJacobi(a, n: n, vectors: q) else { return false }
    var largest = 0.0
    for i in 0..<n { largest = max(largest, a[i * n + i]) }
    guard largest > 0, largest.isFinite else { return false }
    // f_k = (λ_k⁺ + ε·λ_max)^{-1/4}, kept on a's (now unused) first row.
    let f = a
    for k in 0..<n { f[k] = 1 / (max(a[k * n + k], 0) + epsilon * largest).squareRoot().squareRoot() }
    // root = Q·diag(f)·Qᵀ: row i is Σ_k q_k[i]·f_k·q_k with q_k row k of Qᵀ, summed in Double.
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(n, 1)) { buffer in
        let row = buffer.baseAddress!
        for i in 0..<n {
            row.update(repeating: 0, count: n)
            for k in 0..<n {
                let qk = q + k * n, w = qk[i] * f[k]
                if w == 0 { continue }
                for j in 0..<n { row[j] += w * qk[j] }
            }
            for j in 0..<n {
                let x = Float(row[j])
                guard x.isFinite else { return false }
                root[i * n + j] = x
            }
        }
        return true
    }
}

/// An adaptive graft's direction, element by element: `v ← keep·v + add·g²`, then
/// `out = g / (√(v / correction) + ε)` — AdaGrad with keep = add = correction = 1, Adam's second
/// moment with keep = β, add = 1 − β, correction = 1 − βᵗ. `out` may be `g`.
// g (count), v (count) -> v, out (count)
public func shampooGraft(gradient g: UnsafePointer<Float>, accumulator v: UnsafeMutablePointer<Float>, count: Int,
                         keep: Float, add: Float, correction: Float, epsilon: Float, out: UnsafeMutablePointer<Float>) {
    let inverse = 1 / correction
    for i in 0..<count {
        let x = g[i]
        let s = keep * v[i] + add * x * x
        v[i] = s
        out[i] = x / ((s * inverse).squareRoot() + epsilon)
    }
}

/// One block's Shampoo step, in place: D = L^{-1/4}·G·R^{-1/4}, rescaled to the Frobenius norm
/// of the graft's direction for the block, replaces G. When D is zero or not finite (or the
/// graft's norm is not), the graft's direction replaces G instead and the result is false.
/// `graft` may be `gradient` (SGD grafting). `work` holds 2·r·c floats.
// gradient (r, c) stride ld, leftRoot (r, r), rightRoot (c, c), graft (r, c) stride ldGraft -> gradient
@discardableResult
public func shampooBlockDirection(gradient: UnsafeMutablePointer<Float>, rows r: Int, cols c: Int, ld: Int,
                                  leftRoot: UnsafePointer<Float>, rightRoot: UnsafePointer<Float>,
                                  graft: UnsafePointer<Float>, ldGraft: Int, work: UnsafeMutablePointer<Float>,
                                  threads: Int, workspace: GEMMWorkspace?) -> Bool {
    let half = work, d = work + r * c
    gemm(transA: false, transB: false, m: r, n: c, k: r, a: leftRoot, lda: max(r, 1), b: gradient, ldb: ld,
         c: half, ldc: max(c, 1), threads: threads, workspace: workspace)
    gemm(transA: false, transB: false, m: r, n: c, k: c, a: half, lda: max(c, 1), b: rightRoot, ldb: max(c, 1),
         c: d, ldc: max(c, 1), threads: threads, workspace: workspace)
    var directionSquares = 0.0, graftSquares = 0.0
    for i in 0..<r {
        let di = d + i * c, gi = graft + i * ldGraft
        var s: Float = 0, t: Float = 0
        for j in 0..<c {
            s += di[j] * di[j]
            t += gi[j] * gi[j]
        }
        directionSquares += Double(s)
        graftSquares += Double(t)
    }
    let scale = (graftSquares / directionSquares).squareRoot()
    if directionSquares > 0 && scale.isFinite {
        let k = Float(scale)
        for i in 0..<r {
            let di = d + i * c, gi = gradient + i * ld
            for j in 0..<c { gi[j] = k * di[j] }
        }
        return true
    }
    copyBlock(graft, ld: ldGraft, into: gradient, ld: ld, rows: r, cols: c)
    return false
}

/// Copies an r × c block between two strided matrices (nothing when they are the same memory).
// from (r, c) stride ldFrom -> into (r, c) stride ldInto
public func copyBlock(_ from: UnsafePointer<Float>, ld ldFrom: Int, into: UnsafeMutablePointer<Float>, ld ldInto: Int,
                      rows r: Int, cols c: Int) {
    if UnsafePointer(into) == from && ldFrom == ldInto { return }
    for i in 0..<r { (into + i * ldInto).update(from: from + i * ldFrom, count: c) }
}

/// True when every one of `count` floats is finite.
public func isAllFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
    for i in 0..<count where !x[i].isFinite { return false }
    return true
}
