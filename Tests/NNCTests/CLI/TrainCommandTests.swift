import Foundation
import Testing
import NNCKernels
@testable import NNC

/// Runs the built `nnc train`, `eval` and `fetch` as a user would and checks exit codes,
/// messages and files.
@Suite(.serialized) struct TrainCommandTests {
    static let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path

    static func epochLosses(_ log: URL) throws -> [Double] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["type"] as? String == "epoch" ? object?["train_loss"] as? Double : nil
        }
    }

    @Test func decayedLearningRateIsPrintedRounded() throws {
        // 0.07 · 0.1 is 0.007000000000000001 in binary; the epoch line says 0.007.
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOfFile: Self.spirals, encoding: .utf8)
        text = text.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.07")
            .replacingOccurrences(of: "epochs: 40", with: "epochs: 2\n  schedule: step(every: 1, factor: 0.1)")
        let model = dir.appendingPathComponent("decay.net")
        try Data(text.utf8).write(to: model)
        let r = try CLI.run(["train", model.path, "--data", TestPaths.examples.path,
                              "--checkpoint", dir.appendingPathComponent("decay.safetensors").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("lr 0.07 ") || r.stdout.contains("lr 0.07,"))
        #expect(r.stdout.contains("lr 0.007 "))
        #expect(!r.stdout.contains("0.00700000"))
    }

    @Test func spiralsTrainsAndLossFalls() throws {
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("s.safetensors"), log = dir.appendingPathComponent("s.jsonl")
        let r = try CLI.run(["train", Self.spirals, "--epochs", "6", "--threads", "2", "--checkpoint", checkpoint.path, "--log", log.path])
        #expect(r.status == 0, "\(r.stderr)")
        // Not a terminal: plain lines, no progress bar.
        #expect(!r.stderr.contains("\u{1B}["))
        #expect(r.stdout.contains("epoch 6/6"))
        #expect(r.stdout.contains("checkpoint: \(checkpoint.path)"))
        #expect(r.stdout.contains("log: \(log.path)"))
        let losses = try Self.epochLosses(log)
        #expect(losses.count == 6)
        #expect(losses.last! < losses.first! * 0.8, "\(losses)")
        // The log is what `nnc report` reads.
        let parsed = try RunLog.read(path: log.path)
        #expect(parsed.epochs.count == 6)
        // The run record names the CPU and the kernel parameters (the built-in set: CLI.run
        // points NNC_WISDOM nowhere), beside every figure the log holds.
        let first = try String(contentsOf: log, encoding: .utf8).prefix { $0 != "\n" }
        let run = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(run["cpu"] as? String == CPUModel.name)
        #expect(run["kernels"] as? String == "GEMM \(GEMMParameters.builtIn)")

        let eval = try CLI.run(["eval", Self.spirals, "--weights", checkpoint.path])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("confusion matrix"))
    }

    @Test func missingDataNamesThePlacesLooked() throws {
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("spirals.net")
        try FileManager.default.copyItem(atPath: Self.spirals, toPath: model.path)
        let r = try CLI.run(["train", model.path, "--data", dir.appendingPathComponent("nowhere").path],
                             environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("cannot find data file 'data/spirals.csv'"), "\(r.stderr)")
        #expect(r.stderr.contains("nowhere/data/spirals.csv (--data)"))
        #expect(r.stderr.contains(dir.path + "/data/spirals.csv (next to the .net file)"))
    }

    @Test func corruptCheckpointIsExit65() throws {
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Data([0x10, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":".utf8)).write(to: bad)
        let eval = try CLI.run(["eval", Self.spirals, "--weights", bad.path])
        #expect(eval.status == 65)
        #expect(eval.stderr.contains(bad.path))
        let resume = try CLI.run(["train", Self.spirals, "--resume", bad.path])
        #expect(resume.status == 65)
        let missing = try CLI.run(["eval", Self.spirals, "--weights", dir.appendingPathComponent("none.safetensors").path])
        #expect(missing.status == 66)
        #expect(try CLI.run(["train", Self.spirals, "--epochs", "0"]).status == 64)
        #expect(try CLI.run(["train", Self.spirals, "--optimizer", "lbfgs"]).status == 64)
        #expect(try CLI.run(["eval", Self.spirals]).status == 64)
        #expect(try CLI.run(["fetch", "imagenet"]).status == 64)
        // Nothing listens on the discard port: the download fails and says where it tried.
        let fetch = try CLI.run(["fetch", "mnist", "--data", dir.path, "--mirror", "http://127.0.0.1:9/"])
        #expect(fetch.status == 74)
        #expect(fetch.stderr.contains("127.0.0.1:9"), "\(fetch.stderr)")
    }

    @Test func resumeEqualsUninterrupted() throws {
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole.safetensors"), part = dir.appendingPathComponent("part.safetensors")
        let common = ["--threads", "2", "--seed", "4"]
        #expect(try CLI.run(["train", Self.spirals, "--epochs", "4", "--checkpoint", whole.path] + common).status == 0)
        #expect(try CLI.run(["train", Self.spirals, "--epochs", "2", "--checkpoint", part.path] + common).status == 0)
        let resumed = try CLI.run(["train", Self.spirals, "--epochs", "4", "--resume", part.path] + common)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming after epoch 2"))
        let a = try Checkpoint.read(whole), b = try Checkpoint.read(part)
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for t in a.tensors {
            #expect(try a.floats(t.name) == b.floats(t.name), "\(t.name) differs")
        }
        #expect(a.metadata["nnc.step"] == b.metadata["nnc.step"])
    }

    @Test func divergenceIsExit70AndKeepsCheckpoint() throws {
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("c.safetensors")
        #expect(try CLI.run(["train", Self.spirals, "--epochs", "1", "--checkpoint", checkpoint.path]).status == 0)
        let good = try Data(contentsOf: checkpoint)
        let r = try CLI.run(["train", Self.spirals, "--init", checkpoint.path, "--lr", "1e30", "--optimizer", "sgd",
                              "--epochs", "2", "--checkpoint", checkpoint.path])
        #expect(r.status == 70)
        #expect(r.stderr.contains("at step "), "\(r.stderr)")
        #expect(r.stderr.contains("in layer '"), "\(r.stderr)")
        #expect(try Data(contentsOf: checkpoint) == good)
    }

    /// A run that diverges before its first checkpoint names none as its last good one: the
    /// file already at the path is an earlier run's (the message used to name it).
    @Test func divergenceBeforeAnyCheckpointNamesNone() throws {
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("c.safetensors")
        let earlier = Data("an earlier run's file".utf8)
        try earlier.write(to: checkpoint)
        let r = try CLI.run(["train", Self.spirals, "--lr", "1e30", "--optimizer", "sgd", "--epochs", "1",
                             "--checkpoint", checkpoint.path])
        #expect(r.status == 70, "\(r.stderr)")
        #expect(!r.stderr.contains("last good checkpoint"), "\(r.stderr)")
        #expect(try Data(contentsOf: checkpoint) == earlier)
    }

    /// On a terminal the bar gives the whole run's ETA and says when the test set is being
    /// evaluated (run under script(1) for a terminal; skipped where it is missing).
    @Test func terminalShowsTheRunsETAAndTheEvaluation() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), let nnc = CLI.executable else { return }
        let dir = try CLI.temporaryFolder("nnc-train-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = [nnc.path, "train", Self.spirals, "--epochs", "3", "--checkpoint", dir.appendingPathComponent("c.safetensors").path]
            .map { "'\($0)'" }.joined(separator: " ")
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains(", run "), "\(r.stdout)")
        #expect(r.stdout.contains("evaluating 600 test samples"))
    }
}
