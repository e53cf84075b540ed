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

        // With --logits each row carries the logits: their argmax is the predicted class, and
        // the mean softmax cross-entropy over them is the loss eval prints.
        let withLogits = try CLI.run(["eval", Self.spirals, "--weights", checkpoint.path, "--predictions", csv.path, "--logits"])
        #expect(withLogits.status == 0, "\(withLogits.stderr)")
        let table = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(table.first == "index,label,predicted,correct,logit_0,logit_1,logit_2")
        #expect(table.count == 601)
        var lossSum = 0.0
        for line in table.dropFirst() {
            let cells = line.split(separator: ",")
            let label = try #require(Int(cells[1])), predicted = try #require(Int(cells[2]))
            let logits = cells.dropFirst(4).compactMap { Double($0) }
            #expect(logits.count == 3, "\(line)")
            #expect(logits.indices.max { logits[$0] < logits[$1] } == predicted, "\(line)")
            let top = logits.max()!
            lossSum += top + log(logits.map { exp($0 - top) }.reduce(0, +)) - logits[label]
        }
        let printed = try #require(withLogits.stdout.range(of: #"loss (\d+\.\d+)"#, options: .regularExpression)
            .flatMap { Double(withLogits.stdout[$0].dropFirst(5)) })
        #expect(abs(lossSum / 600 - printed) < 2e-4, "loss from the logits \(lossSum / 600), printed \(printed)")

        let alone = try CLI.run(["eval", Self.spirals, "--weights", checkpoint.path, "--logits"])
        #expect(alone.status == 64 && alone.stderr.contains("--predictions"))
    }
}
