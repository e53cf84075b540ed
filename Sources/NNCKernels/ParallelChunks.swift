/// Splits `0..<count` into at most `threads` contiguous ranges, each at least `grain` long and
/// starting at a multiple of `align`, and runs `body` on each over `WorkerPool`. For kernels
/// whose every output element depends on its own inputs only (or each range on its own
/// rows/columns/channels), so that any split gives the 1-thread bits; with `align` 16 each
/// element stays in the same SIMD lane.
@inline(__always)
func parallelChunks(_ count: Int, threads: Int, grain: Int = 1 << 15, align: Int = 16, _ body: (Range<Int>) -> Void) {
    let parts = min(threads, count / max(grain, align, 1), (count + align - 1) / align)
    if parts <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let blocks = (count + align - 1) / align
    WorkerPool.shared.run(parts: parts) { p in
        let lo = min(count, blocks * p / parts * align)
        let hi = min(count, blocks * (p + 1) / parts * align)
        if lo < hi { body(lo..<hi) }
    }
}

/// `forEachChunk` with the chunks split over `threads` (at least `grain` elements each): the
/// same 16-lane chunks at the same offsets as on one thread.
@inline(__always)
func forEachChunk(_ count: Int, threads: Int, grain: Int = 1 << 15, _ body: (Int, Int) -> Void) {
    parallelChunks(count, threads: threads, grain: grain) { r in
        var i = r.lowerBound
        while i + 16 <= r.upperBound {
            body(i, 16)
            i += 16
        }
        if i < r.upperBound { body(i, r.upperBound - i) }
    }
}
