import Dispatch
import Foundation
import NNC
import NNCSystem

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
        arguments: [Argument(name: "<model.net>", missing: "the .net file to train (or --resume FILE)", optional: true)],
        options: [.data, .threads, .color] + TrainingOverrides.options + [
            .value("--checkpoint", "FILE", """
                where to write checkpoints (default: the file's train { checkpoint },
                else the --resume file, else runs/<model>/<model>.safetensors); with a
                validation set the best epoch's also goes beside it, as NAME.best.safetensors
                """),
            .value("--resume", "FILE", """
                continue the run FILE was written by, exactly: the checkpoint holds its
                model, data, options and log; the model file may be left out
                """),
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
            0 trained (or stopped by Ctrl-C with a checkpoint), 64 usage error (or a flag
            that contradicts the --resume run), 65 errors in the file, the data or a
            checkpoint, 66 a file is missing, 69 not enough memory for the run,
            70 training failed (a nan or inf), 74 cannot write a checkpoint or the log
            """)

    static func run(_ arguments: ParsedArguments) throws {
        // First: under mpirun every rank must join before any of them can fail alone.
        let group = try ParallelLaunch.join()
        let ranks = group?.size ?? 1, leader = (group?.rank ?? 0) == 0
        let given = try RunSettings(arguments)
        let resume = arguments.value("--resume"), initial = arguments.value("--init")
        if resume != nil && initial != nil {
            throw CommandLineError.invalid("--resume and --init exclude each other: --resume continues a run, --init starts a new one from weights")
        }
        if resume == nil && given.modelPath.isEmpty { throw CommandLineError.missing("the .net file to train (or --resume FILE)") }
        let resumed = try resume.map { try Checkpoint.read(URL(fileURLWithPath: $0)) }
        let run = try ResumedRun.settle(given, checkpoint: resumed, path: resume, color: arguments.color())
        var settings = run.settings
        let file = run.file, model = run.model, path = file.path
        // A new run takes the machine's cores unless told; a resumed one the count it had.
        let threads = try settings.threads ?? arguments.threads()
        settings.threads = threads
        var notes = run.notes
        if resumed != nil, (settings.ranks ?? 1) != ranks {
            notes.append("the run trained on \(settings.ranks ?? 1) rank(s) and continues on \(ranks): the same global batches "
                         + "in the same order, but sums rounded in another order and batch statistics over other slices")
        }
        settings.ranks = ranks > 1 ? ranks : nil
        for note in notes { print("note: \(note)") }

        // Every output is probed before the data is read: a typo must not cost an epoch.
        // Rank 0 alone writes the checkpoints and the log.
        let checkpoint = try checkpointURL(arguments.value("--checkpoint"), model: model, modelFile: path, resume: resume,
                                           probing: leader)
        let best = checkpoint.deletingPathExtension().appendingPathExtension("best.safetensors")
        let logHandle = leader ? try openLog(settings.log, appending: resume != nil) : nil
        defer { try? logHandle?.close() }

        guard let spec = model.data else {
            throw CommandFailure(.dataError, "\(path) has no data block; add data { train: … test: … }")
        }
        let locator = DataLocator.standard(dataDirectory: settings.dataDirectory, modelFile: path)
        let data = try TrainingData.load(spec, locator: locator, trainLimit: settings.limit)
        if let recorded = run.trainSamples, recorded != data.trainIndices.count {
            throw CommandFailure(.dataError, "the data has changed since \(resume ?? ""): the run trained on \(recorded) samples, "
                                             + "the data found now gives \(data.trainIndices.count)")
        }
        try file.check(against: data.train)
        try TrainingBatch.check(model.training.batch, fits: data, limit: settings.limit)
        let analysis = settings.analysis
        let session = try file.session(model, batch: model.training.batch, evalBatch: TrainingBatch.evalBatch(training: model.training.batch),
                                       threads: threads, keepLayerBuffers: analysis != nil, group: group)

        let label = settings.label ?? "\(model.name)/\(model.optimizer.method.rawValue)"
        let trainer = Trainer(model: model, session: session, data: data,
                              options: .init(checkpoint: leader ? checkpoint : nil,
                                             bestCheckpoint: leader && data.validation != nil ? best : nil,
                                             runMetadata: settings.metadata(source: file.source.bytes, trainSamples: data.trainIndices.count),
                                             file: path, label: label, threads: threads, analysis: analysis,
                                             modelHash: hexString(SHA256.hash(file.source.bytes)), version: version))
        if let resumed {
            for note in try trainer.resume(from: resumed) { print("note: \(note)") }
        } else {
            session.initialize(seed: model.training.seed)
            if let initial {
                try Checkpoint.load(Checkpoint.read(URL(fileURLWithPath: initial)), into: session, optimizerState: false)
            }
        }
        if ranks > 1 {
            print("ranks: \(ranks), each training on \(session.trainPlan.batch) of every batch of \(session.globalBatch)")
        }
        print("checkpoints: \(checkpoint.path)" + (data.validation != nil ? " (best validation epoch: \(best.path))" : ""))

        let interrupt = InterruptFlag()
        let reporter = TrainingReporter(live: leader && isatty(STDERR_FILENO) != 0, log: logHandle, logEvery: settings.logEvery ?? 1)
        var failure: CommandFailure?
        do {
            let end = try trainer.run(events: reporter.handle, shouldStop: interrupt.isSet)
            if ranks > 1 {
                print(String(format: "allreduce: %.3f s of %.3f s training (%.1f %%), one fused collective a step",
                             session.collectiveSeconds, trainer.trainingSeconds,
                             100 * session.collectiveSeconds / max(trainer.trainingSeconds, 1e-9)))
            }
            if let written = end.checkpoint { print("checkpoint: \(written)") }
            if let written = end.bestCheckpoint, let b = end.bestValidation {
                print("best: \(written) (epoch \(b.epoch), validation error \(String(format: "%.2f", b.error * 100))%)")
            }
            if end.status == .stopped { print("continue with: nnc train \(shellQuoted(path)) --resume \(shellQuoted(end.checkpoint ?? checkpoint.path))") }
        } catch {
            // Only a checkpoint of this run: whatever else sits at the path is an earlier run's.
            let kept = trainer.lastCheckpoint ?? resume
            failure = CommandFailure(error, notes: kept.map { ["last good checkpoint: \($0)"] } ?? [])
        }
        if let logPath = settings.log {
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

    /// Where checkpoints go: `--checkpoint`, else the file's `train { checkpoint }` (beside the
    /// file), else the `--resume` file, else `runs/<model>/` (made if missing). Its folder must
    /// exist and take a file now, not after an epoch — checked when `probing` (by the writer).
    static func checkpointURL(_ option: String?, model: Model, modelFile: String, resume: String?,
                              probing: Bool = true) throws -> URL {
        let modelDirectory = URL(fileURLWithPath: modelFile).deletingLastPathComponent()
        let chosen = option.map { URL(fileURLWithPath: $0) }
            ?? model.training.checkpoint.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : modelDirectory.appendingPathComponent($0) }
            ?? resume.map { URL(fileURLWithPath: $0) }
        let url = chosen ?? URL(fileURLWithPath: "runs/\(model.name)/\(model.name).safetensors")
        guard probing else { return url }
        let folder = url.deletingLastPathComponent()
        if chosen == nil { try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        if PathKind.of(url.path) == .directory {
            throw CommandFailure(.ioError, "cannot write the checkpoint '\(url.path)': it is a directory")
        }
        guard PathKind.of(folder.path) == .directory else {
            throw CommandFailure(.ioError, "cannot write the checkpoint '\(url.path)': the folder '\(folder.path)' does not exist")
        }
        // A file made and removed at once is the only sure test of a folder (read-only mounts, ACLs).
        let probe = folder.appendingPathComponent(".nnc-probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe.path, contents: nil) else {
            throw CommandFailure(.ioError, "cannot write the checkpoint '\(url.path)': the folder '\(folder.path)' is not writable")
        }
        try? FileManager.default.removeItem(at: probe)
        // A writer killed mid-checkpoint left its temporary: gone at the start, not at the first save.
        for path in [url, url.deletingPathExtension().appendingPathExtension("best.safetensors")] {
            AtomicFile.removeStaleTemporaries(of: path)
        }
        return url
    }

    /// The `--log` file, opened (appended to when resuming) before any work.
    static func openLog(_ path: String?, appending resuming: Bool) throws -> FileHandle? {
        guard let path else { return nil }
        let appending = resuming && FileManager.default.fileExists(atPath: path)
        let created = appending || FileManager.default.createFile(atPath: path, contents: nil)
        guard created, let handle = FileHandle(forWritingAtPath: path) else {
            throw CommandFailure(.ioError, "cannot write the log '\(path)'")
        }
        if appending { _ = try? handle.seekToEnd() }
        return handle
    }
}

/// `path` as a shell reads it back: quoted only when it holds characters the shell would split on.
func shellQuoted(_ path: String) -> String {
    let plain = path.allSatisfy { $0.isLetter || $0.isNumber || "/._-+,:=@%".contains($0) }
    return plain && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
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
