import NNCKernels

/// A session's part in a data-parallel run (docs/DISTRIBUTED.md). Each rank runs forward and
/// backward on its slice of the global batch; then every gradient, every running statistic and
/// the loss travel as one fused buffer in one collective (as Horovod fuses small tensors) and
/// come back as their means over the ranks. So each rank applies the update of the global
/// batch's gradient, keeps the same running statistics and reports the global batch's loss.
final class DataParallel {
    let group: ProcessGroup
    /// The fused buffer's tensors, in the order they travel.
    private let parts: [BufferID]
    private var fused: [Float]

    init(group: ProcessGroup, plan: Plan) {
        self.group = group
        parts = DataParallel.fusedTensors(plan)
        fused = [Float](repeating: 0, count: DataParallel.fusedCount(plan))
    }

    /// Gradients in model order, then running statistics, then the loss.
    static func fusedTensors(_ plan: Plan) -> [BufferID] {
        plan.parameters.compactMap(\.gradient) + plan.runningStatistics.map(\.buffer) + [plan.loss]
    }

    /// Values in the fused buffer: what one step sends, as float32.
    static func fusedCount(_ plan: Plan) -> Int {
        fusedTensors(plan).reduce(0) { $0 + plan.buffer($1).count }
    }

    /// Replaces every fused tensor by its mean over the ranks.
    func average(_ v: BufferView) {
        var at = 0
        for id in parts {
            v.withSpan(id) { s in
                for i in 0..<s.count { fused[at + i] = s[i] }
                at += s.count
            }
        }
        var values = fused.mutableSpan
        group.average(&values)
        at = 0
        for id in parts {
            v.withMutableSpan(id) { s in
                for i in 0..<s.count { s[i] = fused[at + i] }
                at += s.count
            }
        }
    }

    /// The mean over the ranks of a loss each computed on its slice.
    func average(_ loss: Float) -> Float {
        var value = [loss]
        var span = value.mutableSpan
        group.average(&span)
        return value[0]
    }

    /// Whether every rank holds the same parameters and running statistics, bit for bit (a
    /// hash of them compared): ranks that drifted apart would be training different models.
    func ranksAgree(_ plan: Plan, _ v: BufferView) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in plan.parameters + plan.runningStatistics {
            v.withSpan(b.buffer) { s in
                for i in 0..<s.count { hash = (hash ^ UInt64(s[i].bitPattern)) &* 0x100_0000_01b3 }
            }
        }
        return group.agree(hash)
    }
}
