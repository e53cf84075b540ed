import Testing
@testable import NNC

/// SGD2's correction against the math that defines it, on a single linear layer with squared
/// loss over two outputs (so the mean-squared gradient is exactly R·[1, X]/N and lr 1 takes the
/// full Newton step of the layer's least-squares problem).
struct SGD2CorrectorTests {
    static func source(_ options: String, inputs: Int = 4, bias: Bool = true) -> String {
        """
        net ls {
          input [\(inputs)]
          dense 2, bias: \(bias), init: normal(0.5)
          loss mse
        }
        optimizer sgd2 { lr: 1, momentum: 0, \(options) }
        """
    }

    /// Rows [1, x] (or [x]) of a batch, the one-hot targets and the layer's current residual.
    struct Problem {
        var x: [[Double]]
        var t: [[Double]]
        var w: [[Double]]  // (2, n) with the bias in column 0 when augmented
        var augmented: Bool
        var n: Int { x[0].count }

        init(_ s: Session, _ input: [Float], _ labels: [Int32], inputs: Int, bias: Bool) throws {
            let weight = try RuntimeTests.read(s, "dense1.weight").map(Double.init)
            let b = try bias ? RuntimeTests.read(s, "dense1.bias").map(Double.init) : [0, 0]
            augmented = bias
            x = (0..<labels.count).map { r in (bias ? [1] : []) + (0..<inputs).map { Double(input[r * inputs + $0]) } }
            t = labels.map { l in (0..<2).map { Int(l) == $0 ? 1 : 0 } }
            w = (0..<2).map { o in (bias ? [b[o]] : []) + (0..<inputs).map { weight[o * inputs + $0] } }
        }

        /// G = R·X/N of the mean squared error over B·2 values: 2·R/(2B)·X.
        var gradient: [[Double]] {
            let batch = Double(x.count)
            var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: 2)
            for r in x.indices {
                for o in 0..<2 {
                    var y = 0.0
                    for j in 0..<n { y += w[o][j] * x[r][j] }
                    for j in 0..<n { g[o][j] += (y - t[r][o]) * x[r][j] / batch }
                }
            }
            return g
        }

        /// A = XᵀX/N (+ λI).
        func covariance(lambda: Double) -> [[Double]] {
            var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n {
                for j in 0..<n {
                    var sum = 0.0
                    for row in x { sum += row[i] * row[j] }
                    a[i][j] = sum / Double(x.count) + (i == j ? lambda : 0)
                }
            }
            return a
        }

        /// The weights after `w -= G·M⁻¹`.
        func stepped(_ m: [[Double]]) -> [[Double]] {
            let p = RuntimeTests.solveRight(gradient, m)
            return (0..<2).map { o in (0..<n).map { w[o][$0] - p[o][$0] } }
        }
    }

    static func weights(_ s: Session, bias: Bool) throws -> [Double] {
        let w = try RuntimeTests.read(s, "dense1.weight").map(Double.init)
        guard bias else { return w }
        let b = try RuntimeTests.read(s, "dense1.bias").map(Double.init)
        let inputs = w.count / 2
        return (0..<2).flatMap { o in [b[o]] + Array(w[(o * inputs)..<((o + 1) * inputs)]) }
    }

    func step(_ options: String, inputs: Int = 4, bias: Bool = true, batch: Int = 16)
        throws -> (after: [Double], problem: Problem) {
        let s = try RuntimeTests.session(SGD2CorrectorTests.source(options, inputs: inputs, bias: bias), batch: batch, seed: 9)
        let (input, labels) = RuntimeTests.batch(s, seed: 21)
        let problem = try Problem(s, input, labels, inputs: inputs, bias: bias)
        _ = try s.trainStep(input: input, labels: labels, lr: 1, step: 1)
        return (try SGD2CorrectorTests.weights(s, bias: bias), problem)
    }

    /// λ → 0, lr 1: one step lands on the least-squares solution [b, W] = T·X(XᵀX)⁻¹.
    @Test func reachesLeastSquaresInOneStep() throws {
        let (after, p) = try step("lambda: 1e-9")
        let xtx = p.covariance(lambda: 0)
        var xt = [[Double]](repeating: [Double](repeating: 0, count: p.n), count: 2)
        for r in p.x.indices {
            for o in 0..<2 { for j in 0..<p.n { xt[o][j] += p.t[r][o] * p.x[r][j] / Double(p.x.count) } }
        }
        let solution = RuntimeTests.solveRight(xt, xtx).flatMap { $0 }
        expectClose(after, solution, Tolerance(name: "least squares", relative: 1e-3, absolute: 1e-4), "weights after one step")
    }

    /// The solve runs in Float only when the block's condition bound 1 + tr(A)/λ allows it:
    /// λ = 0.5 on these unit-scale inputs does, λ = 1e-9 (bound ~1e9) does not.
    @Test func solvePrecisionFollowsTheConditionBound() throws {
        for (lambda, inFloat) in [("0.5", true), ("1e-9", false)] {
            let s = try RuntimeTests.session(SGD2CorrectorTests.source("lambda: \(lambda), chunk: 3"), batch: 16, seed: 9)
            let (input, labels) = RuntimeTests.batch(s, seed: 21)
            _ = try s.trainStep(input: input, labels: labels, lr: 1, step: 1)
            let chosen = s.train.sgd2Layers.map(\.state.solvesInFloat)
            #expect(chosen == [[inFloat, inFloat]], "λ \(lambda)")
        }
    }

    /// λ > 0: the step is the ridge step G·(A + λI)⁻¹, with the bias as the constant-1 row.
    @Test func matchesTheRidgeSolution() throws {
        let (after, p) = try step("lambda: 0.5")
        expectClose(after, p.stepped(p.covariance(lambda: 0.5)).flatMap { $0 }, .float, "ridge step")
    }

    /// Without bias correction the weights see the plain covariance and the bias the plain gradient.
    @Test func biasCorrectionOffUsesThePlainCovariance() throws {
        let s = try RuntimeTests.session(SGD2CorrectorTests.source("lambda: 0.5, bias: false"), batch: 16, seed: 9)
        let (input, labels) = RuntimeTests.batch(s, seed: 21)
        let augmented = try Problem(s, input, labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: input, labels: labels, lr: 1, step: 1)
        let g = augmented.gradient
        // The weights' columns solved with A over x alone (the bias enters only the residual).
        var plain = augmented
        plain.x = augmented.x.map { Array($0.dropFirst()) }
        plain.augmented = false
        let p = RuntimeTests.solveRight(g.map { Array($0.dropFirst()) }, plain.covariance(lambda: 0.5))
        var expected: [Double] = []
        for o in 0..<2 {
            expected.append(augmented.w[o][0] - g[o][0])
            for j in 0..<4 { expected.append(augmented.w[o][j + 1] - p[o][j]) }
        }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), expected, .float, "weights and bias")
    }

    /// A chunk at least as wide as the layer (inputs + bias row) is the unchunked correction.
    @Test func chunkAsWideAsTheLayerIsUnchunked() throws {
        let wide = try step("lambda: 0.5, chunk: 5").after
        let unchunked = try step("lambda: 0.5").after
        #expect(wide == unchunked)
    }

    /// Chunks of one unit: whatever the permutation, each column is divided by A_ii + λ.
    @Test func chunksOfOneAreTheDiagonal() throws {
        let (after, p) = try step("lambda: 0.5, chunk: 1")
        let a = p.covariance(lambda: 0.5)
        let diagonal = (0..<p.n).map { i in (0..<p.n).map { j in i == j ? a[i][i] : 0 } }
        expectClose(after, p.stepped(diagonal).flatMap { $0 }, .float, "diagonal correction")
    }

    /// Chunked blocks are a block-diagonal approximation: with 2 chunks of a 7-unit layer the
    /// result differs from the exact correction but every block solves exactly (A restricted).
    @Test func chunkedCorrectionIsBlockDiagonal() throws {
        let (after, p) = try step("lambda: 0.5, chunk: 4", inputs: 6)
        let exact = p.stepped(p.covariance(lambda: 0.5)).flatMap { $0 }
        #expect(zip(after, exact).contains { !Tolerance.float.accepts($0, $1) }, "chunking should approximate")
        #expect(after.allSatisfy { $0.isFinite })
    }

    /// `every: 2`: the second step reuses the first step's factor.
    @Test func everyReusesTheFactor() throws {
        let s = try RuntimeTests.session(SGD2CorrectorTests.source("lambda: 0.5, every: 2"), batch: 16, seed: 9)
        let first = RuntimeTests.batch(s, seed: 21), second = RuntimeTests.batch(s, seed: 22)
        let p1 = try Problem(s, first.input, first.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: first.input, labels: first.labels, lr: 1, step: 1)
        let p2 = try Problem(s, second.input, second.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: second.input, labels: second.labels, lr: 1, step: 2)
        let expected = p2.stepped(p1.covariance(lambda: 0.5)).flatMap { $0 }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), expected, .float, "step 2 with step 1's factor")
    }

    /// Convolutions: X is the raw input as C_in × (H·W·B), the kernel gradient is seen as
    /// (F·kh·kw) × C_in, each tap row carries g_b[f]/taps as its bias entry, summed back after.
    @Test func convolutionCorrectionMatchesTheReshapedReference() throws {
        let source = """
            net c {
              input [2, 4, 4]
              conv 3, kernel: 3, padding: 1, init: normal(0.3)
              flatten
              dense 2, init: normal(0.1)
              loss mse
            }
            optimizer sgd2 { lr: 1, momentum: 0, lambda: 0.5 }
            """
        let batch = 3
        let s = try RuntimeTests.session(source, batch: batch, seed: 4)
        let (input, labels) = RuntimeTests.batch(s, seed: 8)
        _ = try s.forwardBackward(input: input, labels: labels)
        let g = try #require(s.gradient(of: "conv1.weight")).map(Double.init)
        let gb = try #require(s.gradient(of: "conv1.bias")).map(Double.init)
        let w = try RuntimeTests.read(s, "conv1.weight").map(Double.init)
        let b = try RuntimeTests.read(s, "conv1.bias").map(Double.init)
        _ = try s.trainStep(input: input, labels: labels, lr: 1, step: 1)
        let (channels, positions, taps, filters) = (2, 16, 9, 3)
        // Columns of [1; X]: one per (sample, position).
        var columns: [[Double]] = []
        for n in 0..<batch {
            for q in 0..<positions {
                columns.append([1] + (0..<channels).map { c in Double(input[(n * channels + c) * positions + q]) })
            }
        }
        var a = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                var sum = 0.0
                for col in columns { sum += col[i] * col[j] }
                a[i][j] = sum / Double(columns.count) + (i == j ? 0.5 : 0)
            }
        }
        let rows = (0..<(filters * taps)).map { r -> [Double] in
            let (f, tap) = (r / taps, r % taps)
            return [gb[f] / Double(taps)] + (0..<channels).map { c in g[(f * channels + c) * taps + tap] }
        }
        let corrected = RuntimeTests.solveRight(rows, a)
        var expectedW = w, expectedB = b
        for r in 0..<(filters * taps) {
            let (f, tap) = (r / taps, r % taps)
            expectedB[f] -= corrected[r][0]
            for c in 0..<channels { expectedW[(f * channels + c) * taps + tap] -= corrected[r][c + 1] }
        }
        expectClose(try RuntimeTests.read(s, "conv1.weight").map(Double.init), expectedW, .float, "conv weight")
        expectClose(try RuntimeTests.read(s, "conv1.bias").map(Double.init), expectedB, .float, "conv bias")
    }
}

extension SGD2CorrectorTests {
    /// The solve splits each block's gradient rows over the threads; a step must give the same
    /// weights on any thread count (a wide dense layer, chunked, and a convolution's taps).
    @Test func sameStepOnOneAndTwoThreads() throws {
        let source = """
            net t {
              input [4, 6, 6]
              conv 20, kernel: 3, padding: 1, init: normal(0.3)
              relu
              flatten
              dense 96, init: normal(0.05)
              relu
              dense 3, init: normal(0.1)
              loss cross_entropy
            }
            optimizer sgd2 { lr: 0.5, momentum: 0.9, chunk: 100 }
            """
        var weights: [[Float]] = []
        for threads in [1, 2] {
            let s = try RuntimeTests.session(source, batch: 8, threads: threads, seed: 5)
            for step in 1...2 {
                let (input, labels) = RuntimeTests.batch(s, seed: UInt64(30 + step))
                _ = try s.trainStep(input: input, labels: labels, lr: 0.5, step: step)
            }
            weights.append(try ["conv1.weight", "conv1.bias", "dense1.weight", "dense1.bias"].flatMap {
                try RuntimeTests.read(s, $0)
            })
        }
        #expect(weights[0].map(\.bitPattern) == weights[1].map(\.bitPattern))
    }
}
