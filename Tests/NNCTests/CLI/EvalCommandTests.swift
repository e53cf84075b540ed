import Foundation
import Testing
@testable import NNC

/// `nnc eval`'s per-class report, normalised matrix and predictions file.
@Suite(.serialized) struct EvalCommandTests {
    static let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path

    @Test func metricsNormalizedMatrixAndPredictions() throws {
        let dir = try CLI.temporaryFolder("nnc-eval")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("c.safetensors"), csv = dir.appendingPathComponent("p.csv")
        #expect(try CLI.run(["train", Self.spirals, "--epochs", "3", "--checkpoint", checkpoint.path]).status == 0)
        let r = try CLI.run(["eval", Self.spirals, "--weights", checkpoint.path, "--normalize", "--predictions", csv.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("% of the row"))
        #expect(r.stdout.contains("precision") && r.stdout.contains("macro"))
        let wrong = try #require(r.stdout.range(of: #"\((\d+) wrong\)"#, options: .regularExpression)
            .map { Int(r.stdout[$0].dropFirst().prefix { $0.isNumber })! })
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "index,label,predicted,correct")
        #expect(lines.count == 601)
        #expect(lines.dropFirst().filter { $0.hasSuffix(",0") }.count == wrong)
        // Each normalised row sums to 100 %.
        let rows = r.stdout.split(separator: "\n").filter { $0.hasSuffix("%") && !$0.contains("error") }
        #expect(rows.count == 3)
        for row in rows {
            let values = row.split(separator: " ").dropFirst().dropLast().compactMap { Double($0) }
            #expect(abs(values.reduce(0, +) - 100) < 0.2, "\(row)")
        }
        let bad = try CLI.run(["eval", Self.spirals, "--weights", checkpoint.path, "--predictions", "/nonexistent-nnc/p.csv"])
        #expect(bad.status == 74)
    }
}
