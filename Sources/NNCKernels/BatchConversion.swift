import CIntrinsics

// A batch gathered from stored samples into network input, value by value:
// `output = Float(source) · multiplier + offset` (a multiply, then an add: the same bits as the
// plain loop, no fused multiply-add). 16 lanes at a time it is memory-bound, where the
// bounds-checked loop over spans it replaces ran at a third of that speed (`nnc time`'s "batch
// load" row).

/// Writes sample `samples[r]` of `source` (`size` values each) as row r of `output`, for every
/// r, converted by the map. Rows are split over `threads`: each is its own sample's, so the bits
/// do not depend on them, and each thread writes rows its own core then holds (on two threads a
/// single-threaded load spent a third of its time fetching lines the other core had read last).
public func gatherConverted(_ source: Span<UInt8>, size: Int, samples: Span<Int32>, multiplier: Span<Float>,
                            offset: Span<Float>, into output: inout MutableSpan<Float>, threads: Int = 1) {
    gather(source, size, samples, multiplier, offset, &output, threads,
           vector: { F16(SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer($0).loadUnaligned(as: SIMD16<UInt8>.self))) },
           scalar: { Float($0) })
}

/// `gatherConverted` from stored floats.
public func gatherConverted(_ source: Span<Float>, size: Int, samples: Span<Int32>, multiplier: Span<Float>,
                            offset: Span<Float>, into output: inout MutableSpan<Float>, threads: Int = 1) {
    gather(source, size, samples, multiplier, offset, &output, threads, vector: { load16($0) }, scalar: { $0 })
}

/// How many rows ahead of the one converted the gather asks for a row's cache lines: rows come
/// from random places in the dataset, where no hardware prefetcher can guess the next one.
private let prefetchDistance = 4

/// Both gathers: `vector` reads 16 stored values as floats, `scalar` one.
@inline(__always)
private func gather<T>(_ source: Span<T>, _ size: Int, _ samples: Span<Int32>, _ multiplier: Span<Float>,
                       _ offset: Span<Float>, _ output: inout MutableSpan<Float>, _ threads: Int,
                       vector: (UnsafePointer<T>) -> F16, scalar: (T) -> Float) {
    let rows = samples.count
    precondition(size >= 0 && multiplier.count >= size && offset.count >= size && rows * size <= output.count,
                 "gatherConverted: \(rows) rows of \(size) values into \(output.count)")
    let stored = size > 0 ? source.count / size : 0
    for r in 0..<rows { precondition(samples[r] >= 0 && Int(samples[r]) < stored, "gatherConverted: sample \(samples[r]) of \(stored)") }
    guard rows > 0 && size > 0 else { return }
    source.withUnsafeBufferPointer { s in
        samples.withUnsafeBufferPointer { order in
            multiplier.withUnsafeBufferPointer { m in
                offset.withUnsafeBufferPointer { o in
                    output.withUnsafeMutableBufferPointer { out in
                        let (s, order, m, o, y) = (s.baseAddress!, order.baseAddress!, m.baseAddress!, o.baseAddress!, out.baseAddress!)
                        parallelChunks(rows, threads: threads, grain: max(1, (1 << 14) / size), align: 1) { part in
                            for r in part {
                                if r + prefetchDistance < part.upperBound {
                                    prefetch(s + Int(order[r + prefetchDistance]) * size, bytes: size * MemoryLayout<T>.stride)
                                }
                                convertRow(s + Int(order[r]) * size, m, o, y + r * size, size, vector, scalar)
                            }
                        }
                    }
                }
            }
        }
    }
}

@inline(__always)
private func convertRow<T>(_ s: UnsafePointer<T>, _ m: UnsafePointer<Float>, _ o: UnsafePointer<Float>,
                           _ y: UnsafeMutablePointer<Float>, _ n: Int,
                           _ vector: (UnsafePointer<T>) -> F16, _ scalar: (T) -> Float) {
    var i = 0
    while i + 16 <= n {
        store16(vector(s + i) * load16(m + i) + load16(o + i), y + i)
        i += 16
    }
    while i < n {
        y[i] = scalar(s[i]) * m[i] + o[i]
        i += 1
    }
}

/// Asks for every cache line of the `bytes` bytes at `start` ahead of their use.
@inline(__always)
private func prefetch<T>(_ start: UnsafePointer<T>, bytes: Int) {
    let raw = UnsafeRawPointer(start)
    var offset = 0
    while offset < bytes {
        nnc_prefetch(raw + offset)
        offset += 64
    }
    nnc_prefetch(raw + (bytes - 1))  // the last line, when the row does not start on one
}
