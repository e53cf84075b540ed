/// The checked `train { … }` block.
public struct TrainingSpec: Hashable, Sendable {
    public var batch: Int = 32
    public var epochs: Int = 1
    public var seed: UInt64 = 0
    public var schedule: Schedule = .constant
    /// Where checkpoints go (relative to the `.net` file), and every how many epochs.
    public var checkpoint: String?
    public var checkpointEvery: Int = 1
    /// Evaluate on the test set every this many epochs.
    public var evaluateEvery: Int = 1
    /// The papers' learning-rate search (docs/ALGORITHMS.md), off when nil.
    public var lrSearch: LRSearch?
    public var range: SourceRange = .none

    public init() {}
}

public enum Schedule: Hashable, Sendable {
    case constant
    /// Multiply the learning rate by `factor` every `every` epochs.
    case step(every: Int, factor: Double)
    /// Multiply by `factor` when the validation metric has not improved for `patience` epochs.
    case plateau(patience: Int, factor: Double)
}

extension Schedule: CustomStringConvertible {
    /// As a `.net` file writes it.
    public var description: String {
        switch self {
        case .constant: return "constant"
        case let .step(every, factor): return "step(every: \(every), factor: \(factor))"
        case let .plateau(patience, factor): return "plateau(patience: \(patience), factor: \(factor))"
        }
    }
}

/// `lr_search: search(every: 10, steps: 30)`
public struct LRSearch: Hashable, Sendable {
    public var every: Int = 10
    public var steps: Int = 30
    public init(every: Int = 10, steps: Int = 30) {
        self.every = every
        self.steps = steps
    }
}
