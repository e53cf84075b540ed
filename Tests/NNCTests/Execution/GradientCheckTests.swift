import Testing
@testable import NNC

/// Every layer kind and both losses: the train plan's backward pass (autodiff, fusion and the
/// kernels together) against central differences of the loss through the forward pass.
/// Each net puts the layer under test between trainable layers, so its backward-data path is
/// checked through the gradient of the layers below it, and its own parameters directly.
struct GradientCheckTests {
    /// How the finite differences see the loss.
    enum Statistics {
        /// The train plan's forward pass (batch statistics, the same dropout mask every time).
        case batch
        /// The eval plan after the step: running statistics held constant, as RMS norm's
        /// backward defines them.
        case frozen
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var body: String
        var input = "[5]"
        var loss = "cross_entropy"
        /// A piecewise-linear layer: a smaller step, so fewer samples cross a kink.
        var kinked = false
        var statistics = Statistics.batch
        var testDescription: String { name }

        var source: String {
            "net check {\n  input \(input)\n\(body)\n  loss \(loss)\n}\n"
        }
    }

    static let dense = "  dense 3, init: normal(0.5)"

    static let cases: [Case] = [
        Case(name: "dense with bias", body: "  dense 4, init: normal(0.5)\n  tanh\n" + dense),
        Case(name: "dense without bias", body: "  dense 4, bias: false, init: normal(0.5)\n  tanh\n"
             + "  dense 3, bias: false, init: normal(0.5)"),
        Case(name: "conv stride 2 padding 1", body: """
              conv 3, kernel: 3, stride: 2, padding: 1, init: normal(0.3)
              tanh
              flatten
            """ + "\n" + dense, input: "[2, 5, 5]"),
        Case(name: "conv odd kernel, unequal strides", body: """
              conv 2, kernel: [3, 2], stride: [1, 2], padding: 1, init: normal(0.3)
              sigmoid
              conv 3, kernel: 1, init: normal(0.3)
              flatten
            """ + "\n" + dense, input: "[2, 5, 6]"),
        Case(name: "maxpool", body: """
              conv 3, kernel: 3, padding: 1, init: normal(0.3)
              maxpool 3, stride: 2, padding: 1
              flatten
            """ + "\n" + dense, input: "[2, 5, 5]", kinked: true),
        Case(name: "avgpool", body: """
              conv 3, kernel: 3, padding: 1, init: normal(0.3)
              avgpool 2, stride: 1
              flatten
            """ + "\n" + dense, input: "[2, 5, 5]"),
        // Padding counted as zeros, on an odd size with unequal strides: edge windows differ.
        Case(name: "avgpool padding 1", body: """
              conv 3, kernel: 3, padding: 1, init: normal(0.3)
              avgpool 3, stride: [2, 1], padding: 1
              flatten
            """ + "\n" + dense, input: "[2, 5, 6]"),
        Case(name: "global avgpool", body: """
              conv 4, kernel: 3, init: normal(0.3)
              tanh
              global_avgpool
            """ + "\n" + dense, input: "[2, 5, 5]"),
        Case(name: "dropout", body: "  dense 6, init: normal(0.5)\n  tanh\n  dropout 0.5\n" + dense),
        Case(name: "batchnorm affine", body: "  dense 4, init: normal(0.5)\n  batchnorm\n  tanh\n" + dense),
        Case(name: "batchnorm without affine", body: "  dense 4, init: normal(0.5)\n  batchnorm affine: false\n  tanh\n"
             + dense),
        Case(name: "batchnorm over channels", body: """
              conv 3, kernel: 3, padding: 1, init: normal(0.3)
              batchnorm
              tanh
              flatten
            """ + "\n" + dense, input: "[2, 4, 4]"),
        Case(name: "rmsnorm", body: "  dense 4, init: normal(0.5)\n  rmsnorm\n  tanh\n" + dense, statistics: .frozen),
        Case(name: "layernorm", body: "  dense 4, init: normal(0.5)\n  layernorm\n  tanh\n" + dense),
        Case(name: "layernorm over channels", body: """
              conv 3, kernel: 3, padding: 1, init: normal(0.3)
              layernorm
              tanh
              flatten
            """ + "\n" + dense, input: "[2, 4, 4]"),
        Case(name: "relu", body: "  dense 6, init: normal(0.5)\n  relu\n" + dense, kinked: true),
        Case(name: "leaky_relu", body: "  dense 6, init: normal(0.5)\n  leaky_relu 0.1\n" + dense, kinked: true),
        Case(name: "prelu", body: "  dense 6, init: normal(0.5)\n  prelu 0.2\n" + dense, kinked: true),
        Case(name: "tanh", body: "  dense 6, init: normal(0.5)\n  tanh\n" + dense),
        Case(name: "sigmoid", body: "  dense 6, init: normal(0.5)\n  sigmoid\n" + dense),
        Case(name: "modu", body: "  dense 6, init: normal(0.5)\n  modu\n" + dense, kinked: true),
        Case(name: "maxout", body: "  dense 6, init: normal(0.5)\n  maxout 2\n" + dense, kinked: true),
        Case(name: "residual", body: """
              dense 4, init: normal(0.5)
              residual {
                dense 4, init: normal(0.5)
                tanh
              }
              tanh
            """ + "\n" + dense),
        Case(name: "conv residual with relu after the add", body: """
              conv 2, kernel: 3, padding: 1, init: normal(0.3)
              residual {
                conv 2, kernel: 3, padding: 1, init: normal(0.3)
                tanh
                conv 2, kernel: 3, padding: 1, init: normal(0.3)
              }
              relu
              flatten
            """ + "\n" + dense, input: "[2, 4, 4]", kinked: true),
        Case(name: "mse loss", body: "  dense 4, init: normal(0.5)\n  tanh\n" + dense, loss: "mse"),
    ]

    @Test(arguments: cases)
    func gradientsMatchCentralDifferences(_ c: Case) throws {
        let batch = 4
        let s = try RuntimeTests.session(c.source, batch: batch, evalBatch: batch, seed: 3)
        let (input, labels) = RuntimeTests.batch(s, seed: 11)
        let rng = s.rngState
        let statistics = s.persistentTensors.filter { $0.role == .runningStatistic }.map(\.name)
        let saved = statistics.map { s.read($0) }
        _ = try s.forwardBackward(input: input, labels: labels)
        let frozen = statistics.map { s.read($0) }

        func loss() throws -> Double {
            switch c.statistics {
            case .batch:
                // The same dropout draws and running statistics as the analysed pass.
                s.rngState = rng
                for (name, values) in zip(statistics, saved) { try s.write(name, values) }
                return Double(try s.forwardLoss(input: input, labels: labels))
            case .frozen:
                for (name, values) in zip(statistics, frozen) { try s.write(name, values) }
                return try s.evaluate(input: input, labels: labels, count: batch).lossSum / Double(batch)
            }
        }

        // Read every gradient before any other pass reuses their memory.
        let names = s.trainPlan.parameters.map { "\($0.layer).\($0.name)" }
        let gradients = try names.map { try #require(s.gradient(of: $0), "no gradient for \($0)") }
        let h: Float = c.kinked ? 1e-3 : 1e-2
        var checked = 0
        for (name, analytic) in zip(names, gradients) {
            let original = try RuntimeTests.read(s, name)
            // Every element of a small tensor, an even spread of a larger one.
            let stride = max(1, original.count / 24)
            var numeric: [Double] = [], expected: [Double] = []
            for i in Swift.stride(from: 0, to: original.count, by: stride) {
                var w = original
                w[i] = original[i] + h
                try s.write(name, w)
                let plus = try loss()
                w[i] = original[i] - h
                try s.write(name, w)
                let minus = try loss()
                numeric.append((plus - minus) / Double(2 * h))
                expected.append(Double(analytic[i]))
            }
            try s.write(name, original)
            expectClose(expected, numeric, .gradientCheck, "\(c.name): ∂L/∂\(name)")
            checked += numeric.count
        }
        #expect(checked > 0, "\(c.name): no parameter was checked")
    }

    /// RMS norm's backward is `dy / √(d̂ + ε)` with the running statistic a constant: the
    /// gradient differs from the one that would flow through the batch's own mean of x².
    @Test func rmsNormStatisticIsConstantToTheGradient() throws {
        let c = GradientCheckTests.cases.first { $0.name == "rmsnorm" }!
        let s = try RuntimeTests.session(c.source, batch: 4, evalBatch: 4, seed: 3)
        let (input, labels) = RuntimeTests.batch(s, seed: 11)
        let rng = s.rngState
        let saved = ["rmsnorm1.d", "rmsnorm1.steps"].map { s.read($0) }
        _ = try s.forwardBackward(input: input, labels: labels)
        let analytic = try #require(s.gradient(of: "dense1.weight"))
        // Differences through the train forward, where d moves with x: not what backward computes.
        var w = try RuntimeTests.read(s, "dense1.weight")
        let h: Float = 1e-2
        var differs = false
        for i in 0..<w.count {
            let original = w[i]
            var values: [Double] = []
            for delta in [h, -h] {
                w[i] = original + delta
                try s.write("dense1.weight", w)
                try s.write("rmsnorm1.d", saved[0]); try s.write("rmsnorm1.steps", saved[1])
                s.rngState = rng
                values.append(Double(try s.forwardLoss(input: input, labels: labels)))
            }
            w[i] = original
            let numeric = (values[0] - values[1]) / Double(2 * h)
            if !Tolerance.gradientCheck.accepts(Double(analytic[i]), numeric) { differs = true }
        }
        #expect(differs, "the batch-statistic derivative should differ from RMS norm's constant-statistic one")
    }
}
