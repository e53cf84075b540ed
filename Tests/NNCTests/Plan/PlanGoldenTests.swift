import Foundation
import Testing
@testable import NNC

/// The plan of every example, pinned as a golden text dump (and one JSON dump). Re-record with
/// `NNC_RECORD=1`: a recording run rewrites the files and fails, so an update is deliberate.
@Suite struct PlanGoldenTests {
    static let batch = 32
    static let recording = ProcessInfo.processInfo.environment["NNC_RECORD"] == "1"

    @Test(arguments: PlanTests.exampleNames)
    func textDumpMatchesGolden(_ name: String) throws {
        let plan = try PlanTests.lower(try PlanTests.example(name), batch: Self.batch)
        try compare(PlanPrinter.text(plan), golden: "\(name).txt")
    }

    @Test func evalDumpMatchesGolden() throws {
        let plan = try PlanTests.lower(try PlanTests.example("resnet_small_mnist"), batch: Self.batch, mode: .eval)
        try compare(PlanPrinter.text(plan), golden: "resnet_small_mnist.eval.txt")
    }

    @Test func jsonDumpMatchesGolden() throws {
        let (plan, _) = Lowering.lower(try PlanTests.example("mnist_mlp"), batch: 4, trainingSetSize: 60_000)
        try compare(PlanJSON.encode(try #require(plan)), golden: "mnist_mlp.json")
    }

    private func compare(_ actual: String, golden: String) throws {
        let url = PlanTests.goldenDirectory.appendingPathComponent(golden)
        if Self.recording {
            try FileManager.default.createDirectory(at: PlanTests.goldenDirectory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(golden); run again without NNC_RECORD=1")
            return
        }
        let expected = try #require(try? String(contentsOf: url, encoding: .utf8),
                                    "missing golden \(golden): record it with NNC_RECORD=1")
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            let got = line < a.count ? String(a[line]) : "<end>"
            let want = line < e.count ? String(e[line]) : "<end>"
            Issue.record("\(golden) differs at line \(line + 1):\n  expected: \(want)\n  actual:   \(got)")
        }
    }
}
