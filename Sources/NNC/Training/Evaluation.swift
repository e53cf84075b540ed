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
    /// `session.evalPlan.batch` at a time. Allocates its batch buffers once per call.
    public static func run(_ session: Session, dataset: Dataset, indices: [Int]? = nil, preprocessor: Preprocessor,
                           confusion: Bool = false) throws -> Evaluation {
        let batch = session.evalPlan.batch
        var batcher = Batcher(dataset: dataset, indices: indices, batchSize: batch, preprocessor: preprocessor, shuffle: false)
        var features = [Float](repeating: 0, count: batch * dataset.sampleSize)
        var labels = [Int32](repeating: 0, count: batch)
        var lossSum = 0.0
        var correct = 0
        var count = 0
        let classes = session.model.outputShape.count
        var matrix = confusion ? [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes) : nil
        while true {
            let rows = batcher.next(features: &features, labels: &labels)
            if rows == 0 { break }
            let result = try session.evaluate(input: features, labels: labels, count: rows)
            lossSum += result.lossSum
            correct += result.correct
            count += rows
            if matrix != nil {
                for row in 0..<rows {
                    let truth = Int(labels[row])
                    let predicted = Int(result.predictions[row])
                    if truth < classes, predicted >= 0, predicted < classes { matrix![truth][predicted] += 1 }
                }
            }
        }
        guard count > 0 else { return Evaluation(loss: 0, error: 0, count: 0, confusion: matrix) }
        return Evaluation(loss: lossSum / Double(count), error: Double(count - correct) / Double(count),
                          count: count, confusion: matrix)
    }
}
