import NNCKernels

/// K-FAC's diagonal block of a batch or layer norm's scale and shift (docs/ALGORITHMS.md "K-FAC",
/// "Norm layers") as the executor runs it, on `KFACStep`'s cadence and state slots, so that KL
/// clipping and adaptive damping treat it as they treat a dense layer. Everything a resumed run
/// needs is the plan's optimizer state (F, its damped inverse, `state`); the arithmetic is the
/// kernels' (`kfacDiagonalFactor`, …), so a step allocates nothing.
enum KFACDiagonalStep {
    /// In a data-parallel run F is averaged over the ranks after each formation, as K-FAC's
    /// factors are (`KFACStep.apply`).
    static func apply(_ p: KFACDiagonal, _ v: BufferView, step: Int, group: ProcessGroup? = nil,
                      events: inout [CurvatureEvent]) {
        var state = KFACSlots(v, p.state)
        if (step - 1) % max(p.factorEvery, 1) == 0 {
            form(p, v, first: state.formations == 0)
            if let group { v.withMutableSpan(p.fisher) { group.average(&$0) } }
            state.formations += 1
        }
        if state.formations > 0 && (state.held == 0 || (step - 1) % max(p.inverseEvery, 1) == 0) {
            let lambda = state.adaptedDamping > 0 ? Double(state.adaptedDamping) : p.damping
            if v.kfacDiagonalInverse(p.fisher, count: p.count, damping: lambda, inverse: p.inverse) {
                state.held = 1
                state.usedDamping = Float(lambda)
            } else {
                state.held = 0
                state.formations = 0
                events.append(.init(step: step, layer: p.layer, damping: lambda, outcome: .nonFinite))
            }
        }
        state.dot = 0
        if state.held == 1 {
            if let dot = v.kfacDiagonalPrecondition(scaleGrad: p.scaleGrad, shiftGrad: p.shiftGrad,
                                                    channels: p.sizes.channels, inverse: p.inverse) {
                state.dot = Float(dot)
            } else {
                events.append(.init(step: step, layer: p.layer, damping: Double(state.usedDamping),
                                    outcome: .nonFiniteStep))
            }
        }
        state.store(v, p.state)
    }

    /// F from the batch into its moving average (`kfacDiagonalFactor`). The first formation
    /// replaces F: a restart after a non-finite F must not multiply the old entries, even by 0.
    static func form(_ p: KFACDiagonal, _ v: BufferView, first: Bool) {
        v.kfacDiagonalFactor(dy: p.dy, x: p.x, mean: p.savedMean, invStd: p.savedInvStd, batch: p.sizes.batch,
                             channels: p.sizes.channels, positions: p.sizes.spatial, perChannel: p.norm == .batch,
                             scale: p.scaleGrad != nil, shift: p.shiftGrad != nil, fisher: p.fisher,
                             keep: first ? 0 : p.factorDecay)
    }
}
