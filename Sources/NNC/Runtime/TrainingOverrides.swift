/// Command-line changes to a model's training settings (`--epochs`, `--lr`, `--batch`,
/// `--optimizer`, `--seed`), for quick experiments without editing the file.
public struct TrainingOverrides: Equatable {
    public var epochs: Int?
    public var learningRate: Double?
    public var batch: Int?
    public var optimizer: OptimizerMethod?
    public var seed: UInt64?

    public init(epochs: Int? = nil, learningRate: Double? = nil, batch: Int? = nil,
                optimizer: OptimizerMethod? = nil, seed: UInt64? = nil) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batch = batch
        self.optimizer = optimizer
        self.seed = seed
    }

    /// `model` with the overrides applied. Another optimizer starts from its own defaults
    /// (docs/ALGORITHMS.md) but keeps the file's weight decay and per-layer settings; its learning
    /// rate is `--lr` when given, else the method's default.
    public func apply(to model: Model) -> Model {
        var m = model
        if let epochs { m.training.epochs = epochs }
        if let batch { m.training.batch = batch }
        if let seed { m.training.seed = seed }
        if let optimizer, optimizer != model.optimizer.method {
            var spec = OptimizerSpec.defaults(for: optimizer)
            spec.weightDecay = model.optimizer.weightDecay
            spec.overrides = model.optimizer.overrides
            spec.range = model.optimizer.range
            m.optimizer = spec
        }
        if let learningRate { m.optimizer.learningRate = learningRate }
        return m
    }
}
