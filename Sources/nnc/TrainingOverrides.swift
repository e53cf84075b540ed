import NNC

/// Command-line changes to a model's training settings (`--epochs`, `--lr`, `--batch`,
/// `--optimizer`, `--seed`), for quick experiments without editing the file.
struct TrainingOverrides: Equatable {
    var epochs: Int?
    var learningRate: Double?
    var batch: Int?
    var optimizer: OptimizerMethod?
    var seed: UInt64?

    init(epochs: Int? = nil, learningRate: Double? = nil, batch: Int? = nil,
         optimizer: OptimizerMethod? = nil, seed: UInt64? = nil) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batch = batch
        self.optimizer = optimizer
        self.seed = seed
    }

    /// `model` with the overrides applied. Another optimizer starts from its own defaults
    /// (ALGORITHMS.md) but keeps the file's weight decay and per-layer settings; its learning
    /// rate is `--lr` when given, else the method's default.
    func apply(to model: Model) -> Model {
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
