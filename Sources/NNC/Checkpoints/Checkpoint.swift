import Foundation

/// A checkpoint that does not fit the model: every difference, so the user sees at once
/// whether it is another model, another optimizer, or a changed layer.
public struct CheckpointMismatch: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var model: String
    public var checkpointModel: String?
    public var missing: [String]
    public var unexpected: [String]
    public var wrongShapes: [String]

    public var description: String {
        var lines = ["\(file): checkpoint does not match model '\(model)'"
                     + (checkpointModel.map { $0 != model ? " (it was saved from model '\($0)')" : "" } ?? "")]
        let limit = 12
        func list(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("  \(title):")
            lines += items.prefix(limit).map { "    " + $0 }
            if items.count > limit { lines.append("    … and \(items.count - limit) more") }
        }
        list("missing from the checkpoint", missing)
        list("in the checkpoint but not in the model", unexpected)
        list("different shapes (model vs checkpoint)", wrongShapes)
        return lines.joined(separator: "\n")
    }
}

/// Session ↔ safetensors: tensor names are the session's persistent buffer names
/// (`dense1.weight`, `adam.m.dense1.weight`, `bn1.mean`), float32, so Python tools read the
/// weights directly; the training state and preprocessing ride in `__metadata__`.
public enum Checkpoint {
    static let modelKey = "nnc.model"
    static let fingerprintKey = "nnc.model_hash"
    static let batchKey = "nnc.batch_in_epoch"
    static let lossSumKey = "nnc.epoch_loss_sum"
    static let ceilingKey = "nnc.search_ceiling"
    static let bestErrorKey = "nnc.best_validation_error"
    static let bestEpochKey = "nnc.best_validation_epoch"
    static let optimizerKey = "nnc.optimizer"

    /// Writes the session's persistent tensors and `state` to `url` atomically.
    /// `run` holds what the caller records of the run besides the state (the command line's
    /// settings, so that `--resume` alone continues it).
    public static func write(_ session: Session, state: TrainingState, preprocessor: Preprocessor?,
                             run: [String: String] = [:], to url: URL) throws {
        let tensors = session.persistentTensors.map { t in
            TensorData(name: t.name, shape: t.shape, floats: session.read(t.name))
        } + session.sgd2Tensors()
        var extra = run.merging(preprocessor?.metadata ?? [:]) { $1 }
        extra.merge(state.schedule.metadata) { $1 }
        extra[modelKey] = session.model.name
        extra[fingerprintKey] = fingerprint(session)
        extra[optimizerKey] = session.model.optimizer.method.rawValue
        extra[batchKey] = String(state.batchInEpoch)
        extra[lossSumKey] = state.epochLossSum.description
        if let c = state.searchCeiling { extra[ceilingKey] = c.description }
        if let best = state.bestValidation {
            extra[bestErrorKey] = best.error.description
            extra[bestEpochKey] = String(best.epoch)
        }
        let metadata = CheckpointMetadata(step: state.step, epoch: state.epoch, learningRate: state.schedule.learningRate,
                                          randomState: state.sessionRandom, extra: extra)
        try Safetensors.write(tensors, metadata: metadata.strings, to: url)
    }

    /// Reads and validates the file's structure (not yet against a model).
    public static func read(_ url: URL) throws -> SafetensorsFile {
        try Safetensors.read(url)
    }

    /// Copies the file's tensors into the session after checking every name and shape.
    /// With `optimizerState` (resuming) the optimizer's tensors must be there too; without
    /// it (`--init`, `nnc eval`) only parameters and running statistics are needed, and any
    /// optimizer's state in the file is ignored. SGD2's Double factors and unit orders
    /// (`SGD2Tensors`) are part of the optimizer's state.
    ///
    /// One absence is not a mismatch: a K-FAC checkpoint from before norm layers had diagonal
    /// blocks has none of a block's three tensors. The block then starts afresh (its state all
    /// zeros: formed at the next formation step, the base rule until then), and the returned
    /// notes say so.
    @discardableResult
    public static func load(_ file: SafetensorsFile, into session: Session, optimizerState: Bool) throws -> [String] {
        let absentBlocks = optimizerState ? absentNormBlocks(file, session) : []
        let fresh = Set(absentBlocks.flatMap(normBlockTensors))
        let wanted = session.persistentTensors.filter {
            (optimizerState || $0.role != .optimizerState) && !fresh.contains($0.name)
        }
        let sgd2Names = optimizerState ? session.sgd2TensorNames : []
        let wantedNames = Set(wanted.map(\.name)).union(sgd2Names)
        let parameterNames = session.persistentTensors.filter { $0.role != .optimizerState }.map(\.name)
        var mismatch = CheckpointMismatch(file: file.file, model: session.model.name,
                                          checkpointModel: file.metadata[modelKey], missing: [], unexpected: [], wrongShapes: [])
        for t in wanted {
            guard let info = file.info(t.name) else {
                mismatch.missing.append("\(t.name) \(t.shape)")
                continue
            }
            if info.shape != t.shape { mismatch.wrongShapes.append("\(t.name): \(t.shape) vs \(info.shape)") }
        }
        for name in sgd2Names.sorted() where file.info(name) == nil { mismatch.missing.append(name) }
        for info in file.tensors where !wantedNames.contains(info.name) {
            // Another optimizer's state for this model's parameters is harmless when not resuming.
            let foreignState = !optimizerState && (parameterNames.contains { info.name.hasSuffix("." + $0) }
                                                   || SGD2Tensors.isSGD2Tensor(info.name))
            if !foreignState { mismatch.unexpected.append("\(info.name) \(info.shape)") }
        }
        guard mismatch.missing.isEmpty, mismatch.unexpected.isEmpty, mismatch.wrongShapes.isEmpty else { throw mismatch }
        let counters = stepCounters(session)
        for t in wanted {
            let values = try file.floats(t.name)
            if counters.contains(t.name), let bad = values.first(where: { !isStepCount($0) }) {
                throw CheckpointError.badTensor(file: file.file, tensor: t.name,
                                                detail: "an RMS norm's update count must be a whole number from 0 to 2²⁴, not \(bad)")
            }
            try session.write(t.name, values)
        }
        for t in session.persistentTensors where fresh.contains(t.name) {
            try session.write(t.name, [Float](repeating: 0, count: t.shape.reduce(1, *)))
        }
        if optimizerState { try session.restoreSGD2(from: file) }
        return absentBlocks.map {
            "the checkpoint holds no K-FAC block for norm layer '\($0)' (it was written by an nnc that left norm "
                + "layers to the base rule); the block starts afresh at the next factor formation"
        }
    }

    /// The tensors that count updates (an RMS norm's `steps`), which the executor reads as an Int.
    private static func stepCounters(_ session: Session) -> Set<String> {
        Set(session.trainPlan.kernels.compactMap { k -> String? in
            guard case .rmsNorm(let p) = k.op else { return nil }
            return session.trainPlan.buffer(p.steps).name
        })
    }

    /// A count a Float holds exactly: whole, from 0 to 2²⁴.
    static func isStepCount(_ x: Float) -> Bool {
        x >= 0 && x <= 16_777_216 && x == x.rounded()
    }

    /// The tensors of K-FAC's diagonal block of norm layer `layer` (KFACLowering).
    static func normBlockTensors(_ layer: String) -> [String] {
        ["kfac.state.\(layer)", "kfac.fisher.\(layer)", "kfac.fisher_inverse.\(layer)"]
    }

    /// The norm layers whose K-FAC block the session has and the file lacks entirely; a block
    /// with only some of its tensors is left to the mismatch check.
    private static func absentNormBlocks(_ file: SafetensorsFile, _ session: Session) -> [String] {
        session.trainPlan.kernels.compactMap { k -> String? in
            guard case .kfacDiagonal(let p) = k.op else { return nil }
            return normBlockTensors(p.layer).allSatisfy { file.info($0) == nil } ? p.layer : nil
        }
    }

    /// The training state in the file's metadata; `schedule` is the model's schedule, whose
    /// memory the file restores.
    public static func state(_ file: SafetensorsFile, schedule: Schedule) throws -> TrainingState {
        let base = try CheckpointMetadata(file)
        let map = file.metadata
        func number<T>(_ key: String, _ parse: (String) -> T?) throws -> T? {
            guard let text = map[key] else { return nil }
            guard let value = parse(text) else {
                throw CheckpointError.badMetadata(file: file.file, detail: "'\(key)' has malformed value '\(text)'")
            }
            return value
        }
        var scheduleState = LearningRateSchedule(schedule, learningRate: base.learningRate)
        if map[LearningRateSchedule.rateKey] != nil, !scheduleState.restore(map) {
            throw CheckpointError.badMetadata(file: file.file, detail: "malformed schedule state")
        }
        return TrainingState(step: base.step, epoch: base.epoch,
                             batchInEpoch: try number(batchKey) { Int($0).flatMap { $0 >= 0 ? $0 : nil } } ?? 0,
                             epochLossSum: try number(lossSumKey) { Double($0).flatMap { $0.isFinite ? $0 : nil } } ?? 0,
                             schedule: scheduleState,
                             searchCeiling: try number(ceilingKey) { Double($0).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } },
                             bestValidation: try bestValidation(file),
                             sessionRandom: base.randomState)
    }

    /// The best validation epoch a checkpoint records: both keys or neither.
    private static func bestValidation(_ file: SafetensorsFile) throws -> BestEpoch? {
        let error = file.metadata[bestErrorKey], epoch = file.metadata[bestEpochKey]
        guard error != nil || epoch != nil else { return nil }
        guard let e = error.flatMap(Double.init), e.isFinite, (0...1).contains(e),
              let n = epoch.flatMap(Int.init), n >= 1 else {
            throw CheckpointError.badMetadata(file: file.file, detail: "malformed best validation epoch ('\(bestErrorKey)', '\(bestEpochKey)')")
        }
        return BestEpoch(epoch: n, error: e)
    }

    /// A hash of the model's parameter and statistic names and shapes: two checkpoints with
    /// the same fingerprint hold the same tensors.
    public static func fingerprint(_ session: Session) -> String {
        let text = session.persistentTensors.filter { $0.role != .optimizerState }
            .map { "\($0.name)\($0.shape)" }.sorted().joined(separator: ";")
        return hexString(SHA256.hash(Array(text.utf8)))
    }
}
