/// What names a buffer in a `BufferView`: the runtime's buffer ids are plain indices into its
/// tables, so the runtime conforms its id type without NNCKernels knowing about plans.
public protocol BufferKey {
    var rawValue: Int { get }
}

/// An arena seen through a table of buffers (offset and element count per index), so the
/// runtime hands kernels their operands by buffer id and never names a pointer type itself.
/// Made inside `Arena.withView` and never kept beyond it, like the view it wraps, so no
/// pointer outlives the closure that produced it.
public struct BufferView {
    @usableFromInline let view: ArenaView
    /// Per buffer index: offset in float slots and number of elements.
    public let offsets: [Int]
    public let counts: [Int]

    public init(_ view: ArenaView, offsets: [Int], counts: [Int]) {
        self.view = view
        self.offsets = offsets
        self.counts = counts
    }

    /// The float32 buffer `id`.
    @inlinable @inline(__always)
    public func f<K: BufferKey>(_ id: K) -> UnsafeMutablePointer<Float> {
        view.mutablePointer(offsets[id.rawValue], counts[id.rawValue])
    }

    /// The first `count` (default: all) elements of the float32 buffer `id`.
    @inlinable
    public func floats<K: BufferKey>(_ id: K, count: Int? = nil) -> UnsafeMutableBufferPointer<Float> {
        view.buffer(offsets[id.rawValue], count ?? counts[id.rawValue])
    }

    /// Runs `body` with the int32 buffer `id` (labels, pooling and maxout indices).
    @inlinable @inline(__always)
    public func int32<K: BufferKey, R>(_ id: K, _ body: (UnsafeMutablePointer<Int32>) throws -> R) rethrows -> R {
        try view.withRebound(offsets[id.rawValue], counts[id.rawValue], as: Int32.self, body)
    }

    /// Runs `body` with the first `count` elements of the int32 buffer `id` as a buffer.
    @inlinable
    public func int32Buffer<K: BufferKey, R>(_ id: K, count: Int,
                                            _ body: (UnsafeMutableBufferPointer<Int32>) throws -> R) rethrows -> R {
        precondition(count <= counts[id.rawValue], "int32 buffer \(id.rawValue) holds fewer than \(count)")
        return try int32(id) { try body(UnsafeMutableBufferPointer(start: $0, count: count)) }
    }

    /// Runs `body` with the float64 buffer `id` (SGD2's factors).
    @inlinable @inline(__always)
    public func double<K: BufferKey, R>(_ id: K, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        try view.withRebound(offsets[id.rawValue], counts[id.rawValue], as: Double.self, body)
    }

    /// The float64 buffer `id`, copied out (a checkpoint's SGD2 factors).
    public func doubles<K: BufferKey>(_ id: K) -> [Double] {
        double(id) { Array(UnsafeBufferPointer(start: $0, count: counts[id.rawValue])) }
    }

    /// Overwrites the first `values.count` elements of the float64 buffer `id`.
    public func setDoubles<K: BufferKey>(_ id: K, _ values: [Double]) {
        precondition(values.count <= counts[id.rawValue], "\(values.count) doubles for buffer \(id.rawValue)")
        double(id) { p in for i in values.indices { p[i] = values[i] } }
    }

    /// `buffer[0] ← value` (a loss scalar).
    @inlinable
    public func store<K: BufferKey>(_ value: Float, at id: K) {
        f(id)[0] = value
    }

    /// `buffer[i] ← next()` for i in 0..<count, in order (dropout's uniform draws).
    @inlinable
    public func fill<K: BufferKey>(_ id: K, count: Int, _ next: () -> Float) {
        let p = view.mutablePointer(offsets[id.rawValue], count)
        for i in 0..<count { p[i] = next() }
    }

    /// `buffer[i] += next()` for i in 0..<count, in order (SGD2's gradient noise).
    @inlinable
    public func addEach<K: BufferKey>(_ id: K, count: Int, _ next: () -> Float) {
        let p = view.mutablePointer(offsets[id.rawValue], count)
        for i in 0..<count { p[i] += next() }
    }

    /// Copies `values[0..<used]` into the float32 buffer `id` and zeroes the rest of it.
    public func load<K: BufferKey>(_ id: K, from values: [Float], used: Int) {
        let dst = floats(id)
        precondition(used <= values.count && used <= dst.count, "load: \(used) values into \(dst.count)")
        values.withUnsafeBufferPointer { src in dst.baseAddress!.update(from: src.baseAddress!, count: used) }
        if used < dst.count { dst[used...].update(repeating: 0) }
    }
}

/// Reusable scratch for outputs a plan leaves out (an eval plan's pooling indices, a gradient
/// nobody reads): sized once, handed out inside scoped closures.
public final class Scratch {
    private var floats: [Float]
    private var indices: [Int32]

    public init(floats: Int, indices: Int) {
        self.floats = [Float](repeating: 0, count: max(floats, 1))
        self.indices = [Int32](repeating: 0, count: max(indices, 1))
    }

    public func withFloats<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try floats.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }

    public func withIndices<R>(_ body: (UnsafeMutablePointer<Int32>) throws -> R) rethrows -> R {
        try indices.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}

/// `y ← c·y` over `count` elements: a GEMM with k = 0 computes exactly `C = β·C`.
public func scaleInPlace(_ y: UnsafeMutablePointer<Float>, count: Int, by c: Float) {
    guard count > 0 else { return }
    gemm(transA: false, transB: false, m: 1, n: count, k: 0, a: y, lda: 1, b: y, ldb: count,
         beta: c, c: y, ldc: count)
}
