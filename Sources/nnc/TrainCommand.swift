import Dispatch
import Foundation
import NNC

/// `nnc train FILE`: train a model as its file says, with command-line overrides.
enum TrainCommand: Command {
    static let spec = CommandSpec(
        name: "train",
        abstract: "train a model: progress, JSON-lines log, safetensors checkpoints",
        discussion: """
            Trains the model on the data its file names, printing one line per epoch (with a live
            progress bar on a terminal), and writes a checkpoint (safetensors) every
            checkpoint_every epochs and at the end. Ctrl-C finishes the current step, writes a
            checkpoint and exits; continue with --resume.
            """,
        arguments: [.model("the .net file to train")],
        options: [.data, .threads, .color] + TrainingOverrides.options + [
            .value("--checkpoint", "FILE", """
                where to write checkpoints (default: the file's train { checkpoint },
                else the --resume file, else ./<model>.safetensors)
                """),
            .value("--resume", "FILE", "continue a run from its checkpoint, exactly as if it had not stopped"),
            .value("--init", "FILE", "start from the weights (and running statistics) in FILE"),
            .value("--log", "FILE", "write every step's and epoch's metrics as JSON lines (docs/LOG.md)"),
            .value("--log-every", "N", "log every N-th step only (default 1)"),
            .value("--label", "TEXT", "the run's name in the log and reports (default: model/optimizer)"),
            .value("--limit", "N", "use only the first N training samples (quick experiments)"),
            .flag("--analyze", """
                record per-layer analysis after each epoch (gradient energy, activations,
                σmax and the operator-norm bound, conditioning): a table on the terminal
                and `analysis` records in the --log file; its cost is printed with it
                """),
            .value("--analyze-every", "N", "analyse every N steps instead (implies --analyze)"),
        ],
        exitStatus: """
            0 trained (or stopped by Ctrl-C with a checkpoint), 64 usage error,
            65 errors in the file, the data or a checkpoint, 66 a file is missing,
            70 training failed (a nan or inf), 74 cannot write a checkpoint or the log
            """)

    static func run(_ arguments: ParsedArguments) throws {
        let threads = try arguments.threads()
        let overrides = try TrainingOverrides(arguments)
        let logEvery = try arguments.int("--log-every", atLeast: 1) ?? 1
        let limit = try arguments.int("--limit", atLeast: 1)
        let analysis: AnalysisSchedule? = try arguments.int("--analyze-every", atLeast: 1).map { .everySteps($0) }
            ?? (arguments.flag("--analyze") ? .everyEpoch : nil)
        let resume = arguments.value("--resume"), initial = arguments.value("--init")
        if resume != nil && initial != nil {
            throw CommandLineError.invalid("--resume and --init exclude each other: --resume continues a run, --init starts a new one from weights")
        }
        // The checkpoint carries the schedule's rate, which a resumed run continues from: a
        // --lr beside it was printed and then ignored.
        if resume != nil && arguments.value("--lr") != nil {
            throw CommandLineError.invalid("--lr cannot change a resumed run: it continues at its checkpoint's learning rate; "
                                           + "start a new run from the weights with --init FILE --lr RATE")
        }
        let file = try ModelFile(arguments.modelPath, color: arguments.color())
        let path = file.path
        let model = overrides.apply(to: file.model)
        guard let spec = model.data else {
            throw CommandFailure(.dataError, "\(path) has no data block; add data { train: … test: … }")
        }
        let locator = DataLocator.standard(dataDirectory: arguments.value("--data"), modelFile: path)
        let data = try TrainingData.load(spec, locator: locator, trainLimit: limit)
        try file.check(against: data.train)
        let session = try file.session(model, batch: model.training.batch, evalBatch: max(model.training.batch, 256),
                                       threads: threads, keepLayerBuffers: analysis != nil)

        let modelDirectory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let checkpoint: URL = arguments.value("--checkpoint").map { URL(fileURLWithPath: $0) }
            ?? model.training.checkpoint.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : modelDirectory.appendingPathComponent($0) }
            ?? resume.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: "\(model.name).safetensors")
        let label = arguments.value("--label") ?? "\(model.name)/\(model.optimizer.method.rawValue)"
        let trainer = Trainer(model: model, session: session, data: data,
                              options: .init(checkpoint: checkpoint, file: path, label: label, threads: threads,
                                             analysis: analysis))
        if let resume {
            try trainer.resume(from: Checkpoint.read(URL(fileURLWithPath: resume)))
        } else {
            session.initialize(seed: model.training.seed)
            if let initial {
                try Checkpoint.load(Checkpoint.read(URL(fileURLWithPath: initial)), into: session, optimizerState: false)
            }
        }

        let logPath = arguments.value("--log")
        var logHandle: FileHandle?
        if let logPath {
            let appending = resume != nil && FileManager.default.fileExists(atPath: logPath)
            let created = appending || FileManager.default.createFile(atPath: logPath, contents: nil)
            guard created, let handle = FileHandle(forWritingAtPath: logPath) else {
                throw CommandFailure(.ioError, "cannot write the log '\(logPath)'")
            }
            if appending { _ = try? handle.seekToEnd() }
            logHandle = handle
        }
        defer { try? logHandle?.close() }

        let interrupt = InterruptFlag()
        let reporter = TrainingReporter(live: isatty(STDERR_FILENO) != 0, log: logHandle, logEvery: logEvery)
        var failure: CommandFailure?
        do {
            let end = try trainer.run(events: reporter.handle, shouldStop: interrupt.isSet)
            if let written = end.checkpoint { print("checkpoint: \(written)") }
            if end.status == .stopped { print("continue with: nnc train \(path) --resume \(end.checkpoint ?? checkpoint.path)") }
        } catch {
            // Only a checkpoint of this run: whatever else sits at the path is an earlier run's.
            let kept = trainer.lastCheckpoint ?? resume
            failure = CommandFailure(error, notes: kept.map { ["last good checkpoint: \($0)"] } ?? [])
        }
        if let logPath {
            if let problem = reporter.logFailure {
                let message = "writing the log '\(logPath)' failed: \(problem)"
                failure = failure.map { CommandFailure($0.status, $0.message, notes: $0.notes + [message]) }
                    ?? CommandFailure(.ioError, message)
            } else {
                print("log: \(logPath)")
            }
        }
        if let failure { throw failure }
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
