import Foundation
import Testing
@testable import NNC

/// Session ↔ safetensors: round trips, and every way a checkpoint can fail to fit.
@Suite struct CheckpointTests {
    static func model(width: Int = 4, optimizer: String = "adam { lr: 0.001 }", extraLayer: String = "") throws -> Model {
        let text = """
            net small {
              input [3]
              dense \(width)
              relu
              \(extraLayer)
              dense 2
              loss cross_entropy
            }
            optimizer \(optimizer)
            train { batch: 4, seed: 5 }
            """
        let (model, diagnostics) = Frontend.check(SourceFile(path: "small.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(model)
    }

    static func session(_ model: Model, seed: UInt64 = 5) throws -> Session {
        let s = try Session(model: model, batch: 4, evalBatch: 4, threads: 1)
        s.initialize(seed: seed)
        return s
    }

    static func file(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("nnc-ckpt-\(UUID().uuidString)-\(name)")
    }

    static func state(_ model: Model, _ session: Session) -> TrainingState {
        var schedule = LearningRateSchedule(.plateau(patience: 2, factor: 0.5), learningRate: 0.003)
        schedule.epochEnded(1, metric: 0.7)
        schedule.epochEnded(2, metric: 0.8)
        return TrainingState(step: 17, epoch: 2, batchInEpoch: 3, epochLossSum: 1.2345678901234567, schedule: schedule,
                             searchCeiling: 0.01, bestValidation: BestEpoch(epoch: 2, error: 0.125), sessionRandom: session.rngState)
    }

    @Test func roundTrip() throws {
        let model = try Self.model()
        let source = try Self.session(model)
        // Give the optimizer state non-zero values so the test sees them travel.
        for t in source.persistentTensors where t.role == .optimizerState {
            try source.write(t.name, (0..<t.shape.reduce(1, *)).map { Float($0) * 0.25 + 1 })
        }
        let url = Self.file("a.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let preprocessor = Preprocessor(scale: 0.5, mean: [1, 2, 3], std: [1, 1, 2], groupSize: 1)
        let state = Self.state(model, source)
        try Checkpoint.write(source, state: state, preprocessor: preprocessor, to: url)

        let file = try Checkpoint.read(url)
        #expect(Set(file.tensors.map(\.name)) == Set(source.persistentTensors.map(\.name)))
        #expect(file.metadata["nnc.model"] == "small")
        #expect(file.metadata["nnc.model_hash"] == Checkpoint.fingerprint(source))
        #expect(try Preprocessor(metadata: file.metadata) == preprocessor)

        let target = try Self.session(model, seed: 99)
        try Checkpoint.load(file, into: target, optimizerState: true)
        for t in source.persistentTensors {
            #expect(source.read(t.name) == target.read(t.name), "\(t.name)")
        }
        let restored = try Checkpoint.state(file, schedule: .plateau(patience: 2, factor: 0.5))
        #expect(restored == state)
    }

    @Test func mismatchNamesEveryDifference() throws {
        let url = Self.file("b.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let wide = try Self.model(width: 5)
        let wideSession = try Self.session(wide)
        try Checkpoint.write(wideSession, state: Self.state(wide, wideSession), preprocessor: nil, to: url)
        let file = try Checkpoint.read(url)

        let narrow = try Self.session(try Self.model(width: 4))
        #expect {
            try Checkpoint.load(file, into: narrow, optimizerState: false)
        } throws: { error in
            guard let m = error as? CheckpointMismatch else { return false }
            return m.wrongShapes.contains { $0.hasPrefix("dense1.weight: [4, 3] vs [5, 3]") }
                && m.wrongShapes.contains { $0.hasPrefix("dense2.weight: [2, 4] vs [2, 5]") }
                && m.missing.isEmpty && m.description.contains("different shapes")
        }

        let deeper = try Self.session(try Self.model(width: 5, extraLayer: "dense 5\n relu"))
        #expect {
            try Checkpoint.load(file, into: deeper, optimizerState: false)
        } throws: { error in
            guard let m = error as? CheckpointMismatch else { return false }
            return m.missing.contains { $0.hasPrefix("dense3.weight") } && m.description.contains("missing from the checkpoint")
        }
    }

    @Test func otherOptimizerLoadsWeightsButCannotResume() throws {
        let url = Self.file("c.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let adam = try Self.model(optimizer: "adam { lr: 0.001 }")
        let adamSession = try Self.session(adam)
        try Checkpoint.write(adamSession, state: Self.state(adam, adamSession), preprocessor: nil, to: url)
        let file = try Checkpoint.read(url)
        let sgd = try Self.session(try Self.model(optimizer: "sgd { momentum: 0.9 }"), seed: 8)
        try Checkpoint.load(file, into: sgd, optimizerState: false)
        #expect(sgd.read("dense1.weight") == adamSession.read("dense1.weight"))
        #expect(throws: CheckpointMismatch.self) {
            try Checkpoint.load(file, into: sgd, optimizerState: true)
        }
    }

    @Test func corruptFilesAreClearErrors() throws {
        let model = try Self.model()
        let session = try Self.session(model)
        let url = Self.file("d.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.write(session, state: Self.state(model, session), preprocessor: nil, to: url)
        let bytes = [UInt8](try Data(contentsOf: url))

        func expectError(_ data: [UInt8], _ check: (CheckpointError) -> Bool) throws {
            let bad = Self.file("bad.safetensors")
            defer { try? FileManager.default.removeItem(at: bad) }
            try Data(data).write(to: bad)
            do {
                let file = try Checkpoint.read(bad)
                _ = try Checkpoint.state(file, schedule: .constant)
                try Checkpoint.load(file, into: session, optimizerState: true)
                Issue.record("a corrupt checkpoint was accepted")
            } catch let e as CheckpointError {
                #expect(check(e), "unexpected error: \(e)")
                #expect(e.description.contains(bad.path))
            }
        }
        // Truncated in the data, in the header, and before the header length.
        try expectError(Array(bytes.dropLast(10))) { if case .outOfBounds = $0 { return true }; return false }
        try expectError(Array(bytes.prefix(40))) { if case .headerLength = $0 { return true }; return false }
        try expectError(Array(bytes.prefix(5))) { if case .tooShort = $0 { return true }; return false }
        try expectError(Array("not a checkpoint at all, just text".utf8)) { _ in true }
        // A well-formed file whose training state is malformed.
        let needle = Array("\"nnc.step\":\"17\"".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        var broken = bytes
        broken[at + needle.count - 2] = UInt8(ascii: "x")
        try expectError(broken) { if case .badMetadata = $0 { return true }; return false }

        #expect {
            _ = try Checkpoint.read(Self.file("missing.safetensors"))
        } throws: { error in
            if case .cannotRead = error as? CheckpointError { return true }
            return false
        }
    }

    /// Every number of the training state is input: a loss sum or a learning-rate ceiling that
    /// is not finite (or a ceiling that is not positive) is malformed, not carried into the run.
    @Test func nonFiniteStateNumbersAreMalformed() throws {
        let base = CheckpointMetadata(step: 4, epoch: 1, learningRate: 0.1, randomState: Random(seed: 1).state).strings
        for (key, text) in [("nnc.epoch_loss_sum", "nan"), ("nnc.epoch_loss_sum", "inf"), ("nnc.search_ceiling", "-inf"),
                            ("nnc.search_ceiling", "0"), ("nnc.search_ceiling", "nan")] {
            let file = try Safetensors.parse(Safetensors.encode([], metadata: base.merging([key: text]) { $1 }), file: "c")
            #expect(throws: CheckpointError.badMetadata(file: "c", detail: "'\(key)' has malformed value '\(text)'")) {
                try Checkpoint.state(file, schedule: .constant)
            }
        }
        let fine = try Safetensors.parse(Safetensors.encode([], metadata: base.merging(["nnc.search_ceiling": "0.5"]) { $1 }), file: "c")
        #expect(try Checkpoint.state(fine, schedule: .constant).searchCeiling == 0.5)
    }

    /// An RMS norm's update count is read as an Int by the forward pass: a count that is not a
    /// whole number from 0 to 2²⁴ is a bad tensor on load, for eval as for a resumed run.
    @Test func anRMSNormsCountMustBeAWholeNumber() throws {
        let model = try Self.model(extraLayer: "rmsnorm")
        let session = try Self.session(model)
        let url = Self.file("r.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let name = try #require(session.persistentTensors.first { $0.name.hasSuffix(".steps") }?.name)
        for bad: Float in [.nan, -1, 2.5, .infinity, 1e20] {
            try session.write(name, [bad])
            try Checkpoint.write(session, state: Self.state(model, session), preprocessor: nil, to: url)
            let file = try Checkpoint.read(url)
            for optimizerState in [false, true] {
                #expect(throws: CheckpointError.self, "\(bad)") {
                    try Checkpoint.load(file, into: try Self.session(model), optimizerState: optimizerState)
                }
            }
        }
        try session.write(name, [12])
        try Checkpoint.write(session, state: Self.state(model, session), preprocessor: nil, to: url)
        let target = try Self.session(model)
        try Checkpoint.load(Checkpoint.read(url), into: target, optimizerState: true)
        #expect(target.read(name) == [12])
    }

    @Test func scheduleSteps() {
        var step = LearningRateSchedule(.step(every: 2, factor: 0.1), learningRate: 1)
        step.epochEnded(1, metric: nil)
        #expect(step.learningRate == 1)
        step.epochEnded(2, metric: nil)
        #expect(abs(step.learningRate - 0.1) < 1e-15)
        var plateau = LearningRateSchedule(.plateau(patience: 2, factor: 0.5), learningRate: 1)
        for (epoch, metric) in [0.9, 0.8, 0.85, 0.81, 0.7, 0.75, 0.75].enumerated() { plateau.epochEnded(epoch + 1, metric: metric) }
        // Improved at epochs 1, 2, 5; flat for two epochs after 2 and after 5: halved twice.
        #expect(plateau.learningRate == 0.25)
        #expect(LearningRateSearch.candidates(for: .defaults(for: .adam), ceiling: nil).first == 0.1)
        #expect(LearningRateSearch.candidates(for: .defaults(for: .sgd), ceiling: 0.05) == [0.05, 0.01, 0.005, 0.001, 0.0005])
    }
}
