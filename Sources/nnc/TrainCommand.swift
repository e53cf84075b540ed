import Dispatch
import Foundation
import NNC

/// `nnc train FILE`: train a model as its file says, with command-line overrides.
enum TrainCommand {
    static let help = """
        usage: nnc train <model.net> [options]

        Trains the model on the data its file names, printing one line per epoch (with a live
        progress bar on a terminal), and writes a checkpoint (safetensors) every
        checkpoint_every epochs and at the end. Ctrl-C finishes the current step, writes a
        checkpoint and exits; continue with --resume.

        options:
        \(CommonOptions.help)
        \(CommonOptions.overrideHelp)
          --checkpoint FILE  where to write checkpoints (default: the file's train { checkpoint },
                             else the --resume file, else ./<model>.safetensors)
          --resume FILE    continue a run from its checkpoint, exactly as if it had not stopped
          --init FILE      start from the weights (and running statistics) in FILE
          --log FILE       write every step's and epoch's metrics as JSON lines (docs/LOG.md)
          --log-every N    log every N-th step only (default 1)
          --label TEXT     the run's name in the log and reports (default: model/optimizer)
          --limit N        use only the first N training samples (quick experiments)
          --analyze        record per-layer analysis after each epoch (gradient energy, activations,
                           σmax and the operator-norm bound, conditioning): a table on the terminal
                           and `analysis` records in the --log file; its cost is printed with it
          --analyze-every N  analyse every N steps instead (implies --analyze)
          -h, --help       show this help

        exit status: 0 trained (or stopped by Ctrl-C with a checkpoint), 64 usage error,
        65 errors in the file, the data or a checkpoint, 66 a file is missing,
        70 training failed (a nan or inf), 74 cannot write a checkpoint or the log

        """

    static let valued = CommonOptions.valued.union(CommonOptions.overrideOptions)
        .union(["--checkpoint", "--resume", "--init", "--log", "--log-every", "--label", "--limit", "--analyze-every"])

    static func run(_ args: [String]) -> ExitCode {
        let parsed: ParsedArguments
        let common: CommonOptions
        let overrides: TrainingOverrides
        let logEvery: Int
        let limit: Int?
        let analysis: AnalysisSchedule?
        do {
            parsed = try ParsedArguments(args, valued: valued, flags: ["--analyze"])
            if parsed.help {
                print(help, terminator: "")
                return .success
            }
            common = try CommonOptions(parsed)
            overrides = try CommonOptions.overrides(parsed)
            logEvery = try parsed.int("--log-every", atLeast: 1) ?? 1
            limit = try parsed.int("--limit", atLeast: 1)
            analysis = try parsed.int("--analyze-every", atLeast: 1).map { .everySteps($0) }
                ?? (parsed.flags.contains("--analyze") ? .everyEpoch : nil)
            guard parsed.positional.count == 1 else {
                throw CommandLineError(parsed.positional.isEmpty ? "missing the .net file to train" : "only one .net file can be trained at a time")
            }
            if parsed.values["--resume"] != nil && parsed.values["--init"] != nil {
                throw CommandLineError("--resume and --init exclude each other: --resume continues a run, --init starts a new one from weights")
            }
        } catch let e as CommandLineError {
            writeError("nnc train: \(e.message)\nrun 'nnc train --help' for the options\n")
            return .usage
        } catch {
            return .usage
        }
        let path = parsed.positional[0]
        let loaded = loadModel(path, command: "train", color: common.color)
        guard let checked = loaded.model else { return loaded.code }
        let model = overrides.apply(to: checked)
        guard let spec = model.data else {
            writeError("nnc train: \(path) has no data block; add data { train: … test: … }\n")
            return .dataError
        }

        let locator = DataLocator.standard(dataDirectory: common.dataDirectory, modelFile: path)
        let data: TrainingData
        do {
            data = try TrainingData.load(spec, locator: locator, trainLimit: limit)
        } catch {
            let (code, message) = describe(error)
            writeError("nnc train: \(message)\n")
            return code
        }
        guard checkData(model, path: path, classes: data.train.classCount, features: data.train.sampleSize, color: common.color) else {
            return .dataError
        }

        let session: Session
        do {
            session = try Session(model: model, batch: model.training.batch, evalBatch: max(model.training.batch, 256),
                                  threads: common.threads, keepLayerBuffers: analysis != nil)
        } catch {
            writeError("nnc train: cannot run \(model.name): \(error)\n")
            return .failure
        }

        let modelDirectory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let checkpoint: URL = parsed.values["--checkpoint"].map { URL(fileURLWithPath: $0) }
            ?? model.training.checkpoint.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : modelDirectory.appendingPathComponent($0) }
            ?? parsed.values["--resume"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: "\(model.name).safetensors")
        let label = parsed.values["--label"] ?? "\(model.name)/\(model.optimizer.method.rawValue)"
        let trainer = Trainer(model: model, session: session, data: data,
                              options: .init(checkpoint: checkpoint, file: path, label: label, threads: common.threads,
                                             analysis: analysis))
        do {
            if let resume = parsed.values["--resume"] {
                try trainer.resume(from: Checkpoint.read(URL(fileURLWithPath: resume)))
            } else {
                session.initialize(seed: model.training.seed)
                if let initial = parsed.values["--init"] {
                    try Checkpoint.load(Checkpoint.read(URL(fileURLWithPath: initial)), into: session, optimizerState: false)
                }
            }
        } catch {
            let (code, message) = describe(error)
            writeError("nnc train: \(message)\n")
            return code
        }

        var logHandle: FileHandle?
        if let logPath = parsed.values["--log"] {
            let appending = parsed.values["--resume"] != nil && FileManager.default.fileExists(atPath: logPath)
            if !appending && !FileManager.default.createFile(atPath: logPath, contents: nil) {
                writeError("nnc train: cannot write the log '\(logPath)'\n")
                return .ioError
            }
            guard let handle = FileHandle(forWritingAtPath: logPath) else {
                writeError("nnc train: cannot write the log '\(logPath)'\n")
                return .ioError
            }
            if appending { _ = try? handle.seekToEnd() }
            logHandle = handle
        }
        defer { try? logHandle?.close() }

        let interrupt = InterruptFlag()
        let reporter = TrainingReporter(live: isatty(STDERR_FILENO) != 0, log: logHandle, logEvery: logEvery)
        var code = ExitCode.success
        do {
            let end = try trainer.run(events: reporter.handle, shouldStop: interrupt.isSet)
            if let written = end.checkpoint { print("checkpoint: \(written)") }
            if end.status == .stopped { print("continue with: nnc train \(path) --resume \(end.checkpoint ?? checkpoint.path)") }
        } catch {
            let (failure, message) = describe(error)
            writeError("nnc train: \(message)\n")
            if FileManager.default.fileExists(atPath: checkpoint.path) { writeError("nnc train: last good checkpoint: \(checkpoint.path)\n") }
            code = failure
        }
        if let logPath = parsed.values["--log"] {
            if let failure = reporter.logFailure {
                writeError("nnc train: writing the log '\(logPath)' failed: \(failure)\n")
                if code == .success { code = .ioError }
            } else {
                print("log: \(logPath)")
            }
        }
        return code
    }
}

/// Set by SIGINT: the trainer finishes its step, writes a checkpoint and stops. A second
/// Ctrl-C exits at once.
final class InterruptFlag {
    private let lock = NSLock()
    private var set = false
    private var source: DispatchSourceSignal?

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock()
            let again = self.set
            self.set = true
            self.lock.unlock()
            if again { exit(130) }
            FileHandle.standardError.write(Data("\nnnc train: interrupted; finishing the step and writing a checkpoint (Ctrl-C again to quit now)\n".utf8))
        }
        source.resume()
        self.source = source
    }

    func isSet() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return set
    }
}
