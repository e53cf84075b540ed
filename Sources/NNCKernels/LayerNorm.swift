// Layer normalisation: statistics per sample over its C·S values (two-pass variance), with
// an optional scale and shift per channel (per feature for a dense layer, where S = 1).

/// Layer norm forward: `y = act(γ[c]·(x − mean)/√(var + ε) + β[c])` per sample,
/// `gamma`/`beta` optional; saves each sample's mean and 1/√(var + ε). `y` may alias `x`.
// x (B, C, S), gamma, beta (C) -> y (B, C, S), saveMean, saveInvStd (B)
public func layerNormForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                             batch: Int, channels: Int, spatial: Int,
                             gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, epsilon: Float = 1e-5,
                             activation: KernelActivation = .none,
                             saveMean: UnsafeMutablePointer<Float>?, saveInvStd: UnsafeMutablePointer<Float>?) {
    let d = channels * spatial
    if d == 0 { return }
    for b in 0..<batch {
        let row = x + b * d
        let mean = Float(blockedSum(row, d) / Double(d))
        let m16 = F16(repeating: mean)
        var acc = F16()
        forEachChunk(d) { j, w in
            var v = load16(row + j, w) - m16
            if w < 16 { for l in w..<16 { v[l] = 0 } }
            acc.addProduct(v, v)
        }
        let invStd = 1 / (acc.sum() / Float(d) + epsilon).squareRoot()
        saveMean?[b] = mean
        saveInvStd?[b] = invStd
        let s16 = F16(repeating: invStd)
        forEachChannelChunk(1, channels, spatial) { o, w, k in
            var v = (load16(row + o, w) - m16) * s16
            if let gamma { v *= k.param(gamma) }
            if let beta { v += k.param(beta) }
            store16(activation.apply16(v), y + b * d + o, w)
        }
    }
}

/// Layer norm backward: with `g = dy·γ[c]` and x̂ the normalised input, per sample
/// `dx = invStd·(g − mean(g) − x̂·mean(g·x̂))`; `dγ[c] = Σ dy·x̂`, `dβ[c] = Σ dy` over samples
/// and positions. Any of `dx`, `dgamma`, `dbeta` may be nil; `dx` may alias `dy`.
// x, dy (B, C, S), gamma (C), saveMean, saveInvStd (B) -> dx (B, C, S), dgamma, dbeta (C)
public func layerNormBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                              batch: Int, channels: Int, spatial: Int, gamma: UnsafePointer<Float>?,
                              saveMean: UnsafePointer<Float>, saveInvStd: UnsafePointer<Float>,
                              dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?,
                              accumulate: Bool = false) {
    let d = channels * spatial
    if d == 0 { return }
    if !accumulate {
        dgamma?.update(repeating: 0, count: channels)
        dbeta?.update(repeating: 0, count: channels)
    }
    for b in 0..<batch {
        let xr = x + b * d, gr = dy + b * d
        let m16 = F16(repeating: saveMean[b]), s16 = F16(repeating: saveInvStd[b])
        var sg: Float = 0, sgx: Float = 0
        for c in 0..<channels {
            var pg = F16(), pgx = F16()
            forEachChunk(spatial) { j, w in
                let o = c * spatial + j
                var xhat = (load16(xr + o, w) - m16) * s16
                var g = load16(gr + o, w)
                if w < 16 { for l in w..<16 { xhat[l] = 0; g[l] = 0 } }
                pg += g
                pgx += g * xhat
            }
            let sdy = pg.sum(), sdyx = pgx.sum()
            if let dgamma { dgamma[c] += sdyx }
            if let dbeta { dbeta[c] += sdy }
            let gm = gamma?[c] ?? 1
            sg += gm * sdy
            sgx += gm * sdyx
        }
        guard let dx else { continue }
        let meanG = F16(repeating: sg / Float(d)), meanGX = F16(repeating: sgx / Float(d))
        forEachChannelChunk(1, channels, spatial) { o, w, k in
            let xhat = (load16(xr + o, w) - m16) * s16
            var g = load16(gr + o, w)
            if let gamma { g *= k.param(gamma) }
            var v = s16 * (g - meanG - xhat * meanGX)
            if accumulate { v += load16(UnsafePointer(dx + b * d + o), w) }
            store16(v, dx + b * d + o, w)
        }
    }
}

/// The plain definitions in Double.
public func layerNormForwardReference(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                      batch: Int, channels: Int, spatial: Int,
                                      gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, epsilon: Float = 1e-5) {
    let d = channels * spatial
    for b in 0..<batch {
        let row = x + b * d
        let mean = (0..<d).reduce(0.0) { $0 + Double(row[$1]) } / Double(d)
        let v = (0..<d).reduce(0.0) { $0 + (Double(row[$1]) - mean) * (Double(row[$1]) - mean) } / Double(d)
        let inv = 1 / (v + Double(epsilon)).squareRoot()
        for j in 0..<d {
            let c = j / spatial
            y[b * d + j] = Float((Double(row[j]) - mean) * inv * Double(gamma?[c] ?? 1) + Double(beta?[c] ?? 0))
        }
    }
}

public func layerNormBackwardReference(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                       batch: Int, channels: Int, spatial: Int, gamma: UnsafePointer<Float>?,
                                       epsilon: Float = 1e-5,
                                       dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?) {
    let d = channels * spatial
    var dg = [Double](repeating: 0, count: channels), db = dg
    for b in 0..<batch {
        let row = x + b * d, gr = dy + b * d
        let mean = (0..<d).reduce(0.0) { $0 + Double(row[$1]) } / Double(d)
        let v = (0..<d).reduce(0.0) { $0 + (Double(row[$1]) - mean) * (Double(row[$1]) - mean) } / Double(d)
        let inv = 1 / (v + Double(epsilon)).squareRoot()
        var sg = 0.0, sgx = 0.0
        for j in 0..<d {
            let c = j / spatial
            let xhat = (Double(row[j]) - mean) * inv
            let g = Double(gr[j]) * Double(gamma?[c] ?? 1)
            sg += g
            sgx += g * xhat
            dg[c] += Double(gr[j]) * xhat
            db[c] += Double(gr[j])
        }
        for j in 0..<d {
            let c = j / spatial
            let xhat = (Double(row[j]) - mean) * inv
            let g = Double(gr[j]) * Double(gamma?[c] ?? 1)
            dx[b * d + j] = Float(inv * (g - sg / Double(d) - xhat * sgx / Double(d)))
        }
    }
    for c in 0..<channels {
        dgamma?[c] = Float(dg[c])
        dbeta?[c] = Float(db[c])
    }
}
