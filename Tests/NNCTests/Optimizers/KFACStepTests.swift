import Foundation
import Testing
@testable import NNC

/// K-FAC's step against the definition (docs/ALGORITHMS.md "K-FAC") computed here in Double on
/// one dense softmax layer: the factors A = [X 1]ᵀ[X 1]/B and G = B·RᵀR, the π-adjusted damping,
/// V = (G + γ_G I)⁻¹·[∇W ∇b]·(A + γ_A I)⁻¹, the moving averages, the inverses reused between
/// inversions, KL clipping, a factor that cannot be inverted, and a resumed run.
struct KFACStepTests {
    static let inputs = 5, classes = 3, batch = 8

    static func session(_ options: String) throws -> Session {
        let text = """
            net soft {
              input [\(inputs)]
              dense \(classes), init: normal(0.5)
              loss cross_entropy
            }
            optimizer kfac { momentum: 0, \(options) }
            """
        return try RuntimeTests.session(text, batch: batch, seed: 9)
    }

    /// One batch at the layer's current weights: the factors of the batch and the gradient
    /// [∇W ∇b] (classes × (inputs + 1)).
    struct Batch {
        var a: [[Double]], g: [[Double]], gradient: [[Double]]

        init(_ s: Session, _ input: [Float], _ labels: [Int32]) throws {
            let w = try RuntimeTests.read(s, "dense1.weight").map(Double.init)
            let b = try RuntimeTests.read(s, "dense1.bias").map(Double.init)
            let (n, m, bs) = (inputs + 1, classes, Double(batch))
            let x = (0..<batch).map { r in (0..<inputs).map { Double(input[r * inputs + $0]) } + [1] }
            var rows: [[Double]] = []
            for r in 0..<batch {
                let z = (0..<m).map { o in (0..<inputs).reduce(b[o]) { $0 + w[o * inputs + $1] * x[r][$1] } }
                let top = z.max()!, e = z.map { exp($0 - top) }, sum = e.reduce(0, +)
                rows.append((0..<m).map { (e[$0] / sum - (Int(labels[r]) == $0 ? 1 : 0)) / bs })
            }
            a = (0..<n).map { i in (0..<n).map { j in x.reduce(0) { $0 + $1[i] * $1[j] } / bs } }
            g = (0..<m).map { i in (0..<m).map { j in rows.reduce(0) { $0 + $1[i] * $1[j] } * bs } }
            gradient = (0..<m).map { o in (0..<n).map { j in (0..<batch).reduce(0) { $0 + rows[$1][o] * x[$1][j] } } }
        }
    }

    /// (G + γ_G I)⁻¹·M·(A + γ_A I)⁻¹ with the π-adjusted split of λ.
    static func direction(a: [[Double]], g: [[Double]], _ m: [[Double]], lambda: Double) -> [[Double]] {
        let meanA = (0..<a.count).reduce(0) { $0 + a[$1][$1] } / Double(a.count)
        let meanG = (0..<g.count).reduce(0) { $0 + g[$1][$1] } / Double(g.count)
        let pi = (meanA / meanG).squareRoot(), root = lambda.squareRoot()
        let da = damped(a, pi * root), dg = damped(g, root / pi)
        let right = RuntimeTests.solveRight(m, da)                    // M·(A + γ_A I)⁻¹
        let left = RuntimeTests.solveRight(transpose(right), dg)      // (…)ᵀ·(G + γ_G I)⁻¹, G symmetric
        return transpose(left)
    }

    static func damped(_ f: [[Double]], _ d: Double) -> [[Double]] {
        f.indices.map { i in f[i].indices.map { j in f[i][j] + (i == j ? d : 0) } }
    }

    static func transpose(_ x: [[Double]]) -> [[Double]] { x[0].indices.map { j in x.indices.map { x[$0][j] } } }

    /// [W b] row by row, as the session holds it.
    static func parameters(_ s: Session) throws -> [[Double]] {
        let w = try RuntimeTests.read(s, "dense1.weight").map(Double.init)
        let b = try RuntimeTests.read(s, "dense1.bias").map(Double.init)
        return (0..<classes).map { o in (0..<inputs).map { w[o * inputs + $0] } + [b[o]] }
    }

    static func minus(_ p: [[Double]], _ v: [[Double]], scale: Double = 1) -> [Double] {
        zip(p, v).flatMap { zip($0, $1).map { $0 - scale * $1 } }
    }

    static let tolerance = Tolerance(name: "K-FAC in Float vs Double", relative: 2e-3, absolute: 2e-5)

    /// lr 1, no momentum, no clipping: one step is w − V of the batch's own factors, whichever
    /// form inverts them.
    @Test(arguments: ["cholesky", "eigen"])
    func firstStepIsTheDampedNaturalGradient(_ inverse: String) throws {
        let s = try Self.session("lr: 1, damping: 0.1, kl_clip: false, inverse: \(inverse)")
        let (input, labels) = RuntimeTests.batch(s, seed: 21)
        let before = try Self.parameters(s), p = try Batch(s, input, labels)
        _ = try s.trainStep(input: input, labels: labels, lr: 1, step: 1)
        let v = Self.direction(a: p.a, g: p.g, p.gradient, lambda: 0.1)
        expectClose(try Self.parameters(s).flatMap { $0 }, Self.minus(before, v), Self.tolerance, "weights after one step")
        expectClose(try RuntimeTests.read(s, "kfac.a.dense1").map(Double.init), p.a.flatMap { $0 }, .float, "A")
        expectClose(try RuntimeTests.read(s, "kfac.g.dense1").map(Double.init), p.g.flatMap { $0 }, .float, "G")
    }

    /// `fisher: sampled`: G comes from labels drawn from the model's softmax (the test draws them
    /// from the same stream, on logits computed by hand), the gradient from the batch's own, so
    /// the step is w − G_drawn⁻¹·∇_own·A⁻¹.
    @Test func sampledFisherFormsGFromDrawnLabels() throws {
        let s = try Self.session("lr: 1, damping: 0.1, kl_clip: false, fisher: sampled")
        let (input, labels) = RuntimeTests.batch(s, seed: 21)
        let before = try Self.parameters(s), own = try Batch(s, input, labels)
        let logits = (0..<Self.batch).flatMap { r in (0..<Self.classes).map { o in
            Float((0..<Self.inputs).reduce(before[o][Self.inputs]) { $0 + before[o][$1] * Double(input[r * Self.inputs + $1]) })
        } }
        var random = try #require(Random(state: s.rngState))
        let drawn = Session.sampleLabels(logits: logits, classes: Self.classes, random: &random)
        #expect(drawn != labels, "the drawn labels must differ from the batch's for the test to tell them apart")
        let sampled = try Batch(s, input, drawn)
        _ = try s.trainStep(input: input, labels: labels, lr: 1, step: 1)
        expectClose(try RuntimeTests.read(s, "kfac.g.dense1").map(Double.init), sampled.g.flatMap { $0 }, .float, "G")
        expectClose(try RuntimeTests.read(s, "kfac.a.dense1").map(Double.init), own.a.flatMap { $0 }, .float, "A")
        let v = Self.direction(a: own.a, g: sampled.g, own.gradient, lambda: 0.1)
        expectClose(try Self.parameters(s).flatMap { $0 }, Self.minus(before, v), Self.tolerance, "weights after one step")
        #expect(s.rngState == random.state, "one uniform draw per sample")
    }

    /// The draws follow the softmax: logits (0, ln 3) give class 1 three times in four.
    @Test func sampledLabelsFollowTheSoftmax() {
        var random = Random(seed: 5, stream: 0)
        let rows = 40_000
        let logits = (0..<rows).flatMap { _ in [Float(0), Float(log(3.0))] }
        let drawn = Session.sampleLabels(logits: logits, classes: 2, random: &random)
        let share = Double(drawn.filter { $0 == 1 }.count) / Double(rows)
        #expect(abs(share - 0.75) < 0.01, "share of class 1: \(share)")   // 4.6 standard errors
    }

    /// factor_every 1, inverse_every 2, decay 0.8: step 2 averages the factors (0.8·old + 0.2·new)
    /// but preconditions with step 1's inverses; step 3 inverts the averaged factors.
    @Test func movingAveragesAndInversesBetweenInversions() throws {
        let s = try Self.session("lr: 0.5, damping: 0.05, factor_every: 1, inverse_every: 2, factor_decay: 0.8, kl_clip: false")
        let batches = [21, 22, 23].map { RuntimeTests.batch(s, seed: UInt64($0)) }
        var a: [[Double]] = [], g: [[Double]] = [], inverted: (a: [[Double]], g: [[Double]]) = ([], [])
        for (i, b) in batches.enumerated() {
            let before = try Self.parameters(s), p = try Batch(s, b.input, b.labels)
            if i == 0 {
                (a, g) = (p.a, p.g)
            } else {
                a = zip(a, p.a).map { zip($0, $1).map { 0.8 * $0 + 0.2 * $1 } }
                g = zip(g, p.g).map { zip($0, $1).map { 0.8 * $0 + 0.2 * $1 } }
            }
            if i != 1 { inverted = (a, g) }
            _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.5, step: i + 1)
            let v = Self.direction(a: inverted.a, g: inverted.g, p.gradient, lambda: 0.05)
            expectClose(try Self.parameters(s).flatMap { $0 }, Self.minus(before, v, scale: 0.5), Self.tolerance,
                        "weights after step \(i + 1)")
            expectClose(try RuntimeTests.read(s, "kfac.a.dense1").map(Double.init), a.flatMap { $0 }, .float,
                        "A after step \(i + 1)")
        }
    }

    /// kl_clip: the step is ν·V with ν = min(1, √(c / (lr²·⟨V, ∇⟩))), here well below 1.
    @Test func klClipScalesTheStep() throws {
        let s = try Self.session("lr: 0.5, damping: 0.1, kl_clip: 1e-6")
        let (input, labels) = RuntimeTests.batch(s, seed: 21)
        let before = try Self.parameters(s), p = try Batch(s, input, labels)
        _ = try s.trainStep(input: input, labels: labels, lr: 0.5, step: 1)
        let v = Self.direction(a: p.a, g: p.g, p.gradient, lambda: 0.1)
        let vg = zip(v.flatMap { $0 }, p.gradient.flatMap { $0 }).reduce(0) { $0 + $1.0 * $1.1 }
        let nu = min(1, (1e-6 / (0.25 * vg)).squareRoot())
        #expect(nu < 0.5)
        expectClose(try Self.parameters(s).flatMap { $0 }, Self.minus(before, v, scale: 0.5 * nu), Self.tolerance,
                    "weights after a clipped step")
    }

    /// A factor that is not positive definite at the configured λ is inverted with ten times
    /// more until it is, and the event says with how much.
    @Test func failedFactorisationRetriesWithMoreDamping() throws {
        let s = try Self.session("lr: 0.1, damping: 0.001, factor_every: 100, inverse_every: 100")
        let (input, labels) = RuntimeTests.batch(s, seed: 21)
        _ = try s.trainStep(input: input, labels: labels, lr: 0.1, step: 1)
        #expect(s.train.takeDampingEvents().isEmpty)
        // −5·I: π is undefined (negative trace), so each factor gets √λ; √λ > 5 first at λ = 100.
        let n = Self.inputs + 1
        let minusFive: [Float] = (0..<(n * n)).map { k in k % (n + 1) == 0 ? -5 : 0 }
        try s.write("kfac.a.dense1", minusFive)
        try s.write("kfac.state.dense1", [1, 0, 0, 0, 0])
        _ = try s.trainStep(input: input, labels: labels, lr: 0.1, step: 2)
        let events = s.train.takeDampingEvents()
        #expect(events.map(\.outcome) == [.raised])
        #expect(abs((events.first?.damping ?? 0) - 100) < 1e-9)
        #expect(try RuntimeTests.read(s, "kfac.state.dense1")[1] == 1)
        #expect(try Self.parameters(s).flatMap { $0 }.allSatisfy(\.isFinite))
    }

    /// A factor with a NaN: the layer takes its plain gradient, and the factors start afresh.
    @Test func nonFiniteFactorFallsBackToThePlainGradient() throws {
        let s = try Self.session("lr: 0.1, factor_every: 100, inverse_every: 100, kl_clip: false")
        let b1 = RuntimeTests.batch(s, seed: 21), b2 = RuntimeTests.batch(s, seed: 22)
        _ = try s.trainStep(input: b1.input, labels: b1.labels, lr: 0.1, step: 1)
        var a = try RuntimeTests.read(s, "kfac.a.dense1")
        a[3] = .nan
        try s.write("kfac.a.dense1", a)
        try s.write("kfac.state.dense1", [1, 0, 0, 0, 0])
        let before = try Self.parameters(s), p = try Batch(s, b2.input, b2.labels)
        _ = try s.trainStep(input: b2.input, labels: b2.labels, lr: 0.1, step: 2)
        #expect(s.train.takeDampingEvents().map(\.outcome) == [.nonFinite])
        expectClose(try Self.parameters(s).flatMap { $0 }, Self.minus(before, p.gradient, scale: 0.1), .float,
                    "plain SGD step")
        #expect(try RuntimeTests.read(s, "kfac.state.dense1")[0] == 0)
    }

    /// The batch's mean cross-entropy at parameters [W b] (rows), in Double.
    static func loss(_ params: [[Double]], _ input: [Float], _ labels: [Int32]) -> Double {
        var total = 0.0
        for r in 0..<batch {
            let z = (0..<classes).map { o in
                (0..<inputs).reduce(params[o][inputs]) { $0 + params[o][$1] * Double(input[r * inputs + $1]) }
            }
            let top = z.max()!, sum = z.reduce(0) { $0 + exp($1 - top) }
            total += log(sum) + top - z[Int(labels[r])]
        }
        return total / Double(batch)
    }

    /// Adaptive damping on step 1 (every: 1): ρ = (L(θ+δ) − L(θ)) / M(δ) with
    /// M(δ) = ½⟨δ, GδA⟩ + ½λ‖δ‖² + ⟨Ḡ, δ⟩, all computed here from the definition; λ then moves by
    /// ω = 19/20 in the direction ρ asks for, and the log's event carries ρ.
    @Test func adaptiveDampingFollowsTheReductionRatio() throws {
        for lr in [0.2, 10.0] {
            let (classes, inputs) = (Self.classes, Self.inputs)
            let s = try Self.session("lr: \(lr), damping: adaptive(0.1, every: 1, min: 1e-4, max: 10), kl_clip: false")
            let (input, labels) = RuntimeTests.batch(s, seed: 21)
            let before = try Self.parameters(s), p = try Batch(s, input, labels)
            _ = try s.trainStep(input: input, labels: labels, lr: lr, step: 1)
            let after = try Self.parameters(s)
            let delta = zip(after, before).map { zip($0, $1).map { $0 - $1 } }
            let gDelta = (0..<classes).map { i in (0..<(inputs + 1)).map { j in
                (0..<classes).reduce(0.0) { $0 + p.g[i][$1] * delta[$1][j] } } }
            var curvature = 0.0, squared = 0.0, linear = 0.0
            for i in 0..<classes {
                for j in 0..<(inputs + 1) {
                    let gda = (0..<(inputs + 1)).reduce(0.0) { $0 + gDelta[i][$1] * p.a[$1][j] }
                    curvature += delta[i][j] * gda
                    squared += delta[i][j] * delta[i][j]
                    linear += p.gradient[i][j] * delta[i][j]
                }
            }
            let model = 0.5 * curvature + 0.5 * 0.1 * squared + linear
            let rho = (Self.loss(after, input, labels) - Self.loss(before, input, labels)) / model
            let expected = rho > 0.75 ? 0.1 * 0.95 : rho < 0.25 ? 0.1 / 0.95 : 0.1
            let events = s.train.takeDampingEvents()
            #expect(events.map(\.outcome) == [.adapted])
            let reported = try #require(events.first?.rho)
            #expect(abs(reported - rho) <= 1e-3 * max(abs(rho), 1), "lr \(lr): ρ \(reported) vs \(rho)")
            let state = try RuntimeTests.read(s, "kfac.state.dense1")
            #expect(abs(Double(state[KFACStep.adaptedDamping]) - expected) <= 1e-6, "lr \(lr): λ after ρ = \(rho)")
            // The two rates land on both sides of the rule, so both directions are exercised.
            #expect(lr < 1 ? rho > 0.75 : rho < 0.25, "lr \(lr): ρ = \(rho)")
        }
    }

    /// A run stopped between inversions and resumed from its checkpoint takes the same steps as
    /// one that never stopped: the factors, inverses, adapted λ and their bookkeeping are in the
    /// checkpoint.
    @Test(arguments: ["empirical", "sampled"])
    func resumeBetweenInversionsEqualsUninterrupted(_ fisher: String) throws {
        let model = try TrainerTests.spirals(epochs: 2, optimizer: "kfac { lr: 0.05, factor_every: 2, inverse_every: 6, damping: adaptive(0.01, every: 4), fisher: \(fisher) }")
        // Stop in the second epoch on a step that neither forms factors nor inverts them.
        try TrainerTests.expectResumeEqualsUninterrupted(model, stop: { losses, epoch in
            var stopAt = epoch + 3
            while stopAt % 6 == 0 || stopAt % 2 == 0 { stopAt += 1 }
            return losses.count >= stopAt
        }) { _, checkpoint in
            #expect(checkpoint.info("kfac.a_inverse.dense1") != nil)
        }
    }}
