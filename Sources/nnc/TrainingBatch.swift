import NNC

/// The batch sizes a run uses, and the check that the data can fill one.
enum TrainingBatch {
    /// Evaluation runs at the training batch, but never below 256 samples a pass.
    static func evalBatch(training batch: Int) -> Int { max(batch, 256) }

    /// A batch larger than the training set trains no step at all (batches are whole): refused
    /// before anything is allocated for it.
    static func check(_ batch: Int, fits data: TrainingData, limit: Int? = nil) throws {
        let samples = data.trainIndices.count
        guard batch > samples else { return }
        let why = [limit.map { "--limit \($0)" }, data.validation.map { "\($0.indices.count) held back for validation" }]
        let split = why.compactMap { $0 }.isEmpty ? "" : " (" + why.compactMap { $0 }.joined(separator: ", ") + ")"
        throw CommandFailure(.dataError, "the batch of \(batch) is larger than the \(samples) training samples\(split): "
                                         + "an epoch would not fill one batch; lower train { batch } or use more data")
    }
}
