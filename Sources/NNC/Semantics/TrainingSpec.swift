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
    /// Steps over which the learning rate rises linearly to its value (0: none).
    public var warmup: Int = 0
    /// Stop when the validation error has not improved for this many epochs; nil never stops early.
    public var earlyStop: Int?
    /// Where `early_stop` is written, for the error when there is no validation set.
    public var earlyStopRange: SourceRange = .none
    public var range: SourceRange = .none

    public init() {}
}

public enum Schedule: Hashable, Sendable {
    case constant
    /// Multiply the learning rate by `factor` every `every` epochs.
    case step(every: Int, factor: Double)
    /// Multiply by `factor` when the validation metric has not improved for `patience` epochs.
    case plateau(patience: Int, factor: Double)
    /// Cosine annealing over the run's steps from the learning rate to `minimum` (SGDR without restarts).
    case cosine(minimum: Double)
    /// Smith's one-cycle policy over the run's steps: from lr/`divisor` up to lr over the first
    /// `rise` of them, then down to lr/(`divisor`·`finalDivisor`), both halves cosine (as
    /// PyTorch's OneCycleLR; momentum is not cycled).
    case oneCycle(rise: Double, divisor: Double, finalDivisor: Double)
}

extension Schedule: CustomStringConvertible {
    /// As a `.net` file writes it.
    public var description: String {
        switch self {
        case .constant: return "constant"
        case let .step(every, factor): return "step(every: \(every), factor: \(factor))"
        case let .plateau(patience, factor): return "plateau(patience: \(patience), factor: \(factor))"
        case let .cosine(minimum): return "cosine(min: \(minimum))"
        case let .oneCycle(rise, divisor, finalDivisor): return "one_cycle(rise: \(rise), div: \(divisor), final_div: \(finalDivisor))"
        }
    }
}

/// `lr_search: search(every: 10, steps: 30, batches: own)`
public struct LRSearch: Hashable, Sendable {
    public var every: Int = 10
    public var steps: Int = 30
    public var batches: Batches = .own
    public init(every: Int = 10, steps: Int = 30, batches: Batches = .own) {
        self.every = every
        self.steps = steps
        self.batches = batches
    }

    /// Which mini-batches the candidates train on.
    public enum Batches: String, Hashable, Sendable, CaseIterable {
        /// A stream of the search's own, so training's order is untouched (nnc's).
        case own
        /// The first `steps` batches of the epoch about to be trained, which training then
        /// sees again (the authors' LightNet).
        case epoch
    }
}
