import Testing
@testable import NNC

struct ScaleAmendTests {
    /// Three blocks, output first, by hand: the top keeps its gradient and starts m at
    /// ‖Wᵀ‖² = 8/4 = 2; the next (4 × 3, Σw² = 6) gets ‖W‖²/m = 1.5/2 = 0.75 and m becomes
    /// 2·(4/3) = 8/3; the last (3 × 5, Σw² = 30) gets 10/(8/3) = 3.75.
    @Test func scalarsOfAThreeBlockWalk() {
        let factors = ScaleAmendWalk.factors([(rows: 2, cols: 4, sumOfSquares: 8),
                                              (rows: 4, cols: 3, sumOfSquares: 6),
                                              (rows: 3, cols: 5, sumOfSquares: 30)])
        #expect(factors.count == 3)
        expectClose(factors, [1, 0.75, 3.75], Tolerance(name: "exact scalars", relative: 1e-12, absolute: 0), "factors")
    }

    /// On a 3-dense net trained with sa_sgd, the first step (velocity 0) moves each block by
    /// lr times its gradient scaled as the walk says, computed here from the weights.
    @Test func amendedStepOnAThreeBlockNet() throws {
        let source = """
            net three {
              input [5]
              dense 4, init: normal(0.5)
              tanh
              dense 3, init: normal(0.5)
              tanh
              dense 2, init: normal(0.5)
              loss cross_entropy
            }
            optimizer sa_sgd { lr: 0.1, momentum: 0.9 }
            """
        let s = try RuntimeTests.session(source, batch: 6, seed: 2)
        let (input, labels) = RuntimeTests.batch(s, seed: 5)
        _ = try s.forwardBackward(input: input, labels: labels)
        let layers = ["dense3", "dense2", "dense1"]  // output first
        let shapes = [(2, 3), (3, 4), (4, 5)]
        let before = try layers.map { try RuntimeTests.read(s, "\($0).weight").map(Double.init) }
        let biasBefore = try layers.map { try RuntimeTests.read(s, "\($0).bias").map(Double.init) }
        let grads = try layers.map { try #require(s.gradient(of: "\($0).weight")).map(Double.init) }
        let biasGrads = try layers.map { try #require(s.gradient(of: "\($0).bias")).map(Double.init) }
        _ = try s.trainStep(input: input, labels: labels, lr: 0.1, step: 1)
        // The walk written out: top unscaled, m = ‖Wᵀ‖²; then ‖W‖²/m, m ·= rows/cols.
        var m = 0.0
        for (i, layer) in layers.enumerated() {
            let (rows, cols) = shapes[i]
            let ss = before[i].reduce(0) { $0 + $1 * $1 }
            let factor: Double
            if i == 0 {
                factor = 1
                m = ss / Double(cols)
            } else {
                factor = (ss / Double(rows)) / m
                m *= Double(rows) / Double(cols)
            }
            let expectedW = zip(before[i], grads[i]).map { $0 - 0.1 * factor * $1 }
            let expectedB = zip(biasBefore[i], biasGrads[i]).map { $0 - 0.1 * factor * $1 }
            expectClose(try RuntimeTests.read(s, "\(layer).weight").map(Double.init), expectedW, .float, "\(layer).weight")
            expectClose(try RuntimeTests.read(s, "\(layer).bias").map(Double.init), expectedB, .float, "\(layer).bias")
        }
    }
}
