import Testing
@testable import NNC

/// The one route for batches (each batch converted straight into the session's input) against
/// the array path the tests use (`Batcher.next` into arrays, then `trainStep(input:labels:)`):
/// the same steps give the same losses and weights bit for bit, for class labels and one-hot
/// targets, in training and evaluation; a label out of range or a batch of another size is refused.
struct BatchLoadingTests {
    static func model(loss: String = "cross_entropy") throws -> Model {
        let text = """
            net small {
              input [2, 3, 3]
              conv 2, kernel: 3, padding: 1, init: normal(0.3)
              relu
              flatten
              dense 3, init: normal(0.3)
              loss \(loss)
            }
            optimizer sgd { lr: 0.1, momentum: 0.9 }
            train { batch: 4, epochs: 1, seed: 5 }
            """
        return try #require(Frontend.check(SourceFile(path: "small.net", text: text)).model)
    }

    static func dataset(labels: [Int32]) -> Dataset {
        var random = Random(seed: 9, stream: 0)
        let pixels = (0..<(labels.count * 18)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return Dataset(pixels: pixels, labels: labels, sampleShape: [2, 3, 3], classCount: 3)
    }

    @Test(arguments: ["cross_entropy", "mse"])
    func directLoadingEqualsTheArrayPath(loss: String) throws {
        let model = try Self.model(loss: loss)
        // Cross-entropy also takes a partial last batch (2 of 4 rows, the rest zeroed); with mean
        // squared error the padding's targets differ between the paths (zero here, class 0 from
        // arrays), and training never pads (it drops the last partial batch), so 12 samples.
        let samples = loss == "mse" ? 12 : 10
        let data = Self.dataset(labels: (0..<samples).map { Int32($0 % 3) })
        let pre = Preprocessor.fit(data, scale: 1 / 255, center: true, standardize: true)
        var losses: [[Float]] = [[], []]
        var weights: [[Float]] = []
        for direct in [false, true] {
            let session = try Session(model: model, batch: 4, evalBatch: 4, threads: 1)
            session.initialize(seed: 5)
            var batcher = Batcher(dataset: data, batchSize: 4, preprocessor: pre, seed: 2, dropLast: false)
            var features = [Float](repeating: 0, count: 4 * 18), labels = [Int32](repeating: 0, count: 4)
            for epoch in 0..<2 {
                batcher.start(epoch: epoch)
                for step in 1...3 {
                    let loss: Float
                    if direct {
                        #expect(try session.loadTrainBatch(from: &batcher) == (step < 3 ? 4 : samples - 8))
                        loss = try session.trainStep(lr: 0.1, step: step)
                    } else {
                        features = [Float](repeating: 0, count: 4 * 18); labels = [0, 0, 0, 0]
                        _ = batcher.next(features: &features, labels: &labels)
                        loss = try session.trainStep(input: features, labels: labels, lr: 0.1, step: step)
                    }
                    losses[direct ? 1 : 0].append(loss)
                }
            }
            weights.append(session.read("dense1.weight") + session.read("conv1.weight"))
        }
        #expect(losses[0] == losses[1])
        #expect(!weights[0].isEmpty && weights[0] == weights[1])
    }

    @Test func aLabelOutsideTheClassesIsRefused() throws {
        let session = try Session(model: try Self.model(), batch: 4, evalBatch: 4, threads: 1)
        let data = Self.dataset(labels: [0, 1, 7, 2])
        var batcher = Batcher(dataset: data, batchSize: 4, preprocessor: .identity(for: data), shuffle: false)
        #expect(throws: RuntimeError.self) { try session.loadTrainBatch(from: &batcher) }
    }

    @Test func aBatcherOfAnotherBatchSizeIsRefused() throws {
        let session = try Session(model: try Self.model(), batch: 4, evalBatch: 4, threads: 1)
        let data = Self.dataset(labels: [0, 1, 2, 0, 1, 2])
        var batcher = Batcher(dataset: data, batchSize: 3, preprocessor: .identity(for: data), shuffle: false)
        #expect(throws: RuntimeError.self) { try session.loadTrainBatch(from: &batcher) }
        #expect(throws: RuntimeError.self) { try session.loadEvalBatch(from: &batcher) }
    }

    /// Evaluation's batches, the last one partial, against the array path.
    @Test func evaluationBatchesEqualTheArrayPath() throws {
        let session = try Session(model: try Self.model(), batch: 4, evalBatch: 4, threads: 1)
        session.initialize(seed: 3)
        let data = Self.dataset(labels: (0..<7).map { Int32($0 % 3) })
        let pre = Preprocessor.fit(data, scale: 1 / 255, center: true, standardize: false)
        var direct = Batcher(dataset: data, batchSize: 4, preprocessor: pre, shuffle: false)
        var arrays = direct
        var features = [Float](repeating: 0, count: 4 * 18), labels = [Int32](repeating: 0, count: 4)
        for expectedRows in [4, 3] {
            let rows = try session.loadEvalBatch(from: &direct)
            #expect(rows == expectedRows)
            let a = try session.evaluateBatch(rows: rows)
            #expect(arrays.next(features: &features, labels: &labels) == rows)
            let b = try session.evaluate(input: Array(features[0..<(rows * 18)]), labels: Array(labels[0..<rows]), count: rows)
            #expect(a.lossSum == b.lossSum && a.correct == b.correct && a.predictions == b.predictions)
            #expect(a.labels == Array(labels[0..<rows]))
        }
        #expect(try session.loadEvalBatch(from: &direct) == 0)
    }
}
