// First-order optimizers' update loops, exactly as docs/ALGORITHMS.md writes them, each one fused
// pass over weight, gradient and state. Weight decay is added to the gradient first,
// `g ← g + wd·w`, inside the same pass. Every loop runs 16 lanes at a time, the tail through
// the same vector code.

/// SGD: `w −= lr·g`.
// w, g (count) -> w
public func sgdUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, count: Int,
                      learningRate lr: Float, weightDecay wd: Float = 0, threads: Int = 1) {
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        store16(wv - lr * gv, w + i, n)
    }
}

/// Momentum: `v = ρ·v − lr·g; w += v`.
// w, g, v (count) -> w, v
public func momentumUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                           velocity v: UnsafeMutablePointer<Float>, count: Int,
                           learningRate lr: Float, momentum rho: Float = 0.9, weightDecay wd: Float = 0, threads: Int = 1) {
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        let vv = rho * load16(UnsafePointer(v + i), n) - lr * gv
        store16(vv, v + i, n)
        store16(wv + vv, w + i, n)
    }
}

/// Nesterov momentum in its usual equivalent form: `v = ρ·v − lr·g; w += ρ·v − lr·g`.
// w, g, v (count) -> w, v
public func nesterovUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                           velocity v: UnsafeMutablePointer<Float>, count: Int,
                           learningRate lr: Float, momentum rho: Float = 0.9, weightDecay wd: Float = 0, threads: Int = 1) {
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        let vv = rho * load16(UnsafePointer(v + i), n) - lr * gv
        store16(vv, v + i, n)
        store16(wv + (rho * vv - lr * gv), w + i, n)
    }
}

/// LightNet's averaged momentum with bias correction at step `step` (1 for the first update):
/// `u = ρ·u + (1−ρ)·g + wd·w; w −= lr·u/(1−ρᵗ)`. The decay stays outside the (1−ρ) factor, as
/// the SGD2 authors' code has it; `u` is their velocity with the sign flipped.
// w, g, u (count) -> w, u
public func averagedMomentumUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                                   velocity u: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float,
                                   momentum rho: Float = 0.9, weightDecay wd: Float = 0, step: Int, threads: Int = 1) {
    precondition(step >= 1, "averagedMomentumUpdate: step counts from 1")
    let scaled = Float(Double(lr) / (1 - _pow(Double(rho), Double(step))))
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let uv = rho * load16(UnsafePointer(u + i), n) + (1 - rho) * load16(g + i, n) + wd * wv
        store16(uv, u + i, n)
        store16(wv - scaled * uv, w + i, n)
    }
}

/// Heavy-ball momentum in PyTorch's form, `v = ρ·v + g; w −= lr·v`, which the peer
/// baselines use (the same trajectory as `momentumUpdate` at a constant learning rate, up to
/// rounding: v_torch = −v/lr).
// w, g, v (count) -> w, v
public func momentumUpdateTorchForm(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                                    velocity v: UnsafeMutablePointer<Float>, count: Int,
                                    learningRate lr: Float, momentum rho: Float = 0.9, weightDecay wd: Float = 0, threads: Int = 1) {
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        let vv = rho * load16(UnsafePointer(v + i), n) + gv
        store16(vv, v + i, n)
        store16(wv - lr * vv, w + i, n)
    }
}

/// AdaGrad: `s += g²; w −= lr·g/(√s + ε)`.
// w, g, s (count) -> w, s
public func adagradUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                          accumulator s: UnsafeMutablePointer<Float>, count: Int,
                          learningRate lr: Float = 0.01, epsilon: Float = 1e-7, weightDecay wd: Float = 0, threads: Int = 1) {
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        let sv = load16(UnsafePointer(s + i), n) + gv * gv
        store16(sv, s + i, n)
        store16(wv - lr * gv / (sqrt16(sv) + epsilon), w + i, n)
    }
}

/// RMSProp: `s = ρ·s + (1−ρ)·g²; w −= lr·g/(√s + ε)`.
// w, g, s (count) -> w, s
public func rmspropUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                          meanSquare s: UnsafeMutablePointer<Float>, count: Int,
                          learningRate lr: Float, rho: Float = 0.9, epsilon: Float = 1e-7, weightDecay wd: Float = 0, threads: Int = 1) {
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        let sv = rho * load16(UnsafePointer(s + i), n) + (1 - rho) * (gv * gv)
        store16(sv, s + i, n)
        store16(wv - lr * gv / (sqrt16(sv) + epsilon), w + i, n)
    }
}

/// Adam with bias correction at step `step` (1 for the first update):
/// `m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lr·m̂/(√v̂ + ε)`,
/// `m̂ = m/(1−β1ᵗ)`, `v̂ = v/(1−β2ᵗ)`.
// w, g, m, v (count) -> w, m, v
public func adamUpdate(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                       firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                       count: Int, learningRate lr: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                       epsilon: Float = 1e-8, step: Int, weightDecay wd: Float = 0, threads: Int = 1) {
    precondition(step >= 1, "adam: step counts from 1")
    let c1 = Float(1 / (1 - _pow(Double(beta1), Double(step))))
    let c2 = Float(1 / (1 - _pow(Double(beta2), Double(step))))
    forEachChunk(count, threads: threads) { i, n in
        let wv = load16(UnsafePointer(w + i), n)
        let gv = load16(g + i, n) + wd * wv
        let mv = beta1 * load16(UnsafePointer(m + i), n) + (1 - beta1) * gv
        let vv = beta2 * load16(UnsafePointer(v + i), n) + (1 - beta2) * (gv * gv)
        store16(mv, m + i, n)
        store16(vv, v + i, n)
        store16(wv - lr * (mv * c1) / (sqrt16(vv * c2) + epsilon), w + i, n)
    }
}

/// The update rules one element at a time, in Double: the references.
public enum OptimizerRule: Sendable {
    case sgd
    case momentum(rho: Double)
    case nesterov(rho: Double)
    case momentumTorchForm(rho: Double)
    /// LightNet's averaged form at step `step`; its decay joins the velocity, not the gradient.
    case averaged(rho: Double, step: Int)
    case adagrad(epsilon: Double)
    case rmsprop(rho: Double, epsilon: Double)
    case adam(beta1: Double, beta2: Double, epsilon: Double, step: Int)
}

/// One update of `w` (and its state `s1`, `s2`) by `rule`, element by element in Double.
public func optimizerUpdateReference(_ rule: OptimizerRule, weights w: UnsafeMutablePointer<Float>,
                                     gradients g: UnsafePointer<Float>, state1 s1: UnsafeMutablePointer<Float>?,
                                     state2 s2: UnsafeMutablePointer<Float>?, count: Int,
                                     learningRate lr: Double, weightDecay wd: Double = 0) {
    for i in 0..<count {
        var wi = Double(w[i])
        let gi = Double(g[i]) + wd * wi
        switch rule {
        case .averaged(let rho, let t):
            let u = rho * Double(s1![i]) + (1 - rho) * Double(g[i]) + wd * wi
            s1![i] = Float(u); wi -= lr * u / (1 - _pow(rho, Double(t)))
        case .sgd:
            wi -= lr * gi
        case .momentum(let rho):
            let v = rho * Double(s1![i]) - lr * gi
            s1![i] = Float(v); wi += v
        case .nesterov(let rho):
            let v = rho * Double(s1![i]) - lr * gi
            s1![i] = Float(v); wi += rho * v - lr * gi
        case .momentumTorchForm(let rho):
            let v = rho * Double(s1![i]) + gi
            s1![i] = Float(v); wi -= lr * v
        case .adagrad(let eps):
            let s = Double(s1![i]) + gi * gi
            s1![i] = Float(s); wi -= lr * gi / (s.squareRoot() + eps)
        case .rmsprop(let rho, let eps):
            let s = rho * Double(s1![i]) + (1 - rho) * gi * gi
            s1![i] = Float(s); wi -= lr * gi / (s.squareRoot() + eps)
        case .adam(let b1, let b2, let eps, let t):
            let m = b1 * Double(s1![i]) + (1 - b1) * gi
            let v = b2 * Double(s2![i]) + (1 - b2) * gi * gi
            s1![i] = Float(m); s2![i] = Float(v)
            let mhat = m / (1 - _pow(b1, Double(t))), vhat = v / (1 - _pow(b2, Double(t)))
            wi -= lr * mhat / (vhat.squareRoot() + eps)
        }
        w[i] = Float(wi)
    }
}
