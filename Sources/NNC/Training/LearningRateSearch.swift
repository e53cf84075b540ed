/// The papers' learning-rate search (docs/ALGORITHMS.md): from the current state, train a copy of
/// the model for a few mini-batches with each candidate rate and keep the one whose loss at
/// the end is lowest. The session is restored afterwards, so the search leaves no trace but
/// its choice.
public enum LearningRateSearch {
    /// The candidates for SGD-like methods, largest first.
    public static let sgdCandidates: [Double] = [1, 0.5, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0005]

    /// The candidates for `optimizer`, ten times smaller for the adaptive methods, without
    /// those above `ceiling` (the first rate chosen, once there is one).
    public static func candidates(for optimizer: OptimizerSpec, ceiling: Double?) -> [Double] {
        let adaptive: Set<OptimizerMethod> = [.adam, .rmsprop, .adagrad]
        let method = optimizer.method == .sgd2 ? (optimizer.sgd2?.base ?? .sgd) : optimizer.method
        let base = adaptive.contains(method) ? sgdCandidates.map { $0 / 10 } : sgdCandidates
        guard let ceiling else { return base }
        return base.filter { $0 <= ceiling * (1 + 1e-12) }
    }

    /// Tries each candidate for `steps` mini-batches drawn by `batcher` (every candidate sees
    /// the same batches) starting after global step `step`, and returns each one's final loss
    /// (infinity when it diverged) and the best rate; nil when every candidate diverged. The
    /// trial steps are training's own: batches loaded into the session's arena, then `trainStep`.
    public static func run(_ session: Session, candidates: [Double], steps: Int, batcher: Batcher, step: Int) throws
        -> (losses: [(learningRate: Double, loss: Float)], best: Double?) {
        let saved = session.persistentTensors.map { ($0.name, session.read($0.name)) }
        let savedRandom = session.rngState
        defer {
            for (name, values) in saved { try? session.write(name, values) }
            session.rngState = savedRandom
        }
        var results: [(learningRate: Double, loss: Float)] = []
        for (index, rate) in candidates.enumerated() {
            if index > 0 {
                for (name, values) in saved { try session.write(name, values) }
                session.rngState = savedRandom
            }
            var trial = batcher
            var loss = Float.infinity
            for i in 0..<max(steps, 1) {
                _ = try session.loadTrainBatchCycling(from: &trial)
                do {
                    loss = try session.trainStep(lr: rate, step: step + i + 1)
                } catch RuntimeError.nonFinite {
                    loss = .infinity
                }
                if !loss.isFinite { loss = .infinity; break }
            }
            results.append((rate, loss))
        }
        let best = results.filter { $0.loss.isFinite }.min { $0.loss < $1.loss }?.learningRate
        return (results, best)
    }
}
