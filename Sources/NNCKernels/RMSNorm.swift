// RMS normalisation as docs/ALGORITHMS.md defines it (the SGD2 paper's): `y = x / √(d + ε)` per
// feature (per channel for a convolution), no mean subtraction, no learned scale or shift.
// `d` is a running mean of x², `d ← 0.1·d + 0.9·mean_batch(x²)` from d = 0, read with the
// warm-up bias correction `d / (1 − 0.1^t)` after t updates; ε = 0.01·max_c d̂_c + 1e-6 is relative.
// The statistic is a constant to the gradient: `dx = dy / √(d̂ + ε)`.

/// RMS normalisation forward. In training (`training: true`) the running `d` first takes this
/// batch's mean of x² (update number `updates + 1`); training and evaluation then both
/// normalise with the corrected running value, then apply `activation`. `updates` is the
/// number of running-stat updates applied before this call (0 on the first training step).
/// `history` is the old value's weight (0.1), `relativeEpsilon` ε's factor (0.01). Writes
/// each channel's factor 1/√(d̂ + ε) to `scale` for the backward pass. `y` may alias `x`.
// x (N, C, S), runningD (C) -> y (N, C, S), scale (C); runningD (C) updated in training
public func rmsNormForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                           batch: Int, channels: Int, spatial: Int,
                           runningD: UnsafeMutablePointer<Float>, updates: Int, training: Bool,
                           history: Float = 0.1, relativeEpsilon: Float = 0.01, epsilonOfRunning: Bool = false,
                           activation: KernelActivation = .none,
                           scale: UnsafeMutablePointer<Float>) {
    let (n, c, s) = (batch, channels, spatial)
    if c == 0 { return }
    var t = updates
    if training && n * s > 0 {
        channelSums(n, c, s, into: scale) { o, w, _ in
            let v = load16(x + o, w)
            return v * v
        }
        let inv = 1 / Float(n * s)
        // The first update starts the mean from nothing, as the warm-up correction assumes
        // (d̂ is then this batch's mean x²); the stored initial value only serves evaluation
        // before any training step.
        let keep = updates == 0 ? 0 : history
        for ch in 0..<c {
            runningD[ch] = keep * runningD[ch] + (1 - history) * (scale[ch] * inv)
        }
        t += 1
    }
    rmsNormFactors(runningD: UnsafePointer(runningD), channels: c, updates: t, history: history,
                   relativeEpsilon: relativeEpsilon, epsilonOfRunning: epsilonOfRunning, scale: scale)
    forEachChannelChunk(n, c, s) { o, w, k in store16(activation.apply16(load16(x + o, w) * k.param(scale)), y + o, w) }
}

/// The per-channel factors `1/√(d̂ + ε)` after `updates` updates of `runningD` (also what the
/// operator-norm bound needs: a layer's largest gain is the largest factor). Before any
/// update d̂ is taken as the raw `runningD`. With `epsilonOfRunning`, ε = eps·max(d + 10⁻⁶) from
/// the uncorrected d, as the authors' LightNet takes it, else eps·max d̂ + 10⁻⁶.
// runningD (C) -> scale (C)
public func rmsNormFactors(runningD: UnsafePointer<Float>, channels: Int, updates: Int,
                           history: Float = 0.1, relativeEpsilon: Float = 0.01, epsilonOfRunning: Bool = false,
                           scale: UnsafeMutablePointer<Float>) {
    let correction: Float = updates > 0 ? Float(1 - _pow(Double(history), Double(updates))) : 1
    var largest: Float = 0
    for ch in 0..<channels { largest = max(largest, runningD[ch]) }
    let epsilon = epsilonOfRunning ? relativeEpsilon * (largest + 1e-6) : relativeEpsilon * (largest / correction) + 1e-6
    for ch in 0..<channels { scale[ch] = 1 / (runningD[ch] / correction + epsilon).squareRoot() }
}

/// RMS normalisation backward: `dx = dy · scale[c]`. `dx` may alias `dy`.
// dy (N, C, S), scale (C) -> dx (N, C, S)
public func rmsNormBackward(dy: UnsafePointer<Float>, scale: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                            batch: Int, channels: Int, spatial: Int, accumulate: Bool = false) {
    forEachChannelChunk(batch, channels, spatial) { o, w, k in
        var d = load16(dy + o, w) * k.param(scale)
        if accumulate { d += load16(UnsafePointer(dx + o), w) }
        store16(d, dx + o, w)
    }
}

/// The plain definition in Double, with the same running-state contract.
public func rmsNormForwardReference(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                    batch: Int, channels: Int, spatial: Int,
                                    runningD: UnsafeMutablePointer<Float>, updates: Int, training: Bool) {
    var d = (0..<channels).map { Double(runningD[$0]) }
    var t = updates
    if training {
        for c in 0..<channels {
            var m = 0.0
            for n in 0..<batch {
                for s in 0..<spatial {
                    let v = Double(x[(n * channels + c) * spatial + s])
                    m += v * v
                }
            }
            d[c] = (updates == 0 ? 0 : 0.1 * d[c]) + 0.9 * m / Double(batch * spatial)
            runningD[c] = Float(d[c])
        }
        t += 1
    }
    let corr = t > 0 ? 1 - _pow(0.1, Double(t)) : 1
    let dhat = d.map { $0 / corr }
    let eps = 0.01 * (dhat.max() ?? 0) + 1e-6
    for c in 0..<channels {
        for n in 0..<batch {
            for s in 0..<spatial {
                let i = (n * channels + c) * spatial + s
                y[i] = Float(Double(x[i]) / (dhat[c] + eps).squareRoot())
            }
        }
    }
}
