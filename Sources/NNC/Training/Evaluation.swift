/// Loss, error and (optionally) the confusion matrix of a session's eval plan over a dataset.
public struct Evaluation: Equatable {
    /// Mean loss per sample.
    public var loss: Double
    /// Fraction of samples whose argmax prediction is wrong, 0–1.
    public var error: Double
    public var count: Int
    /// `confusion[truth][predicted]` sample counts, when asked for.
    public var confusion: [[Int]]?

    /// Runs the eval plan over the samples at `indices` (all when nil) in file order,
    /// `session.evalPlan.batch` at a time, each batch converted straight into the eval arena.
    public static func run(_ session: Session, dataset: Dataset, indices: [Int]? = nil, preprocessor: Preprocessor,
                           confusion: Bool = false) throws -> Evaluation {
        var batcher = Batcher(dataset: dataset, indices: indices, batchSize: session.evalPlan.batch,
                              preprocessor: preprocessor, shuffle: false)
        var lossSum = 0.0
        var correct = 0
        var count = 0
        let classes = session.model.outputShape.count
        var matrix = confusion ? [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes) : nil
        while true {
            let rows = try session.loadEvalBatch(from: &batcher)
            if rows == 0 { break }
            let result = try session.evaluateBatch(rows: rows)
            lossSum += result.lossSum
            correct += result.correct
            count += rows
            if matrix != nil {
                for (truth, predicted) in zip(result.labels, result.predictions) {
                    let t = Int(truth), p = Int(predicted)
                    if t < classes, p >= 0, p < classes { matrix![t][p] += 1 }
                }
            }
        }
        guard count > 0 else { return Evaluation(loss: 0, error: 0, count: 0, confusion: matrix) }
        return Evaluation(loss: lossSum / Double(count), error: Double(count - correct) / Double(count),
                          count: count, confusion: matrix)
    }
}
