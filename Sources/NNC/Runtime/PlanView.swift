import NNCKernels

/// The arena seen through a plan's buffer table: a buffer id gives a pointer to its elements.
/// Made inside `Arena.withView` and never kept beyond it, like the view it wraps, so no
/// pointer outlives the closure that produced it.
struct PlanView {
    let view: ArenaView
    /// Per buffer id: offset in slots and number of elements.
    let offsets: [Int]
    let counts: [Int]

    /// The float32 buffer `id`.
    @inline(__always)
    func f(_ id: BufferID) -> UnsafeMutablePointer<Float> {
        view.mutablePointer(offsets[id.rawValue], counts[id.rawValue])
    }

    /// Runs `body` with the int32 buffer `id` (labels, pooling and maxout indices).
    @inline(__always)
    func int32<R>(_ id: BufferID, _ body: (UnsafeMutablePointer<Int32>) throws -> R) rethrows -> R {
        try view.withRebound(offsets[id.rawValue], counts[id.rawValue], as: Int32.self, body)
    }

    /// Runs `body` with the float64 buffer `id` (SGD2's factors).
    @inline(__always)
    func double<R>(_ id: BufferID, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        try view.withRebound(offsets[id.rawValue], counts[id.rawValue], as: Double.self, body)
    }
}

extension Arena {
    /// Runs `body` with the arena seen through `table`'s buffers.
    func withPlanView<R>(_ table: BufferTable, _ body: (PlanView) throws -> R) rethrows -> R {
        try withView { try body(PlanView(view: $0, offsets: table.offsets, counts: table.counts)) }
    }
}

/// Offsets and element counts of a plan's buffers, as plain arrays indexed by buffer id, so a
/// kernel finds its pointers without touching names or shapes.
struct BufferTable {
    let offsets: [Int]
    let counts: [Int]

    init(_ plan: Plan) {
        offsets = plan.buffers.map(\.offset)
        counts = plan.buffers.map(\.count)
    }
}
