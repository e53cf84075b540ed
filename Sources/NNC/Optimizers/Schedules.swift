/// The learning rate from epoch to epoch (docs/ALGORITHMS.md "Learning-rate annealing"): constant,
/// a step schedule, or a plateau schedule on the validation metric.
///
/// It is a value with all its state in plain fields, so a checkpoint can store it
/// (`metadata`) and a resumed run continues exactly.
public struct LearningRateSchedule: Equatable {
    public let schedule: Schedule
    /// The rate the next epoch trains with.
    public private(set) var learningRate: Double
    /// Plateau: the best metric seen so far (lower is better).
    public private(set) var best: Double?
    /// Plateau: epochs since the metric last improved.
    public private(set) var epochsWithoutImprovement = 0

    public init(_ schedule: Schedule, learningRate: Double) {
        self.schedule = schedule
        self.learningRate = learningRate
    }

    /// Replaces the current rate (the learning-rate search chose a new one).
    public mutating func reset(learningRate: Double) {
        self.learningRate = learningRate
    }

    /// Updates the rate after epoch `epoch` (1-based) finished; `metric` is the validation
    /// metric (lower is better), needed by the plateau schedule only.
    public mutating func epochEnded(_ epoch: Int, metric: Double?) {
        switch schedule {
        case .constant:
            break
        case .step(let every, let factor):
            if every > 0 && epoch % every == 0 { learningRate *= factor }
        case .plateau(let patience, let factor):
            guard let metric, metric.isFinite else { return }
            if let best, metric >= best {
                epochsWithoutImprovement += 1
                if epochsWithoutImprovement >= patience {
                    learningRate *= factor
                    epochsWithoutImprovement = 0
                }
            } else {
                best = metric
                epochsWithoutImprovement = 0
            }
        }
    }

    /// Whether the schedule reads a validation metric.
    public var needsMetric: Bool {
        if case .plateau = schedule { return true }
        return false
    }

    static let rateKey = "nnc.schedule.lr"
    static let bestKey = "nnc.schedule.best"
    static let waitKey = "nnc.schedule.wait"

    /// The state as checkpoint metadata strings.
    public var metadata: [String: String] {
        var map = [LearningRateSchedule.rateKey: learningRate.description,
                   LearningRateSchedule.waitKey: String(epochsWithoutImprovement)]
        if let best { map[LearningRateSchedule.bestKey] = best.description }
        return map
    }

    /// Restores state written by `metadata`; false when it is missing or malformed.
    public mutating func restore(_ map: [String: String]) -> Bool {
        guard let rate = map[LearningRateSchedule.rateKey].flatMap(Double.init), rate.isFinite,
              let wait = map[LearningRateSchedule.waitKey].flatMap(Int.init), wait >= 0 else { return false }
        if let text = map[LearningRateSchedule.bestKey] {
            guard let value = Double(text) else { return false }
            best = value
        } else {
            best = nil
        }
        learningRate = rate
        epochsWithoutImprovement = wait
        return true
    }
}
