import Testing
@testable import NNC

struct ExecutorTests {
    static let mlp = """
        net mlp {
          input [6]
          dense 5, init: normal(0.5)
          relu
          dense 4, init: normal(0.5)
          tanh
          dense 3, init: normal(0.5)
          loss cross_entropy
        }
        """

    /// Without dropout or batch norm the eval plan computes what the train plan's forward does.
    @Test func evalPlanMatchesTrainForward() throws {
        let s = try RuntimeTests.session(ExecutorTests.mlp, batch: 8, evalBatch: 8)
        let (input, labels) = RuntimeTests.batch(s)
        let trainLoss = try s.forwardLoss(input: input, labels: labels)
        let logits = s.read(s.trainPlan.buffer(s.trainPlan.logits).name)
        let eval = try s.evaluate(input: input, labels: labels, count: 8)
        expectClose([eval.lossSum / 8], [Double(trainLoss)], .float, "eval loss")
        var argmax: [Int32] = []
        for r in 0..<8 {
            let row = Array(logits[(r * 3)..<(r * 3 + 3)])
            argmax.append(Int32(row.firstIndex(of: row.max()!)!))
        }
        #expect(eval.predictions == argmax)
        #expect(eval.correct == zip(argmax, labels).filter { $0 == $1 }.count)
    }

    /// Rows beyond `count` do not change the first `count` rows' results.
    @Test func evaluateIgnoresRowsBeyondCount() throws {
        let s = try RuntimeTests.session(ExecutorTests.mlp, batch: 8, evalBatch: 8)
        let (input, labels) = RuntimeTests.batch(s)
        let full = try s.evaluate(input: input, labels: labels, count: 8)
        let part = try s.evaluate(input: Array(input[0..<(5 * 6)]), labels: Array(labels[0..<5]), count: 5)
        #expect(part.predictions == Array(full.predictions[0..<5]))
        #expect(part.lossSum > 0 && part.lossSum < full.lossSum + 1e-3)
    }

    /// One dense layer, squared loss, SGD with momentum and weight decay: two steps computed by
    /// hand in Double (v = ρv − lr·(g + wd·w), w += v; no decay on the bias).
    @Test func trainingStepFollowsTheMomentumRule() throws {
        let source = """
            net one {
              input [3]
              dense 2, init: normal(0.5)
              loss mse
            }
            optimizer sgd { lr: 0.1, momentum: 0.9, weight_decay: 0.01 }
            """
        let s = try RuntimeTests.session(source, batch: 4)
        var w = try RuntimeTests.read(s, "dense1.weight").map(Double.init)
        var b = [0.3, -0.2]
        try s.write("dense1.bias", b.map(Float.init))
        var vw = [Double](repeating: 0, count: 6), vb = [0.0, 0.0]
        for step in 1...2 {
            let (input, labels) = RuntimeTests.batch(s, seed: UInt64(step))
            _ = try s.trainStep(input: input, labels: labels, lr: 0.1, step: step)
            // mean over B·2 of (y − t)², y = x·Wᵀ + b.
            var gw = [Double](repeating: 0, count: 6), gb = [0.0, 0.0]
            for r in 0..<4 {
                for o in 0..<2 {
                    var y = b[o]
                    for i in 0..<3 { y += Double(input[r * 3 + i]) * w[o * 3 + i] }
                    let residual = 2 * (y - (Int(labels[r]) == o ? 1 : 0)) / 8
                    gb[o] += residual
                    for i in 0..<3 { gw[o * 3 + i] += residual * Double(input[r * 3 + i]) }
                }
            }
            for i in 0..<6 {
                vw[i] = 0.9 * vw[i] - 0.1 * (gw[i] + 0.01 * w[i])
                w[i] += vw[i]
            }
            for o in 0..<2 {
                vb[o] = 0.9 * vb[o] - 0.1 * gb[o]
                b[o] += vb[o]
            }
            expectClose(try RuntimeTests.read(s, "dense1.weight").map(Double.init), w, .float, "weight after step \(step)")
            expectClose(try RuntimeTests.read(s, "dense1.bias").map(Double.init), b, .float, "bias after step \(step)")
            expectClose(s.read("sgd.velocity.dense1.weight").map(Double.init), vw, .float, "velocity after step \(step)")
        }
    }

    /// Adam's first step moves every weight by lr·sign(g) (m̂ = g, v̂ = g²).
    @Test func adamFirstStepIsLearningRateTimesSign() throws {
        let source = """
            net one {
              input [3]
              dense 2, init: normal(0.5)
              loss mse
            }
            optimizer adam { lr: 0.01 }
            """
        let s = try RuntimeTests.session(source, batch: 4)
        let (input, labels) = RuntimeTests.batch(s)
        _ = try s.forwardBackward(input: input, labels: labels)
        let g = try #require(s.gradient(of: "dense1.weight"))
        let before = try RuntimeTests.read(s, "dense1.weight")
        _ = try s.trainStep(input: input, labels: labels, lr: 0.01, step: 1)
        let after = try RuntimeTests.read(s, "dense1.weight")
        let expected = zip(before, g).map { Double($0) - 0.01 * Double($1.sign == .minus ? -1 : 1) }
        expectClose(after.map(Double.init), expected, .float, "adam step 1")
    }

    /// The GEMM splits its output between threads without changing any element's operations.
    @Test func oneAndTwoThreadsAreBitIdentical() throws {
        let source = """
            net wide {
              input [256]
              dense 128, init: normal(0.05)
              relu
              dense 128, init: normal(0.05)
              relu
              dense 10, init: normal(0.05)
              loss cross_entropy
            }
            optimizer sgd { lr: 0.1, momentum: 0.9 }
            """
        var results: [[Float]] = []
        for threads in [1, 2] {
            let s = try RuntimeTests.session(source, batch: 128, threads: threads, seed: 5)
            var losses: [Float] = []
            for step in 1...3 {
                let (input, labels) = RuntimeTests.batch(s, seed: UInt64(step))
                losses.append(try s.trainStep(input: input, labels: labels, lr: 0.1, step: step))
            }
            results.append(losses + s.read("dense1.weight") + s.read("dense3.weight"))
        }
        #expect(results[0] == results[1])
    }

    /// The arena is allocated once: its size is the plan's and stays so over steps.
    @Test func arenaSizeIsFixed() throws {
        let s = try RuntimeTests.session(ExecutorTests.mlp, batch: 8, evalBatch: 16)
        let before = s.arenaSlots
        #expect(before.train == s.trainPlan.arenaSlots && before.eval == s.evalPlan.arenaSlots)
        for step in 1...5 {
            let (input, labels) = RuntimeTests.batch(s, seed: UInt64(step))
            _ = try s.trainStep(input: input, labels: labels, lr: 0.1, step: step)
        }
        _ = try s.evaluate(input: [Float](repeating: 0.5, count: 16 * 6), labels: [Int32](repeating: 1, count: 16), count: 16)
        #expect(s.arenaSlots == before)
    }

    /// Persistent tensors round-trip through read and write; a wrong count is refused.
    @Test func persistentTensorsRoundTrip() throws {
        let s = try RuntimeTests.session(ExecutorTests.mlp, batch: 8)
        let names = s.persistentTensors.map(\.name)
        #expect(names.contains("dense1.weight") && names.contains("dense3.bias"))
        let w = (0..<30).map { Float($0) / 10 }
        try s.write("dense1.weight", w)
        #expect(s.read("dense1.weight") == w)
        #expect(throws: RuntimeError.self) { try s.write("dense1.weight", [1, 2]) }
        #expect(throws: RuntimeError.self) { try s.write("nope", [1]) }
    }

    /// A label outside the classes is a size error, not a crash in the loss kernel.
    @Test func badLabelsAreRefused() throws {
        let s = try RuntimeTests.session(ExecutorTests.mlp, batch: 8)
        let (input, _) = RuntimeTests.batch(s)
        #expect(throws: RuntimeError.self) {
            _ = try s.trainStep(input: input, labels: [Int32](repeating: 7, count: 8), lr: 0.1, step: 1)
        }
        #expect(throws: RuntimeError.self) {
            _ = try s.trainStep(input: Array(input.dropLast()), labels: [Int32](repeating: 0, count: 8), lr: 0.1, step: 1)
        }
    }

    /// After a diverging step a non-finite buffer and its layer are named.
    @Test func firstNonFiniteNamesTheLayer() throws {
        let s = try RuntimeTests.session(ExecutorTests.mlp, batch: 8)
        var (input, labels) = RuntimeTests.batch(s)
        input[0] = .infinity
        let loss = try s.trainStep(input: input, labels: labels, lr: 0.1, step: 1)
        #expect(!loss.isFinite)
        let found = try #require(s.firstNonFinite())
        #expect(s.model.allLayers.map(\.name).contains(found.layer), "\(found)")
        #expect(!found.buffer.isEmpty)
        labels = []
        #expect(labels.isEmpty)
    }

    /// He-uniform on a convolution uses n_in = C·k·k and n_out = F·k·k (docs/ALGORITHMS.md).
    @Test func convolutionFansFollowTheInitialisationRule() throws {
        let source = """
            net c {
              input [3, 6, 6]
              conv 4, kernel: 3, init: he_uniform
              flatten
              dense 2
              loss cross_entropy
            }
            """
        let s = try RuntimeTests.session(source, batch: 2)
        let w = try RuntimeTests.read(s, "conv1.weight")
        let limit = (12.0 / Double(3 * 9 + 4 * 9)).squareRoot()
        let largest = Double(w.map(abs).max()!)
        #expect(largest <= limit && largest > 0.8 * limit)
        #expect(s.read("conv1.bias").allSatisfy { $0 == 0 })
    }
}
