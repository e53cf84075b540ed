import NNCKernels

/// Adaptive damping around a whole step, for K-FAC and SGD2 (docs/ALGORITHMS.md "K-FAC" and
/// "SGD2"; Martens & Grosse §6.5): on every `every`-th step the update δ (θ after minus θ before,
/// over the layers the method preconditions) is scored against the method's quadratic model of the
/// loss on the same batch, `M(δ) = ½ Σ_l q_l(δ_l) + ⟨Ḡ, δ⟩`, by `ρ = (L(θ + δ) − L(θ)) / M(δ)`, and
/// `AdaptiveDamping.next` moves λ. The layer's damped curvature term q_l is
/// - K-FAC: `⟨δ_l, G_l δ_l A_l⟩ + λ‖δ_l‖²` with the current (undamped) factors, and for a norm's
///   diagonal block `Σ_k (F_k + λ)·δ_k²`;
/// - SGD2: `Σ_u u·(Â_l + λI)·uᵀ` over the rows of δ_l, Â_l the held factor's input second moment
///   (`SGD2Corrector.quadratic`): the model whose minimiser SGD2's correction is.
/// The new λ goes into every layer's state, which the next inversion (K-FAC) or re-form (SGD2) reads.
extension Session {
    /// The optimizer's adaptive damping, K-FAC's or SGD2's; nil while λ is fixed.
    var adaptiveDamping: AdaptiveDamping? { model.optimizer.kfac?.adaptive ?? model.optimizer.sgd2?.adaptive }

    func adaptDampingStep(lr: Double, step: Int, _ adaptive: AdaptiveDamping) throws -> Float {
        let loss = try forwardBackward(lr: lr, step: step)
        let layers = dampedLayers
        guard let first = layers.first else { return try run([train.update], learningRate: lr, step: step) }
        let lambda = currentDamping(first)
        let before = layers.map { values($0.weight, $0.bias) }
        let gradient = layers.map { values($0.weightGrad, $0.biasGrad) }
        _ = try run([train.update], learningRate: lr, step: step)
        var model = 0.0
        for (i, l) in layers.enumerated() {
            let after = values(l.weight, l.bias)
            let delta = (weight: zip(after.weight, before[i].weight).map { $0 - $1 },
                         bias: after.bias.map { zip($0, before[i].bias ?? []).map { $0 - $1 } })
            model += 0.5 * curvature(l, delta.weight, delta.bias, lambda: lambda)
            for (d, g) in zip(delta.weight, gradient[i].weight) { model += Double(g * d) }
            for (d, g) in zip(delta.bias ?? [], gradient[i].bias ?? []) { model += Double(g * d) }
        }
        let movedHere = try run([train.forward], learningRate: lr, step: step)
        let moved = parallel?.average(movedHere) ?? movedHere
        let (next, rho) = adaptive.next(lambda, actual: Double(moved) - Double(loss), predicted: model)
        train.arena.withPlanView(train.table) { v in
            for l in layers {
                switch l.method {
                case .kfac(let p): v.withMutableSpan(p.state) { $0[KFACStep.adaptedDamping] = Float(next) }
                case .kfacDiagonal(let p): v.withMutableSpan(p.state) { $0[KFACStep.adaptedDamping] = Float(next) }
                case .sgd2(let p, _):
                    guard let d = p.damping else { preconditionFailure("an adaptive SGD2 plan without its damping state") }
                    v.withMutableSpan(d) { $0[SGD2Corrector.adaptedDamping] = Float(next) }
                }
            }
        }
        train.record(CurvatureEvent(step: step, layer: "", damping: Double(Float(next)), outcome: .adapted,
                                    rho: rho.isFinite ? rho : nil))
        return loss
    }

    /// A layer the method preconditions, with the parameters its model covers: SGD2's bias only
    /// when the correction covers it (`bias: true`).
    private struct DampedLayer {
        enum Method {
            case kfac(KFACPreconditioning)
            /// A norm's scale (`weight`) and shift (`bias`), or the one it has (`weight`).
            case kfacDiagonal(KFACDiagonal)
            case sgd2(SGD2Correction, SGD2Corrector)
        }
        let method: Method
        let weight: BufferID, bias: BufferID?, weightGrad: BufferID, biasGrad: BufferID?
    }

    /// Every K-FAC preconditioning or SGD2 correction of the train plan, in plan order.
    private var dampedLayers: [DampedLayer] {
        let byName = Dictionary(trainPlan.linearLayers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return zip(trainPlan.kernels, train.correctors).compactMap { k, corrector in
            switch k.op {
            case .kfacPrecondition(let p):
                guard let l = byName[p.layer] else { return nil }
                return DampedLayer(method: .kfac(p), weight: l.weight, bias: l.bias, weightGrad: p.weightGrad,
                                   biasGrad: p.biasGrad)
            case .kfacDiagonal(let p):
                let parameter = { (g: BufferID?) in g.flatMap { g in self.trainPlan.parameters.first { $0.gradient == g }?.buffer } }
                guard let weight = parameter(p.scaleGrad) ?? parameter(p.shiftGrad),
                      let weightGrad = p.scaleGrad ?? p.shiftGrad else { return nil }
                let both = p.scaleGrad != nil
                return DampedLayer(method: .kfacDiagonal(p), weight: weight, bias: both ? parameter(p.shiftGrad) : nil,
                                   weightGrad: weightGrad, biasGrad: both ? p.shiftGrad : nil)
            case .sgd2Precondition(let p):
                guard let l = byName[p.layer], let corrector else { return nil }
                return DampedLayer(method: .sgd2(p, corrector), weight: l.weight, bias: p.correctsBias ? l.bias : nil,
                                   weightGrad: p.weightGrad, biasGrad: p.correctsBias ? p.biasGrad : nil)
            default:
                return nil
            }
        }
    }

    /// The λ the next inversion or re-form uses: the adapted one once it has moved, else the
    /// configured one (every layer holds the same).
    private func currentDamping(_ l: DampedLayer) -> Double {
        train.arena.withPlanView(train.table) { v in
            switch l.method {
            case .kfac(let p):
                let adapted = v.withSpan(p.state) { $0[KFACStep.adaptedDamping] }
                return adapted > 0 ? Double(adapted) : p.damping
            case .kfacDiagonal(let p):
                let adapted = v.withSpan(p.state) { $0[KFACStep.adaptedDamping] }
                return adapted > 0 ? Double(adapted) : p.damping
            case .sgd2(let p, let corrector):
                return corrector.nextLambda(p, v)
            }
        }
    }

    /// The layer's damped curvature term q_l(δ) of the model.
    private func curvature(_ l: DampedLayer, _ weight: [Float], _ bias: [Float]?, lambda: Double) -> Double {
        switch l.method {
        case .kfac(let p):
            let delta = augmented(weight, bias, p)
            let (a, g) = train.arena.withPlanView(train.table) { ($0.copy(p.a), $0.copy(p.g)) }
            let squared = delta.reduce(0.0) { $0 + Double($1 * $1) }
            return kroneckerQuadratic(delta, rows: p.rows, cols: p.n, a: a, g: g, threads: train.threads) + lambda * squared
        case .kfacDiagonal(let p):
            let fisher = train.arena.withPlanView(train.table) { $0.copy(p.fisher) }
            return zip(weight + (bias ?? []), fisher).reduce(0.0) { $0 + (Double($1.1) + lambda) * Double($1.0 * $1.0) }
        case .sgd2(let p, let corrector):
            return train.arena.withPlanView(train.table) { v in
                guard let q = corrector.quadratic(p, v, weight: weight, bias: bias, lambda: lambda) else {
                    preconditionFailure("SGD2's step was scored without a held factor")
                }
                return q
            }
        }
    }

    /// A weight (and bias) as the arena holds them.
    private func values(_ weight: BufferID, _ bias: BufferID?) -> (weight: [Float], bias: [Float]?) {
        train.arena.withPlanView(train.table) { v in (v.copy(weight), bias.map { v.copy($0) }) }
    }

    /// `[W b]` (or a step or gradient of it) row by row, rows × n, as K-FAC's factors see the layer.
    private func augmented(_ w: [Float], _ b: [Float]?, _ p: KFACPreconditioning) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(p.rows * p.n)
        for r in 0..<p.rows {
            out.append(contentsOf: w[(r * p.inputs)..<((r + 1) * p.inputs)])
            if let b { out.append(b[r]) }
        }
        return out
    }
}
