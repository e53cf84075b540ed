import Foundation
import Testing
@testable import NNC

/// Shampoo's step against the definition (docs/ALGORITHMS.md "Shampoo") computed here in Double
/// on one dense softmax layer (KFACStepTests' batches and gradients): the block split, the
/// decayed statistics, inverse fourth roots by a plain Jacobi eigendecomposition, roots reused
/// between computations, SGD and adaptive grafting, a conv and a norm layer, a non-finite
/// statistic, and a resumed run.
struct ShampooStepTests {
    static let inputs = KFACStepTests.inputs, classes = KFACStepTests.classes

    static func session(_ options: String, threads: Int = 1) throws -> Session {
        let text = """
            net soft {
              input [\(inputs)]
              dense \(classes), init: normal(0.5)
              loss cross_entropy
            }
            optimizer shampoo { momentum: 0, \(options) }
            """
        return try RuntimeTests.session(text, batch: KFACStepTests.batch, threads: threads, seed: 9)
    }

    static let tolerance = Tolerance(name: "Shampoo in Float vs Double", relative: 2e-3, absolute: 2e-5)

    typealias Matrix = [[Double]]

    static func product(_ x: Matrix, _ y: Matrix) -> Matrix {
        x.map { row in y[0].indices.map { j in row.indices.reduce(0) { $0 + row[$1] * y[$1][j] } } }
    }

    static func identity(_ n: Int) -> Matrix { (0..<n).map { i in (0..<n).map { i == $0 ? 1 : 0 } } }

    /// (S⁺ + ε·λ_max·I)^{-1/4} by the classical Jacobi method, each rotation as Pᵀ·A·P; nil
    /// for a zero S (the kernel then keeps no roots).
    static func inverseFourthRoot(_ s: Matrix, epsilon: Double) -> Matrix? {
        let n = s.count
        var a = s, q = identity(n)
        for _ in 0..<50 {
            for p in 0..<n {
                for r in (p + 1)..<max(n, p + 1) where a[p][r] != 0 {
                    let theta = (a[r][r] - a[p][p]) / (2 * a[p][r])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), sn = t * c
                    var rotation = identity(n)
                    rotation[p][p] = c; rotation[r][r] = c; rotation[p][r] = sn; rotation[r][p] = -sn
                    a = product(KFACStepTests.transpose(rotation), product(a, rotation))
                    q = product(q, rotation)
                }
            }
        }
        let lambda = (0..<n).map { max(a[$0][$0], 0) }, largest = lambda.max() ?? 0
        guard largest > 0 else { return nil }
        let f = lambda.map { pow($0 + epsilon * largest, -0.25) }
        return (0..<n).map { i in (0..<n).map { j in (0..<n).reduce(0) { $0 + q[i][$1] * f[$1] * q[j][$1] } } }
    }

    /// A weight's blocks as (row, col, rows, cols), row block by row block.
    static func blocks(_ m: Int, _ n: Int, size: Int) -> [(Int, Int, Int, Int)] {
        stride(from: 0, to: m, by: size).flatMap { r in
            stride(from: 0, to: n, by: size).map { c in (r, c, min(size, m - r), min(size, n - c)) }
        }
    }

    static func block(_ x: Matrix, _ b: (Int, Int, Int, Int)) -> Matrix {
        (0..<b.2).map { i in (0..<b.3).map { x[b.0 + i][b.1 + $0] } }
    }

    static func norm(_ x: Matrix) -> Double { x.flatMap { $0 }.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// The running Shampoo state of one weight, in Double.
    struct Reference {
        var size: Int, beta2: Double, epsilon: Double
        var left: [Matrix] = [], right: [Matrix] = [], roots: [(Matrix, Matrix)?] = []

        /// Adds G's statistics, recomputes the roots when asked, and returns the direction
        /// (the graft's where a block has no roots or `precondition` is false).
        mutating func step(_ g: Matrix, graft: Matrix, computeRoots: Bool, precondition: Bool) -> Matrix {
            let blocks = ShampooStepTests.blocks(g.count, g[0].count, size: size)
            if left.isEmpty {
                left = blocks.map { b in (0..<b.2).map { _ in [Double](repeating: 0, count: b.2) } }
                right = blocks.map { b in (0..<b.3).map { _ in [Double](repeating: 0, count: b.3) } }
                roots = blocks.map { _ in nil }
            }
            var out = graft
            for (k, b) in blocks.enumerated() {
                let gb = ShampooStepTests.block(g, b), gt = KFACStepTests.transpose(gb)
                let l = ShampooStepTests.product(gb, gt), r = ShampooStepTests.product(gt, gb)
                left[k] = zip(left[k], l).map { zip($0, $1).map { beta2 * $0 + $1 } }
                right[k] = zip(right[k], r).map { zip($0, $1).map { beta2 * $0 + $1 } }
                if computeRoots, let lr = inverseFourthRoot(left[k], epsilon: epsilon),
                   let rr = inverseFourthRoot(right[k], epsilon: epsilon) {
                    roots[k] = (lr, rr)
                }
                guard precondition, let (lr, rr) = roots[k] else { continue }
                let d = ShampooStepTests.product(ShampooStepTests.product(lr, gb), rr)
                let scale = ShampooStepTests.norm(ShampooStepTests.block(graft, b)) / ShampooStepTests.norm(d)
                for i in 0..<b.2 { for j in 0..<b.3 { out[b.0 + i][b.1 + j] = scale * d[i][j] } }
            }
            return out
        }
    }

    static func weights(_ s: Session) throws -> [Double] { try RuntimeTests.read(s, "dense1.weight").map(Double.init) }
    static func bias(_ s: Session) throws -> [Double] { try RuntimeTests.read(s, "dense1.bias").map(Double.init) }

    /// block_size 2 cuts the 3 × 5 weight into six blocks (2×2, 2×2, 2×1, 1×2, 1×2, 1×1). Step 1
    /// comes before start_step: plain SGD. Step 2 forms the roots of the decayed statistics and
    /// preconditions with them at SGD's norm per block; step 3 adds statistics but reuses step
    /// 2's roots. The bias takes SGD's step throughout.
    @Test func blocksRootsAndReuseBetweenComputations() throws {
        let s = try Self.session("lr: 0.5, graft: sgd, block_size: 2, beta2: 0.9, epsilon: 1e-3, start_step: 2, precondition_every: 2")
        var reference = Reference(size: 2, beta2: 0.9, epsilon: 1e-3)
        for (i, seed) in [21, 22, 23].enumerated() {
            let step = i + 1, b = RuntimeTests.batch(s, seed: UInt64(seed))
            let p = try KFACStepTests.Batch(s, b.input, b.labels)
            let g = p.gradient.map { Array($0.prefix(Self.inputs)) }, gb = p.gradient.map { $0[Self.inputs] }
            let d = reference.step(g, graft: g, computeRoots: step == 2, precondition: step >= 2)
            let (w, bias) = (try Self.weights(s), try Self.bias(s))
            _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.5, step: step)
            expectClose(try Self.weights(s), zip(w, d.flatMap { $0 }).map { $0 - 0.5 * $1 }, Self.tolerance,
                        "weight after step \(step)")
            expectClose(try Self.bias(s), zip(bias, gb).map { $0 - 0.5 * $1 }, .float, "bias after step \(step)")
            let left = try RuntimeTests.read(s, "shampoo.left.dense1").map(Double.init)
            expectClose(left, reference.left.flatMap { $0.flatMap { $0 } }, .float, "L after step \(step)")
        }
        #expect(try RuntimeTests.read(s, "shampoo.state.dense1") == [1, 1, 1, 1, 1, 1])
    }

    /// On two threads the blocks are split between the threads (each block's products on one):
    /// the statistics, roots and steps are the one-thread run's bit for bit, for SGD and AdaGrad
    /// grafting, across a root computation and a step that reuses its roots.
    @Test func blocksSplitOverThreadsGiveTheSameBits() throws {
        for graft in ["sgd", "adagrad"] {
            let options = "lr: 0.5, graft: \(graft), block_size: 2, start_step: 2, precondition_every: 2"
            let one = try Self.session(options), two = try Self.session(options, threads: 2)
            for (i, seed) in [21, 22, 23].enumerated() {
                let b = RuntimeTests.batch(one, seed: UInt64(seed))
                _ = try one.trainStep(input: b.input, labels: b.labels, lr: 0.5, step: i + 1)
                _ = try two.trainStep(input: b.input, labels: b.labels, lr: 0.5, step: i + 1)
                for name in ["dense1.weight", "shampoo.left.dense1", "shampoo.right.dense1"] {
                    #expect(try RuntimeTests.read(one, name) == RuntimeTests.read(two, name), "\(graft): \(name) after step \(i + 1)")
                }
            }
        }
    }

    /// AdaGrad and Adam grafting before start_step: every parameter, the bias too, takes
    /// g/(√v̂ + ε) with v the graft's running second moment.
    @Test func adaptiveGraftsBeforeTheRoots() throws {
        for graft in ["adagrad", "adam"] {
            let s = try Self.session("lr: 0.01, graft: \(graft), start_step: 100")
            var v = [Double](repeating: 0, count: Self.classes * (Self.inputs + 1))
            for (i, seed) in [21, 22].enumerated() {
                let step = i + 1, b = RuntimeTests.batch(s, seed: UInt64(seed))
                let g = try KFACStepTests.Batch(s, b.input, b.labels).gradient.flatMap { $0 }
                let before = try KFACStepTests.parameters(s).flatMap { $0 }
                let beta = ShampooOptions.adamGraftBeta2
                let (keep, add, correction) = graft == "adam" ? (beta, 1 - beta, 1 - pow(beta, Double(step))) : (1, 1, 1)
                v = zip(v, g).map { keep * $0 + add * $1 * $1 }
                let d = zip(g, v).map { $0 / (($1 / correction).squareRoot() + ShampooOptions.graftEpsilon) }
                _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.01, step: step)
                expectClose(try KFACStepTests.parameters(s).flatMap { $0 }, zip(before, d).map { $0 - 0.01 * $1 },
                            .float, "\(graft): [W b] after step \(step)")
            }
        }
    }

    /// A conv weight is preconditioned as F × C·kh·kw; a batch norm's scale and shift take
    /// AdaGrad's first step, ±lr per entry (g/|g|).
    @Test func convAndNormLayers() throws {
        let text = """
            net small {
              input [2, 5, 5]
              conv 3, kernel: 3, init: normal(0.3)
              norm: batchnorm
              relu
              flatten
              dense 4, init: normal(0.3)
              loss cross_entropy
            }
            optimizer shampoo { lr: 0.01, momentum: 0, graft: adagrad, start_step: 1, precondition_every: 1 }
            """
        let s = try RuntimeTests.session(text, batch: 6, seed: 3)
        #expect(try RuntimeTests.read(s, "shampoo.left.conv1").count == 3 * 3)
        #expect(try RuntimeTests.read(s, "shampoo.right.conv1").count == 18 * 18)
        let names = s.trainPlan.parameters.filter { $0.layer == "norm" && $0.gradient != nil }.map(\.name)
        #expect(!names.isEmpty)
        let before = try names.map { try RuntimeTests.read(s, "norm.\($0)") }
        let conv = try RuntimeTests.read(s, "conv1.weight")
        let b = RuntimeTests.batch(s, seed: 5)
        _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.01, step: 1)
        for (name, old) in zip(names, before) {
            let moved = zip(try RuntimeTests.read(s, "norm.\(name)"), old).map { abs(Double($0 - $1)) }
            #expect(moved.allSatisfy { abs($0 - 0.01) < 1e-5 }, "norm.\(name) moved \(moved)")
        }
        #expect(try RuntimeTests.read(s, "shampoo.state.conv1") == [1])
        let after = try RuntimeTests.read(s, "conv1.weight")
        #expect(after.allSatisfy(\.isFinite) && after != conv)
    }

    /// A statistic with a NaN: its block keeps the roots it had; with none yet, it takes the
    /// graft's step (here SGD's). Nothing non-finite reaches the weights.
    @Test func nonFiniteStatisticKeepsThePreviousRoots() throws {
        let s = try Self.session("lr: 0.1, graft: sgd, start_step: 1, precondition_every: 1")
        let b1 = RuntimeTests.batch(s, seed: 21), b2 = RuntimeTests.batch(s, seed: 22)
        _ = try s.trainStep(input: b1.input, labels: b1.labels, lr: 0.1, step: 1)
        #expect(s.train.takeDampingEvents().isEmpty, "the first roots were computed")
        let roots = try RuntimeTests.read(s, "shampoo.left_root.dense1")
        var left = try RuntimeTests.read(s, "shampoo.left.dense1")
        // Both triangles: the root reads the lower one.
        left[1] = .nan
        left[Self.classes] = .nan
        try s.write("shampoo.left.dense1", left)
        _ = try s.trainStep(input: b2.input, labels: b2.labels, lr: 0.1, step: 2)
        #expect(try RuntimeTests.read(s, "shampoo.left_root.dense1") == roots)
        #expect(try Self.weights(s).allSatisfy(\.isFinite))
        // The log says so: a `damping` record with outcome roots_kept for the layer.
        #expect(s.train.takeDampingEvents() == [CurvatureEvent(step: 2, layer: "dense1", damping: 1e-6, outcome: .rootsKept)])

        let fresh = try Self.session("lr: 0.1, graft: sgd, start_step: 1, precondition_every: 1")
        try fresh.write("shampoo.left.dense1", [Float](repeating: .nan, count: Self.classes * Self.classes))
        let before = try KFACStepTests.parameters(fresh), p = try KFACStepTests.Batch(fresh, b1.input, b1.labels)
        _ = try fresh.trainStep(input: b1.input, labels: b1.labels, lr: 0.1, step: 1)
        #expect(try RuntimeTests.read(fresh, "shampoo.state.dense1") == [0])
        expectClose(try KFACStepTests.parameters(fresh).flatMap { $0 }, KFACStepTests.minus(before, p.gradient, scale: 0.1),
                    .float, "plain SGD step")
    }

    /// The step is as long as the graft's, so an unwritten rate is the graft's own default.
    @Test func learningRateDefaultsToTheGraftsRate() throws {
        for (graft, lr) in [("", 0.01), ("graft: adagrad", 0.01), ("graft: sgd", 0.1), ("graft: adam", 0.001)] {
            let text = "net n {\n input [4]\n dense 2\n loss cross_entropy\n}\noptimizer shampoo { \(graft) }\n"
            let (model, diagnostics) = Frontend.check(SourceFile(path: "lr.net", text: text))
            #expect(!diagnostics.hasErrors, "\(diagnostics)")
            #expect(model?.optimizer.learningRate == lr, "\(graft)")
        }
    }

    /// A run stopped between two root computations and resumed from its checkpoint takes the
    /// same steps as one that never stopped: statistics, roots and their flags are in it.
    @Test func resumeBetweenRootComputationsEqualsUninterrupted() throws {
        let model = try TrainerTests.spirals(
            epochs: 2, optimizer: "shampoo { lr: 0.05, block_size: 16, start_step: 2, precondition_every: 6, graft: adagrad }")
        // Stop in the second epoch on a step that computes no roots (steps 2, 8, 14, … do).
        try TrainerTests.expectResumeEqualsUninterrupted(model, stop: { losses, stepsPerEpoch in
            var stopAt = stepsPerEpoch + 3
            while (stopAt - 2) % 6 == 0 { stopAt += 1 }
            return losses.count >= stopAt
        }) { _, checkpoint in
            #expect(checkpoint.info("shampoo.left_root.dense1") != nil)
            #expect(checkpoint.info("shampoo.graft.dense1.bias") != nil)
        }
    }
}
