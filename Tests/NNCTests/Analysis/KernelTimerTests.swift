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
        let batcher = Self.batcher()
        var differences: [Double] = []
        // A loaded machine can disturb one measurement; a real accounting gap shows in every one.
        for _ in 0..<3 {
            let t = try KernelTimer.measure(s, batcher: batcher, learningRate: 0.01, iterations: 60, warmup: 5)
            #expect(t.rows.map(\.kernel.index) == Array(s.trainPlan.kernels.indices), "one row per kernel, in order")
            #expect(t.rows.allSatisfy { $0.seconds > 0 }, "every kernel ran and was timed")
            #expect(t.loadSeconds > 0, "the batch load is timed on its own")
            let rows = t.rows.reduce(0) { $0 + $1.seconds } + t.loadSeconds + t.outsideSeconds
            #expect(abs(rows - t.total) <= 1e-12 * t.total, "the total is the sum of the rows")
            let phases = Phase.allCases.reduce(0) { $0 + t.subtotal($1) } + t.loadSeconds + t.outsideSeconds
            #expect(abs(phases - t.total) <= 1e-12 * t.total, "the phase subtotals cover every row")
            #expect(t.loadSeconds + t.outsideSeconds < 0.2 * t.total, "the batch load and the time between kernels are a small part")
            differences.append(abs(t.difference))
            if abs(t.difference) <= 0.05 { break }
        }
        #expect(differences.contains { $0 <= 0.05 }, "total against plain steps: \(differences.map { "\($0 * 100) %" })")
        #expect(s.train.probe == nil, "the timer detaches itself")
    }

    /// K-FAC's formations and inversions, which the faster half of the steps leaves out, are
    /// timed once per covered layer and amortised over their periods; SGD has none.
    @Test func kfacPeriodicWorkIsTimedAndAmortised() throws {
        let text = Self.net.replacingOccurrences(of: "optimizer sgd { lr: 0.01, momentum: 0.9 }",
                                                 with: "optimizer kfac { lr: 0.01, factor_every: 4, inverse_every: 20 }")
        let s = try RuntimeTests.session(text, batch: 128)
        let t = try KernelTimer.measure(s, batcher: Self.batcher(), learningRate: 0.01, iterations: 4, warmup: 1)
        #expect(t.periodic.map(\.layer) == ["dense1", "dense2", "dense3"])
        for c in t.periodic {
            #expect(c.formSeconds > 0 && c.invertSeconds > 0, "\(c.layer) timed")
            #expect(c.factorEvery == 4 && c.inverseEvery == 20)
            #expect(abs(c.amortisedSeconds - (c.formSeconds / 4 + c.invertSeconds / 20)) <= 1e-15)
        }
        let sgd = try KernelTimer.measure(try RuntimeTests.session(Self.net, batch: 128), batcher: Self.batcher(),
                                          learningRate: 0.01, iterations: 2, warmup: 1)
        #expect(sgd.periodic.isEmpty)
    }

    /// 300 random samples of 64 features: two full batches of 128 and a remainder dropped.
    static func batcher() -> Batcher {
        var random = Random(seed: 4)
        let features = (0..<(300 * 64)).map { _ in random.nextFloat() }
        let labels = (0..<300).map { _ in Int32(random.nextInt(below: 10)) }
        let data = Dataset(features: features, labels: labels, sampleShape: [64], classCount: 10)
        return Batcher(dataset: data, batchSize: 128, preprocessor: .identity(for: data), shuffle: false, dropLast: true)
    }

    /// The timer's steps are training's: after it, the weights are those of the same number of
    /// steps taken by hand through `loadTrainBatch` and `trainStep`, bit for bit.
    @Test func theTimedStepIsTheTrainedStep() throws {
        let timed = try RuntimeTests.session(Self.net, batch: 128)
        let trained = try RuntimeTests.session(Self.net, batch: 128)
        timed.initialize(seed: 1)
        trained.initialize(seed: 1)
        _ = try KernelTimer.measure(timed, batcher: Self.batcher(), learningRate: 0.01, iterations: 3, warmup: 1)
        var batcher = Self.batcher()
        for step in 1...7 {
            if try trained.loadTrainBatch(from: &batcher) == 0 {
                batcher.start(epoch: batcher.epoch + 1)
                _ = try trained.loadTrainBatch(from: &batcher)
            }
            _ = try trained.trainStep(lr: 0.01, step: step)
        }
        #expect(timed.read("dense1.weight") == trained.read("dense1.weight"))
        #expect(timed.read("dense3.bias") == trained.read("dense3.bias"))
    }
}
