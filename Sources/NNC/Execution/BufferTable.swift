import NNCKernels

/// Buffer ids index the plan's buffer table, which is how NNCKernels' `BufferView` names buffers.
extension BufferID: BufferKey {}

extension Arena {
    /// Runs `body` with the arena seen through `table`'s buffers.
    func withPlanView<R>(_ table: BufferTable, _ body: (BufferView) throws -> R) rethrows -> R {
        try withView { try body(BufferView($0, offsets: table.offsets, counts: table.counts)) }
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
