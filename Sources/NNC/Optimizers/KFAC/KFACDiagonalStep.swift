import NNCKernels

/// K-FAC's diagonal block of a batch or layer norm's scale and shift (docs/ALGORITHMS.md "K-FAC",
/// "Norm layers") as the executor runs it, on `KFACStep`'s cadence and state slots, so that KL
/// clipping and adaptive damping treat it as they treat a dense layer. Everything a resumed run
/// needs is the plan's optimizer state (F, its damped inverse, `state`).
enum KFACDiagonalStep {
    /// In a data-parallel run F is averaged over the ranks after each formation, as K-FAC's
    /// factors are (`KFACStep.apply`).
    static func apply(_ p: KFACDiagonal, _ v: BufferView, step: Int, group: ProcessGroup? = nil,
                      events: inout [CurvatureEvent]) {
        typealias K = KFACStep
        var state = v.withSpan(p.state) { s in (0..<K.slots).map { s[$0] } }
        if (step - 1) % max(p.factorEvery, 1) == 0 {
            form(p, v, first: state[K.formations] == 0)
            if let group { v.withMutableSpan(p.fisher) { group.average(&$0) } }
            state[K.formations] += 1
        }
        if state[K.formations] > 0 && (state[K.held] == 0 || (step - 1) % max(p.inverseEvery, 1) == 0) {
            let lambda = state[K.adaptedDamping] > 0 ? Double(state[K.adaptedDamping]) : p.damping
            let fisher = v.copy(p.fisher)
            if fisher.allSatisfy(\.isFinite) {
                // F ≥ 0 and λ > 0: the inverse always exists.
                v.write(p.inverse, fisher.map { Float(1 / (Double($0) + lambda)) })
                state[K.held] = 1
                state[K.usedDamping] = Float(lambda)
            } else {
                state[K.held] = 0
                state[K.formations] = 0
                events.append(.init(step: step, layer: p.layer, damping: lambda, outcome: .nonFinite))
            }
        }
        state[K.dot] = 0
        if state[K.held] == 1 {
            let inverse = v.copy(p.inverse)
            let gradient = gradients(p, v)
            let preconditioned = zip(gradient, inverse).map { $0 * $1 }
            if preconditioned.allSatisfy(\.isFinite) {
                var offset = 0
                for id in [p.scaleGrad, p.shiftGrad].compactMap({ $0 }) {
                    v.write(id, Array(preconditioned[offset..<(offset + p.sizes.channels)]))
                    offset += p.sizes.channels
                }
                state[K.dot] = Float(zip(preconditioned, gradient).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
            } else {
                events.append(.init(step: step, layer: p.layer, damping: Double(state[K.usedDamping]),
                                    outcome: .nonFiniteStep))
            }
        }
        v.withMutableSpan(p.state) { s in for i in 0..<K.slots { s[i] = state[i] } }
    }

    /// The scale's gradient then the shift's, as F is laid out.
    static func gradients(_ p: KFACDiagonal, _ v: BufferView) -> [Float] {
        [p.scaleGrad, p.shiftGrad].compactMap { $0 }.flatMap { v.copy($0) }
    }

    /// F ← ε·F + (1 − ε)·(1/B)·Σ_i (B·g_i)², with g_i sample i's share of the batch gradient:
    /// Σ_s dy·x̂ for the scale, Σ_s dy for the shift (dy is the gradient of the batch's mean loss,
    /// so B·g_i is the gradient of sample i's own loss). The first formation replaces F.
    static func form(_ p: KFACDiagonal, _ v: BufferView, first: Bool) {
        let (b, c, positions) = (p.sizes.batch, p.sizes.channels, p.sizes.spatial)
        let dy = v.copy(p.dy), x = v.copy(p.x), mean = v.copy(p.savedMean), invStd = v.copy(p.savedInvStd)
        var scale = [Double](repeating: 0, count: c), shift = [Double](repeating: 0, count: c)
        for i in 0..<b {
            for ch in 0..<c {
                let statistic = p.norm == .batch ? ch : i
                let mu = Double(mean[statistic]), inv = Double(invStd[statistic])
                var gs = 0.0, gb = 0.0
                for s in 0..<positions {
                    let k = (i * c + ch) * positions + s
                    gs += Double(dy[k]) * (Double(x[k]) - mu) * inv
                    gb += Double(dy[k])
                }
                scale[ch] += Double(b) * gs * gs
                shift[ch] += Double(b) * gb * gb
            }
        }
        let batch = (p.scaleGrad == nil ? [] : scale) + (p.shiftGrad == nil ? [] : shift)
        // A restart after a non-finite F must not multiply the old entries, even by 0.
        let old = first ? batch.map { _ in Float(0) } : v.copy(p.fisher)
        let keep = first ? 0 : p.factorDecay
        v.write(p.fisher, zip(old, batch).map { Float(keep * Double($0) + (1 - keep) * $1) })
    }
}
