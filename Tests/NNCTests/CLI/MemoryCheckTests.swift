import Foundation
import Testing
@testable import NNC

/// A run too large for the machine is refused with its figures before anything is allocated
/// (issue 15: `batch: 1000000` or `dense 2000000` ended in the allocator's abort or the OOM killer).
@Suite(.serialized) struct MemoryCheckTests {
    static let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path

    /// spirals with its hidden layers 40 000 wide: four 6 GiB tensors in the train arena (Adam).
    static func wideSpirals() throws -> URL {
        let text = try String(contentsOfFile: spirals, encoding: .utf8).replacingOccurrences(of: "dense 64", with: "dense 40000")
        return try CLI.temporaryNet(text)
    }

    @Test func trainRefusesARunLargerThanTheMemoryAvailable() throws {
        let model = try Self.wideSpirals()
        defer { try? FileManager.default.removeItem(at: model) }
        let dir = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("w.safetensors")
        let started = Date()
        let r = try CLI.run(["train", model.path, "--data", TestPaths.examples.path, "--checkpoint", checkpoint.path])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("spirals needs about"))
        #expect(r.stderr.contains("of memory is available"))
        #expect(r.stderr.contains("train arena"))
        // Refused, not attempted: nothing was allocated or written.
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
    }

    @Test func checkAndPlanShowTheMemoryARunNeeds() throws {
        let model = try Self.wideSpirals()
        defer { try? FileManager.default.removeItem(at: model) }
        let check = try CLI.run(["check", model.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("memory  about "))
        #expect(check.stdout.contains("more than the"), "\(check.stdout)")
        let small = try CLI.run(["check", Self.spirals, "--data", TestPaths.examples.path])
        #expect(small.stdout.contains("memory  about "))
        #expect(small.stdout.contains(", data "))
        #expect(!small.stdout.contains("more than the"))
        let plan = try CLI.run(["plan", Self.spirals])
        #expect(plan.stdout.contains("memory to train"))
    }

    @Test func aBatchLargerThanTheTrainingSetIsAnErrorBeforeTraining() throws {
        let dir = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("b.safetensors")
        let r = try CLI.run(["train", Self.spirals, "--batch", "1000000", "--limit", "200", "--checkpoint", checkpoint.path])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("the batch of 1000000 is larger than the 200 training samples (--limit 200)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
        let model = try CLI.temporaryNet(try String(contentsOfFile: Self.spirals, encoding: .utf8)
            .replacingOccurrences(of: "batch: 32", with: "batch: 1000000"))
        defer { try? FileManager.default.removeItem(at: model) }
        let check = try CLI.run(["check", model.path, "--data", TestPaths.examples.path])
        #expect(check.status == 65)
        #expect(check.stderr.contains("larger than the"))
    }

    /// The estimate counts what the executors then allocate outside their arenas.
    @Test func sgd2WorkspaceEstimateIsWhatTheCorrectorsHold() throws {
        for name in ["mnist_mlp.net", "vgg_bn_mnist.net"] {
            let path = TestPaths.examples.appendingPathComponent(name).path
            let (model, diagnostics) = Frontend.check(SourceFile(path: path, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
            var m = try #require(model, "\(diagnostics)")
            m.optimizer = OptimizerSpec.defaults(for: .sgd2)
            let plans = try SessionPlans(model: m, batch: 8, evalBatch: 8)
            let session = try Session(plans, threads: 1)
            let held = session.train.correctors.compactMap { $0 }.reduce(0) { $0 + $1.allocatedBytes }
            let estimated = plans.train.kernels.reduce(0) { sum, k in
                guard case .sgd2Precondition(let p) = k.op else { return sum }
                return sum + SGD2Corrector.workspaceBytes(p)
            }
            #expect(held > 0)
            #expect(held == estimated, "\(name)")
            #expect(plans.memory(threads: 1).total > plans.train.arenaBytes + plans.eval.arenaBytes)
        }
    }
}
