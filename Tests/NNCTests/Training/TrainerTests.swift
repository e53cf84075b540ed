import Foundation
import Testing
@testable import NNC

/// The training loop end to end: each optimizer's steps against hand-computed values, loss
/// falling on real data, resume equal to an uninterrupted run, and a clean stop on NaN.
@Suite struct TrainerTests {
    // A softmax regression small enough to follow by hand: 3 inputs, 2 classes, 4 samples.
    static let inputs: [[Double]] = [[1, 0.5, -1], [0.2, -0.4, 0.8], [-0.6, 1.2, 0.3], [0.9, 0.1, -0.5]]
    static let targets: [Int32] = [0, 1, 1, 0]
    static let startWeight: [[Double]] = [[0.1, -0.2, 0.3], [0.0, 0.25, -0.1]]
    static let startBias: [Double] = [0.05, -0.05]

    static func tinyModel(_ optimizer: String) throws -> Model {
        let text = """
            net tiny {
              input [3]
              dense 2
              loss cross_entropy
            }
            optimizer \(optimizer)
            train { batch: 4, epochs: 2, seed: 3 }
            """
        let (model, diagnostics) = Frontend.check(SourceFile(path: "tiny.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(model)
    }

    /// Mean cross-entropy gradient of the tiny model at (w, b), in Double.
    static func gradient(_ w: [[Double]], _ b: [Double]) -> (w: [[Double]], b: [Double]) {
        var gw = [[Double]](repeating: [0, 0, 0], count: 2)
        var gb = [0.0, 0.0]
        for (x, label) in zip(inputs, targets) {
            let z = (0..<2).map { o in b[o] + (0..<3).reduce(0) { $0 + w[o][$1] * x[$1] } }
            let top = z.max()!
            let e = z.map { exp($0 - top) }
            let p = e.map { $0 / e.reduce(0, +) }
            for o in 0..<2 {
                let r = (p[o] - (Int32(o) == label ? 1 : 0)) / Double(inputs.count)
                gb[o] += r
                for i in 0..<3 { gw[o][i] += r * x[i] }
            }
        }
        return (gw, gb)
    }

    /// One first-order rule from docs/ALGORITHMS.md applied to a flat parameter vector.
    struct Rule {
        var method: String
        var lr: Double
        var momentum = 0.0, rho = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 0.0
        var nesterov = false
        var s: [Double] = [], v: [Double] = []

        mutating func update(_ w: inout [Double], _ g: [Double], step t: Int) {
            if s.isEmpty { s = [Double](repeating: 0, count: w.count); v = s }
            for i in w.indices {
                switch method {
                case "sgd" where momentum == 0:
                    w[i] -= lr * g[i]
                case "sgd":
                    v[i] = momentum * v[i] - lr * g[i]
                    w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i]
                case "adagrad":
                    s[i] += g[i] * g[i]
                    w[i] -= lr * g[i] / (s[i].squareRoot() + eps)
                case "rmsprop":
                    s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                    w[i] -= lr * g[i] / (s[i].squareRoot() + eps)
                case "adam":
                    v[i] = beta1 * v[i] + (1 - beta1) * g[i]
                    s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i]
                    let mHat = v[i] / (1 - pow(beta1, Double(t)))
                    let vHat = s[i] / (1 - pow(beta2, Double(t)))
                    w[i] -= lr * mHat / (vHat.squareRoot() + eps)
                default:
                    Issue.record("unknown rule \(method)")
                }
            }
        }
    }

    static func tinyData() -> TrainingData {
        let set = Dataset(features: inputs.flatMap { $0.map(Float.init) }, labels: targets, sampleShape: [3], classCount: 2)
        return TrainingData(train: set, test: set, preprocessor: .identity(for: set))
    }

    /// Two steps (two epochs of one full batch) through the Trainer, against the rule by hand.
    func checkSteps(_ optimizer: String, _ rule: Rule, weightDecay: Double = 0) throws {
        let model = try Self.tinyModel(optimizer)
        let session = try Session(model: model, batch: 4, evalBatch: 4, threads: 1)
        session.initialize(seed: 1)
        try session.write("dense1.weight", Self.startWeight.flatMap { $0.map(Float.init) })
        try session.write("dense1.bias", Self.startBias.map(Float.init))
        let trainer = Trainer(model: model, session: session, data: Self.tinyData(), options: .init())
        try trainer.run(events: { _ in })

        var w = Self.startWeight.flatMap { $0 }
        var b = Self.startBias
        var weightRule = rule, biasRule = rule
        for t in 1...2 {
            let shaped = (0..<2).map { Array(w[($0 * 3)..<($0 * 3 + 3)]) }
            let g = Self.gradient(shaped, b)
            // Weight decay applies to weights, never to biases.
            let gw = zip(g.w.flatMap { $0 }, w).map { $0 + weightDecay * $1 }
            weightRule.update(&w, gw, step: t)
            biasRule.update(&b, g.b, step: t)
        }
        let gotW = session.read("dense1.weight").map(Double.init)
        let gotB = session.read("dense1.bias").map(Double.init)
        for (got, want) in zip(gotW + gotB, w + b) {
            #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "\(optimizer): \(got) vs \(want)")
        }
        #expect(trainer.state.step == 2)
    }

    @Test func sgd() throws { try checkSteps("sgd { lr: 0.5 }", Rule(method: "sgd", lr: 0.5)) }
    @Test func sgdWeightDecay() throws {
        try checkSteps("sgd { lr: 0.5, weight_decay: 0.1 }", Rule(method: "sgd", lr: 0.5), weightDecay: 0.1)
    }
    @Test func momentum() throws { try checkSteps("sgd { lr: 0.5, momentum: 0.9 }", Rule(method: "sgd", lr: 0.5, momentum: 0.9)) }
    @Test func nesterov() throws {
        try checkSteps("sgd { lr: 0.5, momentum: 0.9, nesterov: true }", Rule(method: "sgd", lr: 0.5, momentum: 0.9, nesterov: true))
    }
    /// `momentum_form: averaged` against LightNet's sgd.m as its authors wrote it, in their signs:
    /// `v = m·v − (1−m)·g − wd·W; W += lr·v/(1−mᵗ)`, biases without decay.
    @Test(arguments: [0.0, 0.1])
    func averagedMomentum(weightDecay: Double) throws {
        let (m, lr) = (0.9, 0.5)
        let model = try Self.tinyModel("sgd { lr: \(lr), momentum: \(m), momentum_form: averaged, weight_decay: \(weightDecay) }")
        let session = try Session(model: model, batch: 4, evalBatch: 4, threads: 1)
        session.initialize(seed: 1)
        try session.write("dense1.weight", Self.startWeight.flatMap { $0.map(Float.init) })
        try session.write("dense1.bias", Self.startBias.map(Float.init))
        try Trainer(model: model, session: session, data: Self.tinyData(), options: .init()).run(events: { _ in })

        var w = Self.startWeight.flatMap { $0 }, b = Self.startBias
        var vw = [Double](repeating: 0, count: 6), vb = [0.0, 0.0]
        for t in 1...2 {
            let g = Self.gradient((0..<2).map { Array(w[($0 * 3)..<($0 * 3 + 3)]) }, b)
            let correction = 1 - pow(m, Double(t))
            for (i, gi) in g.w.flatMap({ $0 }).enumerated() {
                vw[i] = m * vw[i] - (1 - m) * gi - weightDecay * w[i]
                w[i] += lr * vw[i] / correction
            }
            for i in 0..<2 {
                vb[i] = m * vb[i] - (1 - m) * g.b[i]
                b[i] += lr * vb[i] / correction
            }
        }
        let got = (session.read("dense1.weight") + session.read("dense1.bias")).map(Double.init)
        for (got, want) in zip(got, w + b) { #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "\(got) vs \(want)") }
        // The first step is a plain step of length lr: the bias correction undoes (1 − m).
        #expect(abs(w[0] - Self.startWeight[0][0]) > 1e-3)
    }

    @Test func adagrad() throws { try checkSteps("adagrad { lr: 0.1 }", Rule(method: "adagrad", lr: 0.1, eps: 1e-7)) }
    @Test func rmsprop() throws { try checkSteps("rmsprop { lr: 0.01, rho: 0.8 }", Rule(method: "rmsprop", lr: 0.01, rho: 0.8, eps: 1e-7)) }
    @Test func adam() throws { try checkSteps("adam { lr: 0.01 }", Rule(method: "adam", lr: 0.01, eps: 1e-8)) }

    // MARK: real data

    /// Spirals with dropout, so the session's generator is part of what resume must restore.
    static func spirals(epochs: Int, extra: String = "", optimizer: String = "adam { lr: 0.01 }") throws -> Model {
        let data = TestPaths.examples.appendingPathComponent("data").path
        let text = """
            net spirals {
              input [2]
              dense 32, init: he_normal
              relu
              dropout 0.1
              dense 32, init: he_normal
              relu
              dense 3
              loss cross_entropy
            }
            data {
              train: csv("\(data)/spirals.csv", label: 0, header: true)
              test: csv("\(data)/spirals_test.csv", label: 0, header: true)
              \(extra)
            }
            optimizer \(optimizer)
            train { batch: 32, epochs: \(epochs), seed: 11 }
            """
        let (model, diagnostics) = Frontend.check(SourceFile(path: "spirals.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(model)
    }

    static func trainer(_ model: Model, checkpoint: URL? = nil) throws -> Trainer {
        let data = try TrainingData.load(try #require(model.data), locator: DataLocator())
        let session = try Session(model: model, batch: model.training.batch, evalBatch: 256, threads: 2)
        session.initialize(seed: model.training.seed)
        return Trainer(model: model, session: session, data: data, options: .init(checkpoint: checkpoint, threads: 2))
    }

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("nnc-trainer-\(UUID().uuidString)-\(name)")
    }

    /// Trains `model` straight through, then again stopped once `stop` says so (given the step
    /// losses so far and the steps of an epoch) and resumed from its checkpoint: the resumed run must take the same steps
    /// and end with the same persistent tensors. `observe` sees the stopped run's events,
    /// `inspect` the stopped trainer and its checkpoint before the resume.
    static func expectResumeEqualsUninterrupted(_ model: Model, observe: @escaping (TrainingEvent) -> Void = { _ in },
                                                stop: @escaping (_ losses: [Float], _ stepsPerEpoch: Int) -> Bool,
                                                inspect: (Trainer, SafetensorsFile) throws -> Void = { _, _ in }) throws {
        let whole = try trainer(model)
        var wholeLosses: [Float] = []
        try whole.run(events: { if case .step(let s) = $0 { wholeLosses.append(s.loss) } })

        let file = temporaryFile("resume.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try trainer(model, checkpoint: file)
        let stepsPerEpoch = first.data.trainIndices.count / model.training.batch
        var losses: [Float] = []
        let stopped = try first.run(events: { event in
            if case .step(let s) = event { losses.append(s.loss) }
            observe(event)
        }, shouldStop: { stop(losses, stepsPerEpoch) })
        #expect(stopped.status == .stopped)
        let checkpoint = try Checkpoint.read(file)
        try inspect(first, checkpoint)

        let second = try trainer(model, checkpoint: file)
        try second.resume(from: checkpoint)
        var resumed = losses
        try second.run(events: { if case .step(let s) = $0 { resumed.append(s.loss) } })
        #expect(resumed == wholeLosses)
        for t in whole.session.persistentTensors {
            #expect(whole.session.read(t.name) == second.session.read(t.name), "\(t.name) differs after resume")
        }
    }

    @Test func spiralsLossFalls() throws {
        let trainer = try Self.trainer(try Self.spirals(epochs: 25))
        var epochs: [EpochRecord] = []
        let end = try trainer.run(events: { if case .epoch(let e) = $0 { epochs.append(e) } })
        #expect(end.status == .completed)
        #expect(epochs.count == 25)
        let first = try #require(epochs.first), last = try #require(epochs.last)
        #expect(last.trainLoss < first.trainLoss * 0.75, "train loss \(first.trainLoss) → \(last.trainLoss)")
        #expect(try #require(last.testError) < 0.45)
    }

    @Test func resumeEqualsUninterrupted() throws {
        let model = try Self.spirals(epochs: 3, extra: "validation: split(0.1)")
        let whole = try Self.trainer(model)
        var wholeLosses: [Float] = []
        var wholeEpochs: [Double] = []
        try whole.run(events: {
            if case .step(let s) = $0 { wholeLosses.append(s.loss) }
            if case .epoch(let e) = $0 { wholeEpochs.append(e.trainLoss) }
        })

        let file = Self.temporaryFile("resume.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try Self.trainer(model, checkpoint: file)
        var losses: [Float] = []
        var epochLosses: [Double] = []
        let stopAt = first.data.trainIndices.count / 32 + 7   // inside the second epoch
        let stopped = try first.run(events: {
            if case .step(let s) = $0 { losses.append(s.loss) }
            if case .epoch(let e) = $0 { epochLosses.append(e.trainLoss) }
        }, shouldStop: { losses.count >= stopAt })
        #expect(stopped.status == .stopped)
        #expect(losses.count == stopAt)

        let second = try Self.trainer(model, checkpoint: file)
        try second.resume(from: Checkpoint.read(file))
        #expect(second.state.step == stopAt)
        try second.run(events: {
            if case .step(let s) = $0 { losses.append(s.loss) }
            if case .epoch(let e) = $0 { epochLosses.append(e.trainLoss) }
        })
        #expect(losses == wholeLosses)
        #expect(epochLosses == wholeEpochs)
        for t in whole.session.persistentTensors {
            #expect(whole.session.read(t.name) == second.session.read(t.name), "\(t.name) differs after resume")
        }
    }

    @Test func learningRateSearchLeavesNoTrace() throws {
        var model = try Self.spirals(epochs: 2, extra: "validation: split(0.2)")
        model.training.lrSearch = LRSearch(every: 1, steps: 5)
        model.training.schedule = .plateau(patience: 1, factor: 0.5)
        let searching = try Self.trainer(model)
        var searches: [SearchRecord] = []
        var losses: [Float] = []
        var epochs: [EpochRecord] = []
        try searching.run(events: {
            if case .searched(let s) = $0 { searches.append(s) }
            if case .step(let s) = $0, s.epoch == 1 { losses.append(s.loss) }
            if case .epoch(let e) = $0 { epochs.append(e) }
        })
        #expect(searches.count == 2)
        let first = try #require(searches.first)
        #expect(first.candidates.map(\.learningRate) == LearningRateSearch.candidates(for: model.optimizer, ceiling: nil))
        #expect(first.candidates.contains { $0.learningRate == first.chosen })
        #expect(searches.last!.candidates.allSatisfy { $0.learningRate <= first.chosen })
        #expect(epochs.first?.learningRate == first.chosen)
        #expect(epochs.allSatisfy { $0.validationLoss != nil })

        // The same run without the search, at the rate it chose: identical steps, so the
        // search restored every tensor and the random stream.
        var plain = model
        plain.training.lrSearch = nil
        plain.optimizer.learningRate = first.chosen
        var plainLosses: [Float] = []
        try Self.trainer(plain).run(events: { if case .step(let s) = $0, s.epoch == 1 { plainLosses.append(s.loss) } })
        #expect(plainLosses == losses)
    }

    /// `batches: epoch` (the authors' protocol) tries the candidates on the batches the epoch then
    /// trains on: with one trial step, every candidate's loss is that of the epoch's first batch
    /// before any update, which is the first step's loss. The search's own stream sees another batch.
    @Test(arguments: [LRSearch.Batches.epoch, .own])
    func learningRateSearchOnTheEpochsBatches(_ batches: LRSearch.Batches) throws {
        var model = try Self.spirals(epochs: 2)
        model.training.lrSearch = LRSearch(every: 1, steps: 1, batches: batches)
        var searches: [SearchRecord] = []
        var firstLosses: [Int: Float] = [:]
        try Self.trainer(model).run(events: {
            if case .searched(let s) = $0 { searches.append(s) }
            if case .step(let s) = $0, s.batchInEpoch == 1 { firstLosses[s.epoch] = s.loss }
        })
        #expect(searches.count == 2)
        for search in searches {
            let first = try #require(firstLosses[search.epoch])
            let losses = search.candidates.map(\.loss)
            #expect(Set(losses).count == 1, "one trial step cannot tell the candidates apart")
            #expect((losses[0] == first) == (batches == .epoch), "epoch \(search.epoch): \(losses[0]) vs \(first)")
        }
    }

    @Test func nonFiniteStopsAndKeepsCheckpoint() throws {
        let file = Self.temporaryFile("nan.safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try Self.trainer(try Self.spirals(epochs: 1), checkpoint: file).run(events: { _ in })
        let good = try Data(contentsOf: file)

        let diverging = try Self.trainer(try Self.spirals(epochs: 2, optimizer: "sgd { lr: 1e30 }"), checkpoint: file)
        var ended: RunEnd?
        do {
            try diverging.run(events: { if case .finished(let e) = $0 { ended = e } })
            Issue.record("a run at lr 1e30 should fail")
        } catch let failure as TrainingFailure {
            guard case let .nonFinite(step, _, layer, _, _) = failure else {
                Issue.record("expected a non-finite failure, got \(failure)")
                return
            }
            #expect(step >= 1)
            #expect(layer != nil, "the message should name a layer: \(failure)")
            #expect(failure.description.contains("step \(step)"))
        }
        #expect(ended?.status == .failed)
        #expect(try Data(contentsOf: file) == good, "the last good checkpoint must stay as it was")
    }

    @Test func mnistSliceLossFalls() throws {
        guard let mnist = TestPaths.mnist else {
            print(TestPaths.mnistMissing)
            return
        }
        let text = """
            net mnist_mlp {
              input [784]
              dense 128, init: he_normal
              relu
              dense 128, init: he_normal
              relu
              dense 10, init: glorot_uniform
              loss cross_entropy
            }
            data {
              train: idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
              test: idx("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
              scale: 1/255
              center: mean
            }
            optimizer sgd { lr: 0.05, momentum: 0.9 }
            train { batch: 50, epochs: 4, seed: 1 }
            """
        let model = try #require(Frontend.check(SourceFile(path: "mnist.net", text: text)).model)
        let data = try TrainingData.load(try #require(model.data), locator: DataLocator(dataDirectory: mnist), trainLimit: 2000)
        #expect(data.train.count == 2000)
        let session = try Session(model: model, batch: 50, evalBatch: 1000, threads: 2)
        session.initialize(seed: 1)
        let trainer = Trainer(model: model, session: session, data: data, options: .init(threads: 2))
        var epochs: [EpochRecord] = []
        try trainer.run(events: { if case .epoch(let e) = $0 { epochs.append(e) } })
        let first = try #require(epochs.first), last = try #require(epochs.last)
        #expect(last.trainLoss < first.trainLoss * 0.6, "train loss \(first.trainLoss) → \(last.trainLoss)")
        #expect(try #require(last.testError) < 0.2, "test error \(last.testError ?? 1)")
    }
}
