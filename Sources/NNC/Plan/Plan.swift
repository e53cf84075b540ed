/// What a training (or evaluation) step executes: kernels in order over buffers in one arena.
///
/// Plain data: lowering builds it, the printer and JSON writer show it, the runtime runs it.
/// The arena is counted in 4-byte slots. It starts with the parameters (model order, then the
/// running statistics) — the same offsets in the train and eval plans of a model, so one copy
/// of `[0, sharedPrefixSlots)` moves the weights between them — then the optimizer state, then
/// the transient buffers, which share memory when their lifetimes do not overlap.
public struct Plan: Hashable, Sendable {
    /// Every offset is a multiple of 16 slots (64 bytes, a cache line and an AVX-512 vector).
    public static let alignment = 16

    public enum Mode: String, Hashable, Sendable {
        /// Forward, backward and update; batch statistics, dropout on, loss and its gradient.
        case train
        /// Forward only; running statistics, dropout off, loss without gradient.
        case eval
    }

    public var model: String
    public var mode: Mode
    public var batch: Int
    public var buffers: [Buffer]
    public var kernels: [Kernel]
    public var arenaSlots: Int
    /// Parameters, running statistics and optimizer state.
    public var persistentSlots: Int
    /// Parameters and running statistics: laid out identically in the train and eval plans.
    public var sharedPrefixSlots: Int
    /// Memory traffic the unfused graph would have had on top of this plan's, in bytes.
    public var bytesSavedByFusion: Int
    /// Samples in the training set, when known: gives the per-epoch totals.
    public var trainingSetSize: Int?
    /// The optimizer as the dumps name it; what a step reads of it is in the update ops.
    public var optimizer: OptimizerSummary

    /// The input batch (B, …) and the labels: class indices (B) as int32 for cross-entropy,
    /// targets (B, outputs) for mean squared error. Written by the runtime before kernel 0.
    public var input: BufferID
    public var labels: BufferID
    /// The batch's mean loss (one element), valid after the step.
    public var loss: BufferID
    /// The last layer's output (B, classes), valid after the step.
    public var logits: BufferID
    /// Every parameter with its gradient (nil in eval plans), in model order.
    public var parameters: [TensorBinding]
    /// Every running statistic (batch-norm mean and variance, RMS-norm `d` and `steps`).
    public var runningStatistics: [TensorBinding]
    /// Each dense and conv layer's input batch X and output residual R = ∂L/∂Y, for SGD2 and
    /// the analyses. R lives until the layer's backward kernels have read it; lower with
    /// `keepLayerBuffers` to keep X and R readable after the step.
    public var linearLayers: [LinearLayer]

    public func buffer(_ id: BufferID) -> Buffer { buffers[id.rawValue] }

    /// The sum of every buffer's (aligned) size: the arena without reuse.
    public var naiveSlots: Int { buffers.reduce(0) { $0 + Plan.aligned($1.slots) } }
    public var arenaBytes: Int { arenaSlots * 4 }
    public var bytesSavedByReuse: Int { (naiveSlots - arenaSlots) * 4 }
    public var flopsPerStep: Int { kernels.reduce(0) { $0 + $1.flops } }
    /// Steps in one epoch, the last partial batch counted as a full one; nil when the training
    /// set's size is unknown.
    public var stepsPerEpoch: Int? { trainingSetSize.map { ($0 + batch - 1) / batch } }
    public var flopsPerEpoch: Int? { stepsPerEpoch.map { $0 * flopsPerStep } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + buffer($1.buffer).count } }

    static func aligned(_ slots: Int) -> Int { (slots + alignment - 1) / alignment * alignment }

    /// Checks the arena: every buffer aligned and inside it, no two buffers that are live at the
    /// same kernel sharing a slot, every kernel's buffers live while it runs. Returns the
    /// problems found (empty when the plan is sound).
    public func verify() -> [String] {
        var problems: [String] = []
        for (i, b) in buffers.enumerated() {
            if b.id.rawValue != i { problems.append("buffer \(b.name) has id \(b.id) at position \(i)") }
            if b.offset % Plan.alignment != 0 { problems.append("\(b.name) offset \(b.offset) is not aligned") }
            if b.offset < 0 || b.offset + b.slots > arenaSlots {
                problems.append("\(b.name) [\(b.offset), \(b.offset + b.slots)) lies outside the arena of \(arenaSlots)")
            }
            if b.firstUse > b.lastUse { problems.append("\(b.name) has an empty lifetime") }
            if b.role.isPersistent && (b.firstUse != 0 || b.lastUse != max(0, kernels.count - 1)) {
                problems.append("persistent \(b.name) does not live for the whole step")
            }
        }
        let sorted = buffers.sorted { $0.offset < $1.offset }
        for (i, a) in sorted.enumerated() {
            for b in sorted[(i + 1)...] {
                if b.offset >= a.offset + a.slots { break }
                if a.livesWith(b) && a.slots > 0 && b.slots > 0 {
                    problems.append("\(a.name) and \(b.name) are live together and overlap in the arena")
                }
            }
        }
        for k in kernels {
            for id in k.inputs + k.outputs {
                guard id.rawValue >= 0, id.rawValue < buffers.count else {
                    problems.append("kernel \(k.name) uses unknown buffer \(id)"); continue
                }
                let b = buffer(id)
                if k.index < b.firstUse || k.index > b.lastUse {
                    problems.append("kernel \(k.name) uses \(b.name) outside its lifetime")
                }
            }
        }
        return problems
    }
}

/// A named model tensor and where it lives.
public struct TensorBinding: Hashable, Sendable {
    /// `dense1`
    public var layer: String
    /// `weight`, `bias`, `mean`, `d`
    public var name: String
    public var buffer: BufferID
    /// The parameter's gradient (nil for running statistics and in eval plans).
    public var gradient: BufferID?
    /// The value a running statistic starts at (parameters are initialised by their spec).
    public var initialValue: Double?
}

/// A dense or conv layer's buffers, for second-order methods and the analyses.
public struct LinearLayer: Hashable, Sendable {
    public var name: String
    /// The input batch: (B, in) for dense, (B, C, H, W) for conv. Behind a flatten the buffer
    /// keeps the shape it was written with (flatten is a view), e.g. (B, C, H, W) for a dense X.
    public var x: BufferID
    /// ∂L/∂Y of the layer's output before its activation: (B, out) or (B, F, Ho, Wo). Nil in eval plans.
    public var r: BufferID?
    public var weight: BufferID
    public var weightGrad: BufferID?
    public var bias: BufferID?
    public var biasGrad: BufferID?
}

/// The optimizer block in brief, for the plan's dumps.
public struct OptimizerSummary: Hashable, Sendable {
    public var method: OptimizerMethod
    /// The initial (unscheduled) learning rate.
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double

    public init(_ spec: OptimizerSpec) {
        method = spec.method
        learningRate = spec.learningRate
        momentum = spec.momentum
        weightDecay = spec.weightDecay
    }
}
