// Shampoo's kernels (docs/ALGORITHMS.md "Shampoo"): a weight's block split, the block statistics
// L ← β·L + G Gᵀ and R ← β·R + Gᵀ G by GEMM, a statistic's inverse fourth root by a symmetric
// eigendecomposition in Double (SymmetricEigenvectors.swift), the adaptive
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
    // 16 at a time, the tail through the same vector code: element i is read before it is
    // written, so `out` may be `g`.
    forEachChunk(count) { i, n in
        let x = load16(g + i, n)
        let s = keep * load16(UnsafePointer(v + i), n) + add * x * x
        store16(s, v + i, n)
        store16(x / (sqrt16(s * inverse) + epsilon), out + i, n)
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

/// What `forEachShampooBlock` takes: `scratch` floats per part when the blocks are split.
func shampooBlockScratch(count: Int, threads: Int, scratch: Int) -> [Int] {
    let parts = min(threads, count)
    return parts > 1 && scratch > 0 ? [Int](repeating: scratch, count: parts) : []
}

/// Runs `body(block, threads, work)` for blocks 0..<count: one after another with `threads` for
/// each block's products and `work` as scratch, or, when there are several blocks and threads,
/// the blocks dealt round-robin to min(threads, count) parts, each block's products on one
/// thread with `scratch` floats of its part's own (none when 0) and `gemm`'s shared workspaces.
/// A block's result never depends on the split: `gemm` gives the same bits on any thread count.
func forEachShampooBlock(count: Int, threads: Int, scratch: Int, work: UnsafeMutablePointer<Float>?,
                         _ body: (Int, Int, UnsafeMutablePointer<Float>?) -> Void) {
    let parts = min(threads, count)
    if parts <= 1 {
        for i in 0..<count { body(i, threads, work) }
        return
    }
    let buffers = ScratchPool.shared.take(shampooBlockScratch(count: count, threads: threads, scratch: scratch))
    defer { ScratchPool.shared.give(buffers) }
    WorkerPool.shared.run(parts: parts, threads: threads) { part in
        for i in stride(from: part, to: count, by: parts) { body(i, 1, buffers.isEmpty ? nil : buffers[part]) }
    }
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
