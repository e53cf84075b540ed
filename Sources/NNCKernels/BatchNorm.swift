// Batch normalisation over (N, C, S): statistics per channel over the batch and positions.
// Sums are reordered (see channelSums); the variance is two-pass, Σ(x − mean)².

/// Training forward: normalises with the batch's mean and (biased) variance, then
/// `y = act(γ·x̂ + β)` (`gamma`/`beta` when given, `activation` fused); updates the running statistics as PyTorch
/// does (`r ← (1 − momentum)·r + momentum·batch`, the variance unbiased by M/(M − 1) with
/// M = N·S > 1); saves mean and 1/√(var + ε) for the backward pass. `y` may alias `x`.
// x (N, C, S), gamma, beta (C) -> y (N, C, S), saveMean, saveInvStd (C); runningMean, runningVar (C) updated
public func batchNormForwardTraining(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                     batch: Int, channels: Int, spatial: Int,
                                     gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                     runningMean: UnsafeMutablePointer<Float>,
                                     runningVar: UnsafeMutablePointer<Float>,
                                     momentum: Float = 0.1, epsilon: Float = 1e-5,
                                     activation: KernelActivation = .none,
                                     saveMean: UnsafeMutablePointer<Float>,
                                     saveInvStd: UnsafeMutablePointer<Float>, threads: Int = 1) {
    let (n, c, s) = (batch, channels, spatial)
    let count = n * s
    precondition(count > 0 || c == 0, "batchNorm: empty batch")
    if c == 0 { return }
    let inv = 1 / Float(count)
    channelSums(n, c, s, into: saveMean, threads: threads) { o, w, _ in load16(x + o, w) }
    for ch in 0..<c { saveMean[ch] *= inv }
    channelSums(n, c, s, into: saveInvStd, threads: threads) { o, w, k in
        let d = load16(x + o, w) - k.param(saveMean)
        return d * d
    }
    let unbias = count > 1 ? Float(count) / Float(count - 1) : 1
    for ch in 0..<c {
        let variance = saveInvStd[ch] * inv
        runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * saveMean[ch]
        runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * variance * unbias
        saveInvStd[ch] = 1 / (variance + epsilon).squareRoot()
    }
    normalize(x, y, n, c, s, mean: UnsafePointer(saveMean), invStd: UnsafePointer(saveInvStd), gamma, beta, activation,
              threads: threads)
}

/// Evaluation forward: normalises with the running statistics, `y = act(γ·x̂ + β)`.
// x (N, C, S), runningMean, runningVar, gamma, beta (C) -> y (N, C, S)
public func batchNormForwardInference(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                      batch: Int, channels: Int, spatial: Int,
                                      gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                      runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                                      epsilon: Float = 1e-5, activation: KernelActivation = .none, threads: Int = 1) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: max(channels, 1)) { invStd in
        let inv = invStd.baseAddress!
        for ch in 0..<channels { inv[ch] = 1 / (runningVar[ch] + epsilon).squareRoot() }
        normalize(x, y, batch, channels, spatial, mean: runningMean, invStd: UnsafePointer(inv), gamma, beta, activation,
                  threads: threads)
    }
}

@inline(__always)
private func normalize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ c: Int, _ s: Int,
                       mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                       _ gamma: UnsafePointer<Float>?, _ beta: UnsafePointer<Float>?, _ act: KernelActivation,
                       threads: Int) {
    forEachChannelChunk(n, c, s, threads: threads) { o, w, k in
        var v = (load16(x + o, w) - k.param(mean)) * k.param(invStd)
        if let gamma { v *= k.param(gamma) }
        if let beta { v += k.param(beta) }
        store16(act.apply16(v), y + o, w)
    }
}

/// Training backward, through the batch statistics:
/// `dx = γ·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂))`, `dγ = Σ dy·x̂`, `dβ = Σ dy` (per channel,
/// M = N·S). Any of `dx`, `dgamma`, `dbeta` may be nil; `dx` may alias `dy`.
// x, dy (N, C, S), gamma, saveMean, saveInvStd (C) -> dx (N, C, S), dgamma, dbeta (C)
public func batchNormBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                              batch: Int, channels: Int, spatial: Int,
                              gamma: UnsafePointer<Float>?,
                              saveMean: UnsafePointer<Float>, saveInvStd: UnsafePointer<Float>,
                              dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?,
                              accumulate: Bool = false, threads: Int = 1) {
    let (n, c, s) = (batch, channels, spatial)
    if c == 0 || n * s == 0 { return }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * c) { tmp in
        let sumDy = tmp.baseAddress!, sumDyXhat = sumDy + c, scale = sumDy + 2 * c, mean2 = sumDy + 3 * c
        channelSums(n, c, s, into: sumDy, threads: threads) { o, w, _ in load16(dy + o, w) }
        channelSums(n, c, s, into: sumDyXhat, threads: threads) { o, w, k in
            load16(dy + o, w) * ((load16(x + o, w) - k.param(saveMean)) * k.param(saveInvStd))
        }
        let inv = 1 / Float(n * s)
        for ch in 0..<c {
            scale[ch] = (gamma?[ch] ?? 1) * saveInvStd[ch]
            mean2[ch] = sumDyXhat[ch] * inv
            sumDy[ch] *= inv
        }
        if let dx {
            forEachChannelChunk(n, c, s, threads: threads) { o, w, k in
                let xhat = (load16(x + o, w) - k.param(saveMean)) * k.param(saveInvStd)
                var d = k.param(scale) * (load16(dy + o, w) - k.param(sumDy) - xhat * k.param(mean2))
                if accumulate { d += load16(UnsafePointer(dx + o), w) }
                store16(d, dx + o, w)
            }
        }
        for ch in 0..<c {
            if let dgamma { dgamma[ch] = (accumulate ? dgamma[ch] : 0) + sumDyXhat[ch] }
            if let dbeta { dbeta[ch] = (accumulate ? dbeta[ch] : 0) + sumDy[ch] * Float(n * s) }
        }
    }
}

/// The plain definitions in Double, training mode (running statistics not touched).
public func batchNormForwardTrainingReference(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                              batch: Int, channels: Int, spatial: Int,
                                              gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?,
                                              epsilon: Float = 1e-5) {
    let m = Double(batch * spatial)
    for c in 0..<channels {
        var mean = 0.0, variance = 0.0
        for n in 0..<batch { for s in 0..<spatial { mean += Double(x[(n * channels + c) * spatial + s]) } }
        mean /= m
        for n in 0..<batch {
            for s in 0..<spatial {
                let d = Double(x[(n * channels + c) * spatial + s]) - mean
                variance += d * d
            }
        }
        variance /= m
        let invStd = 1 / (variance + Double(epsilon)).squareRoot()
        for n in 0..<batch {
            for s in 0..<spatial {
                let i = (n * channels + c) * spatial + s
                y[i] = Float((Double(x[i]) - mean) * invStd * Double(gamma?[c] ?? 1) + Double(beta?[c] ?? 0))
            }
        }
    }
}

public func batchNormBackwardReference(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                       batch: Int, channels: Int, spatial: Int,
                                       gamma: UnsafePointer<Float>?, epsilon: Float = 1e-5,
                                       dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?) {
    let m = Double(batch * spatial)
    for c in 0..<channels {
        var mean = 0.0, variance = 0.0
        func at(_ n: Int, _ s: Int) -> Int { (n * channels + c) * spatial + s }
        for n in 0..<batch { for s in 0..<spatial { mean += Double(x[at(n, s)]) } }
        mean /= m
        for n in 0..<batch { for s in 0..<spatial { variance += (Double(x[at(n, s)]) - mean) * (Double(x[at(n, s)]) - mean) } }
        variance /= m
        let invStd = 1 / (variance + Double(epsilon)).squareRoot()
        var sdy = 0.0, sdyx = 0.0
        for n in 0..<batch {
            for s in 0..<spatial {
                sdy += Double(dy[at(n, s)])
                sdyx += Double(dy[at(n, s)]) * (Double(x[at(n, s)]) - mean) * invStd
            }
        }
        let g = Double(gamma?[c] ?? 1)
        for n in 0..<batch {
            for s in 0..<spatial {
                let xhat = (Double(x[at(n, s)]) - mean) * invStd
                dx[at(n, s)] = Float(g * invStd / m * (m * Double(dy[at(n, s)]) - sdy - xhat * sdyx))
            }
        }
        dgamma?[c] = Float(sdyx)
        dbeta?[c] = Float(sdy)
    }
}
