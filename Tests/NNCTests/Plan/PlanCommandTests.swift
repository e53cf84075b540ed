import Foundation
import Testing
@testable import NNC

/// Runs the built `nnc plan`: stdout, stderr and exit status.
@Suite struct PlanCommandTests {
    /// The `nnc` executable SwiftPM builds beside the test bundle.
    static var nnc: URL? {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for folder in [bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("nnc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let executable = try #require(nnc, "nnc is not built beside the test bundle")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static let example = PlanTests.repoRoot.appendingPathComponent("examples/mnist_mlp.net").path

    @Test func printsThePlan() throws {
        let r = try Self.run(["plan", Self.example, "--batch", "16"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.hasPrefix("plan mnist_mlp: training step, batch 16\n"))
        #expect(r.stdout.contains("[16, 784]"))
    }

    @Test func printsJSONOfOnePhase() throws {
        let r = try Self.run(["plan", Self.example, "--json", "--phase", "update", "--batch=8"])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let kernels = try #require(object["kernels"] as? [[String: Any]])
        #expect(!kernels.isEmpty && kernels.allSatisfy { $0["phase"] as? String == "update" })
    }

    @Test func badRequestsAreUsageErrors() throws {
        let zero = try Self.run(["plan", Self.example, "--batch", "0"])
        #expect(zero.status == 64)
        #expect(zero.stderr.hasPrefix("nnc plan: --batch must be a positive integer, got '0'\n"))
        let phase = try Self.run(["plan", Self.example, "--phase", "forwad"])
        #expect(phase.status == 64)
        #expect(phase.stderr.hasPrefix("nnc plan: unknown phase 'forwad' (expected forward, backward, update or all)\n"))
        #expect(try Self.run(["plan"]).status == 64)
        #expect(try Self.run(["plan", Self.example, "--frobnicate"]).status == 64)
        #expect(try Self.run(["plan", "/nonexistent/model.net"]).status == 66)
    }

    @Test func errorsInTheFileAreDataErrors() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-plan-\(UUID().uuidString).net")
        try "net x {\n  input [3]\n  desne 4\n  loss mse\n}\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Self.run(["plan", file.path, "--color", "never"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("unknown layer 'desne'"))
        #expect(r.stdout.isEmpty)
    }
}
