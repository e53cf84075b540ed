import Dispatch
import NNCKernels

/// What a second-order method does only every few steps, timed once per layer for `nnc time`,
/// whose means over the faster half of its steps would otherwise leave it out. K-FAC: forming
/// the factors (every `factorEvery` steps) and inverting them (every `inverseEvery`); for a
/// norm's diagonal block, forming F from the per-example gradients (its inverse, C divisions, is
/// left out). Shampoo: the blocks' inverse fourth roots (every `preconditionEvery`); its
/// statistics are formed every step, inside the step's own time.
public struct PeriodicCost: Sendable {
    public enum Method: Sendable { case kfac, shampoo }
    public var method: Method = .kfac
    public var layer: String
    public var formSeconds: Double, factorEvery: Int
    public var invertSeconds: Double, inverseEvery: Int
    /// What the two add to an average step.
    public var amortisedSeconds: Double {
        formSeconds / Double(max(factorEvery, 1)) + invertSeconds / Double(max(inverseEvery, 1))
    }
}

extension Session {
    /// Runs forward and backward on the batch just loaded (so X and R hold a real step's values),
    /// then forms and inverts every K-FAC layer's factors and computes every Shampoo layer's roots
    /// once each, timed; the update is not run. The factors, inverses and roots are left changed:
    /// for a session that only measures.
    func timePeriodicWork(learningRate: Double, step: Int) throws -> [PeriodicCost] {
        let layers = trainPlan.kernels.compactMap { k -> KFACPreconditioning? in
            if case .kfacPrecondition(let p) = k.op { return p }
            return nil
        }
        let diagonals = trainPlan.kernels.compactMap { k -> KFACDiagonal? in
            if case .kfacDiagonal(let p) = k.op { return p }
            return nil
        }
        let shampoo = trainPlan.kernels.compactMap { k -> ShampooPreconditioning? in
            if case .shampooPrecondition(let p) = k.op { return p }
            return nil
        }
        guard !layers.isEmpty || !diagonals.isEmpty || !shampoo.isEmpty else { return [] }
        _ = try run([train.forward, train.backward], learningRate: learningRate, step: step)
        func seconds(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let threads = train.threads, workspace = GEMMWorkspace()
        return train.arena.withPlanView(train.table) { v in
            layers.map { p in
                let form = seconds { KFACStep.formFactors(p, v, first: false, threads: threads, workspace: workspace) }
                let invert = seconds { _ = KFACStep.invert(p, v, lambda: p.damping, threads: threads) }
                return PeriodicCost(layer: p.layer, formSeconds: form, factorEvery: p.factorEvery,
                                    invertSeconds: invert, inverseEvery: p.inverseEvery)
            } + diagonals.map { p in
                let form = seconds { KFACDiagonalStep.form(p, v, first: false) }
                return PeriodicCost(layer: p.layer, formSeconds: form, factorEvery: p.factorEvery,
                                    invertSeconds: 0, inverseEvery: p.inverseEvery)
            } + shampoo.map { p in
                let blocks = shampooBlocks(rows: p.rows, cols: p.cols, size: p.blockSize)
                let roots = seconds { ShampooStep.computeRoots(p, blocks, v, threads: threads) }
                return PeriodicCost(method: .shampoo, layer: p.layer, formSeconds: 0, factorEvery: 1,
                                    invertSeconds: roots, inverseEvery: p.preconditionEvery)
            }
        }
    }
}
