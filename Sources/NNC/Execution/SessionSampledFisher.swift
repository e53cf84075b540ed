import Foundation
import NNCKernels

/// K-FAC's sampled Fisher (docs/ALGORITHMS.md "K-FAC", `fisher: sampled`): on the steps that form
/// the factors, a backward pass on labels drawn from the model's own softmax leaves the residuals
/// G is formed from; the labels are then put back and the real backward pass gives the gradient.
/// The loss kernel, which also writes ∂L/∂logits, runs again after each change of labels.
extension Session {
    /// Forward and backward of a training step, with the sampled Fisher's extra pass when due,
    /// averaged over the ranks of a data-parallel run: the batch's mean loss, and every gradient
    /// the batch's own labels give.
    func forwardBackward(lr: Double, step: Int) throws -> Float {
        _ = try ownForwardBackward(lr: lr, step: step)
        return averageOverRanks()
    }

    /// `forwardBackward` on this rank's slice alone.
    private func ownForwardBackward(lr: Double, step: Int) throws -> Float {
        let plan = trainPlan
        // Class labels (cross-entropy's int32 buffer) are what can be drawn; the checker asks for them.
        guard let kfac = model.optimizer.kfac, kfac.fisher == .sampled, (step - 1) % max(kfac.factorEvery, 1) == 0,
              plan.buffer(plan.labels).element == .int32 else {
            return try run([train.forward, train.backward], learningRate: lr, step: step)
        }
        guard let lossKernel = plan.kernels.firstIndex(where: { if case .loss = $0.op { return true }; return false }) else {
            return try run([train.forward, train.backward], learningRate: lr, step: step)
        }
        let loss = lossKernel..<(lossKernel + 1)
        _ = try run([train.forward], learningRate: lr, step: step)
        let classes = model.outputShape.count
        let labels = train.arena.withPlanView(train.table) { v -> [Int32] in
            let logits = v.copy(plan.logits)
            var own: [Int32] = []
            v.withMutableInt32Span(plan.labels, count: plan.batch) { out in
                own = (0..<plan.batch).map { out[$0] }
                // A rank draws the labels of its rows of the global batch, as one process would.
                let (rank, ranks) = (parallel?.group.rank ?? 0, parallel?.group.size ?? 1)
                for _ in 0..<(rank * plan.batch) { _ = random.nextDouble() }
                let drawn = Self.sampleLabels(logits: logits, classes: classes, random: &random)
                for _ in 0..<((ranks - 1 - rank) * plan.batch) { _ = random.nextDouble() }
                for i in 0..<plan.batch { out[i] = drawn[i] }
            }
            return own
        }
        _ = try run([loss, train.backward], learningRate: lr, step: step)
        train.formKFACOutputFactors(group: parallel?.group)
        train.arena.withPlanView(train.table) { v in
            v.withMutableInt32Span(plan.labels, count: plan.batch) { out in for i in 0..<plan.batch { out[i] = labels[i] } }
        }
        return try run([loss, train.backward], learningRate: lr, step: step)
    }

    /// One label per row of `logits` (rows × classes), drawn from softmax(row) by inverting its
    /// cumulative distribution at a uniform draw of `random`, in Double.
    static func sampleLabels(logits: [Float], classes: Int, random: inout Random) -> [Int32] {
        let rows = classes > 0 ? logits.count / classes : 0
        return (0..<rows).map { r in
            let row = logits[(r * classes)..<((r + 1) * classes)]
            let top = Double(row.max() ?? 0)
            let weights = row.map { exp(Double($0) - top) }
            var u = random.nextDouble() * weights.reduce(0, +)
            for (c, w) in weights.enumerated() {
                u -= w
                if u < 0 { return Int32(c) }
            }
            return Int32(classes - 1)
        }
    }
}
