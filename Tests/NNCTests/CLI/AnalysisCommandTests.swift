import Foundation
import Testing
@testable import NNC

/// `nnc time` and `nnc train --analyze` run as a user would: exit codes, what they print and
/// what lands in the log.
@Suite(.serialized) struct AnalysisCommandTests {
    @Test func timeRowsAddUpAndSayWhichData() throws {
        let net = try CLI.temporaryNet("""
            net timed {
              input [32]
              dense 64
              relu
              dense 4
              loss cross_entropy
            }
            optimizer sgd { lr: 0.1 }
            train { batch: 16 }
            """)
        defer { try? FileManager.default.removeItem(at: net) }
        let out = try CLI.run(["time", net.path, "--iterations", "6", "--warmup", "1", "--threads", "1"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("random data (the file names no data)") == true, "\(lines.first ?? "")")
        #expect(lines.first?.contains("1 thread on \(CPUModel.name)") == true, "the CPU beside every figure")
        // Kernel rows and the outside row: "phase # kernel op… ms GFLOP/s share%" (the op may hold spaces).
        let rows = lines.map { $0.split(separator: " ").map(String.init) }
            .filter { ["forward", "backward", "update", "–"].contains($0.first ?? "") && ($0.last ?? "").hasSuffix("%") }
        let ms = rows.compactMap { Double($0[$0.count - 3]) }
        let total = try #require(lines.first { $0.hasPrefix("total") }.flatMap { Double($0.split(separator: " ")[1]) })
        #expect(ms.count == rows.count && ms.count >= 8, "\(rows)")
        // Rows are printed to 0.001 ms, so their sum may drift by half of that per row.
        #expect(abs(ms.reduce(0, +) - total) <= 0.0005 * Double(ms.count) + 1e-9, "rows \(ms) against total \(total)")
        #expect(lines.contains { $0.hasPrefix("plain step") && $0.contains("total differs by") })

        let bad = try CLI.run(["time", net.path, "--iterations", "0"])
        #expect(bad.status == 64 && bad.stderr.contains("--iterations"))
    }

    /// What the timed steps' faster half leaves out is timed once and amortised: K-FAC's factors
    /// and inverses, Shampoo's roots, one line per layer at the method's own frequency.
    @Test(arguments: [("kfac { factor_every: 5, inverse_every: 20 }", "K-FAC", "factors", "every 20 steps"),
                      ("shampoo { precondition_every: 7 }", "Shampoo", "roots", "every 7 steps")])
    func timeAmortisesThePeriodicWork(_ optimizer: String, _ method: String, _ word: String, _ every: String) throws {
        let net = try CLI.temporaryNet("""
            net timed {
              input [32]
              dense 64
              relu
              head: dense 4
              loss cross_entropy
            }
            optimizer \(optimizer)
            train { batch: 16 }
            """)
        defer { try? FileManager.default.removeItem(at: net) }
        let out = try CLI.run(["time", net.path, "--iterations", "4", "--warmup", "1", "--threads", "1"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(method)'s periodic work, timed once each:"), "\(out.stdout)")
        for layer in ["dense1", "head"] {
            #expect(lines.contains { $0.hasPrefix("  \(layer): \(word) ") && $0.contains(every) && $0.hasSuffix("ms per step") },
                    "\(layer): \(out.stdout)")
        }
        #expect(lines.contains { $0.hasPrefix("total with them") })
    }

    @Test func trainAnalyzeWritesRecordsAndOffWritesNone() throws {
        let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-analyze-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func train(_ extra: [String], _ name: String) throws -> (ProcessOutput, [String]) {
            let log = folder.appendingPathComponent("\(name).jsonl").path
            let out = try CLI.run(["train", spirals, "--epochs", "2", "--threads", "1", "--log", log,
                                                 "--checkpoint", folder.appendingPathComponent("\(name).safetensors").path] + extra)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return (out, text.split(separator: "\n").map(String.init))
        }
        let (on, onLines) = try train(["--analyze"], "on")
        #expect(on.status == 0, "\(on.stderr)")
        #expect(onLines.filter { $0.contains("\"type\":\"analysis\"") }.count == 2)
        #expect(on.stdout.contains("analysis at epoch 1") && on.stdout.contains("analysis at epoch 2"))
        #expect(on.stdout.contains("of training it watched"), "the analysis prints its own cost")
        let log = try RunLog.parse(onLines.joined(separator: "\n"), source: "on.jsonl")
        #expect(log.analyses.count == 2 && log.analyses.allSatisfy { !$0.layers.isEmpty })

        let (off, offLines) = try train([], "off")
        #expect(off.status == 0, "\(off.stderr)")
        #expect(!offLines.isEmpty && !offLines.contains { $0.contains("\"type\":\"analysis\"") })
        #expect(!off.stdout.contains("analysis at"))

        let every = try train(["--analyze-every", "0"], "bad").0
        #expect(every.status == 64)
    }
}
