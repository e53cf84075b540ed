import Testing
@testable import NNC

/// `nnc time`: one row per kernel, rows that add up to the total, and a total that matches
/// plain steps measured in the same run.
@Suite struct KernelTimerTests {
    static let net = """
        net timed {
          input [64]
          dense 256
          relu
          dense 256
          relu
          dense 10
          loss cross_entropy
        }
        optimizer sgd { lr: 0.01, momentum: 0.9 }
        train { batch: 128 }
        """

    @Test func rowsSumToATotalThatMatchesPlainSteps() throws {
        let s = try RuntimeTests.session(Self.net, batch: 128)
        let batches = (1...2).map { RuntimeTests.batch(s, seed: UInt64($0)) }
        var differences: [Double] = []
        // A loaded machine can disturb one measurement; a real accounting gap shows in every one.
        for _ in 0..<3 {
            let t = try KernelTimer.measure(s, batches: batches, learningRate: 0.01, iterations: 60, warmup: 5)
            #expect(t.rows.map(\.kernel.index) == Array(s.trainPlan.kernels.indices), "one row per kernel, in order")
            #expect(t.rows.allSatisfy { $0.seconds > 0 }, "every kernel ran and was timed")
            let rows = t.rows.reduce(0) { $0 + $1.seconds } + t.outsideSeconds
            #expect(abs(rows - t.total) <= 1e-12 * t.total, "the total is the sum of the rows")
            let phases = Phase.allCases.reduce(0) { $0 + t.subtotal($1) } + t.outsideSeconds
            #expect(abs(phases - t.total) <= 1e-12 * t.total, "the phase subtotals cover every row")
            #expect(t.outsideSeconds < 0.2 * t.total, "time outside kernels is the batch copy, a small part")
            differences.append(abs(t.difference))
            if abs(t.difference) <= 0.05 { break }
        }
        #expect(differences.contains { $0 <= 0.05 }, "total against plain steps: \(differences.map { "\($0 * 100) %" })")
        #expect(s.train.probe == nil, "the timer detaches itself")
    }
}
