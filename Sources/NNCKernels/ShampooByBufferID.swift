// Shampoo's kernels as the runtime calls them, operands by buffer id (see KernelsByBufferID.swift).

extension BufferView {
    // gradient (m, n), block b -> left (packed at b.leftOffset), right (packed at b.rightOffset)
    public func shampooStatistics<K: BufferKey>(gradient: K, cols n: Int, block b: ShampooBlock, decay: Float,
                                                left: K, right: K, threads: Int, workspace: GEMMWorkspace) {
        NNCKernels.shampooStatistics(block: input(gradient, (b.row + b.rows) * n) + b.row * n + b.col, rows: b.rows,
                                     cols: b.cols, ld: n, decay: decay,
                                     left: out(left, b.leftOffset + b.rows * b.rows) + b.leftOffset,
                                     right: out(right, b.rightOffset + b.cols * b.cols) + b.rightOffset,
                                     threads: threads, workspace: workspace)
    }

    /// Every block's pair of roots from `left` and `right` into `leftRoot` and `rightRoot`,
    /// committed per block when both succeed (`held[i]` set); `fresh` holds left + right floats.
    public func shampooRoots<K: BufferKey>(left: K, right: K, blocks: [ShampooBlock], epsilon: Double, fresh: K,
                                           leftRoot: K, rightRoot: K, held: inout [Bool], threads: Int) {
        let (l, r) = shampooStatisticCounts(blocks)
        NNCKernels.shampooRoots(left: input(left, l), right: input(right, r), blocks: blocks, epsilon: epsilon,
                                fresh: out(fresh, l + r), leftRoot: out(leftRoot, l), rightRoot: out(rightRoot, r),
                                held: &held, threads: threads)
    }

    // gradient (count), accumulator (count) -> accumulator, out (count)
    public func shampooGraft<K: BufferKey>(gradient: K, accumulator: K, count: Int, keep: Float, add: Float,
                                           correction: Float, epsilon: Float, out o: K) {
        NNCKernels.shampooGraft(gradient: input(gradient, count), accumulator: out(accumulator, count), count: count,
                                keep: keep, add: add, correction: correction, epsilon: epsilon, out: out(o, count))
    }

    /// Block b of `gradient` (m, n) becomes its Shampoo direction at the graft's norm; `graft`
    /// (m, n) nil means the gradient itself (SGD grafting); `work` holds 2·b.rows·b.cols floats.
    @discardableResult
    public func shampooBlockDirection<K: BufferKey>(gradient: K, cols n: Int, block b: ShampooBlock, leftRoot: K,
                                                    rightRoot: K, graft: K?, work: K, threads: Int,
                                                    workspace: GEMMWorkspace) -> Bool {
        let g = out(gradient, (b.row + b.rows) * n) + b.row * n + b.col
        let graftBlock = graft.map { input($0, (b.row + b.rows) * n) + b.row * n + b.col } ?? UnsafePointer(g)
        return NNCKernels.shampooBlockDirection(
            gradient: g, rows: b.rows, cols: b.cols, ld: n,
            leftRoot: input(leftRoot, b.leftOffset + b.rows * b.rows) + b.leftOffset,
            rightRoot: input(rightRoot, b.rightOffset + b.cols * b.cols) + b.rightOffset,
            graft: graftBlock, ldGraft: n, work: out(work, 2 * b.rows * b.cols), threads: threads, workspace: workspace)
    }

    /// Block b of `into` (m, n) ← block b of `from` (m, n).
    public func copy<K: BufferKey>(_ from: K, into: K, block b: ShampooBlock, cols n: Int) {
        let need = (b.row + b.rows) * n, start = b.row * n + b.col
        NNCKernels.copyBlock(input(from, need) + start, ld: n, into: out(into, need) + start, ld: n, rows: b.rows,
                             cols: b.cols)
    }

    /// True when the first `count` floats of `x` are all finite.
    public func isAllFinite<K: BufferKey>(_ x: K, count: Int) -> Bool {
        NNCKernels.isAllFinite(input(x, count), count: count)
    }
}
