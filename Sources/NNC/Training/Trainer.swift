import Foundation

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
        /// The `.net` file as given, for the log.
        public var file: String
        public var label: String
        public var threads: Int
        /// When to write per-layer analysis records (`--analyze`); nil analyses nothing and
        /// costs nothing. The session should keep its layer buffers (`keepLayerBuffers`).
        public var analysis: AnalysisSchedule?

        public init(checkpoint: URL? = nil, file: String = "", label: String = "", threads: Int = 1,
                    analysis: AnalysisSchedule? = nil) {
            self.checkpoint = checkpoint
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
    private var features: [Float]
    private var labels: [Int32]
    private let analyzer: LayerAnalyzer?

    /// A trainer for a session whose tensors are already set (by `Session.initialize`, or
    /// `Checkpoint.load` for `--init`). The session's batch is the model's batch.
    public init(model: Model, session: Session, data: TrainingData, options: Options) {
        self.model = model
        self.session = session
        self.data = data
        self.options = options
        let batch = session.trainPlan.batch
        batcher = Batcher(dataset: data.train, indices: data.trainIndices, batchSize: batch,
                          preprocessor: data.preprocessor, shuffle: true, seed: model.training.seed, dropLast: true)
        features = [Float](repeating: 0, count: batch * data.train.sampleSize)
        labels = [Int32](repeating: 0, count: batch)
        analyzer = options.analysis.map { _ in LayerAnalyzer(session: session) }
        state = TrainingState(schedule: LearningRateSchedule(model.training.schedule, learningRate: model.optimizer.learningRate),
                              sessionRandom: session.rngState)
    }

    /// Continues from a checkpoint: every persistent tensor, the optimizer's state and the
    /// position in the run, so the rest of the run is what it would have been.
    public func resume(from file: SafetensorsFile) throws {
        try Checkpoint.load(file, into: session, optimizerState: true)
        let restored = try Checkpoint.state(file, schedule: model.training.schedule)
        guard restored.batchInEpoch < max(batcher.batchesPerEpoch, 1) else {
            throw CheckpointError.badMetadata(file: file.file, detail: "batch \(restored.batchInEpoch) is beyond the \(batcher.batchesPerEpoch) batches of an epoch")
        }
        state = restored
        session.rngState = restored.sessionRandom
    }

    /// Trains until the model's last epoch or until `shouldStop` returns true after a step
    /// (then writes a checkpoint and returns a `stopped` end). Throws `TrainingFailure`
    /// after emitting a `failed` end.
    @discardableResult
    public func run(events: (TrainingEvent) -> Void, shouldStop: () -> Bool = { false }) throws -> RunEnd {
        let epochs = model.training.epochs
        let stepsPerEpoch = batcher.batchesPerEpoch
        let started = Date()
        var lastCheckpoint: String?
        func seconds(since date: Date) -> Double { Date().timeIntervalSince(date) }
        func end(_ status: RunEnd.Status, _ message: String?) -> RunEnd {
            RunEnd(status: status, message: message, seconds: seconds(since: started), bestTestError: state.bestTestError,
                   epoch: state.epoch, step: state.step, checkpoint: lastCheckpoint)
        }
        func fail(_ failure: TrainingFailure) -> TrainingFailure {
            events(.finished(end(.failed, failure.description)))
            return failure
        }
        func checkpoint() throws {
            guard let url = options.checkpoint else { return }
            state.sessionRandom = session.rngState
            if let bad = firstNonFiniteTensor() {
                throw fail(.nonFinite(step: state.step, epoch: state.epoch + 1, layer: layerName(of: bad), buffer: bad,
                                      what: "tensor '\(bad)' holds a nan or inf"))
            }
            do {
                try Checkpoint.write(session, state: state, preprocessor: data.preprocessor, to: url)
            } catch {
                throw fail(.checkpoint(error))
            }
            lastCheckpoint = url.path
            events(.checkpointed(path: url.path, epoch: state.epoch, step: state.step))
        }

        events(.started(RunStart(model: model.name, file: options.file, optimizer: model.optimizer.method.rawValue,
                                 learningRate: model.optimizer.learningRate, batch: session.trainPlan.batch, epochs: epochs,
                                 seed: model.training.seed, threads: options.threads, stepsPerEpoch: stepsPerEpoch,
                                 layers: model.allLayers.map(\.name), label: options.label,
                                 trainSamples: data.trainIndices.count, validationSamples: data.validation?.indices.count ?? 0,
                                 testSamples: data.test?.count ?? 0, resumedEpoch: state.epoch, resumedStep: state.step)))
        guard stepsPerEpoch > 0 else {
            throw fail(.data("the \(data.trainIndices.count) training samples do not fill one batch of \(session.trainPlan.batch)"))
        }

        while state.epoch < epochs {
            let epoch = state.epoch + 1
            if state.batchInEpoch == 0 {
                state.epochLossSum = 0
                if let search = model.training.lrSearch, state.epoch % max(search.every, 1) == 0 {
                    try searchLearningRate(search, epoch: epoch, events: events)
                }
            }
            let rate = state.schedule.learningRate
            batcher.start(epoch: state.epoch)
            batcher.seek(batch: state.batchInEpoch)
            let epochStart = Date()
            var samples = 0
            // Batches go straight into the session's input where it can take them (class labels).
            let direct = session.canLoadTrainBatch(from: batcher)
            while state.batchInEpoch < stepsPerEpoch {
                if direct {
                    samples += try session.loadTrainBatch(from: &batcher)
                } else {
                    samples += batcher.next(features: &features, labels: &labels)
                }
                let step = state.step + 1
                var loss: Float
                do {
                    if let analyzer, let schedule = options.analysis {
                        let recording = schedule.records(step: step, batchInEpoch: state.batchInEpoch + 1,
                                                         stepsPerEpoch: stepsPerEpoch)
                        loss = try analyzer.observe(recording: recording) {
                            direct ? try session.trainStep(lr: rate, step: step)
                                   : try session.trainStep(input: features, labels: labels, lr: rate, step: step)
                        }
                    } else if direct {
                        loss = try session.trainStep(lr: rate, step: step)
                    } else {
                        loss = try session.trainStep(input: features, labels: labels, lr: rate, step: step)
                    }
                } catch RuntimeError.nonFinite(_, let layer, let buffer) {
                    throw fail(.nonFinite(step: step, epoch: epoch, layer: layer.isEmpty ? nil : layer,
                                          buffer: buffer.isEmpty ? nil : buffer, what: "loss is nan or inf"))
                }
                if !loss.isFinite {
                    let place = session.firstNonFinite()
                    throw fail(.nonFinite(step: step, epoch: epoch, layer: place?.layer, buffer: place?.buffer,
                                          what: "loss is \(loss.isNaN ? "nan" : "inf")"))
                }
                state.step = step
                state.batchInEpoch += 1
                state.epochLossSum += Double(loss)
                events(.step(StepRecord(epoch: epoch, step: step, batchInEpoch: state.batchInEpoch, stepsPerEpoch: stepsPerEpoch,
                                        loss: loss, learningRate: rate, seconds: seconds(since: started),
                                        epochSeconds: seconds(since: epochStart), epochSamples: samples)))
                if let analyzer, case .everySteps(let n) = options.analysis, step % max(n, 1) == 0 {
                    events(.analysis(analyzer.record(epoch: epoch, step: step)))
                }
                if shouldStop() && state.batchInEpoch < stepsPerEpoch {
                    try checkpoint()
                    let result = end(.stopped, "interrupted at step \(step)")
                    events(.finished(result))
                    return result
                }
            }
            let trainSeconds = seconds(since: epochStart)
            let evaluationStart = Date()
            let trainLoss = state.epochLossSum / Double(stepsPerEpoch)
            var record = EpochRecord(epoch: epoch, epochs: epochs, step: state.step, trainLoss: trainLoss, learningRate: rate,
                                     seconds: trainSeconds, evaluationSeconds: 0,
                                     samplesPerSecond: trainSeconds > 0 ? Double(samples) / trainSeconds : 0)
            if let test = data.test, epoch % max(model.training.evaluateEvery, 1) == 0 || epoch == epochs {
                let result = try Evaluation.run(session, dataset: test, preprocessor: data.preprocessor)
                record.testLoss = result.loss
                record.testError = result.error
                state.bestTestError = min(state.bestTestError ?? result.error, result.error)
            }
            if let validation = data.validation {
                let result = try Evaluation.run(session, dataset: validation.dataset, indices: validation.indices,
                                                preprocessor: data.preprocessor)
                record.validationLoss = result.loss
                record.validationError = result.error
            }
            record.evaluationSeconds = seconds(since: evaluationStart)
            state.epoch = epoch
            state.batchInEpoch = 0
            state.epochLossSum = 0
            // Without a validation set the plateau schedule watches the training loss, never the test set.
            state.schedule.epochEnded(epoch, metric: record.validationLoss ?? trainLoss)
            events(.epoch(record))
            if let analyzer, options.analysis == .everyEpoch {
                events(.analysis(analyzer.record(epoch: epoch, step: state.step)))
            }
            let stopping = shouldStop()
            if epoch % max(model.training.checkpointEvery, 1) == 0 || epoch == epochs || stopping {
                try checkpoint()
            }
            if stopping && epoch < epochs {
                let result = end(.stopped, "interrupted after epoch \(epoch)")
                events(.finished(result))
                return result
            }
        }
        let result = end(.completed, nil)
        events(.finished(result))
        return result
    }

    private func searchLearningRate(_ search: LRSearch, epoch: Int, events: (TrainingEvent) -> Void) throws {
        let candidates = LearningRateSearch.candidates(for: model.optimizer, ceiling: state.searchCeiling)
        guard !candidates.isEmpty else { return }
        // Its own stream of batches, so the search does not change the order training sees.
        var trial = Batcher(dataset: data.train, indices: data.trainIndices, batchSize: session.trainPlan.batch,
                            preprocessor: data.preprocessor, shuffle: true, seed: model.training.seed ^ 0x5EA2_C4ED, dropLast: true)
        trial.start(epoch: state.epoch)
        let outcome = try LearningRateSearch.run(session, candidates: candidates, steps: search.steps, batcher: trial,
                                                 step: state.step, features: &features, labels: &labels)
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
