import Foundation
import Testing
@testable import NNC

/// The accuracy target, end to end on the full MNIST: examples/mnist_mlp_sgd_tuned.net
/// (784-128-128-10, batch 500, SGD with momentum, 5 epochs) below 2.5 % test error. About 6 s
/// of training in release on 2 threads; skipped without ../shared/data.
struct MNISTTargetTests {
    @Test func tunedMLPReachesTwoAndAHalfPercentInFiveEpochs() throws {
        guard let data = TestPaths.sharedData else {
            print(TestPaths.mnistMissing)
            return
        }
        let url = TestPaths.examples.appendingPathComponent("mnist_mlp_sgd_tuned.net")
        let file = SourceFile(path: url.path, bytes: Array(try Data(contentsOf: url)))
        let model = try #require(Frontend.check(file).model)
        #expect(model.training.epochs == 5 && model.training.batch == 500 && model.optimizer.method == .sgd)
        let samples = try TrainingData.load(try #require(model.data), locator: DataLocator(dataDirectory: data))
        #expect(samples.train.count == 60_000)
        let session = try Session(model: model, batch: 500, evalBatch: 1000, threads: 2)
        session.initialize(seed: model.training.seed)
        let trainer = Trainer(model: model, session: session, data: samples, options: .init(threads: 2))
        var epochs: [EpochRecord] = []
        try trainer.run(events: { if case .epoch(let e) = $0 { epochs.append(e) } })
        #expect(epochs.count == 5)
        let error = try #require(epochs.last?.testError)
        #expect(error <= 0.025, "test error after 5 epochs: \(error * 100) %")
    }
}
