import Foundation
import NNCKernels

/// One Shampoo preconditioning (docs/ALGORITHMS.md "Shampoo") as the executor runs it. Everything
/// a resumed run needs lives in the plan's optimizer state (statistics, roots, the graft's sums,
/// which blocks hold roots), so a checkpoint taken between two root computations resumes bit
/// for bit and nothing is kept here.
enum ShampooStep {
    static func apply(_ p: ShampooPreconditioning, _ v: BufferView, step: Int, threads: Int,
                      workspace: GEMMWorkspace, events: inout [CurvatureEvent]) {
        let blocks = shampooBlocks(rows: p.rows, cols: p.cols, size: p.blockSize), n = p.cols
        // A non-finite gradient would poison the statistics for good: they skip it, and the
        // update gets the gradient as it is (the trainer stops on the non-finite loss).
        guard v.isAllFinite(p.weightGrad, count: p.rows * n) else { return }
        v.shampooStatistics(gradient: p.weightGrad, rows: p.rows, cols: n, blocks: blocks, decay: Float(p.beta2),
                            left: p.left, right: p.right, threads: threads, workspace: workspace)
        var held = v.withSpan(p.state) { s in blocks.indices.map { s[$0] == 1 } }
        if step >= p.startStep && (step - p.startStep) % max(p.preconditionEvery, 1) == 0 {
            // Both roots or neither: a block whose root fails keeps its previous pair, and the log
            // says so.
            let computed = computeRoots(p, blocks, v, threads: threads)
            for i in held.indices { held[i] = held[i] || computed[i] }
            v.withMutableSpan(p.state) { s in for i in held.indices { s[i] = held[i] ? 1 : 0 } }
            if computed.contains(false) {
                events.append(.init(step: step, layer: p.layer, damping: p.epsilon, outcome: .rootsKept))
            }
        }
        if let sum = p.graftSum, let direction = p.graftDirection {
            let (keep, add, correction) = graftCoefficients(p.graft, step: step)
            v.shampooGraft(gradient: p.weightGrad, accumulator: sum, count: p.rows * n, keep: keep, add: add,
                           correction: correction, epsilon: Float(ShampooOptions.graftEpsilon), out: direction)
        }
        let useRoots = step >= p.startStep
        v.shampooDirections(gradient: p.weightGrad, rows: p.rows, cols: n, blocks: blocks,
                            withRoots: held.map { useRoots && $0 }, leftRoot: p.leftRoot, rightRoot: p.rightRoot,
                            graft: p.graftDirection, work: p.work, threads: threads, workspace: workspace)
    }

    /// Every block's pair of roots from the current statistics; true for the blocks whose pair
    /// was computed (the others keep their previous pair).
    @discardableResult
    static func computeRoots(_ p: ShampooPreconditioning, _ blocks: [ShampooBlock], _ v: BufferView,
                             threads: Int) -> [Bool] {
        var computed = [Bool](repeating: false, count: blocks.count)
        v.shampooRoots(left: p.left, right: p.right, blocks: blocks, epsilon: p.epsilon, fresh: p.freshRoots,
                       leftRoot: p.leftRoot, rightRoot: p.rightRoot, held: &computed, threads: threads)
        return computed
    }

    /// A parameter Shampoo does not precondition takes the graft's direction.
    static func graft(_ p: ShampooGraft, _ v: BufferView, step: Int) {
        let (keep, add, correction) = graftCoefficients(p.graft, step: step)
        v.shampooGraft(gradient: p.gradient, accumulator: p.sum, count: p.count, keep: keep, add: add,
                       correction: correction, epsilon: Float(ShampooOptions.graftEpsilon), out: p.gradient)
    }

    /// (keep, add, correction) of `shampooGraft`: AdaGrad's plain sum, or Adam's bias-corrected
    /// moving average of g². SGD grafting has no accumulator and never asks.
    static func graftCoefficients(_ graft: ShampooOptions.Graft, step: Int) -> (Float, Float, Float) {
        switch graft {
        case .sgd, .adagrad: return (1, 1, 1)
        case .adam:
            let beta = ShampooOptions.adamGraftBeta2
            return (Float(beta), Float(1 - beta), Float(1 - pow(beta, Double(max(step, 1)))))
        }
    }
}
