/// One 64-byte-aligned allocation of `count` floats that the runtime's buffers live in.
///
/// The memory planner decides where every tensor goes (a float offset and a count); the
/// arena only holds the memory and hands out pointers into it inside scoped closures.
/// Bounds are asserted in debug builds. Memory starts zeroed.
///
///     let arena = Arena(count: plan.arenaFloats)
///     arena.withView { v in
///         reluForward(x: v.pointer(x.offset, x.count), y: v.mutablePointer(y.offset, y.count), count: x.count)
///     }
public final class Arena {
    /// Number of floats in the arena.
    public let count: Int
    private let base: UnsafeMutablePointer<Float>

    /// Allocates `count` zeroed floats aligned to 64 bytes (one cache line, one AVX-512 vector).
    public init(count: Int) {
        precondition(count >= 0, "arena size must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        base.deallocate()
    }

    /// Runs `body` with a view that hands out pointers by float offset; the pointers must not
    /// escape the closure.
    @inlinable
    public func withView<R>(_ body: (ArenaView) throws -> R) rethrows -> R {
        defer { withExtendedLifetime(self) {} }
        return try body(ArenaView(base: _base, count: count))
    }

    /// Runs `body` with the buffer of `count` floats at float offset `offset`.
    @inlinable
    public func withBuffer<R>(offset: Int, count: Int,
                              _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try withView { try body($0.buffer(offset, count)) }
    }

    @usableFromInline
    var _base: UnsafeMutablePointer<Float> { base }
}

/// Scoped access to an `Arena`'s memory: pointers by float offset, bounds asserted in debug.
public struct ArenaView {
    @usableFromInline let base: UnsafeMutablePointer<Float>
    /// Number of floats in the arena.
    public let count: Int

    @usableFromInline
    init(base: UnsafeMutablePointer<Float>, count: Int) {
        self.base = base
        self.count = count
    }

    /// A read-only pointer to the `count` floats at `offset`.
    @inlinable
    public func pointer(_ offset: Int, _ count: Int) -> UnsafePointer<Float> {
        UnsafePointer(mutablePointer(offset, count))
    }

    /// A mutable pointer to the `count` floats at `offset`.
    @inlinable
    public func mutablePointer(_ offset: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        assert(offset >= 0 && count >= 0 && offset + count <= self.count,
               "arena access [\(offset), \(offset + count)) outside [0, \(self.count))")
        return base + offset
    }

    /// Runs `body` with `count` values of another type — Int32 labels and indices, Double
    /// factors — stored from float offset `offset` (which must suit `T`'s alignment), through
    /// `withMemoryRebound`, as Swift's memory model asks.
    @inlinable
    public func withRebound<T, R>(_ offset: Int, _ count: Int, as type: T.Type,
                                  _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        let floats = (count * MemoryLayout<T>.stride + 3) / 4
        let p = mutablePointer(offset, floats)
        assert(Int(bitPattern: p) % MemoryLayout<T>.alignment == 0, "arena offset \(offset) misaligned for \(T.self)")
        return try p.withMemoryRebound(to: T.self, capacity: count, body)
    }

    /// The buffer of `count` floats at `offset`.
    @inlinable
    public func buffer(_ offset: Int, _ count: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: mutablePointer(offset, count), count: count)
    }
}
