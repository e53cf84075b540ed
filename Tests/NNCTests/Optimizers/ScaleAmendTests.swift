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

    /// Three blocks, output first, with a conv's input taps, by hand. Top dense 2 × 4, Σw² = 8:
    /// unscaled, m = 8/4 = 2. conv2, 4 filters over 2 channels, 3×3, stride 2 (4 × 18, Σw² = 36):
    /// ‖W‖² = 9, factor 9/2 = 4.5 in both views; counting taps its column scale is
    /// (9/4)·36/18 = 4.5, so m = 2·4.5/9 = 1; the matrix view has 36/18 = 2, m = 2·2/9 = 4/9.
    /// conv1, 2 filters over 1 channel, 3×3, stride 1 (2 × 9, Σw² = 18): ‖W‖² = 9, factor 9/1 = 9
    /// counting taps, 9/(4/9) = 20.25 in the matrix view.
    @Test func scalarsOfAConvWalkCountTheTaps() {
        let shapes = [(rows: 2, cols: 4, sumOfSquares: 8.0), (rows: 4, cols: 18, sumOfSquares: 36.0),
                      (rows: 2, cols: 9, sumOfSquares: 18.0)]
        let exact = Tolerance(name: "exact scalars", relative: 1e-12, absolute: 0)
        let taps = ScaleAmendWalk.factors(zip(shapes, [1, 9.0 / 4, 9]).map { ($0.rows, $0.cols, $0.sumOfSquares, $1) })
        expectClose(taps, [1, 4.5, 9], exact, "taps")
        let matrix = ScaleAmendWalk.factors(shapes.map { ($0.rows, $0.cols, $0.sumOfSquares, 1) })
        expectClose(matrix, [1, 4.5, 20.25], exact, "matrix")
    }

    static func convNet(_ view: String) -> String {
        """
        net c {
          input [1, 6, 6]
          conv 2, kernel: 3, padding: same, bias: false, init: normal(0.5)
          batchnorm affine: false
          relu
          conv 4, kernel: 3, stride: 2, padding: 1, bias: false, init: normal(0.5)
          batchnorm affine: false
          relu
          flatten
          dense 3, init: normal(0.5)
          loss cross_entropy
        }
        optimizer sa_sgd { lr: 0.1, momentum: 0.9\(view.isEmpty ? "" : ", conv_hessian: \(view)") }
        """
    }

    /// The lowered blocks carry each conv's taps, (k_h·k_w)/(s_h·s_w), by default and 1 under
    /// `conv_hessian: matrix`; the first step on a conv net with batch norm then moves each
    /// block by lr times its gradient scaled by the walk with those taps, from the weights.
    @Test(arguments: [("", [1, 9.0 / 4, 9]), ("taps", [1, 9.0 / 4, 9]), ("matrix", [1.0, 1, 1])])
    func amendedStepOnAConvNet(view: String, taps: [Double]) throws {
        let model = try PlanTests.model(Self.convNet(view))
        #expect(model.optimizer.convHessian == (view == "matrix" ? .matrix : .taps))
        let plan = try PlanTests.lower(model, batch: 5)
        guard case .scaleAmend(let p) = try PlanTests.kernel(plan, "optimizer.scale_amend").op else {
            Issue.record("not scale_amend"); return
        }
        let layers = ["dense1", "conv2", "conv1"]  // output first
        #expect(p.blocks.map(\.layer) == layers)
        #expect(p.blocks.map(\.inputTaps) == taps)

        let s = try RuntimeTests.session(Self.convNet(view), batch: 5, seed: 3)
        // --analyze reports the factors the optimizer applies (output layer last in its record).
        let reported = LayerAnalyzer(session: s).record(epoch: 0, step: 0).layers.map(\.saGradientFactor)
        let (input, labels) = RuntimeTests.batch(s, seed: 7)
        _ = try s.forwardBackward(input: input, labels: labels)
        let shapes = [(3, 36), (4, 18), (2, 9)]
        let before = try layers.map { try RuntimeTests.read(s, "\($0).weight").map(Double.init) }
        let grads = try layers.map { try #require(s.gradient(of: "\($0).weight")).map(Double.init) }
        _ = try s.trainStep(input: input, labels: labels, lr: 0.1, step: 1)
        var m = 0.0
        var factors: [Double] = []
        for (i, layer) in layers.enumerated() {
            let (rows, cols) = shapes[i]
            let ss = before[i].reduce(0) { $0 + $1 * $1 }
            let columnScale = taps[i] * ss / Double(cols), rowScale = ss / Double(rows)
            let factor = i == 0 ? 1 : rowScale / m
            m = i == 0 ? columnScale : m * columnScale / rowScale
            factors.append(factor)
            let expected = zip(before[i], grads[i]).map { $0 - 0.1 * factor * $1 }
            expectClose(try RuntimeTests.read(s, "\(layer).weight").map(Double.init), expected, .float, "\(layer).weight")
        }
        expectClose(reported.map { $0 ?? .nan }, factors.reversed(), Tolerance(name: "Double sums", relative: 1e-9, absolute: 0),
                    "analysis")
    }

    @Test func convHessianIsAnSASGDChoice() {
        let net = "net n { input [1, 4, 4]; conv 2, kernel: 3; flatten; dense 2; loss cross_entropy }\n"
        #expect(SemanticSupport.model(net + "optimizer sa_sgd { conv_hessian: matrix }")?.optimizer.convHessian == .matrix)
        #expect(SemanticSupport.model(net + "optimizer sa_sgd { lr: 0.1 }")?.optimizer.convHessian == .taps)
        #expect(SemanticSupport.model(net + "optimizer sgd { conv_hessian: taps }") == nil)
        let bad = SemanticSupport.messages(net + "optimizer sa_sgd { conv_hessian: pixels }")
        #expect(bad.count == 1 && bad.first?.contains("conv_hessian") == true, "\(bad)")
    }
}
