import Foundation
import Testing
@testable import NNC

/// Runs the built `nnc plan`: stdout, stderr and exit status.
@Suite struct PlanCommandTests {
    static let example = TestPaths.examples.appendingPathComponent("mnist_mlp.net").path

    @Test func printsThePlan() throws {
        let r = try CLI.run(["plan", Self.example, "--batch", "16"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.hasPrefix("plan mnist_mlp: training step, batch 16\n"))
        #expect(r.stdout.contains("[16, 784]"))
    }

    @Test func printsJSONOfOnePhase() throws {
        let r = try CLI.run(["plan", Self.example, "--json", "--phase", "update", "--batch=8"])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let kernels = try #require(object["kernels"] as? [[String: Any]])
        #expect(!kernels.isEmpty && kernels.allSatisfy { $0["phase"] as? String == "update" })
    }

    /// `--ranks N`: the plan of one data-parallel rank (the batch ÷ N) and what a step sends.
    @Test func plansOneRankOfADataParallelRun() throws {
        let r = try CLI.run(["plan", Self.example, "--ranks", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("plan mnist_mlp: training step, batch 125\n"))
        #expect(r.stdout.contains("  ranks                 4, each running 125 of every batch of 500\n"))
        // 784·128 + 128 + 128·128 + 128 + 128·10 + 10 gradients and the loss.
        #expect(r.stdout.contains("  fused buffer          118,283 float32 (462 KiB): 118,282 gradients, 0 running statistics"))
        #expect(r.stdout.contains("  factors dense1 "))
        let alone = try CLI.run(["plan", Self.example])
        #expect(!alone.stdout.contains("data parallel"))
        let uneven = try CLI.run(["plan", Self.example, "--ranks", "3"])
        #expect(uneven.status == 64 && uneven.stderr.hasPrefix("nnc plan: error: the batch of 500 does not split evenly over 3 ranks\n"))
    }

    @Test func badRequestsAreUsageErrors() throws {
        let zero = try CLI.run(["plan", Self.example, "--batch", "0"])
        #expect(zero.status == 64)
        #expect(zero.stderr.hasPrefix("nnc plan: error: '--batch' needs a whole number of at least 1, got '0'\n"))
        let phase = try CLI.run(["plan", Self.example, "--phase", "forwad"])
        #expect(phase.status == 64)
        #expect(phase.stderr.hasPrefix("nnc plan: error: '--phase' needs forward, backward, update or all, got 'forwad'; did you mean 'forward'?\n"))
        let eval = try CLI.run(["plan", Self.example, "--mode", "eval", "--phase", "update"])
        #expect(eval.status == 64 && eval.stderr.hasPrefix("nnc plan: error: an eval plan has only a forward phase\n"))
        let json = try CLI.run(["plan", Self.example, "--json=yes"])
        #expect(json.status == 64 && json.stderr.hasPrefix("nnc plan: error: option '--json' takes no value\n"))
        #expect(try CLI.run(["plan"]).status == 64)
        #expect(try CLI.run(["plan", Self.example, "--frobnicate"]).status == 64)
        #expect(try CLI.run(["plan", "/nonexistent/model.net"]).status == 66)
    }

    @Test func errorsInTheFileAreDataErrors() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-plan-\(UUID().uuidString).net")
        try "net x {\n  input [3]\n  desne 4\n  loss mse\n}\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["plan", file.path, "--color", "never"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("unknown layer 'desne'"))
        #expect(r.stdout.isEmpty)
    }
}
