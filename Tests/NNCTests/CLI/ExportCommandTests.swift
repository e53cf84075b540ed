import Foundation
import Testing
@testable import NNC

/// `nnc export` checked for real: every example, and two fixtures that hold the layers and
/// options no example uses, are trained a few steps, exported by the command, checked by
/// `onnx.checker` (full check) and run by onnxruntime on the first 200 test samples, whose
/// outputs must match nnc's own eval plan on the same samples. An example whose data is not
/// here (CIFAR-10) says so and is checked on random images of its input shape instead.
@Suite(.serialized) struct ExportCommandTests {
    static let samples = 200
    /// |onnxruntime − nnc| ≤ 1e-4 · max(1, |nnc|): absolute for logits below 1, relative above.
    /// Both runtimes sum in Float32 in their own orders (blocked GEMMs, im2col against direct
    /// convolutions, batch norm folded or not), so the rounding grows with the values' size.
    /// Freshly initialised nets can have logits far below 1, where that bound says little, so
    /// the largest difference must also stay within 1e-4 of the batch's largest |logit|.
    static let tolerance: Float = 1e-4

    static let examples: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.examples.path)) ?? []
        return names.filter { $0.hasSuffix(".net") }.sorted()
    }()
    static let fixtures = ["every_layer.net", "spirals_mse.net"]

    /// The Python side, or nil with the reason the test skips.
    static let onnxRuntime: String? = {
        guard let r = try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import onnx, onnxruntime"]),
              r.status == 0 else {
            return "python3 with onnx and onnxruntime not found (pip install onnx onnxruntime); skipping the ONNX export check"
        }
        return nil
    }()

    static let script = """
        import sys, numpy as np, onnx, onnxruntime as ort
        path, inputs, *outputs = sys.argv[1:]
        onnx.checker.check_model(onnx.load(path), full_check=True)
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        given = session.get_inputs()[0]
        x = np.fromfile(inputs, dtype="<f4").reshape([-1] + list(given.shape[1:]))
        for value, out in zip(session.run(None, {given.name: x}), outputs):
            value.astype("<f4").tofile(out)
        print(given.name, given.shape, " ".join(o.name for o in session.get_outputs()))
        """

    @Test(arguments: examples)
    func exampleMatchesONNXRuntime(_ name: String) throws {
        try check(TestPaths.examples.appendingPathComponent(name))
    }

    @Test(arguments: fixtures)
    func fixtureMatchesONNXRuntime(_ name: String) throws {
        try check(TestPaths.fixtures.appendingPathComponent("export").appendingPathComponent(name))
    }

    private func check(_ net: URL) throws {
        if let missing = Self.onnxRuntime { print(missing); return }
        let text = try String(contentsOf: net, encoding: .utf8)
        let model = try #require(Frontend.check(SourceFile(path: net.path, text: text)).model)
        let spec = try #require(model.data, "\(net.lastPathComponent) names no data")
        // MNIST through NNC_DATA, the spirals beside the examples; CIFAR-10 may be absent.
        let locator = DataLocator(dataDirectory: TestPaths.sharedData, modelDirectory: TestPaths.examples, environment: nil,
                                  currentDirectory: TestPaths.examples)
        var data: TrainingData, test: Dataset, source = "test"
        do {
            data = try TrainingData.load(spec, locator: locator, trainLimit: 512)
            test = try #require(try TrainingData.loadTest(spec, locator: locator, classCount: model.outputShape.count))
        } catch DataError.notFound(let file, _, _, _) {
            print("\(net.lastPathComponent): data file \(file) not found here; skipping its check on real data, "
                  + "checking its export on random images of its input shape instead")
            (data, test) = Self.randomImages(model, spec)
            source = "random"
        }
        let dir = try CLI.temporaryFolder("nnc-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("w.safetensors"), onnx = dir.appendingPathComponent("model.onnx")
        try trainBriefly(model, data, to: weights)

        // nnc's side as `nnc eval` computes it: the checkpoint read back, its statistics, the eval plan.
        let n = min(Self.samples, test.count)
        let checkpoint = try Checkpoint.read(weights)
        let preprocessor = try #require(try Preprocessor(metadata: checkpoint.metadata))
        let session = try Session(model: model, batch: 1, evalBatch: n, threads: 2)
        session.initialize(seed: model.training.seed)
        try Checkpoint.load(checkpoint, into: session, optimizerState: false)
        var batcher = Batcher(dataset: test, indices: Array(0..<n), batchSize: n, preprocessor: preprocessor, shuffle: false)
        let rows = try session.loadEvalBatch(from: &batcher)
        let predictions = try session.evaluateBatch(rows: rows).predictions
        let expected = session.evalLogits(rows: rows)
        #expect(rows == n)

        let r = try CLI.run(["export", net.path, "--weights", weights.path, "-o", onnx.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("→ \(onnx.path)"))

        // The raw sample values, as the data file holds them.
        let raw: [Float]
        switch test.storage {
        case .bytes(let pixels): raw = pixels.prefix(n * test.sampleSize).map { Float($0) }
        case .floats(let values): raw = Array(values.prefix(n * test.sampleSize))
        }
        let inputs = dir.appendingPathComponent("x.f32"), logitsFile = dir.appendingPathComponent("y.f32"),
            probabilitiesFile = dir.appendingPathComponent("p.f32")
        try Data(RawData.floats(raw)).write(to: inputs)
        let python = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["python3", "-c", Self.script, onnx.path, inputs.path, logitsFile.path, probabilitiesFile.path])
        #expect(python.status == 0, "\(python.stderr)")
        let outputs = model.loss == .crossEntropy ? "logits probabilities" : "output"
        #expect(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == "input ['N', \(model.inputShape.dims.map(String.init).joined(separator: ", "))] \(outputs)")
        let actual = try floats(logitsFile)
        try #require(actual.count == expected.count, "onnxruntime gave \(actual.count) values for \(expected.count)")

        let classes = model.outputShape.count
        var worst: Float = 0, worstRelative: Float = 0, disagreements = 0
        let largest = expected.map(abs).max() ?? 0
        for row in 0..<n {
            let a = Array(actual[(row * classes)..<((row + 1) * classes)]), e = Array(expected[(row * classes)..<((row + 1) * classes)])
            for (x, y) in zip(a, e) {
                worst = max(worst, abs(x - y))
                worstRelative = max(worstRelative, abs(x - y) / max(1, abs(y)))
            }
            if a.indices.max(by: { a[$0] < a[$1] || (a[$0] == a[$1] && $0 > $1) }) != Int(predictions[row]) { disagreements += 1 }
        }
        print("export check \(model.name): \(n) \(source) samples, max |Δ| \(worst), max |Δ|/max(1, |nnc|) \(worstRelative), "
              + "largest |logit| \(largest), max |Δ|/largest \(worst / max(largest, .leastNormalMagnitude)), "
              + "\(disagreements) predictions differ")
        #expect(worstRelative <= Self.tolerance, "\(model.name): outputs differ by up to \(worstRelative)")
        #expect(worst <= Self.tolerance * largest, "\(model.name): outputs differ by \(worst), logits reach \(largest)")
        #expect(disagreements == 0, "\(model.name): \(disagreements) of \(n) predictions differ")
        // The probabilities are the softmax of nnc's logits.
        if model.loss == .crossEntropy {
            let probabilities = try floats(probabilitiesFile)
            var worstProbability = 0.0
            for row in 0..<n {
                let z = expected[(row * classes)..<((row + 1) * classes)].map(Double.init)
                let top = z.max()!, sum = z.reduce(0) { $0 + exp($1 - top) }
                for c in 0..<classes {
                    worstProbability = max(worstProbability, abs(Double(probabilities[row * classes + c]) - exp(z[c] - top) / sum))
                }
            }
            #expect(worstProbability <= 1e-5, "\(model.name): probabilities differ by up to \(worstProbability)")
        }
    }

    /// Pixels drawn uniformly from 0...255 in the model's input shape (CIFAR-10 when it is absent),
    /// 512 to train and fit the statistics on as the data block says, 200 to test: every node of
    /// the graph is checked, only the file reader is not.
    static func randomImages(_ model: Model, _ spec: DataSpec) -> (TrainingData, Dataset) {
        var random = Random(seed: 11)
        let classes = model.outputShape.count
        func images(_ count: Int) -> Dataset {
            let pixels = (0..<(count * model.inputShape.count)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let labels = (0..<count).map { _ in Int32(random.next() % UInt64(classes)) }
            return Dataset(pixels: pixels, labels: labels, sampleShape: model.inputShape.dims, classCount: classes)
        }
        let train = images(512), test = images(samples)
        let preprocessor = spec.minmax ? Preprocessor.fitRange(train)
            : Preprocessor.fit(train, scale: spec.scale.map { Float($0) }, center: spec.center, standardize: spec.standardize,
                               grouping: spec.perValue ? .feature : nil)
        return (TrainingData(train: train, test: test, preprocessor: preprocessor), test)
    }

    /// A checkpoint worth exporting in a second or two: fresh weights, then three steps of SGD at
    /// batch 16, so batch norms' running statistics and RMS norms' `d` and step count move off
    /// their start values; the preprocessing fitted on the first 512 training samples.
    private func trainBriefly(_ model: Model, _ data: TrainingData, to url: URL) throws {
        var m = model
        m.optimizer = OptimizerSpec.defaults(for: .sgd)
        m.optimizer.learningRate = 0.01
        let session = try Session(model: m, batch: 16, evalBatch: 16, threads: 2)
        session.initialize(seed: 1)
        var batcher = Batcher(dataset: data.train, indices: data.trainIndices, batchSize: 16, preprocessor: data.preprocessor, seed: 1)
        for step in 1...3 {
            _ = try session.loadTrainBatch(from: &batcher)
            _ = try session.trainStep(lr: 0.01, step: step)
        }
        let state = TrainingState(step: 3, schedule: LearningRateSchedule(m.training.schedule, learningRate: 0.01),
                                  sessionRandom: session.rngState)
        try Checkpoint.write(session, state: state, preprocessor: data.preprocessor, to: url)
    }

    /// A layer that cannot be exported is drawn at its line, as `nnc check` draws errors.
    @Test func layerRefusalPointsAtTheLayer() throws {
        let net = try CLI.temporaryNet("""
            net rms {
              input [2]
              dense 8
              rmsnorm
              dense 3
              loss cross_entropy
            }
            """)
        let dir = try CLI.temporaryFolder("nnc-export")
        defer { try? FileManager.default.removeItem(at: net); try? FileManager.default.removeItem(at: dir) }
        let model = try #require(Frontend.check(SourceFile(path: net.path, text: try String(contentsOf: net, encoding: .utf8))).model)
        #expect(model.data == nil)
        let session = try Session(model: model, batch: 1, evalBatch: 1, threads: 1)
        session.initialize(seed: 1)
        try session.write("rmsnorm1.steps", [.nan])
        let weights = dir.appendingPathComponent("w.safetensors"), onnx = dir.appendingPathComponent("m.onnx")
        try Checkpoint.write(session, state: TrainingState(schedule: LearningRateSchedule(model.training.schedule, learningRate: 0.1),
                                                           sessionRandom: session.rngState),
                             preprocessor: nil, to: weights)
        let r = try CLI.run(["export", net.path, "--weights", weights.path, "-o", onnx.path, "--color", "never"])
        // Refused as the checkpoint is read, as `nnc eval` and `--resume` refuse it.
        #expect(r.status == 65)
        #expect(r.stderr.contains("rmsnorm1.steps") && r.stderr.contains("must be a whole number"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: onnx.path))
        // Without a data block and without statistics in the checkpoint, the graph takes the values as they are.
        try session.write("rmsnorm1.steps", [2])
        try Checkpoint.write(session, state: TrainingState(schedule: LearningRateSchedule(model.training.schedule, learningRate: 0.1),
                                                           sessionRandom: session.rngState),
                             preprocessor: nil, to: weights)
        #expect(try CLI.run(["export", net.path, "--weights", weights.path, "-o", onnx.path]).status == 0)
        let graph = try #require(try DecodedMessage([UInt8](try Data(contentsOf: onnx))).message(7))
        #expect(try graph.messages(1).first?.string(4) == "Gemm")
    }

    private func floats(_ url: URL) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: url))
        return stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    /// Bad input is an error with a status, never a crash, and never touches an existing output.
    @Test func badInputIsAnErrorAndLeavesTheOutputAlone() throws {
        let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path
        let dir = try CLI.temporaryFolder("nnc-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("w.safetensors"), onnx = dir.appendingPathComponent("model.onnx")
        try Data("old".utf8).write(to: onnx)
        func unchanged() throws -> Bool { try Data(contentsOf: onnx) == Data("old".utf8) }

        let missing = try CLI.run(["export", spirals, "--weights", dir.appendingPathComponent("none.safetensors").path, "-o", onnx.path])
        #expect(missing.status == 66, "\(missing.stderr)")
        #expect(missing.stderr.contains("cannot read checkpoint"))
        try Data("not a safetensors file at all".utf8).write(to: weights)
        let garbage = try CLI.run(["export", spirals, "--weights", weights.path, "-o", onnx.path])
        #expect(garbage.status == 65, "\(garbage.stderr)")
        #expect(garbage.stderr.hasPrefix("nnc export: error: \(weights.path): "))
        #expect(try unchanged())

        // Weights of another model: every difference named.
        let other = try CLI.temporaryNet("""
            net other {
              input [2]
              dense 5
              loss cross_entropy
            }
            """)
        defer { try? FileManager.default.removeItem(at: other) }
        #expect(try CLI.run(["train", spirals, "--epochs", "1", "--checkpoint", weights.path]).status == 0)
        let mismatch = try CLI.run(["export", other.path, "--weights", weights.path, "-o", onnx.path])
        #expect(mismatch.status == 65, "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("checkpoint does not match model 'other'"))
        #expect(try unchanged())

        let noFolder = try CLI.run(["export", spirals, "--weights", weights.path, "-o", "/nonexistent-nnc/model.onnx"])
        #expect(noFolder.status == 74, "\(noFolder.stderr)")
        #expect(noFolder.stderr == "nnc export: error: cannot write '/nonexistent-nnc/model.onnx': no folder '/nonexistent-nnc'\n")
        let folder = try CLI.run(["export", spirals, "--weights", weights.path, "-o", dir.path])
        #expect(folder.status == 74)
        let usage = try CLI.run(["export", spirals, "--weights", weights.path])
        #expect(usage.status == 64)

        // A good export replaces the old file whole, and leaves no temporary behind.
        let good = try CLI.run(["export", spirals, "--weights", weights.path, "-o", onnx.path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try !unchanged())
        let file = try DecodedMessage([UInt8](try Data(contentsOf: onnx)))
        #expect(try file.message(7)?.string(2) == "spirals")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["model.onnx", "w.safetensors"])
    }
}
