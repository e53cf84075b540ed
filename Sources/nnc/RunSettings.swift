import Foundation
import NNC

/// Everything a `nnc train` command line chose for its run besides the `.net` file's own text:
/// recorded in every checkpoint with a copy of that text, so that `nnc train --resume FILE`
/// alone continues the run exactly — the same model, data, overrides, limit and log — and a
/// flag that would make it another run is refused instead of silently obeyed or dropped.
struct RunSettings: Equatable {
    /// The `.net` file, as given on the command line that started the run.
    var modelPath: String
    /// `--data`: searched first for the data files.
    var dataDirectory: String?
    /// `--limit`: the first N training samples.
    var limit: Int?
    /// `--epochs`, `--lr`, `--batch`, `--optimizer`, `--seed`.
    var overrides: TrainingOverrides
    var label: String?
    var log: String?
    var logEvery: Int?
    var analysis: AnalysisSchedule?
    /// `--threads`: the results are bit-identical for one thread count only, so a resumed run
    /// keeps the count it had.
    var threads: Int?
    /// The ranks of a data-parallel run (`mpirun -np N`), nil alone: not a flag but how the
    /// run was started, recorded so a resumed run can say when it continues on another count.
    var ranks: Int?

    /// What the command line says, each setting nil where it is silent.
    init(_ arguments: ParsedArguments) throws {
        modelPath = arguments.positional.first ?? ""
        dataDirectory = arguments.value("--data")
        limit = try arguments.int("--limit", atLeast: 1)
        overrides = try TrainingOverrides(arguments)
        label = arguments.value("--label")
        log = arguments.value("--log")
        logEvery = try arguments.int("--log-every", atLeast: 1)
        analysis = try arguments.int("--analyze-every", atLeast: 1).map { .everySteps($0) }
            ?? (arguments.flag("--analyze") ? .everyEpoch : nil)
        threads = try arguments.int("--threads", atLeast: 1)
    }

    // MARK: In a checkpoint

    private static let prefix = "nnc.run."
    private static let fileKey = prefix + "file"
    private static let sourceKey = prefix + "source"
    private static let samplesKey = prefix + "train_samples"

    /// The checkpoint's entries for these settings, the model's text and the number of
    /// training samples (the check that a resumed run reads the same data).
    func metadata(source: [UInt8], trainSamples: Int) -> [String: String] {
        var map = [Self.fileKey: absolute(modelPath), Self.sourceKey: String(decoding: source, as: UTF8.self),
                   Self.samplesKey: String(trainSamples)]
        func put(_ key: String, _ value: String?) { if let value { map[Self.prefix + key] = value } }
        put("data", dataDirectory.map(absolute))
        put("limit", limit.map(String.init))
        put("epochs", overrides.epochs.map(String.init))
        put("lr", overrides.learningRate?.description)
        put("batch", overrides.batch.map(String.init))
        put("optimizer", overrides.optimizer?.rawValue)
        put("seed", overrides.seed.map(String.init))
        put("label", label)
        put("log", log.map(absolute))
        put("log_every", logEvery.map(String.init))
        put("threads", threads.map(String.init))
        put("ranks", ranks.map(String.init))
        switch analysis {
        case .everyEpoch: put("analyze", "epoch")
        case .everySteps(let n): put("analyze", "steps:\(n)")
        case nil: break
        }
        return map
    }

    /// The settings a checkpoint recorded, with the model's text and the training samples;
    /// nil for a checkpoint written before nnc recorded them. Every entry is checked.
    static func recorded(in file: SafetensorsFile) throws -> (settings: RunSettings, source: [UInt8], trainSamples: Int)? {
        let map = file.metadata
        guard let path = map[fileKey] else { return nil }
        func bad(_ key: String) -> Error {
            CheckpointError.badMetadata(file: file.file, detail: "'\(key)' has malformed value '\(map[key] ?? "")'")
        }
        func read<T>(_ key: String, _ parse: (String) -> T?) throws -> T? {
            guard let text = map[prefix + key] else { return nil }
            guard let value = parse(text) else { throw bad(prefix + key) }
            return value
        }
        func positive(_ text: String) -> Int? { Int(text).flatMap { $0 >= 1 ? $0 : nil } }
        guard let source = map[sourceKey] else { throw bad(sourceKey) }
        guard let samples = map[samplesKey].flatMap(positive) else { throw bad(samplesKey) }
        var s = RunSettings(modelPath: path)
        s.dataDirectory = map[prefix + "data"]
        s.limit = try read("limit", positive)
        s.overrides.epochs = try read("epochs", positive)
        s.overrides.learningRate = try read("lr") { Double($0).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }
        s.overrides.batch = try read("batch", positive)
        s.overrides.optimizer = try read("optimizer", OptimizerMethod.init(rawValue:))
        s.overrides.seed = try read("seed") { UInt64($0) }
        s.label = map[prefix + "label"]
        s.log = map[prefix + "log"]
        s.logEvery = try read("log_every", positive)
        s.threads = try read("threads", positive)
        s.ranks = try read("ranks", positive)
        s.analysis = try read("analyze") { text -> AnalysisSchedule? in
            if text == "epoch" { return .everyEpoch }
            guard text.hasPrefix("steps:"), let n = positive(String(text.dropFirst(6))) else { return nil }
            return .everySteps(n)
        }
        return (s, Array(source.utf8), samples)
    }

    private init(modelPath: String) {
        self.modelPath = modelPath
        overrides = TrainingOverrides()
    }

    // MARK: Resuming

    /// The recorded run continued under `given` (this command line): what it leaves unsaid
    /// comes from the record. Settings that only observe the run (log, label, analysis) and
    /// where the data now lives may change; `--epochs` may lengthen or shorten the run, said
    /// in `notes`. Anything that would train another run is a usage error naming the flag.
    /// `recorded` is the run's model as it trained, `completedEpochs` what the checkpoint holds.
    func resumed(with given: RunSettings, recorded model: Model, completedEpochs: Int,
                 checkpoint: String, notes: inout [String]) throws -> RunSettings {
        var s = self
        if !given.modelPath.isEmpty { s.modelPath = given.modelPath }
        func refuse(_ flag: String, _ value: String, _ was: String) -> Error {
            CommandLineError.invalid("""
                \(flag) \(value) contradicts the run in \(checkpoint), which trained with \(was); a resumed run \
                continues exactly as it started. To train differently from its weights, start a new run: \
                nnc train \(s.modelPath) --init \(checkpoint) \(flag) \(value)
                """)
        }
        let o = given.overrides
        if let lr = o.learningRate, lr != model.optimizer.learningRate {
            throw refuse("--lr", "\(lr)", "lr \(model.optimizer.learningRate) (the schedule continues from its checkpointed rate)")
        }
        if let b = o.batch, b != model.training.batch { throw refuse("--batch", "\(b)", "batch \(model.training.batch)") }
        if let m = o.optimizer, m != model.optimizer.method {
            throw refuse("--optimizer", m.rawValue, "optimizer \(model.optimizer.method.rawValue)")
        }
        if let seed = o.seed, seed != model.training.seed { throw refuse("--seed", "\(seed)", "seed \(model.training.seed)") }
        if given.limit != nil, given.limit != limit {
            throw refuse("--limit", "\(given.limit!)", limit.map { "--limit \($0)" } ?? "no --limit (all training samples)")
        }
        if let epochs = o.epochs, epochs != model.training.epochs {
            guard epochs > completedEpochs else {
                throw CommandLineError.invalid("--epochs \(epochs): the run in \(checkpoint) has already completed \(completedEpochs) epochs")
            }
            s.overrides.epochs = epochs
            notes.append("the run now ends after \(epochs) epochs instead of \(model.training.epochs)")
        }
        if let data = given.dataDirectory, absolute(data) != dataDirectory {
            s.dataDirectory = data
            if dataDirectory != nil { notes.append("reading the data from \(data) (the run started with \(dataDirectory!))") }
        }
        s.label = given.label ?? label
        s.log = given.log ?? log
        s.logEvery = given.logEvery ?? logEvery
        s.analysis = given.analysis ?? analysis
        if let t = given.threads, let was = threads, t != was {
            notes.append("training on \(t) threads where the run had \(was): the rest of it rounds differently from a run that was never stopped")
        }
        s.threads = given.threads ?? threads
        return s
    }
}

/// `path` made absolute against the current directory, so a record outlives a `cd`.
private func absolute(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
