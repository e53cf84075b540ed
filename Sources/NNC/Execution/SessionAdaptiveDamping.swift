import NNCKernels

/// K-FAC's adaptive damping (docs/ALGORITHMS.md "K-FAC", Martens & Grosse §6.5): on every
/// `every`-th step the update δ is scored against the quadratic model of the loss,
/// `M(δ) = ½ Σ_l ⟨δ_l, G_l δ_l A_l⟩ + ½λ‖δ‖² + ⟨Ḡ, δ⟩`, by `ρ = (L(θ + δ) − L(θ)) / M(δ)` on the same
/// batch, and λ moves by ω = (19/20)^every: ρ > 3/4 → ωλ, ρ < 1/4 → λ/ω, within [min, max].
/// The new λ goes into every layer's state, which the next inversion reads.
extension Session {
    func adaptDampingStep(lr: Double, step: Int, _ adaptive: KFACOptions.AdaptiveDamping) throws -> Float {
        let loss = try forwardBackward(lr: lr, step: step)
        let layers = kfacLayers
        guard let first = layers.first else { return try run([train.update], learningRate: lr, step: step) }
        let lambda = currentDamping(first.op)
        let before = layers.map { augmented($0.weight, $0.bias, $0.op) }
        let gradient = layers.map { augmented($0.op.weightGrad, $0.op.biasGrad, $0.op) }
        _ = try run([train.update], learningRate: lr, step: step)
        var model = 0.0
        for (i, l) in layers.enumerated() {
            let delta = zip(augmented(l.weight, l.bias, l.op), before[i]).map { $0 - $1 }
            let (a, g) = train.arena.withPlanView(train.table) { ($0.copy(l.op.a), $0.copy(l.op.g)) }
            model += 0.5 * kroneckerQuadratic(delta, rows: l.op.rows, cols: l.op.n, a: a, g: g, threads: train.threads)
            for (d, grad) in zip(delta, gradient[i]) { model += 0.5 * lambda * Double(d * d) + Double(grad * d) }
        }
        let movedHere = try run([train.forward], learningRate: lr, step: step)
        let moved = parallel?.average(movedHere) ?? movedHere
        let rho = (Double(moved) - Double(loss)) / model
        var next = lambda
        // A model that predicts no decrease, or a loss that became nan, asks for more damping.
        if !(model < 0) || !rho.isFinite || rho < 0.25 {
            next = min(adaptive.maximum, lambda / adaptive.omega)
        } else if rho > 0.75 {
            next = max(adaptive.minimum, lambda * adaptive.omega)
        }
        train.arena.withPlanView(train.table) { v in
            for l in layers { v.withMutableSpan(l.op.state) { $0[KFACStep.adaptedDamping] = Float(next) } }
        }
        train.record(CurvatureEvent(step: step, layer: "", damping: Double(Float(next)), outcome: .adapted,
                                      rho: rho.isFinite ? rho : nil))
        return loss
    }

    /// Every K-FAC preconditioning of the train plan with its layer's weight and bias.
    private var kfacLayers: [(op: KFACPreconditioning, weight: BufferID, bias: BufferID?)] {
        trainPlan.kernels.compactMap { k in
            guard case .kfacPrecondition(let p) = k.op,
                  let l = trainPlan.linearLayers.first(where: { $0.name == p.layer }) else { return nil }
            return (p, l.weight, l.bias)
        }
    }

    /// The λ the next inversion uses: the adapted one once it has moved, else the configured.
    private func currentDamping(_ p: KFACPreconditioning) -> Double {
        let adapted = train.arena.withPlanView(train.table) { v in v.withSpan(p.state) { $0[KFACStep.adaptedDamping] } }
        return adapted > 0 ? Double(adapted) : p.damping
    }

    /// `[W b]` (or its gradient) row by row, rows × n, as K-FAC's factors see the layer.
    private func augmented(_ weight: BufferID, _ bias: BufferID?, _ p: KFACPreconditioning) -> [Float] {
        train.arena.withPlanView(train.table) { v in
            let w = v.copy(weight), b = bias.map { v.copy($0) }
            var out: [Float] = []
            out.reserveCapacity(p.rows * p.n)
            for r in 0..<p.rows {
                out.append(contentsOf: w[(r * p.inputs)..<((r + 1) * p.inputs)])
                if let b { out.append(b[r]) }
            }
            return out
        }
    }
}
