import Foundation
import NNC

/// The run a `nnc train` command line asks for: a new one as it says, or — with `--resume` —
/// the run its checkpoint recorded, continued with the model text it trained on.
struct ResumedRun {
    var settings: RunSettings
    var file: ModelFile
    /// The file's model with the run's overrides applied: what trains.
    var model: Model
    /// What changed on resuming, said before training.
    var notes: [String] = []
    /// The training samples the recorded run had; nil for a new run.
    var trainSamples: Int?

    static func settle(_ given: RunSettings, checkpoint: SafetensorsFile?, path: String?, color: Bool) throws -> ResumedRun {
        guard let checkpoint, let path else { return try fresh(given, color: color) }
        guard let recorded = try RunSettings.recorded(in: checkpoint) else {
            // Written before checkpoints recorded their run: the command line says it all, as then.
            guard !given.modelPath.isEmpty else {
                throw CommandLineError.invalid("\(path) does not record its run (an older nnc wrote it): name the .net file "
                                               + "and the options the run started with")
            }
            if given.overrides.learningRate != nil {
                throw CommandLineError.invalid("--lr cannot change a resumed run: it continues at its checkpoint's learning rate; "
                                               + "start a new run from the weights with --init FILE --lr RATE")
            }
            return try fresh(given, color: color)
        }
        var notes: [String] = []
        let modelPath = given.modelPath.isEmpty ? recorded.settings.modelPath : given.modelPath
        if !given.modelPath.isEmpty {
            // Named on the command line: it must be the file the run trained, or the run would silently change.
            let current = try ModelFile.contents(of: modelPath)
            if current != recorded.source {
                throw CommandFailure(.dataError, "\(modelPath) has changed since \(path) was written; a resumed run continues "
                                     + "exactly as it started",
                                     notes: changedLines(was: recorded.source, now: current) + [
                                        "continue the run as it was with: nnc train --resume \(shellQuoted(path)) (the checkpoint holds the file it trained)",
                                        "or train the changed file from these weights: nnc train \(shellQuoted(modelPath)) --init \(shellQuoted(path))",
                                     ])
            }
        } else if let current = try? ModelFile.contents(of: modelPath), current != recorded.source {
            notes.append("\(modelPath) has changed since the checkpoint was written; the run continues with the checkpoint's copy of it")
        }
        let file = try ModelFile(path: modelPath, bytes: recorded.source, color: color)
        let trained = recorded.settings.overrides.apply(to: file.model)
        let completed = try CheckpointMetadata(checkpoint).epoch
        let settings = try recorded.settings.resumed(with: given, recorded: trained, completedEpochs: completed,
                                                     checkpoint: path, notes: &notes)
        return ResumedRun(settings: settings, file: file, model: settings.overrides.apply(to: file.model), notes: notes,
                          trainSamples: recorded.trainSamples)
    }

    private static func fresh(_ given: RunSettings, color: Bool) throws -> ResumedRun {
        let file = try ModelFile(given.modelPath, color: color)
        return ResumedRun(settings: given, file: file, model: given.overrides.apply(to: file.model))
    }

    /// The lines one text has and the other lacks, a few of each, as `- old` and `+ new`.
    static func changedLines(was: [UInt8], now: [UInt8], limit: Int = 4) -> [String] {
        let old = String(decoding: was, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let new = String(decoding: now, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let oldLines = Set(old), newLines = Set(new)
        let removed = old.filter { !newLines.contains($0) }, added = new.filter { !oldLines.contains($0) }
        return removed.prefix(limit).map { "- " + $0.trimmingCharacters(in: .whitespaces) }
            + added.prefix(limit).map { "+ " + $0.trimmingCharacters(in: .whitespaces) }
    }
}
