// The rest of what the runtime does with the arena, by buffer id and without pointers: copies
// in and out, spans for loops that read or write element by element, SGD2's Double factors
// (a block is named by the factor buffer and its offset in Doubles) and the analyses' reductions.

extension BufferView {
    /// The float32 buffer `id`, copied out.
    public func copy<K: BufferKey>(_ id: K) -> [Float] {
        Array(floats(id))
    }

    /// Overwrites the float32 buffer `id` with `values`, which must fill it exactly.
    public func write<K: BufferKey>(_ id: K, _ values: [Float]) {
        let target = floats(id)
        precondition(values.count == target.count, "\(values.count) values for buffer \(id.rawValue) of \(target.count)")
        _ = target.update(from: values)
    }

    /// Sets every element of the float32 buffer `id` to `value`.
    public func fill<K: BufferKey>(_ id: K, with value: Float) {
        floats(id).update(repeating: value)
    }

    /// Runs `body` with the float32 buffer `id` as a span (reading).
    public func withSpan<K: BufferKey, R>(_ id: K, _ body: (Span<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(floats(id)).span)
    }

    /// Runs `body` with the float32 buffer `id` as a mutable span.
    public func withMutableSpan<K: BufferKey, R>(_ id: K, _ body: (inout MutableSpan<Float>) throws -> R) rethrows -> R {
        var span = floats(id).mutableSpan
        return try body(&span)
    }

    /// Runs `body` with the first `count` elements of the int32 buffer `id` as a mutable span.
    public func withMutableInt32Span<K: BufferKey, R>(_ id: K, count: Int,
                                                      _ body: (inout MutableSpan<Int32>) throws -> R) rethrows -> R {
        try int32Buffer(id, count: count) { buffer in
            var span = buffer.mutableSpan
            return try body(&span)
        }
    }

    /// Runs `body` with the float64 buffer `id` as a mutable span.
    public func withMutableDoubleSpan<K: BufferKey, R>(_ id: K, _ body: (inout MutableSpan<Double>) throws -> R) rethrows -> R {
        try double(id) { p in
            var span = UnsafeMutableBufferPointer(start: p, count: counts[id.rawValue]).mutableSpan
            return try body(&span)
        }
    }
}

extension Arena {
    /// Copies `count` floats from `source` at `sourceOffset` to this arena at `offset` (the
    /// weights from a training arena to an evaluation arena).
    public func copy(_ count: Int, from source: Arena, at sourceOffset: Int, to offset: Int) {
        precondition(sourceOffset >= 0 && offset >= 0 && sourceOffset + count <= source.count && offset + count <= self.count,
                     "arena copy of \(count) floats out of bounds")
        source.withView { s in
            withView { t in t.mutablePointer(offset, count).update(from: s.pointer(sourceOffset, count), count: count) }
        }
    }
}

// MARK: - SGD2's factors

/// The factor a solve reads: a block of a Double buffer from `offset` (in Doubles), or the
/// Float copy of it the runtime keeps in an array.
public enum BufferSolveFactor<K: BufferKey> {
    case double(K, offset: Int)
    case float([Float], offset: Int)
}

extension BufferView {
    @inline(__always)
    func doubles<K: BufferKey, R>(_ id: K, offset: Int, need: Int, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        precondition(offset >= 0 && offset + need <= counts[id.rawValue],
                     "Double buffer \(id.rawValue): [\(offset), \(offset + need)) outside its \(counts[id.rawValue])")
        return try double(id) { try body($0 + offset) }
    }

    /// `syrk` of the columns `sampleIndices` of `x` into the block at `offset` of the Double
    /// buffer `out` (row stride `ldo`).
    public func syrk<K: BufferKey>(x: K, featureStride: Int, sampleStride: Int, features: Int, samples: Int,
                                   featureIndices: [Int], from featureStart: Int, sampleIndices: [Int], biasRow: Bool,
                                   out: K, offset: Int, ldo: Int, workspace: inout [Double], threads: Int) {
        let rows = features + (biasRow ? 1 : 0)
        let xp = f(x)
        doubles(out, offset: offset, need: rows * ldo) { o in
            NNCKernels.syrk(x: xp, featureStride: featureStride, sampleStride: sampleStride, features: features,
                            samples: samples, featureIndices: featureIndices, from: featureStart,
                            sampleIndices: sampleIndices, biasRow: biasRow, out: o, ldo: ldo, workspace: &workspace,
                            threads: threads)
        }
    }

    /// Adds `lambda` to the diagonal of the n × n block at `offset`, then factors it in place.
    public func choleskyFactor<K: BufferKey>(_ a: K, offset: Int, n: Int, addingToDiagonal lambda: Double) -> CholeskyResult {
        doubles(a, offset: offset, need: n * n) { p in
            for i in 0..<n { p[i * n + i] += lambda }
            return NNCKernels.choleskyFactor(p, n: n, lda: n)
        }
    }

    /// `conditionBound` of the n × n factor at `offset`.
    public func conditionBound<K: BufferKey>(factor: K, offset: Int, n: Int, lambda: Double) -> Double {
        doubles(factor, offset: offset, need: n * n) { NNCKernels.conditionBound(factor: $0, n: n, ldl: n, lambda: lambda) }
    }

    /// The n × n factor at `offset`, rounded to Float into `out` at the same offset.
    public func roundFactor<K: BufferKey>(_ factor: K, offset: Int, n: Int, into out: inout [Float]) {
        doubles(factor, offset: offset, need: n * n) { NNCKernels.roundFactor($0, n: n, into: &out, offset: offset) }
    }

    /// `choleskySolveRowsBlocked` over the rows of the float32 buffer `rows`, the bias entries
    /// from the buffer `bias` when given.
    public func choleskySolveRowsBlocked<K: BufferKey>(factor: BufferSolveFactor<K>, n: Int, rows: K, count: Int, ldg: Int,
                                                       groupRows: Int = 0, groupStride: Int = 0, columnIndices: [Int],
                                                       from start: Int, bias: K?, threads: Int) {
        withSolveFactor(factor, n: n) { l in
            NNCKernels.choleskySolveRowsBlocked(factor: l, n: n, ldl: n, rows: f(rows), count: count, ldg: ldg,
                                                groupRows: groupRows, groupStride: groupStride,
                                                columnIndices: columnIndices, from: start, bias: bias.map { f($0) },
                                                threads: threads)
        }
    }

    /// The same with the bias entries in an array.
    public func choleskySolveRowsBlocked<K: BufferKey>(factor: BufferSolveFactor<K>, n: Int, rows: K, count: Int, ldg: Int,
                                                       groupRows: Int = 0, groupStride: Int = 0, columnIndices: [Int],
                                                       from start: Int, bias: inout [Float], threads: Int) {
        withSolveFactor(factor, n: n) { l in
            NNCKernels.choleskySolveRowsBlocked(factor: l, n: n, ldl: n, rows: f(rows), count: count, ldg: ldg,
                                                groupRows: groupRows, groupStride: groupStride,
                                                columnIndices: columnIndices, from: start, bias: &bias, threads: threads)
        }
    }

    private func withSolveFactor<K: BufferKey>(_ factor: BufferSolveFactor<K>, n: Int, _ body: (SolveFactor) -> Void) {
        switch factor {
        case .double(let id, let offset): doubles(id, offset: offset, need: n * n) { body(.double(UnsafePointer($0))) }
        case .float(let values, let offset): body(.float(values, offset: offset))
        }
    }
}

// MARK: - The analyses

extension BufferView {
    public func activationSummary<K: BufferKey>(_ y: K, batch: Int, units: Int, spatial: Int, low: Float, high: Float)
        -> ActivationSummary {
        NNCKernels.activationSummary(input(y, batch * units * spatial), batch: batch, units: units, spatial: spatial,
                                     low: low, high: high)
    }

    public func secondMomentEigenvalues<K: BufferKey>(x: K, featureStride: Int, sampleStride: Int, features: Int,
                                                      samples: Int, sampleIndices: [Int]? = nil, scale: Double) -> [Double] {
        NNCKernels.secondMomentEigenvalues(x: f(x), featureStride: featureStride, sampleStride: sampleStride,
                                           features: features, samples: samples, sampleIndices: sampleIndices, scale: scale)
    }

    /// σ_max of the rows × cols matrix in the float32 buffer `w`.
    public func largestSingularValue<K: BufferKey>(_ w: K, rows: Int, cols: Int) -> Double {
        NNCKernels.largestSingularValue(input(w, rows * cols), rows: rows, cols: cols, ldw: max(cols, 1))
    }
}
