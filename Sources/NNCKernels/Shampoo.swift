// Shampoo's kernels (docs/ALGORITHMS.md "Shampoo"): a weight's block split, the block statistics
// L ← β·L + G Gᵀ and R ← β·R + Gᵀ G by GEMM, a statistic's inverse fourth root by a symmetric
// eigendecomposition in Double (Householder and QL, with a cyclic Jacobi twin), the adaptive
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
    symmetricProduct(transposed: false, n: r, k: c, alpha: 1, a: g, lda: ld, beta: decay, c: left, ldc: r,
                     threads: threads, workspace: workspace)
    symmetricProduct(transposed: true, n: c, k: r, alpha: 1, a: g, lda: ld, beta: decay, c: right, ldc: c,
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

/// Eigenvalues and eigenvectors of a symmetric n × n Double matrix by Householder reduction to
/// tridiagonal form and the implicit QL iteration, accumulating the transformations (EISPACK's
/// tred2 and tql2, as JAMA writes them): ~9n³ flops against the cyclic Jacobi method's ~6n³ per
/// sweep over 6–10 sweeps, which `symmetricEigenJacobi` stays the tested twin of. `a` (read whole)
/// is overwritten; `vectors` ends as Qᵀ, row k the eigenvector of `eigenvalues[k]` (unsorted),
/// so that A = Q·diag·Qᵀ as with Jacobi. False when an eigenvalue needs more than 60 QL steps or
/// a value is not finite.
// a (n, n) -> eigenvalues (n), vectors (n, n)
public func symmetricEigenQL(_ a: UnsafeMutablePointer<Double>, n: Int, vectors w: UnsafeMutablePointer<Double>,
                             eigenvalues d: UnsafeMutablePointer<Double>) -> Bool {
    if n == 0 { return true }
    // JAMA's tred2 on Vᵀ: A is symmetric, so `a` holds Vᵀ from the start, and every inner loop
    // that walks down a column of V walks along a row of `vt` (4–5× faster at n = 128 than the
    // strided form). vt[c·n + r] is JAMA's V[r][c].
    let vt = a
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { buffer -> Bool in
        let e = buffer.baseAddress!
        // tred2: Householder reduction, the transformations accumulated in V.
        for j in 0..<n { d[j] = vt[j * n + n - 1] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = vt[j * n + i - 1]
                    vt[j * n + i] = 0
                    vt[i * n + j] = 0
                }
            } else {
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    let column = vt + j * n
                    vt[i * n + j] = f
                    g = e[j] + column[j] * f
                    if j + 1 <= i - 1 {
                        for k in (j + 1)...(i - 1) {
                            g += column[k] * d[k]
                            e[k] += column[k] * f
                        }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    let column = vt + j * n
                    for k in j...(i - 1) { column[k] -= f * e[k] + g * d[k] }
                    d[j] = column[i - 1]
                    column[i] = 0
                }
            }
            d[i] = h
        }
        for i in 0..<(n - 1) {
            vt[i * n + n - 1] = vt[i * n + i]
            vt[i * n + i] = 1
            let h = d[i + 1]
            let next = vt + (i + 1) * n
            if h != 0 {
                for k in 0...i { d[k] = next[k] / h }
                for j in 0...i {
                    let column = vt + j * n
                    var g = 0.0
                    for k in 0...i { g += next[k] * column[k] }
                    for k in 0...i { column[k] -= g * d[k] }
                }
            }
            for k in 0...i { next[k] = 0 }
        }
        for j in 0..<n {
            d[j] = vt[j * n + n - 1]
            vt[j * n + n - 1] = 0
        }
        vt[(n - 1) * n + n - 1] = 1
        e[0] = 0
        // Qᵀ is Vᵀ: each QL rotation below updates two contiguous rows.
        w.update(from: vt, count: n * n)

        // tql2: the implicit QL iteration on the tridiagonal (d, e).
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        // Negligible against the whole matrix, not JAMA's running maximum: leading zero rows (dead
        // inputs) would leave the scale at 0 and a later block of subnormal round-off unconverged.
        var f = 0.0, largest = 0.0
        for i in 0..<n { largest = max(largest, abs(d[i]) + abs(e[i])) }
        guard largest.isFinite else { return false }
        let eps = Double.ulpOfOne
        for l in 0..<n {
            var m = l
            while m < n - 1 && abs(e[m]) > eps * largest { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > 60 { return false }
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = (p * p + 1).squareRoot()
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = c, c3 = c, s = 0.0, s2 = 0.0
                    let el1 = e[l + 1]
                    for i in stride(from: m - 1, through: l, by: -1) {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = (p * p + e[i] * e[i]).squareRoot()
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        rotateRows(w + (i + 1) * n, w + i * n, n: n, c: c, s: s)
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                    guard p.isFinite else { return false }
                } while abs(e[l]) > eps * largest
            }
            d[l] += f
            e[l] = 0
        }
        return true
    }
}

/// x ← s·y + c·x and y ← c·y − s·x over n Doubles (one QL rotation of two eigenvector rows).
private func rotateRows(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, n: Int,
                        c: Double, s: Double) {
    let cv = SIMD8<Double>(repeating: c), sv = SIMD8<Double>(repeating: s)
    var k = 0
    while k + 8 <= n {
        let h = UnsafeRawPointer(x + k).loadUnaligned(as: SIMD8<Double>.self)
        let t = UnsafeRawPointer(y + k).loadUnaligned(as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(x + k).storeBytes(of: sv * t + cv * h, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(y + k).storeBytes(of: cv * t - sv * h, as: SIMD8<Double>.self)
        k += 8
    }
    while k < n {
        let h = x[k], t = y[k]
        x[k] = s * t + c * h
        y[k] = c * t - s * h
        k += 1
    }
}

/// `(S⁺ + ε·λ_max·I)^{-1/4}` of a symmetric n × n Float statistic S, in Double and rounded to
/// Float: S = Q·diag(λ)·Qᵀ by `symmetricEigenQL`, negative eigenvalues (round-off) clamped
/// to 0, ε relative to the largest eigenvalue. Only S's lower triangle is read. False, `root`
/// untouched, when S has a non-finite entry, QL does not converge, S is zero (no direction
/// to precondition), or the root is not finite. `work` holds 2·n² Doubles.
// statistic (n, n) -> root (n, n)
public func inverseFourthRoot(_ statistic: UnsafePointer<Float>, n: Int, epsilon: Double,
                              work: UnsafeMutablePointer<Double>, root: UnsafeMutablePointer<Float>) -> Bool {
    symmetricMatrixFunction(statistic, n: n, work: work, out: root) { f, n in
        var largest = 0.0
        for k in 0..<n { largest = max(largest, f[k]) }
        guard largest > 0, largest.isFinite else { return false }
        for k in 0..<n { f[k] = 1 / (max(f[k], 0) + epsilon * largest).squareRoot().squareRoot() }
        return true
    }
}

/// Every block's two roots at once, spread over `threads` (each root is one part, largest first;
/// who computes a part never changes its bits). Each root is computed into `fresh` (the left
/// statistics' layout, then the right's) and a block's pair is copied into `leftRoot` and
/// `rightRoot` only when both succeeded; `held[i]` becomes true for those blocks and is left as
/// it was for the others, which keep their previous pair.
// left, right (packed statistics) -> leftRoot, rightRoot (packed), held (blocks)
public func shampooRoots(left: UnsafePointer<Float>, right: UnsafePointer<Float>, blocks: [ShampooBlock],
                         epsilon: Double, fresh: UnsafeMutablePointer<Float>,
                         leftRoot: UnsafeMutablePointer<Float>, rightRoot: UnsafeMutablePointer<Float>,
                         held: inout [Bool], threads: Int) {
    let leftCount = shampooStatisticCounts(blocks).left
    // (statistic, side, destination) per root: 2i the left of block i, 2i + 1 its right.
    var roots: [(UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>)] = []
    for b in blocks {
        roots.append((left + b.leftOffset, b.rows, fresh + b.leftOffset))
        roots.append((right + b.rightOffset, b.cols, fresh + leftCount + b.rightOffset))
    }
    let order = roots.indices.sorted { roots[$0].1 > roots[$1].1 }
    let done = UnsafeMutableBufferPointer<Bool>.allocate(capacity: max(roots.count, 1))
    defer { done.deallocate() }
    done.initialize(repeating: false)
    if !roots.isEmpty {
        WorkerPool.shared.run(parts: roots.count, threads: threads) { part in
            let (statistic, n, destination) = roots[order[part]]
            let work = UnsafeMutablePointer<Double>.allocate(capacity: max(2 * n * n, 1))
            defer { work.deallocate() }
            done[order[part]] = inverseFourthRoot(statistic, n: n, epsilon: epsilon, work: work, root: destination)
        }
    }
    for (i, b) in blocks.enumerated() where done[2 * i] && done[2 * i + 1] {
        (leftRoot + b.leftOffset).update(from: fresh + b.leftOffset, count: b.rows * b.rows)
        (rightRoot + b.rightOffset).update(from: fresh + leftCount + b.rightOffset, count: b.cols * b.cols)
        held[i] = true
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
