import Foundation
import NNCKernels

/// Why training stopped before its last epoch. The command line maps each kind to an exit status.
public enum TrainingFailure: Error, CustomStringConvertible {
    /// A NaN or infinity in the loss or a tensor.
    case nonFinite(step: Int, epoch: Int, layer: String?, buffer: String?, what: String)
    /// The data cannot fill a single batch, or another problem with the inputs.
    case data(String)
    /// A checkpoint could not be written.
    case checkpoint(Error)

    public var description: String {
        switch self {
        case let .nonFinite(step, epoch, layer, buffer, what):
            var text = "\(what) at step \(step) (epoch \(epoch))"
            if let layer { text += " in layer '\(layer)'" + (buffer.map { " (\($0))" } ?? "") }
            return text + "; training stopped, the last checkpoint is kept as it was"
        case let .data(message):
            return message
        case let .checkpoint(error):
            return "\(error)"
        }
    }
}

/// Runs a model's training loop on a `Session`: epochs of shuffled batches into preallocated
/// buffers, the schedule and the learning-rate search, evaluation, checkpoints and a clean
/// stop on request. It only emits `TrainingEvent`s; rendering is the caller's.
public final class Trainer {
    public struct Options {
        /// Where checkpoints go; nil writes none.
        public var checkpoint: URL?
        /// Where the checkpoint of the epoch with the lowest validation error goes, each time
        /// it improves; nil (or no validation set) writes none.
        public var bestCheckpoint: URL?
        /// Recorded in every checkpoint beside the state (`Checkpoint.write`'s `run`).
        public var runMetadata: [String: String]
        /// Recorded in the log's `run` record: a hash of the model's source and nnc's version.
        public var modelHash: String
        public var version: String
        /// The `.net` file as given, for the log.
        public var file: String
        public var label: String
        public var threads: Int
        /// When to write per-layer analysis records (`--analyze`); nil analyses nothing and
        /// costs nothing. The session should keep its layer buffers (`keepLayerBuffers`).
        public var analysis: AnalysisSchedule?

        public init(checkpoint: URL? = nil, bestCheckpoint: URL? = nil, runMetadata: [String: String] = [:],
                    file: String = "", label: String = "", threads: Int = 1, analysis: AnalysisSchedule? = nil,
                    modelHash: String = "", version: String = "") {
            self.checkpoint = checkpoint
            self.bestCheckpoint = bestCheckpoint
            self.runMetadata = runMetadata
            self.modelHash = modelHash
            self.version = version
            self.file = file
            self.label = label
            self.threads = threads
            self.analysis = analysis
        }
    }

    public let model: Model
    public let session: Session
    public let data: TrainingData
    public let options: Options
    /// Where the run stands; a checkpoint stores exactly this.
    public private(set) var state: TrainingState

    private var batcher: Batcher
    private let analyzer: LayerAnalyzer?
    private var started = Date()
    /// Seconds spent in training steps (epochs' time without evaluation and searches) by this run.
    public private(set) var trainingSeconds = 0.0
    /// The checkpoint this run wrote last; nil before its first.
    public private(set) var lastCheckpoint: String?
    /// The best-validation checkpoint this run wrote last, if any.
    public private(set) var lastBestCheckpoint: String?
    /// The test error of the last evaluation of the test set, and the lowest.
    private var finalTestError: Double?
    private var lowestTestError: Double?

    /// A trainer for a session whose tensors are already set (by `Session.initialize`, or
    /// `Checkpoint.load` for `--init`). The session's batch is the model's batch.
    public init(model: Model, session: Session, data: TrainingData, options: Options) {
        self.model = model
        self.session = session
        self.data = data
        self.options = options
        batcher = Trainer.batcher(session, data, seed: model.training.seed)
        analyzer = options.analysis.map { _ in LayerAnalyzer(session: session) }
        state = TrainingState(schedule: LearningRateSchedule(model.training.schedule, learningRate: model.optimizer.learningRate),
                              sessionRandom: session.rngState)
    }

    /// Full global batches of the training set in an order drawn from `seed`, of which this
    /// rank takes its slice: every rank sees the batches one process would.
    private static func batcher(_ session: Session, _ data: TrainingData, seed: UInt64) -> Batcher {
        var b = Batcher(dataset: data.train, indices: data.trainIndices, batchSize: session.globalBatch,
                        preprocessor: data.preprocessor, shuffle: true, seed: seed, dropLast: true)
        b.split(into: session.ranks, taking: session.rank)
        return b
    }

    /// Continues from a checkpoint: every persistent tensor, the optimizer's state and the
    /// position in the run, so the rest of the run is what it would have been. Returns
    /// `Checkpoint.load`'s notes (state an older nnc did not write, started afresh).
    @discardableResult
    public func resume(from file: SafetensorsFile) throws -> [String] {
        let notes = try Checkpoint.load(file, into: session, optimizerState: true)
        let restored = try Checkpoint.state(file, schedule: model.training.schedule)
        guard restored.batchInEpoch < max(batcher.batchesPerEpoch, 1) else {
            throw CheckpointError.badMetadata(file: file.file, detail: "batch \(restored.batchInEpoch) is beyond the \(batcher.batchesPerEpoch) batches of an epoch")
        }
        state = restored
        session.rngState = restored.sessionRandom
        return notes
    }

    /// Trains until the model's last epoch or until `shouldStop` returns true after a step
    /// (then writes a checkpoint and returns a `stopped` end). Throws `TrainingFailure`
    /// after emitting a `failed` end.
    @discardableResult
    public func run(events: (TrainingEvent) -> Void, shouldStop: () -> Bool = { false }) throws -> RunEnd {
        started = Date()
        lastCheckpoint = nil
        lastBestCheckpoint = nil
        do {
            events(.started(runStart))
            guard batcher.batchesPerEpoch > 0 else {
                throw TrainingFailure.data("the \(data.trainIndices.count) training samples do not fill one batch of \(session.globalBatch)")
            }
            while state.epoch < model.training.epochs {
                if let message = earlyStop() { return finish(.completed, message, events) }
                let epoch = state.epoch + 1
                let training = try trainEpoch(epoch, events: events, shouldStop: shouldStop)
                if training.interrupted {
                    try checkpoint(events)
                    return finish(.stopped, "interrupted at step \(state.step)", events)
                }
                let record = try endEpoch(epoch, training, events: events)
                if let error = record.validationError, error < state.bestValidation?.error ?? .infinity {
                    state.bestValidation = BestEpoch(epoch: epoch, error: error)
                    if let best = options.bestCheckpoint { try checkpoint(to: best, best: true, events) }
                }
                let stopping = shouldStop()
                if epoch % max(model.training.checkpointEvery, 1) == 0 || epoch == model.training.epochs || stopping
                    || earlyStop() != nil {
                    try checkpoint(events)
                }
                if stopping && record.epoch < model.training.epochs {
                    return finish(.stopped, "interrupted after epoch \(epoch)", events)
                }
            }
            return finish(.completed, nil, events)
        } catch let failure as TrainingFailure {
            _ = finish(.failed, failure.description, events)
            throw failure
        }
    }

    /// What the epoch's steps did: their samples and time, and whether a stop was asked for
    /// before its last step.
    private struct EpochTraining {
        var samples = 0
        var seconds = 0.0
        /// The rate of the epoch's first step here (step-wise schedules change it within).
        var rate: Double?
        var interrupted = false
    }

    /// Trains epoch `epoch` from where the state stands in it (a resumed run may start
    /// mid-epoch): the learning-rate search when due, then one step per batch.
    private func trainEpoch(_ epoch: Int, events: (TrainingEvent) -> Void, shouldStop: () -> Bool) throws -> EpochTraining {
        if state.batchInEpoch == 0 {
            state.epochLossSum = 0
            if let search = model.training.lrSearch, state.epoch % max(search.every, 1) == 0 {
                try searchLearningRate(search, epoch: epoch, events: events)
            }
        }
        var result = EpochTraining()
        batcher.start(epoch: state.epoch)
        batcher.seek(batch: state.batchInEpoch)
        let epochStart = Date()
        let stepsPerEpoch = batcher.batchesPerEpoch
        while state.batchInEpoch < stepsPerEpoch {
            result.samples += try session.loadTrainBatch(from: &batcher) * session.ranks  // whole batches on every rank
            let rate = state.schedule.rate(step: state.step + 1, totalSteps: model.training.epochs * stepsPerEpoch,
                                           warmup: model.training.warmup)
            result.rate = result.rate ?? rate
            let loss = try step(epoch: epoch, rate: rate)
            state.step += 1
            state.batchInEpoch += 1
            state.epochLossSum += Double(loss)
            events(.step(StepRecord(epoch: epoch, step: state.step, batchInEpoch: state.batchInEpoch,
                                    stepsPerEpoch: stepsPerEpoch, loss: loss, learningRate: rate,
                                    seconds: Date().timeIntervalSince(started),
                                    epochSeconds: Date().timeIntervalSince(epochStart), epochSamples: result.samples)))
            for e in session.train.takeDampingEvents() { events(.damping(epoch: epoch, e)) }
            if let analyzer, case .everySteps(let n) = options.analysis, state.step % max(n, 1) == 0 {
                events(.analysis(analyzer.record(epoch: epoch, step: state.step)))
            }
            if shouldStop() && state.batchInEpoch < stepsPerEpoch {
                result.interrupted = true
                return result
            }
        }
        result.seconds = Date().timeIntervalSince(epochStart)
        trainingSeconds += result.seconds
        return result
    }

    /// One training step on the loaded batch, under the analyzer when `--analyze` asks; its
    /// loss, or a `nonFinite` failure naming where the step diverged.
    private func step(epoch: Int, rate: Double) throws -> Float {
        let step = state.step + 1
        let loss: Float
        do {
            if let analyzer, let schedule = options.analysis {
                let recording = schedule.records(step: step, batchInEpoch: state.batchInEpoch + 1,
                                                 stepsPerEpoch: batcher.batchesPerEpoch)
                loss = try analyzer.observe(recording: recording) { try session.trainStep(lr: rate, step: step) }
            } else {
                loss = try session.trainStep(lr: rate, step: step)
            }
        } catch RuntimeError.nonFinite(_, let layer, let buffer) {
            throw TrainingFailure.nonFinite(step: step, epoch: epoch, layer: layer.isEmpty ? nil : layer,
                                            buffer: buffer.isEmpty ? nil : buffer, what: "loss is nan or inf")
        }
        guard loss.isFinite else {
            let place = session.firstNonFinite()
            throw TrainingFailure.nonFinite(step: step, epoch: epoch, layer: place?.layer, buffer: place?.buffer,
                                            what: "loss is \(loss.isNaN ? "nan" : "inf")")
        }
        return loss
    }

    /// Closes epoch `epoch`: evaluation when due, the schedule, the epoch's record and the
    /// analysis after it.
    private func endEpoch(_ epoch: Int, _ training: EpochTraining, events: (TrainingEvent) -> Void) throws -> EpochRecord {
        guard session.ranksAgree() else {
            throw TrainingFailure.data("the \(session.ranks) ranks hold different weights after epoch \(epoch): "
                                       + "a rank computed differently (different nnc builds or CPUs?)")
        }
        let evaluationStart = Date()
        let trainLoss = state.epochLossSum / Double(batcher.batchesPerEpoch)
        var record = EpochRecord(epoch: epoch, epochs: model.training.epochs, step: state.step, trainLoss: trainLoss,
                                 learningRate: training.rate ?? state.schedule.learningRate, seconds: training.seconds, evaluationSeconds: 0,
                                 samplesPerSecond: training.seconds > 0 ? Double(training.samples) / training.seconds : 0)
        if let test = data.test, epoch % max(model.training.evaluateEvery, 1) == 0 || epoch == model.training.epochs {
            events(.evaluating(epoch: epoch, set: "test", samples: test.count))
            let result = try Evaluation.run(session, dataset: test, preprocessor: data.preprocessor)
            record.testLoss = result.loss
            record.testError = result.error
            finalTestError = result.error
            lowestTestError = min(lowestTestError ?? result.error, result.error)
        }
        if let validation = data.validation {
            events(.evaluating(epoch: epoch, set: "validation", samples: validation.indices.count))
            let result = try Evaluation.run(session, dataset: validation.dataset, indices: validation.indices,
                                            preprocessor: data.preprocessor)
            record.validationLoss = result.loss
            record.validationError = result.error
        }
        record.evaluationSeconds = Date().timeIntervalSince(evaluationStart)
        state.epoch = epoch
        state.batchInEpoch = 0
        state.epochLossSum = 0
        // Without a validation set the plateau schedule watches the training loss, never the test set.
        state.schedule.epochEnded(epoch, metric: record.validationLoss ?? trainLoss)
        events(.epoch(record))
        if let analyzer, options.analysis == .everyEpoch {
            events(.analysis(analyzer.record(epoch: epoch, step: state.step)))
        }
        return record
    }

    /// Writes a checkpoint when the run has a path for one, never of a diverged state.
    private func checkpoint(_ events: (TrainingEvent) -> Void) throws {
        guard let url = options.checkpoint else { return }
        try checkpoint(to: url, best: false, events)
    }

    private func checkpoint(to url: URL, best: Bool, _ events: (TrainingEvent) -> Void) throws {
        state.sessionRandom = session.rngState
        if let bad = firstNonFiniteTensor() {
            throw TrainingFailure.nonFinite(step: state.step, epoch: state.epoch + 1, layer: layerName(of: bad), buffer: bad,
                                            what: "tensor '\(bad)' holds a nan or inf")
        }
        do {
            try Checkpoint.write(session, state: state, preprocessor: data.preprocessor, run: options.runMetadata, to: url)
        } catch {
            throw TrainingFailure.checkpoint(error)
        }
        if best { lastBestCheckpoint = url.path } else { lastCheckpoint = url.path }
        events(.checkpointed(CheckpointRecord(path: url.path, epoch: state.epoch, step: state.step, best: best)))
    }

    /// Why the run ends before its last epoch under `early_stop`: the validation error has not
    /// improved for its patience; nil while it has, or without the option.
    private func earlyStop() -> String? {
        guard let patience = model.training.earlyStop, let best = state.bestValidation,
              state.epoch - best.epoch >= patience else { return nil }
        return "early stop after epoch \(state.epoch): the validation error has not improved for \(state.epoch - best.epoch) "
            + "epochs since epoch \(best.epoch)"
    }

    /// Emits the run's end and returns it.
    private func finish(_ status: RunEnd.Status, _ message: String?, _ events: (TrainingEvent) -> Void) -> RunEnd {
        let end = RunEnd(status: status, message: message, seconds: Date().timeIntervalSince(started),
                         finalTestError: finalTestError, lowestTestError: lowestTestError, bestValidation: state.bestValidation, epoch: state.epoch,
                         step: state.step, checkpoint: lastCheckpoint, bestCheckpoint: lastBestCheckpoint)
        events(.finished(end))
        return end
    }

    private var runStart: RunStart {
        RunStart(model: model.name, file: options.file, modelHash: options.modelHash, version: options.version,
                 optimizer: model.optimizer.method.rawValue, learningRate: model.optimizer.learningRate,
                 momentum: model.optimizer.momentum, weightDecay: model.optimizer.weightDecay,
                 schedule: model.training.schedule.description, batch: session.globalBatch, epochs: model.training.epochs,
                 seed: model.training.seed, threads: options.threads, cpu: CPUModel.name,
                 kernels: "GEMM \(GEMMParameters.current)", stepsPerEpoch: batcher.batchesPerEpoch,
                 layers: model.allLayers.map(\.name), label: options.label,
                 trainSamples: data.trainIndices.count, validationSamples: data.validation?.indices.count ?? 0,
                 testSamples: data.test?.count ?? 0, resumedEpoch: state.epoch, resumedStep: state.step)
    }

    private func searchLearningRate(_ search: LRSearch, epoch: Int, events: (TrainingEvent) -> Void) throws {
        let candidates = LearningRateSearch.candidates(for: model.optimizer, ceiling: state.searchCeiling)
        guard !candidates.isEmpty else { return }
        // Its own stream of batches, so the search does not change the order training sees, or
        // a copy of training's, whose first batches the epoch then trains on again.
        var trial = search.batches == .epoch ? batcher
            : Trainer.batcher(session, data, seed: model.training.seed ^ 0x5EA2_C4ED)
        trial.start(epoch: state.epoch)
        let outcome = try LearningRateSearch.run(session, candidates: candidates, steps: search.steps, batcher: trial,
                                                 step: state.step)
        if let best = outcome.best {
            state.schedule.reset(learningRate: best)
            if state.searchCeiling == nil { state.searchCeiling = best }
        }
        events(.searched(SearchRecord(epoch: epoch, step: state.step, candidates: outcome.losses,
                                      chosen: state.schedule.learningRate)))
    }

    /// The first persistent tensor holding a NaN or infinity, so a diverged state is never saved.
    private func firstNonFiniteTensor() -> String? {
        for t in session.persistentTensors where t.role == .parameter || t.role == .runningStatistic {
            if session.read(t.name).contains(where: { !$0.isFinite }) { return t.name }
        }
        return nil
    }

    private func layerName(of tensor: String) -> String? {
        model.allLayers.map(\.name).first { tensor.hasPrefix($0 + ".") }
    }
}
