import Testing
@testable import NNC

/// The trainer's path (each batch converted straight into the session's input) against the
/// array path (`Batcher.next` into arrays, then `trainStep(input:labels:)`): the same steps
/// give the same losses and weights bit for bit, also with a label out of range refused.
struct BatchLoadingTests {
    static func model() throws -> Model {
        let text = """
            net small {
              input [2, 3, 3]
              conv 2, kernel: 3, padding: 1, init: normal(0.3)
              relu
              flatten
              dense 3, init: normal(0.3)
              loss cross_entropy
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

    @Test func directLoadingEqualsTheArrayPath() throws {
        let model = try Self.model()
        let data = Self.dataset(labels: (0..<10).map { Int32($0 % 3) })
        let pre = Preprocessor.fit(data, scale: 1 / 255, center: true, standardize: true)
        var losses: [[Float]] = [[], []]
        var weights: [[Float]] = []
        for direct in [false, true] {
            let session = try Session(model: model, batch: 4, evalBatch: 4, threads: 1)
            session.initialize(seed: 5)
            var batcher = Batcher(dataset: data, batchSize: 4, preprocessor: pre, seed: 2, dropLast: false)
            #expect(session.canLoadTrainBatch(from: batcher))
            var features = [Float](repeating: 0, count: 4 * 18), labels = [Int32](repeating: 0, count: 4)
            for epoch in 0..<2 {
                batcher.start(epoch: epoch)
                for step in 1...3 {  // the third batch holds 2 of 4 rows: the rest is zeroed
                    let loss: Float
                    if direct {
                        #expect(try session.loadTrainBatch(from: &batcher) == (step < 3 ? 4 : 2))
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
}
