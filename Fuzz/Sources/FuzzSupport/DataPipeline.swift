import NNC

/// A conv net's model, for checking fuzzed datasets against an image input.
private let imageModel: Model = {
    let text = """
        net fuzz_images {
          input [1, 28, 28]
          conv 2, kernel: 3
          relu
          flatten
          dense 10
          loss cross_entropy
        }
        """
    guard let model = Frontend.check(SourceFile(path: "fuzz_images.net", bytes: Array(text.utf8))).model else {
        fatalError("the harness's own model does not check")
    }
    return model
}()

/// What happens to a dataset after its reader returns it, as `nnc check --data`, `train` and
/// `eval` do: checked against a model, split, preprocessing fitted on the training part and
/// read back from checkpoint metadata, then batches converted. `scale` is the data block's.
public func exercise(_ dataset: Dataset, scale: Float?) {
    _ = ModelChecker.checkAgainstData(imageModel, classes: dataset.classCount, features: dataset.sampleSize,
                                      sampleShape: dataset.sampleShape)
    let parts = (try? dataset.split(validationFraction: 0.25)) ?? (train: Array(0..<dataset.count), validation: [])
    for standardize in [false, true] {
        let preprocessor = Preprocessor.fit(dataset, indices: parts.train, scale: scale, center: standardize,
                                            standardize: standardize)
        // A checkpoint stores these statistics; `nnc eval` must read back what training wrote.
        let restored = try? Preprocessor(metadata: preprocessor.metadata)
        precondition(restored == preprocessor, "preprocessing statistics do not survive checkpoint metadata")
        for indices in [parts.train, parts.validation] where !indices.isEmpty {
            var batcher = Batcher(dataset: dataset, indices: indices, batchSize: 4, preprocessor: preprocessor,
                                  shuffle: true, seed: 7)
            var features = [Float](repeating: 0, count: 4 * dataset.sampleSize)
            var labels = [Int32](repeating: 0, count: 4)
            // A few batches: the conversion is the same for every one.
            for _ in 0..<3 where batcher.next(features: &features, labels: &labels) > 0 {}
        }
    }
}
