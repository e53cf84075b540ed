/// Where a run stands besides its tensors: what a checkpoint must hold for `--resume` to
/// continue exactly as if the run had not stopped.
public struct TrainingState: Equatable {
    /// Optimizer steps taken.
    public var step: Int
    /// Epochs completed.
    public var epoch: Int
    /// Batches of the next epoch already trained (non-zero after an interrupted epoch).
    public var batchInEpoch: Int
    /// Sum of the batch losses of those batches, for the epoch's mean.
    public var epochLossSum: Double
    /// The learning rate and the schedule's memory.
    public var schedule: LearningRateSchedule
    /// The learning-rate search's ceiling: the first rate it chose.
    public var searchCeiling: Double?
    /// The epoch with the lowest validation error so far, and that error; nil without a
    /// validation set. The test set never picks anything.
    public var bestValidation: BestEpoch?
    /// The session's generator (dropout masks).
    public var sessionRandom: [UInt64]

    public init(step: Int = 0, epoch: Int = 0, batchInEpoch: Int = 0, epochLossSum: Double = 0,
                schedule: LearningRateSchedule, searchCeiling: Double? = nil, bestValidation: BestEpoch? = nil,
                sessionRandom: [UInt64]) {
        self.step = step
        self.epoch = epoch
        self.batchInEpoch = batchInEpoch
        self.epochLossSum = epochLossSum
        self.schedule = schedule
        self.searchCeiling = searchCeiling
        self.bestValidation = bestValidation
        self.sessionRandom = sessionRandom
    }
}

/// An epoch and the validation error the model had after it.
public struct BestEpoch: Equatable {
    public var epoch: Int
    /// Fraction 0–1.
    public var error: Double

    public init(epoch: Int, error: Double) {
        self.epoch = epoch
        self.error = error
    }
}
