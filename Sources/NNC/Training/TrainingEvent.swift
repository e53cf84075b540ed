/// What the trainer reports as it runs. The trainer only emits these values; the command line
/// renders them (a progress bar on a terminal, plain lines otherwise, JSON lines to `--log`).
public enum TrainingEvent {
    case started(RunStart)
    /// The learning-rate search ran before an epoch and chose a rate.
    case searched(SearchRecord)
    case step(StepRecord)
    /// The epoch's steps are done and `samples` held-out samples (`set`: "validation" or
    /// "test") are being evaluated: a terminal says so instead of a finished bar.
    case evaluating(epoch: Int, set: String, samples: Int)
    case epoch(EpochRecord)
    /// Per-layer analysis (`--analyze`), after an epoch or every N steps.
    case analysis(AnalysisRecord)
    /// K-FAC needed more damping than configured to invert a layer's factors, or gave up on
    /// them for a while (docs/LOG.md `damping`).
    case damping(epoch: Int, CurvatureEvent)
    /// A checkpoint was written.
    case checkpointed(CheckpointRecord)
    case finished(RunEnd)
}

/// The facts of a run, known before its first step.
public struct RunStart {
    public var model: String
    public var file: String
    /// A hash of the model's source text, so two logs tell whether they ran the same file.
    public var modelHash: String
    /// nnc's version.
    public var version: String
    public var optimizer: String
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    /// The learning-rate schedule, as the file writes it.
    public var schedule: String
    public var batch: Int
    public var epochs: Int
    public var seed: UInt64
    public var threads: Int
    /// The CPU's model name and the kernel parameters the run used (`nnc tune`): a run tuned
    /// differently may differ from this one in the last bits.
    public var cpu: String
    public var kernels: String
    public var stepsPerEpoch: Int
    /// Layer names, first to last.
    public var layers: [String]
    public var label: String
    public var trainSamples: Int
    public var validationSamples: Int
    public var testSamples: Int
    /// Epochs already completed when the run was resumed from a checkpoint (0 for a fresh run).
    public var resumedEpoch: Int
    /// Steps already taken when resumed.
    public var resumedStep: Int
}

/// One training step.
public struct StepRecord {
    /// 1-based.
    public var epoch: Int
    /// 1-based over the run.
    public var step: Int
    /// 1-based within the epoch.
    public var batchInEpoch: Int
    public var stepsPerEpoch: Int
    /// The batch's mean loss.
    public var loss: Float
    public var learningRate: Double
    /// Wall time since the run started.
    public var seconds: Double
    /// Training time spent in this epoch so far, and the samples it processed.
    public var epochSeconds: Double
    public var epochSamples: Int
}

/// The summary of one epoch.
public struct EpochRecord {
    public var epoch: Int
    public var epochs: Int
    public var step: Int
    /// Mean of the epoch's batch losses.
    public var trainLoss: Double
    public var testLoss: Double?
    /// Fraction 0–1.
    public var testError: Double?
    public var validationLoss: Double?
    public var validationError: Double?
    /// The learning rate the epoch trained with.
    public var learningRate: Double
    /// Training time only, evaluation excluded.
    public var seconds: Double
    public var evaluationSeconds: Double
    public var samplesPerSecond: Double
}

/// One learning-rate search: each candidate's loss after the trial steps, and the winner.
public struct SearchRecord {
    public var epoch: Int
    public var step: Int
    public var candidates: [(learningRate: Double, loss: Float)]
    public var chosen: Double
}

/// How a run ended.
public struct RunEnd {
    public enum Status: String {
        case completed, stopped, failed
    }
    public var status: Status
    public var message: String?
    public var seconds: Double
    /// The test error of the last evaluation, the model the last checkpoint holds.
    public var finalTestError: Double?
    /// The lowest test error of this process's evaluations, kept in the log for comparisons
    /// (docs/LOG.md never drops a field); nothing is chosen by it.
    public var lowestTestError: Double?
    /// The epoch with the lowest validation error, when there is a validation set.
    public var bestValidation: BestEpoch?
    public var epoch: Int
    public var step: Int
    /// The last checkpoint written, if any.
    public var checkpoint: String?
    /// The checkpoint of the best validation epoch, if this run wrote one.
    public var bestCheckpoint: String?
}

/// A checkpoint written: the run's latest, or the best validation epoch's.
public struct CheckpointRecord {
    public var path: String
    public var epoch: Int
    public var step: Int
    public var best: Bool
}
