import Dispatch
import NNCKernels

/// A session's part in a data-parallel run (docs/DISTRIBUTED.md). Each rank runs forward and
/// backward on its slice of the global batch; then every gradient, every running statistic and
/// the loss travel as one fused buffer in one collective (as Horovod fuses small tensors) and
/// come back as their means over the ranks. So each rank applies the update of the global
/// batch's gradient, keeps the same running statistics and reports the global batch's loss.
final class DataParallel {
    /// The ranks, timed: every collective of a step (the fused buffer, the factors) goes through it.
    let group: TimedGroup
    /// The fused buffer's tensors, in the order they travel.
    private let parts: [BufferID]
    private var fused: [Float]

    init(group: ProcessGroup, plan: Plan) {
        self.group = TimedGroup(group)
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

/// A process group that adds up the time its collectives take (waiting for the slowest rank
/// included): what data parallelism costs a run, printed at its end.
final class TimedGroup: ProcessGroup {
    private let ranks: ProcessGroup
    private(set) var seconds = 0.0

    init(_ ranks: ProcessGroup) { self.ranks = ranks }

    var rank: Int { ranks.rank }
    var size: Int { ranks.size }

    func sum(_ values: inout MutableSpan<Float>) {
        let start = DispatchTime.now().uptimeNanoseconds
        ranks.sum(&values)
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    func sum(_ values: inout MutableSpan<Double>) {
        let start = DispatchTime.now().uptimeNanoseconds
        ranks.sum(&values)
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    func agree(_ value: UInt64) -> Bool { ranks.agree(value) }
}

/// What a data-parallel step of a plan sends (`nnc plan --ranks N`, docs/DISTRIBUTED.md): the
/// fused buffer every step, and the curvature factors on the steps that form them.
public struct CollectiveTraffic {
    public let ranks: Int
    /// Float32 values of the fused buffer: gradients, running statistics, the loss.
    public let fusedValues: Int
    public let gradientValues: Int
    public let statisticValues: Int
    /// Per preconditioned layer: the bytes of its factors and every how many steps they travel.
    public let factors: [(layer: String, bytes: Int, every: Int)]

    public init(_ plan: Plan, ranks: Int) {
        self.ranks = ranks
        gradientValues = plan.parameters.compactMap(\.gradient).reduce(0) { $0 + plan.buffer($1).count }
        statisticValues = plan.runningStatistics.reduce(0) { $0 + plan.buffer($1.buffer).count }
        fusedValues = DataParallel.fusedCount(plan)
        factors = plan.kernels.compactMap { k in
            switch k.op {
            case .sgd2Precondition(let p): return (p.layer, plan.buffer(p.factor).bytes, max(p.every, 1))
            case .kfacPrecondition(let p):
                return (p.layer, plan.buffer(p.a).bytes + plan.buffer(p.g).bytes, max(p.factorEvery, 1))
            case .kfacDiagonal(let p): return (p.layer, plan.buffer(p.fisher).bytes, max(p.factorEvery, 1))
            default: return nil
            }
        }
    }

    public var fusedBytes: Int { 4 * fusedValues }

    /// Bytes each rank sends (and receives) for `bytes` reduced by a ring allreduce: 2(N−1)/N of them.
    public func ringBytes(_ bytes: Int) -> Int { ranks > 1 ? 2 * (ranks - 1) * bytes / ranks : 0 }

    /// Each rank's bytes sent per step, the factors spread over the steps between formations.
    public var bytesPerStep: Double {
        Double(ringBytes(fusedBytes)) + factors.reduce(0) { $0 + Double(ringBytes($1.bytes)) / Double($1.every) }
    }
}
