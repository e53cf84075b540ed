/// Loss, error and (optionally) the confusion matrix of a session's eval plan over a dataset.
public struct Evaluation: Equatable {
    /// Mean loss per sample.
    public var loss: Double
    /// Fraction of samples whose argmax prediction is wrong, 0–1.
    public var error: Double
    public var count: Int
    /// `confusion[truth][predicted]` sample counts, when asked for.
    public var confusion: [[Int]]?
    /// Each sample's predicted class, in the order evaluated, when asked for.
    public var predictions: [Int32]?
    /// Each sample's logits (what the network computed before the loss), `count × classes`
    /// row after row, when asked for.
    public var logits: [Float]?

    /// Runs the eval plan over the samples at `indices` (all when nil) in file order,
    /// `session.evalPlan.batch` at a time, each batch converted straight into the eval arena.
    public static func run(_ session: Session, dataset: Dataset, indices: [Int]? = nil, preprocessor: Preprocessor,
                           confusion: Bool = false, predictions keep: Bool = false,
                           logits keepLogits: Bool = false) throws -> Evaluation {
        var batcher = Batcher(dataset: dataset, indices: indices, batchSize: session.evalPlan.batch,
                              preprocessor: preprocessor, shuffle: false)
        var lossSum = 0.0
        var correct = 0
        var count = 0
        let classes = session.model.outputShape.count
        var matrix = confusion ? [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes) : nil
        var predicted: [Int32]? = keep ? [] : nil
        var logits: [Float]? = keepLogits ? [] : nil
        while true {
            let rows = try session.loadEvalBatch(from: &batcher)
            if rows == 0 { break }
            let result = try session.evaluateBatch(rows: rows)
            lossSum += result.lossSum
            correct += result.correct
            count += rows
            predicted?.append(contentsOf: result.predictions.prefix(rows))
            if keepLogits { logits!.append(contentsOf: session.evalLogits(rows: rows)) }
            if matrix != nil {
                for (truth, predicted) in zip(result.labels, result.predictions) {
                    let t = Int(truth), p = Int(predicted)
                    if t < classes, p >= 0, p < classes { matrix![t][p] += 1 }
                }
            }
        }
        guard count > 0 else {
            return Evaluation(loss: 0, error: 0, count: 0, confusion: matrix, predictions: predicted, logits: logits)
        }
        return Evaluation(loss: lossSum / Double(count), error: Double(count - correct) / Double(count),
                          count: count, confusion: matrix, predictions: predicted, logits: logits)
    }
}

/// Precision, recall and F1 of one class, from a confusion matrix.
public struct ClassMetrics: Equatable {
    /// Of the samples predicted as the class, the fraction that are (nil when none was).
    public var precision: Double?
    /// Of the samples of the class, the fraction predicted as it (nil when it has none).
    public var recall: Double?
    /// Their harmonic mean; 0 when both are 0, nil when either is undefined.
    public var f1: Double?
    /// Samples of the class.
    public var support: Int

    /// One entry per class of `confusion[truth][predicted]`.
    public static func perClass(_ confusion: [[Int]]) -> [ClassMetrics] {
        confusion.indices.map { c in
            let hits = confusion[c][c]
            let predicted = confusion.reduce(0) { $0 + ($1.indices.contains(c) ? $1[c] : 0) }
            let actual = confusion[c].reduce(0, +)
            let p = predicted > 0 ? Double(hits) / Double(predicted) : nil
            let r = actual > 0 ? Double(hits) / Double(actual) : nil
            let f1 = p.flatMap { p in r.map { r in p + r > 0 ? 2 * p * r / (p + r) : 0 } }
            return ClassMetrics(precision: p, recall: r, f1: f1, support: actual)
        }
    }
}
