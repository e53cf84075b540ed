import Foundation
import Testing
@testable import NNC

/// SGD2's options beyond the exact correction, each against a reference computed here from
/// the definition (docs/ALGORITHMS.md "SGD2"): the correction in front of Adam, RMSProp and
/// AdaGrad, `samples`, gradient noise (the draws reproduced from the seed), and a resumed run
/// with `every: 3`, chunking and sampling equal to an uninterrupted one.
struct SGD2OptionTests {
    typealias Problem = SGD2CorrectorTests.Problem

    /// The session of SGD2CorrectorTests' least-squares layer with `optimizer` as the block's body.
    static func session(_ optimizer: String, batch: Int = 16) throws -> Session {
        let text = """
            net ls {
              input [4]
              dense 2, init: normal(0.5)
              loss mse
            }
            optimizer sgd2 { \(optimizer) }
            """
        return try RuntimeTests.session(text, batch: batch, seed: 9)
    }

    /// The corrected gradient P = G·(A + λI)⁻¹ of `p`, rows [g_b, G].
    static func corrected(_ p: Problem, lambda: Double) -> [[Double]] {
        RuntimeTests.solveRight(p.gradient, p.covariance(lambda: lambda))
    }

    // MARK: base

    /// `base: adam`: Adam's two steps fed P instead of G (bias-corrected moments, ε = Adam's 1e-8
    /// as the default when `eps` is not given).
    @Test func correctionInFrontOfAdam() throws {
        // `every: 1`: the reference re-forms A at both steps.
        let s = try Self.session("lr: 0.01, lambda: 0.5, every: 1, base: adam")
        #expect(s.model.optimizer.epsilon == 1e-8)
        let b1 = RuntimeTests.batch(s, seed: 21), b2 = RuntimeTests.batch(s, seed: 22)
        let p1 = try Problem(s, b1.input, b1.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b1.input, labels: b1.labels, lr: 0.01, step: 1)
        let p2 = try Problem(s, b2.input, b2.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b2.input, labels: b2.labels, lr: 0.01, step: 2)
        let g1 = Self.corrected(p1, lambda: 0.5).flatMap { $0 }, g2 = Self.corrected(p2, lambda: 0.5).flatMap { $0 }
        // The reference's first step must be the session's, or p2 would be at other weights.
        var w = p1.w.flatMap { $0 }, m = [Double](repeating: 0, count: w.count), v = m
        for (t, g) in [(1.0, g1), (2.0, g2)] {
            for i in w.indices {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t))
                w[i] -= 0.01 * mh / (vh.squareRoot() + 1e-8)
            }
            if t == 1 {
                expectClose(w, p2.w.flatMap { $0 }, .float, "weights after Adam's first corrected step")
            }
        }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), w, .float, "weights after two steps")
        // And it is not plain Adam: the correction changed the step.
        let plainFirst = p1.gradient.flatMap { $0 }.map { -0.01 * $0 / (abs($0) + 1e-8) }
        let taken = zip(p2.w.flatMap { $0 }, p1.w.flatMap { $0 }).map { $0 - $1 }
        #expect(zip(taken, plainFirst).contains { !Tolerance.float.accepts($0, $1) })
    }

    /// `base: rmsprop` and `base: adagrad`: one step of the rule on P, with the rule's ε.
    @Test(arguments: ["rmsprop", "adagrad"])
    func correctionInFrontOfAdaptiveRules(_ base: String) throws {
        let s = try Self.session("lr: 0.01, lambda: 0.5, base: \(base)")
        let eps = 1e-7   // both rules' default
        #expect(s.model.optimizer.epsilon == eps)
        let b = RuntimeTests.batch(s, seed: 21)
        let p = try Problem(s, b.input, b.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.01, step: 1)
        let g = Self.corrected(p, lambda: 0.5).flatMap { $0 }
        let w = p.w.flatMap { $0 }
        let expected = w.indices.map { i -> Double in
            let square = base == "rmsprop" ? 0.1 * g[i] * g[i] : g[i] * g[i]
            return w[i] - 0.01 * g[i] / (square.squareRoot() + eps)
        }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), expected, .float, "\(base) on the corrected gradient")
    }

    /// An explicit `lr` and `eps` win over the base's defaults; with `sgd` the defaults stay SGD2's.
    @Test func adaptiveBaseDefaults() throws {
        let explicit = try Self.session("lr: 0.3, eps: 0.01, base: adam").model.optimizer
        #expect(explicit.learningRate == 0.3 && explicit.epsilon == 0.01)
        let adagrad = try Self.session("base: adagrad").model.optimizer
        #expect(adagrad.learningRate == 0.01 && adagrad.epsilon == 1e-7)
        let sgd = try Self.session("base: sgd").model.optimizer
        #expect(sgd.learningRate == 0.1 && sgd.epsilon == 0)
    }

    // MARK: samples

    /// The columns a `samples: s` draw takes at the first re-form: the session's runtime stream
    /// (stream 1 of the seed), a partial Fisher–Yates over the batch's sample indices.
    static func sampledRows(seed: UInt64, batch: Int, samples: Int) -> [Int] {
        var random = Random(seed: seed, stream: 1)
        var columns = Array(0..<batch)
        for i in 0..<samples { columns.swapAt(i, i + random.nextInt(below: batch - i)) }
        return Array(columns[0..<samples])
    }

    /// `samples: 6` of a batch of 16: A is formed from the 6 drawn rows only, G from all 16.
    @Test func samplesFormTheCovarianceFromTheDrawnColumns() throws {
        let s = try Self.session("lr: 1, momentum: 0, lambda: 0.5, samples: 6")
        let b = RuntimeTests.batch(s, seed: 21)
        let p = try Problem(s, b.input, b.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b.input, labels: b.labels, lr: 1, step: 1)
        var subset = p
        subset.x = Self.sampledRows(seed: 9, batch: 16, samples: 6).map { p.x[$0] }
        let expected = p.stepped(subset.covariance(lambda: 0.5)).flatMap { $0 }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), expected, .float, "step with the sampled covariance")
        // Not the full covariance's step: the subset matters.
        let full = p.stepped(p.covariance(lambda: 0.5)).flatMap { $0 }
        #expect(zip(try SGD2CorrectorTests.weights(s, bias: true), full).contains { !Tolerance.float.accepts($0, $1) })
    }

    /// `samples` as large as the batch is the exact correction (in another summation order).
    @Test func samplesOfTheWholeBatchAreExact() throws {
        let s = try Self.session("lr: 1, momentum: 0, lambda: 0.5, samples: 16")
        let b = RuntimeTests.batch(s, seed: 21)
        let p = try Problem(s, b.input, b.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b.input, labels: b.labels, lr: 1, step: 1)
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), p.stepped(p.covariance(lambda: 0.5)).flatMap { $0 },
                    .float, "all columns")
    }

    /// The draws come from the seed alone: a second session with the same seed repeats three
    /// sampled steps bit for bit.
    @Test func samplesAreDeterministicFromTheSeed() throws {
        func run() throws -> [Float] {
            let s = try Self.session("lr: 0.5, lambda: 0.5, samples: 5")
            for k in 0..<3 {
                let b = RuntimeTests.batch(s, seed: 30 + UInt64(k))
                _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.5, step: k + 1)
            }
            return try RuntimeTests.read(s, "dense1.weight") + RuntimeTests.read(s, "dense1.bias")
        }
        #expect(try run() == run())
    }

    // MARK: noise

    /// `noise(eta: 0.3, gamma: 0.55)` at step 1: the weight gradient, then the bias gradient,
    /// get N(0, 0.3/2^0.55) draws from the runtime stream, before the correction.
    @Test func noiseIsAddedBeforeTheCorrection() throws {
        let s = try Self.session("lr: 1, momentum: 0, lambda: 0.5, noise: noise(eta: 0.3, gamma: 0.55)")
        let b = RuntimeTests.batch(s, seed: 21)
        let p = try Problem(s, b.input, b.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b.input, labels: b.labels, lr: 1, step: 1)
        var random = Random(seed: 9, stream: 1)
        let std = Float((0.3 / pow(2, 0.55)).squareRoot())
        let weightNoise = (0..<8).map { _ in Double(std * random.normal()) }
        let biasNoise = (0..<2).map { _ in Double(std * random.normal()) }
        var g = p.gradient
        for o in 0..<2 {
            g[o][0] += biasNoise[o]
            for j in 0..<4 { g[o][j + 1] += weightNoise[o * 4 + j] }
        }
        let step = RuntimeTests.solveRight(g, p.covariance(lambda: 0.5))
        let expected = (0..<2).flatMap { o in (0..<5).map { p.w[o][$0] - step[o][$0] } }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), expected, .float, "noisy corrected step")
    }

    /// The noise decays as (1 + t)^−γ: at step 99 its variance is η/100^γ.
    @Test func noiseDecaysWithTheStep() throws {
        let s = try Self.session("lr: 1, momentum: 0, lambda: 0.5, noise: noise(eta: 1, gamma: 0.5)")
        let b = RuntimeTests.batch(s, seed: 21)
        let p = try Problem(s, b.input, b.labels, inputs: 4, bias: true)
        _ = try s.trainStep(input: b.input, labels: b.labels, lr: 1, step: 99)
        var random = Random(seed: 9, stream: 1)
        let std = Float((1 / pow(100, 0.5)).squareRoot())
        let noise = (0..<10).map { _ in Double(std * random.normal()) }
        var g = p.gradient
        for o in 0..<2 {
            g[o][0] += noise[8 + o]
            for j in 0..<4 { g[o][j + 1] += noise[o * 4 + j] }
        }
        let step = RuntimeTests.solveRight(g, p.covariance(lambda: 0.5))
        let expected = (0..<2).flatMap { o in (0..<5).map { p.w[o][$0] - step[o][$0] } }
        expectClose(try SGD2CorrectorTests.weights(s, bias: true), expected, .float, "noise at step 99")
    }

    // MARK: resume

    /// A run stopped between re-forms (every: 3, with chunks and sampled columns) and resumed
    /// from its checkpoint takes the same steps as one that never stopped; without SGD2's
    /// state in the checkpoint (factors re-formed on resume) it would not.
    @Test func resumeWithEveryThreeEqualsUninterrupted() throws {
        let model = try TrainerTests.spirals(epochs: 2, optimizer: "sgd2 { lr: 0.05, every: 3, chunk: 16, samples: 20 }")
        let whole = try TrainerTests.trainer(model)
        var wholeLosses: [Float] = []
        try whole.run(events: { if case .step(let s) = $0 { wholeLosses.append(s.loss) } })

        let file = TrainerTests.temporaryFile("sgd2-resume.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try TrainerTests.trainer(model, checkpoint: file)
        var stopAt = first.data.trainIndices.count / 32 + 4
        while stopAt % 3 == 0 { stopAt += 1 }   // the next step reuses a factor
        var losses: [Float] = []
        let stopped = try first.run(events: { if case .step(let s) = $0 { losses.append(s.loss) } },
                                    shouldStop: { losses.count >= stopAt })
        #expect(stopped.status == .stopped)

        let checkpoint = try Checkpoint.read(file)
        #expect(checkpoint.info("sgd2.factor.dense2")?.dtype == .f64)
        let second = try TrainerTests.trainer(model, checkpoint: file)
        try second.resume(from: checkpoint)
        var resumed = losses
        try second.run(events: { if case .step(let s) = $0 { resumed.append(s.loss) } })
        #expect(resumed == wholeLosses)
        for t in whole.session.persistentTensors {
            #expect(whole.session.read(t.name) == second.session.read(t.name), "\(t.name) differs after resume")
        }

        // The control: the same resume with the factors dropped goes elsewhere.
        let unused = TrainerTests.temporaryFile("unused.safetensors")
        defer { try? FileManager.default.removeItem(at: unused) }
        let third = try TrainerTests.trainer(model, checkpoint: unused)
        try third.resume(from: checkpoint)
        third.session.train.invalidateFactors()
        var reformed = losses
        try third.run(events: { if case .step(let s) = $0 { reformed.append(s.loss) } })
        #expect(reformed != wholeLosses)
    }

    /// A checkpoint written with another block size cannot resume (the factor has another
    /// size), and the error says which option to name.
    @Test func resumeWithAnotherChunkNamesTheOption() throws {
        let wide = try TrainerTests.spirals(epochs: 1, optimizer: "sgd2 { lr: 0.05, chunk: 500 }")
        let file = TrainerTests.temporaryFile("sgd2-chunk.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try TrainerTests.trainer(wide, checkpoint: file)
        _ = try first.run(events: { _ in }, shouldStop: { true })
        let narrow = try TrainerTests.spirals(epochs: 1, optimizer: "sgd2 { lr: 0.05, chunk: 2 }")
        let second = try TrainerTests.trainer(narrow, checkpoint: TrainerTests.temporaryFile("unused-chunk.safetensors"))
        do {
            try second.resume(from: try Checkpoint.read(file))
            Issue.record("resumed a checkpoint of another chunk")
        } catch {
            #expect("\(error)".contains("another SGD2 `chunk`"), "\(error)")
        }
    }

    /// A checkpoint without SGD2's state cannot resume an SGD2 run (it names what is missing),
    /// but its weights still initialise one (`--init`).
    @Test func resumeNeedsTheFactors() throws {
        let model = try TrainerTests.spirals(epochs: 1, optimizer: "sgd2 { lr: 0.05, every: 3 }")
        let trainer = try TrainerTests.trainer(model)
        let tensors = trainer.session.persistentTensors.map {
            TensorData(name: $0.name, shape: $0.shape, floats: trainer.session.read($0.name))
        }
        let file = TrainerTests.temporaryFile("no-factors.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try Safetensors.write(tensors, to: file)
        let read = try Checkpoint.read(file)
        #expect(throws: CheckpointMismatch.self) { try Checkpoint.load(read, into: trainer.session, optimizerState: true) }
        try Checkpoint.load(read, into: trainer.session, optimizerState: false)
    }
}
