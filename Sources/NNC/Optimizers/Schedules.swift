import Foundation

/// The learning rate from epoch to epoch (docs/ALGORITHMS.md "Learning-rate annealing"): constant,
/// a step schedule, or a plateau schedule on the validation metric; and from step to step for
/// cosine annealing, one-cycle and warmup, pure functions of the step.
///
/// It is a value with all its state in plain fields, so a checkpoint can store it
/// (`metadata`) and a resumed run continues exactly.
public struct LearningRateSchedule: Equatable {
    public let schedule: Schedule
    /// The rate the next epoch trains with (the base that step-wise schedules shape).
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
        case .constant, .cosine, .oneCycle:
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

    /// The rate of 1-based step `step` of a run of `totalSteps`: `learningRate`, shaped by a
    /// cosine or one-cycle schedule, and by a linear warmup over the first `warmup` steps.
    public func rate(step: Int, totalSteps: Int, warmup: Int = 0) -> Double {
        let k = Double(step - 1), total = Double(max(totalSteps, 1))
        // PyTorch's cosine anneal from `start` to `end` as `pct` goes 0 → 1.
        func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
            end + (start - end) / 2 * (cos(Double.pi * min(max(pct, 0), 1)) + 1)
        }
        var rate: Double
        switch schedule {
        case .constant, .step, .plateau:
            rate = learningRate
        case .cosine(let minimum):
            rate = anneal(learningRate, minimum, k / total)
        case let .oneCycle(rise, divisor, finalDivisor):
            let initial = learningRate / divisor, floor = initial / finalDivisor
            let peak = max(rise * total - 1, 1), end = max(total - 1, peak + 1)
            rate = k <= peak ? anneal(initial, learningRate, k / peak) : anneal(learningRate, floor, (k - peak) / (end - peak))
        }
        if warmup > 0 && step < warmup { rate *= Double(step) / Double(warmup) }
        return rate
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
