import Foundation
import Testing
@testable import NNC

/// K-FAC's diagonal block of a norm's scale and shift (docs/ALGORITHMS.md "K-FAC", "Norm layers")
/// against its definition, computed here in Double on a norm of the input followed by one dense
/// softmax layer: x̂, the per-example gradients dy·x̂ and dy (dy = Wᵀ(softmax − onehot)/B),
/// F = B·Σ_i g_i², its moving average over two steps, and the step −lr·g/(F + λ).
struct KFACDiagonalStepTests {
    static let features = 4, classes = 3, batch = 6

    static func session(_ norm: String, _ options: String) throws -> Session {
        let text = """
            net n {
              input [\(features)]
              \(norm)
              dense \(classes), init: normal(0.5)
              loss cross_entropy
            }
            optimizer kfac { momentum: 0, kl_clip: false, \(options) }
            """
        return try RuntimeTests.session(text, batch: batch, seed: 5)
    }

    /// (g, F of the batch) for [scale…, shift…] at the session's current parameters.
    static func reference(_ s: Session, _ norm: KFACDiagonal.Norm, _ input: [Float], _ labels: [Int32])
        throws -> (gradient: [Double], fisher: [Double]) {
        let (f, m, b) = (features, classes, batch)
        let epsilon: Double = try #require(s.trainPlan.kernels.lazy.compactMap { k -> Double? in
            if case .batchNorm(let p) = k.op { return p.epsilon }
            if case .layerNorm(let p) = k.op { return p.epsilon }
            return nil
        }.first)
        let x = (0..<b).map { i in (0..<f).map { Double(input[i * f + $0]) } }
        var xhat = x
        if norm == .layer {
            for i in 0..<b {
                let mu = x[i].reduce(0, +) / Double(f)
                let variance = x[i].reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(f)
                xhat[i] = x[i].map { ($0 - mu) / (variance + epsilon).squareRoot() }
            }
        } else {
            for c in 0..<f {
                let mu = x.reduce(0) { $0 + $1[c] } / Double(b)
                let variance = x.reduce(0) { $0 + ($1[c] - mu) * ($1[c] - mu) } / Double(b)
                for i in 0..<b { xhat[i][c] = (x[i][c] - mu) / (variance + epsilon).squareRoot() }
            }
        }
        let gamma = try RuntimeTests.read(s, "norm1.scale").map(Double.init)
        let beta = try RuntimeTests.read(s, "norm1.shift").map(Double.init)
        let w = try RuntimeTests.read(s, "dense1.weight").map(Double.init)
        let bias = try RuntimeTests.read(s, "dense1.bias").map(Double.init)
        var gradient = [Double](repeating: 0, count: 2 * f), fisher = gradient
        for i in 0..<b {
            let y = (0..<f).map { gamma[$0] * xhat[i][$0] + beta[$0] }
            let z = (0..<m).map { o in (0..<f).reduce(bias[o]) { $0 + w[o * f + $1] * y[$1] } }
            let top = z.max()!, e = z.map { exp($0 - top) }, sum = e.reduce(0, +)
            let dz = (0..<m).map { (e[$0] / sum - (Int(labels[i]) == $0 ? 1 : 0)) / Double(b) }
            for c in 0..<f {
                let dy = (0..<m).reduce(0.0) { $0 + w[$1 * f + c] * dz[$1] }
                gradient[c] += dy * xhat[i][c]
                gradient[f + c] += dy
                fisher[c] += Double(b) * (dy * xhat[i][c]) * (dy * xhat[i][c])
                fisher[f + c] += Double(b) * dy * dy
            }
        }
        return (gradient, fisher)
    }

    static func parameters(_ s: Session) throws -> [Double] {
        try (RuntimeTests.read(s, "norm1.scale") + RuntimeTests.read(s, "norm1.shift")).map(Double.init)
    }

    /// Step 1 takes F of the batch; step 2 (factor and inverse every step, decay 0.5) the average
    /// of both batches' F. Each step is −lr·g/(F + λ) on the scale and the shift.
    @Test(arguments: [("layernorm", KFACDiagonal.Norm.layer), ("batchnorm", KFACDiagonal.Norm.batch)])
    func stepMatchesTheDefinition(_ norm: String, _ kind: KFACDiagonal.Norm) throws {
        let (lr, lambda) = (0.3, 0.05)
        let s = try Self.session("norm1: \(norm)", "lr: \(lr), damping: \(lambda), factor_decay: 0.5, factor_every: 1, inverse_every: 1")
        var previous: [Double]? = nil
        for (step, seed) in [(1, UInt64(11)), (2, UInt64(12))] {
            let (input, labels) = RuntimeTests.batch(s, seed: seed)
            let before = try Self.parameters(s)
            let r = try Self.reference(s, kind, input, labels)
            let fisher = previous.map { old in zip(old, r.fisher).map { 0.5 * $0 + 0.5 * $1 } } ?? r.fisher
            previous = fisher
            _ = try s.trainStep(input: input, labels: labels, lr: lr, step: step)
            let expected = (0..<before.count).map { before[$0] - lr * r.gradient[$0] / (fisher[$0] + lambda) }
            expectClose(try Self.parameters(s), expected, .float, "\(norm), step \(step): scale and shift")
            expectClose(try RuntimeTests.read(s, "kfac.fisher.norm1").map(Double.init), fisher, .float,
                        "\(norm), step \(step): F")
        }
    }

    /// Adaptive damping scores the block with `Σ_k (F_k + λ)·δ_k²`: with the dense layer frozen
    /// (lr_scale 0) the model is M(δ) = ⟨g, δ⟩ + ½Σ_k (F_k + λ)·δ_k² over the scale and shift, and
    /// ρ = (L(θ + δ) − L(θ)) / M(δ) with the losses from the session's own forward pass.
    @Test func adaptiveDampingScoresTheBlock() throws {
        let (lr, lambda) = (0.3, 0.05)
        let text = """
            lr: \(lr), damping: adaptive(\(lambda), every: 1)
              layer dense1 { lr_scale: 0 }
            """
        let s = try Self.session("norm1: layernorm", text)
        let (input, labels) = RuntimeTests.batch(s, seed: 11)
        let before = try Self.parameters(s), r = try Self.reference(s, .layer, input, labels)
        let loss = try s.forwardLoss(input: input, labels: labels)
        _ = try s.trainStep(input: input, labels: labels, lr: lr, step: 1)
        let reported = try #require(s.train.takeDampingEvents().first?.rho)
        let after = try s.forwardLoss(input: input, labels: labels)
        let delta = zip(try Self.parameters(s), before).map { $0 - $1 }
        var model = 0.0
        for k in delta.indices { model += r.gradient[k] * delta[k] + 0.5 * (r.fisher[k] + lambda) * delta[k] * delta[k] }
        let rho = (Double(after) - Double(loss)) / model
        #expect(model < 0)
        #expect(abs(reported - rho) <= 1e-3 * max(abs(rho), 1), "ρ \(reported) vs \(rho)")
    }

    /// A run with a batch norm and a layer norm, stopped between two inversions and resumed from
    /// its checkpoint, takes the same steps as one that never stopped: F, its inverse and the
    /// blocks' state (the adapted λ too) are in the checkpoint.
    @Test func resumeBetweenInversionsEqualsUninterrupted() throws {
        let data = TestPaths.examples.appendingPathComponent("data").path
        let text = """
            net spirals {
              input [2]
              dense 16, init: he_normal
              bn: batchnorm
              relu
              dense 16, init: he_normal
              ln: layernorm
              relu
              dense 3
              loss cross_entropy
            }
            data {
              train: csv("\(data)/spirals.csv", label: 0, header: true)
              test: csv("\(data)/spirals_test.csv", label: 0, header: true)
            }
            optimizer kfac { lr: 0.05, factor_every: 2, inverse_every: 6, damping: adaptive(0.01, every: 4) }
            train { batch: 32, epochs: 2, seed: 11 }
            """
        let (checked, diagnostics) = Frontend.check(SourceFile(path: "spirals.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let model = try #require(checked)
        // Stop in the second epoch on a step that forms nothing, inverts nothing and scores nothing.
        try TrainerTests.expectResumeEqualsUninterrupted(model, stop: { losses, epoch in
            var stopAt = epoch + 3
            while stopAt % 6 == 0 || stopAt % 2 == 0 || stopAt % 4 == 0 { stopAt += 1 }
            return losses.count >= stopAt
        }) { first, checkpoint in
            #expect(first.session.read("kfac.fisher.bn").contains { $0 > 0 })
            for name in ["kfac.fisher.bn", "kfac.fisher_inverse.ln", "kfac.state.ln"] { #expect(checkpoint.info(name) != nil, "\(name)") }
        }
    }

    /// A K-FAC checkpoint from before norm layers had blocks (none of a block's tensors) resumes
    /// with that block started afresh and a note naming it; a block with only some of its
    /// tensors is a damaged file, refused.
    @Test func aCheckpointWithoutTheNormBlocksResumesThemAfresh() throws {
        let first = try Self.session("bn: batchnorm", "factor_every: 1")
        let (input, labels) = RuntimeTests.batch(first, seed: 3)
        for step in 1...2 { _ = try first.trainStep(input: input, labels: labels, lr: 0.1, step: step) }
        #expect(first.read("kfac.state.bn")[KFACStep.held] == 1)
        let file = TrainerTests.temporaryFile("old-kfac.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try Checkpoint.write(first, state: TrainingState(step: 2, schedule: LearningRateSchedule(first.model.training.schedule, learningRate: 0.1),
                                                          sessionRandom: first.rngState), preprocessor: nil, to: file)
        let written = try Checkpoint.read(file)
        func without(_ names: [String]) throws -> SafetensorsFile {
            let kept = try written.tensors.filter { !names.contains($0.name) }.map {
                TensorData(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: try written.bytes($0.name))
            }
            try Safetensors.write(kept, metadata: written.metadata, to: file)
            return try Checkpoint.read(file)
        }
        let block = Checkpoint.normBlockTensors("bn")

        let resumed = try Self.session("bn: batchnorm", "factor_every: 1")
        let notes = try Checkpoint.load(without(block), into: resumed, optimizerState: true)
        #expect(notes.count == 1 && notes[0].contains("'bn'"), "\(notes)")
        for name in block { #expect(resumed.read(name).allSatisfy { $0 == 0 }, "\(name) not fresh") }
        #expect(resumed.read("kfac.a.dense1") == first.read("kfac.a.dense1"))
        // The next step forms the block again and preconditions with it.
        _ = try resumed.trainStep(input: input, labels: labels, lr: 0.1, step: 3)
        #expect(resumed.read("kfac.state.bn")[KFACStep.held] == 1)

        let damaged = try without([block[1]])
        #expect(throws: CheckpointMismatch.self) {
            try Checkpoint.load(damaged, into: Self.session("bn: batchnorm", "factor_every: 1"), optimizerState: true)
        }
    }

    /// The plan shows the block beside the dense layer's preconditioning, with its state.
    @Test func planShowsTheDiagonalBlock() throws {
        let plan = try Self.session("norm1: layernorm", "damping: adaptive(0.02, every: 4)").trainPlan
        let op = try #require(plan.kernels.first { $0.name == "norm1.kfac_diagonal" }?.op)
        #expect(op.attributes.contains { $0.key == "damping" && $0.value.hasPrefix("adaptive(0.02,") })
        for name in ["kfac.fisher.norm1", "kfac.fisher_inverse.norm1", "kfac.state.norm1"] {
            #expect(plan.buffers.contains { $0.name == name && $0.role == .optimizerState }, "\(name)")
        }
        #expect(plan.kernels.contains { $0.name == "dense1.kfac_precondition" })
    }
}
