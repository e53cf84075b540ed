// Shampoo's kernels as the runtime calls them, operands by buffer id (see KernelsByBufferID.swift).

extension BufferView {
    // gradient (m, n), block b -> left (packed at b.leftOffset), right (packed at b.rightOffset)
    /// Every block's `left ← decay·left + G Gᵀ` and `right ← decay·right + Gᵀ G` of `gradient`
    /// (m, n), the blocks spread over the threads (`forEachShampooBlock`).
    public func shampooStatistics<K: BufferKey>(gradient: K, rows m: Int, cols n: Int, blocks: [ShampooBlock],
                                                decay: Float, left: K, right: K, threads: Int,
                                                workspace: GEMMWorkspace) {
        let (l, r) = shampooStatisticCounts(blocks)
        let g = input(gradient, m * n), lp = out(left, l), rp = out(right, r)
        forEachShampooBlock(count: blocks.count, threads: threads, scratch: 0, work: nil) { i, t, _ in
            let b = blocks[i]
            NNCKernels.shampooStatistics(block: g + b.row * n + b.col, rows: b.rows, cols: b.cols, ld: n, decay: decay,
                                         left: lp + b.leftOffset, right: rp + b.rightOffset, threads: t,
                                         workspace: t == threads ? workspace : nil)
        }
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

    /// Each block of `gradient` (m, n) becomes its Shampoo direction at the graft's norm when
    /// `withRoots[i]`, else the graft's direction (left as it is without a graft); `graft` (m, n)
    /// nil means the gradient itself (SGD grafting); `work` holds 2·r·c floats of the largest
    /// block. The blocks are spread over the threads (`forEachShampooBlock`).
    public func shampooDirections<K: BufferKey>(gradient: K, rows m: Int, cols n: Int, blocks: [ShampooBlock],
                                                withRoots: [Bool], leftRoot: K, rightRoot: K, graft: K?, work: K,
                                                threads: Int, workspace: GEMMWorkspace) {
        let (l, r) = shampooStatisticCounts(blocks)
        let largest = shampooDirectionWork(blocks)
        let g = out(gradient, m * n), lp = input(leftRoot, l), rp = input(rightRoot, r)
        let a = graft.map { input($0, m * n) }, w = out(work, largest)
        forEachShampooBlock(count: blocks.count, threads: threads, scratch: largest, work: w) { i, t, scratch in
            let b = blocks[i], start = b.row * n + b.col
            if withRoots[i] {
                NNCKernels.shampooBlockDirection(
                    gradient: g + start, rows: b.rows, cols: b.cols, ld: n, leftRoot: lp + b.leftOffset,
                    rightRoot: rp + b.rightOffset, graft: a.map { $0 + start } ?? UnsafePointer(g + start), ldGraft: n,
                    work: scratch!, threads: t, workspace: t == threads ? workspace : nil)
            } else if let a {
                NNCKernels.copyBlock(a + start, ld: n, into: g + start, ld: n, rows: b.rows, cols: b.cols)
            }
        }
    }

    /// True when the first `count` floats of `x` are all finite.
    public func isAllFinite<K: BufferKey>(_ x: K, count: Int) -> Bool {
        NNCKernels.isAllFinite(input(x, count), count: count)
    }
}

/// Floats of work one block's direction needs: 2·r·c of the largest block.
public func shampooDirectionWork(_ blocks: [ShampooBlock]) -> Int {
    blocks.map { 2 * $0.rows * $0.cols }.max() ?? 0
}

/// Floats `shampooDirections` takes from the kernels' scratch pool on `threads` threads (a work
/// space per thread when the blocks are split over them).
public func shampooDirectionsScratchFloats(blocks: [ShampooBlock], threads: Int) -> Int {
    ScratchPool.slabFloats(shampooBlockScratch(count: blocks.count, threads: threads, scratch: shampooDirectionWork(blocks)))
}
