import CIntrinsics

// A stored sample to network input, value by value: `output = Float(source) · multiplier + offset`
// (a multiply, then an add: the same bits as the plain loop, no fused multiply-add). The batch
// load runs this on every row it gathers; 16 lanes at a time it is memory-bound, where the
// bounds-checked loop over spans ran at a third of that speed (`nnc time`'s "batch load" row).

/// Converts bytes `source` (one sample) into `output[at ..< at + source.count]`.
public func affineConvert(_ source: Span<UInt8>, multiplier: Span<Float>, offset: Span<Float>,
                          into output: inout MutableSpan<Float>, at start: Int) {
    affineConvert(source, multiplier, offset, &output, start,
                  vector: { F16(SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer($0).loadUnaligned(as: SIMD16<UInt8>.self))) },
                  scalar: { Float($0) })
}

/// Converts floats `source` (one sample) into `output[at ..< at + source.count]`.
public func affineConvert(_ source: Span<Float>, multiplier: Span<Float>, offset: Span<Float>,
                          into output: inout MutableSpan<Float>, at start: Int) {
    affineConvert(source, multiplier, offset, &output, start, vector: { load16($0) }, scalar: { $0 })
}

/// Both conversions: `vector` reads 16 stored values as floats, `scalar` one.
@inline(__always)
private func affineConvert<T>(_ source: Span<T>, _ multiplier: Span<Float>, _ offset: Span<Float>,
                              _ output: inout MutableSpan<Float>, _ start: Int,
                              vector: (UnsafePointer<T>) -> F16, scalar: (T) -> Float) {
    let n = source.count
    precondition(multiplier.count >= n && offset.count >= n && start >= 0 && start + n <= output.count,
                 "affineConvert: \(n) values into [\(start), \(start + n)) of \(output.count)")
    guard n > 0 else { return }
    source.withUnsafeBufferPointer { s in
        multiplier.withUnsafeBufferPointer { m in
            offset.withUnsafeBufferPointer { o in
                output.withUnsafeMutableBufferPointer { out in
                    let (s, m, o, y) = (s.baseAddress!, m.baseAddress!, o.baseAddress!, out.baseAddress! + start)
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
            }
        }
    }
}

/// Asks for every cache line of `values` ahead of their use. The batch load gathers its rows
/// from random places in the dataset, where the hardware cannot guess the next one; asking for
/// a row a few rows ahead overlaps its misses with the conversion of the rows before it.
public func prefetch<T>(_ values: Span<T>) {
    let bytes = values.count * MemoryLayout<T>.stride
    guard bytes > 0 else { return }
    values.withUnsafeBufferPointer { v in
        let start = UnsafeRawPointer(v.baseAddress!)
        var offset = 0
        while offset < bytes {
            nnc_prefetch(start + offset)
            offset += 64
        }
        nnc_prefetch(start + (bytes - 1))  // the last line, when the row does not start on one
    }
}
