import Foundation
import NNCKernels

/// One K-FAC preconditioning (docs/ALGORITHMS.md "K-FAC") as the executor runs it. Everything
/// a resumed run needs lives in the plan's optimizer state (factors, inverses, `state`), so a
/// checkpoint taken between two inversions resumes bit for bit and nothing is kept here.
enum KFACStep {
    /// `state`'s slots.
    static let formations = 0, held = 1, usedDamping = 2, dot = 3, adaptedDamping = 4, slots = 5

    /// In a data-parallel run (`group`) every rank blends its slice's statistics into the same
    /// moving averages, which are then averaged over the ranks: the moving average is linear in
    /// the batch's statistics, so that is the global batch's.
    static func apply(_ p: KFACPreconditioning, _ v: BufferView, step: Int, threads: Int, workspace: GEMMWorkspace,
                      group: ProcessGroup? = nil, events: inout [CurvatureEvent]) {
        var state = KFACSlots(v, p.state)
        if (step - 1) % max(p.factorEvery, 1) == 0 {
            formFactors(p, v, first: state.formations == 0, threads: threads, workspace: workspace)
            if let group {
                v.withMutableSpan(p.a) { group.average(&$0) }
                if !p.sampledFisher { v.withMutableSpan(p.g) { group.average(&$0) } }
            }
            state.formations += 1
        }
        if state.formations > 0 && (state.held == 0 || (step - 1) % max(p.inverseEvery, 1) == 0) {
            // Adaptive damping keeps the current λ in the state; 0 until it first moves.
            let current = state.adaptedDamping > 0 ? Double(state.adaptedDamping) : p.damping
            switch invert(p, v, lambda: current, threads: threads) {
            case .inverted(let lambda):
                state.held = 1
                state.usedDamping = Float(lambda)
                if lambda > current { events.append(.init(step: step, layer: p.layer, damping: lambda, outcome: .raised)) }
            case .notInvertible(let lambda):
                state.held = 0
                events.append(.init(step: step, layer: p.layer, damping: lambda, outcome: .failed))
            case .nonFinite:
                state.held = 0
                state.formations = 0
                events.append(.init(step: step, layer: p.layer, damping: p.damping, outcome: .nonFinite))
            }
        }
        state.dot = 0
        if state.held == 1 {
            if let d = v.kfacPrecondition(weightGrad: p.weightGrad, biasGrad: p.biasGrad, rows: p.rows, inputs: p.inputs,
                                          aInverse: p.aInverse, gInverse: p.gInverse, work: p.work, threads: threads,
                                          workspace: workspace) {
                state.dot = Float(d)
            } else {
                events.append(.init(step: step, layer: p.layer, damping: Double(state.usedDamping),
                                    outcome: .nonFiniteStep))
            }
        }
        state.store(v, p.state)
    }

    /// The batch's statistics into the moving averages; the first formation replaces them. Under
    /// the sampled Fisher, G was formed before, from the sampled labels' backward pass.
    static func formFactors(_ p: KFACPreconditioning, _ v: BufferView, first: Bool, threads: Int,
                                    workspace: GEMMWorkspace) {
        let (keep, add) = blend(p, first: first)
        if let c = p.convolution {
            v.kfacConvInputFactor(x: p.x, shape: c.kernelShape, bias: p.biasGrad != nil, a: p.a, keep: keep, add: add,
                                  columns: p.work, threads: threads, workspace: workspace)
        } else {
            v.kfacDenseInputFactor(x: p.x, batch: p.batch, features: p.inputs, bias: p.biasGrad != nil, a: p.a,
                                   keep: keep, add: add, threads: threads, workspace: workspace)
        }
        if !p.sampledFisher {
            v.kfacOutputFactor(r: p.r, batch: p.batch, units: p.rows, positions: p.positions, g: p.g, keep: keep,
                               add: add, threads: threads, workspace: workspace)
        }
    }

    /// G alone from the residuals in place, into its moving average: the sampled Fisher's pass,
    /// run before this step's `apply` counts the formation.
    static func formOutputFactor(_ p: KFACPreconditioning, _ v: BufferView, threads: Int, workspace: GEMMWorkspace,
                                 group: ProcessGroup? = nil) {
        let first = v.withSpan(p.state) { $0[formations] } == 0
        let (keep, add) = blend(p, first: first)
        v.kfacOutputFactor(r: p.r, batch: p.batch, units: p.rows, positions: p.positions, g: p.g, keep: keep, add: add,
                           threads: threads, workspace: workspace)
        if let group { v.withMutableSpan(p.g) { group.average(&$0) } }
    }

    /// (old factor's weight, batch's weight) of a formation.
    private static func blend(_ p: KFACPreconditioning, first: Bool) -> (keep: Float, add: Float) {
        first ? (0, 1) : (Float(p.factorDecay), 1 - Float(p.factorDecay))
    }

    enum Inversion: Equatable {
        case inverted(lambda: Double)
        case notInvertible(lambda: Double)
        case nonFinite
    }

    /// Inverts A + π√λ·I and G + (√λ/π)·I (Martens & Grosse's factored Tikhonov damping), with
    /// π² the ratio of the factors' mean eigenvalues; a failed factorisation is retried with ten
    /// times the λ, up to `KFACOptions.dampingRetries` times.
    static func invert(_ p: KFACPreconditioning, _ v: BufferView, lambda configured: Double, threads: Int) -> Inversion {
        let n = p.n, m = p.rows
        guard allFinite(p.a, v) && allFinite(p.g, v) else { return .nonFinite }
        let meanA = v.trace(p.a, n: n) / Double(n), meanG = v.trace(p.g, n: m) / Double(m)
        // A factor of zeros (a dead layer, a zero gradient) leaves π undefined: split λ evenly.
        let ratio = (meanA / meanG).squareRoot()
        let pi = ratio.isFinite && ratio > 0 ? ratio : 1
        var lambda = configured
        for _ in 0...KFACOptions.dampingRetries {
            let root = lambda.squareRoot()
            let eigen = p.inverse == .eigen
            if v.dampedInverse(p.a, n: n, damping: pi * root, eigen: eigen, work: p.inverseWork, inverse: p.aInverse,
                               threads: threads)
                && v.dampedInverse(p.g, n: m, damping: root / pi, eigen: eigen, work: p.inverseWork, inverse: p.gInverse,
                                   threads: threads) {
                return .inverted(lambda: lambda)
            }
            lambda *= 10
        }
        return .notInvertible(lambda: lambda / 10)
    }

    private static func allFinite(_ id: BufferID, _ v: BufferView) -> Bool {
        v.withSpan(id) { s in
            for i in s.indices where !s[i].isFinite { return false }
            return true
        }
    }

    /// KL clipping: scales every gradient preconditioned this step by min(1, √(limit / (lr²·Σ⟨V, ∇⟩))).
    static func clip(_ p: KFACClip, _ v: BufferView, learningRate: Double) {
        let sum = p.layers.reduce(0.0) { total, l in total + v.withSpan(l.state) { Double($0[dot]) } }
        let s = learningRate * learningRate * abs(sum)
        guard s > 0, s.isFinite else { return }
        let nu = min(1, (p.limit / s).squareRoot())
        guard nu < 1 else { return }
        for l in p.layers where v.withSpan(l.state, { $0[held] }) == 1 {
            v.scale(l.weightGrad, by: Float(nu))
            if let b = l.biasGrad { v.scale(b, by: Float(nu)) }
        }
    }
}

/// A layer's `state` slots (`KFACStep.formations` …) as values: read when its step starts and
/// written back when it ends, with no array allocated on the way.
struct KFACSlots {
    var formations: Float, held: Float, usedDamping: Float, dot: Float, adaptedDamping: Float

    init(_ v: BufferView, _ id: BufferID) {
        typealias K = KFACStep
        (formations, held, usedDamping, dot, adaptedDamping) = v.withSpan(id) { s in
            (s[K.formations], s[K.held], s[K.usedDamping], s[K.dot], s[K.adaptedDamping])
        }
    }

    func store(_ v: BufferView, _ id: BufferID) {
        typealias K = KFACStep
        v.withMutableSpan(id) { s in
            s[K.formations] = formations; s[K.held] = held; s[K.usedDamping] = usedDamping
            s[K.dot] = dot; s[K.adaptedDamping] = adaptedDamping
        }
    }
}
