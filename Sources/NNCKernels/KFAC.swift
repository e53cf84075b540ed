// K-FAC's kernels (docs/ALGORITHMS.md "K-FAC"): the Kronecker factors' moving averages formed
// with GEMM, a damped factor's inverse in Double, and the preconditioned gradient G⁻¹·∇·A⁻¹.
// Factors are n × n row-major Float with the bias unit (the input's appended constant 1) last.
// Each factor update is `F ← keep·F + add·(batch statistic)`: keep = 0, add = 1 forms it afresh
// (F is then not read, so it may hold anything).

/// A dense layer's input factor: `A ← keep·A + add·[x 1]ᵀ[x 1]/B`.
// x (B, f) -> a (n, n), n = f + (bias ? 1 : 0)
public func kfacDenseInputFactor(x: UnsafePointer<Float>, batch: Int, features f: Int, bias: Bool,
                                 a: UnsafeMutablePointer<Float>, keep: Float, add: Float,
                                 threads: Int, workspace: GEMMWorkspace?) {
    let n = f + (bias ? 1 : 0), scale = add / Float(max(batch, 1))
    symmetricProduct(transposed: true, n: f, k: batch, alpha: scale, a: x, lda: max(f, 1), beta: keep, c: a, ldc: n,
                     threads: threads, workspace: workspace)
    guard bias else { return }
    // The bias row and column: the mean of each input unit, and 1 in the corner.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: max(f, 1)) { sums in
        let s = sums.baseAddress!
        s.update(repeating: 0, count: f)
        for b in 0..<batch {
            let row = x + b * f
            for j in 0..<f { s[j] += row[j] }
        }
        updateBiasBorder(a, n: n, sums: s, keep: keep, add: scale, corner: add)
    }
}

/// A convolution's input factor (Grosse & Martens' KFC): the patches' second moment summed
/// over output positions and averaged over the batch, `A ← keep·A + add·Σ_t ā_t ā_tᵀ/B` with
/// ā_t a patch (C·kh·kw values) and its constant 1. Stride-1 convolutions with 16 channels or
/// more go by displacement (KFACConvFactor.swift); the rest as im2col's product, where `columns`
/// holds `kfacColumnCount(s)` floats: samples side by side so that each product is ≥ ~512 deep.
// x (B, C, H, W) -> a (n, n), n = C·kh·kw + (bias ? 1 : 0)
public func kfacConvInputFactor(x: UnsafePointer<Float>, shape s: Conv2dShape, bias: Bool,
                                a: UnsafeMutablePointer<Float>, keep: Float, add: Float,
                                columns: UnsafeMutablePointer<Float>, threads: Int, workspace: GEMMWorkspace?) {
    if kfacConvInputFactorByDisplacement(x: x, shape: s, bias: bias, a: a, keep: keep, add: add, threads: threads) {
        return
    }
    let k = s.patchSize, p = s.outPositions, n = k + (bias ? 1 : 0)
    let group = kfacSampleGroup(s), scale = add / Float(max(s.batch, 1))
    withUnsafeTemporaryAllocation(of: Float.self, capacity: max(k, 1)) { sums in
        let sum = sums.baseAddress!
        sum.update(repeating: 0, count: k)
        var first = 0
        while first < s.batch {
            let count = min(group, s.batch - first), width = count * p
            for j in 0..<count {
                im2col(x: x + (first + j) * s.inPlane, col: columns + j * p, shape: s, ldcol: width)
            }
            symmetricProduct(transposed: false, n: k, k: width, alpha: scale, a: columns, lda: width,
                             beta: first == 0 ? keep : 1, c: a, ldc: n, threads: threads, workspace: workspace)
            if bias {
                for r in 0..<k {
                    let row = columns + r * width
                    var t: Float = 0
                    for c in 0..<width { t += row[c] }
                    sum[r] += t
                }
            }
            first += count
        }
        if s.batch == 0 { scaleFactor(a, count: k * n, keep: keep) }
        if bias { updateBiasBorder(a, n: n, sums: sum, keep: keep, add: scale, corner: add * Float(p)) }
    }
}

/// Floats of scratch `kfacConvInputFactor` needs.
public func kfacColumnCount(_ s: Conv2dShape) -> Int { s.patchSize * s.outPositions * kfacSampleGroup(s) }

/// Samples side by side per product: enough for a depth of ~512, at most the batch.
private func kfacSampleGroup(_ s: Conv2dShape) -> Int {
    max(1, min(s.batch, (512 + s.outPositions - 1) / max(s.outPositions, 1)))
}

/// A layer's output factor from the gradient R = ∂L/∂Y of the batch's mean loss: the
/// per-sample gradients are B·r, so `G ← keep·G + add·(B/P)·Σ_{b,t} r_{b,t} r_{b,t}ᵀ` with P the
/// output positions (1 for a dense layer; KFC's 1/|T| for a convolution).
// r (B, u, P) -> g (u, u)
public func kfacOutputFactor(r: UnsafePointer<Float>, batch: Int, units u: Int, positions p: Int,
                             g: UnsafeMutablePointer<Float>, keep: Float, add: Float,
                             threads: Int, workspace: GEMMWorkspace?) {
    let scale = add * Float(batch) / Float(max(p, 1))
    if p == 1 {
        symmetricProduct(transposed: true, n: u, k: batch, alpha: scale, a: r, lda: max(u, 1), beta: keep, c: g,
                         ldc: max(u, 1), threads: threads, workspace: workspace)
        return
    }
    if batch == 0 { scaleFactor(g, count: u * u, keep: keep) }
    for b in 0..<batch {
        let rb = r + b * u * p
        symmetricProduct(transposed: false, n: u, k: p, alpha: scale, a: rb, lda: p, beta: b == 0 ? keep : 1, c: g,
                         ldc: max(u, 1), threads: threads, workspace: workspace)
    }
}

/// The bias row and column of a factor: `keep·F + add·sums`, and `keep·F + corner` at (n−1, n−1).
func updateBiasBorder(_ a: UnsafeMutablePointer<Float>, n: Int, sums: UnsafePointer<Float>,
                              keep: Float, add: Float, corner: Float) {
    let last = n - 1
    for j in 0..<last {
        let value = add * sums[j]
        a[j * n + last] = keep == 0 ? value : keep * a[j * n + last] + value
        a[last * n + j] = keep == 0 ? value : keep * a[last * n + j] + value
    }
    a[last * n + last] = keep == 0 ? corner : keep * a[last * n + last] + corner
}

private func scaleFactor(_ a: UnsafeMutablePointer<Float>, count: Int, keep: Float) {
    for i in 0..<count { a[i] = keep == 0 ? 0 : keep * a[i] }
}

/// Σ of the diagonal of an n × n Float matrix, in Double.
public func trace(_ a: UnsafePointer<Float>, n: Int) -> Double {
    var t = 0.0
    for i in 0..<n { t += Double(a[i * n + i]) }
    return t
}

/// `(F + δI)⁻¹` of a symmetric n × n Float factor, computed in Double (Cholesky, then the
/// identity's columns solved 16 at a time by the blocked substitutions SGD2's solve uses, the
/// forward one starting at each column's first nonzero: ~5n³/3 FLOP with the Cholesky, in SIMD
/// panels, split over `threads` with the same bits on any count) and rounded to Float, the lower
/// triangle mirrored so that the result is exactly symmetric. Only F's lower triangle is read. `work` holds `2·n²`
/// Doubles. False, `inverse` untouched, when F has a non-finite entry or F + δI is not positive
/// definite; false also, `inverse` then partly written, when an entry of it overflows Float.
// factor (n, n) -> inverse (n, n)
public func dampedInverse(_ factor: UnsafePointer<Float>, n: Int, damping: Double,
                          work: UnsafeMutablePointer<Double>, inverse: UnsafeMutablePointer<Float>,
                          threads: Int = 1) -> Bool {
    let l = work, columns = work + n * n
    guard loadLowerTriangle(factor, n: n, into: l, mirror: false) else { return false }
    for i in 0..<n { l[i * n + i] += damping }
    guard choleskyFactor(l, n: n, lda: n) == .success else { return false }
    let w = solvePanelWidth
    // A column costs ~4n²/3 FLOP: split only when each part gets at least ~50 kFLOP.
    parallelChunks(n, threads: threads, grain: max(w, 40_000 / max(n * n, 1)), align: w) { range in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n * w + n) { buf in
            let p = buf.baseAddress!, inv = p + n * w
            for i in 0..<n { inv[i] = 1 / l[i * n + i] }
            var c0 = range.lowerBound
            while c0 < range.upperBound {
                let count = min(w, range.upperBound - c0)
                p.update(repeating: 0, count: n * w)
                for lane in 0..<count { p[(c0 + lane) * w + lane] = 1 }
                forwardSubstitutePanel(UnsafePointer(l), n: n, ldl: n, inverseDiagonal: inv, p, lanes: SIMD16<Double>.self,
                                       from: c0)
                backSubstitutePanel(UnsafePointer(l), n: n, ldl: n, inverseDiagonal: inv, p, lanes: SIMD16<Double>.self)
                for lane in 0..<count {
                    let column = columns + (c0 + lane) * n
                    for i in 0..<n { column[i] = p[i * w + lane] }
                }
                c0 += count
            }
        }
    }
    for i in 0..<n {
        for j in 0...i {
            let v = Float(columns[i * n + j])
            guard v.isFinite else { return false }
            inverse[i * n + j] = v
        }
    }
    mirrorLowerTriangle(inverse, n: n, ldc: n)
    return true
}

/// K-FAC's step direction for one layer, in place: `[∇W ∇b] ← G⁻¹·[∇W ∇b]·A⁻¹` where ∇W is
/// (m, f) and ∇b (m) the bias column. `work` holds `2·m·n` floats. Returns ⟨V, ∇⟩ (in Double) for
/// KL clipping, or nil, the gradient left as it was, when V has a non-finite entry.
// weightGrad (m, f), biasGrad (m), aInverse (n, n), gInverse (m, m) -> weightGrad, biasGrad
public func kfacPrecondition(weightGrad: UnsafeMutablePointer<Float>, biasGrad: UnsafeMutablePointer<Float>?,
                             rows m: Int, inputs f: Int, aInverse: UnsafePointer<Float>, gInverse: UnsafePointer<Float>,
                             work: UnsafeMutablePointer<Float>, threads: Int, workspace: GEMMWorkspace?) -> Double? {
    let n = f + (biasGrad == nil ? 0 : 1)
    let grad = work, half = work + m * n
    for i in 0..<m {
        (grad + i * n).update(from: weightGrad + i * f, count: f)
        if let biasGrad { grad[i * n + f] = biasGrad[i] }
    }
    gemm(transA: false, transB: false, m: m, n: n, k: m, a: gInverse, lda: max(m, 1), b: grad, ldb: max(n, 1),
         c: half, ldc: max(n, 1), threads: threads, workspace: workspace)
    gemm(transA: false, transB: false, m: m, n: n, k: n, a: half, lda: max(n, 1), b: aInverse, ldb: max(n, 1),
         c: grad, ldc: max(n, 1), threads: threads, workspace: workspace)
    var dot = 0.0
    for i in 0..<m {
        let v = grad + i * n, w = weightGrad + i * f
        var t: Float = 0
        for j in 0..<f { t += v[j] * w[j] }
        if let biasGrad { t += v[f] * biasGrad[i] }
        dot += Double(t)
    }
    guard dot.isFinite else { return nil }
    for i in 0..<m {
        (weightGrad + i * f).update(from: grad + i * n, count: f)
        if let biasGrad { biasGrad[i] = grad[i * n + f] }
    }
    return dot
}

/// `⟨δ, G·δ·A⟩ = vec(δ)ᵀ (A ⊗ G) vec(δ)`, in Double: the curvature K-FAC's factors give a step δ
/// (adaptive damping's quadratic model). Arrays, since the runtime calls it on copies it made.
// delta (m, n), a (n, n), g (m, m) -> scalar
public func kroneckerQuadratic(_ delta: [Float], rows m: Int, cols n: Int, a: [Float], g: [Float], threads: Int) -> Double {
    precondition(delta.count == m * n && a.count == n * n && g.count == m * m, "kroneckerQuadratic: sizes")
    if m == 0 || n == 0 { return 0 }
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * m * n) { buffer in
        let t = buffer.baseAddress!, u = t + m * n
        return delta.withUnsafeBufferPointer { d in
            a.withUnsafeBufferPointer { ap in
                g.withUnsafeBufferPointer { gp in
                    gemm(transA: false, transB: false, m: m, n: n, k: m, a: gp.baseAddress!, lda: m, b: d.baseAddress!,
                         ldb: n, c: t, ldc: n, threads: threads)
                    gemm(transA: false, transB: false, m: m, n: n, k: n, a: t, lda: n, b: ap.baseAddress!, ldb: n,
                         c: u, ldc: n, threads: threads)
                }
            }
            var sum = 0.0
            for i in 0..<(m * n) { sum += Double(d[i]) * Double(u[i]) }
            return sum
        }
    }
}

/// A norm layer's diagonal Fisher block (K-FAC's scale and shift): `F ← keep·F + (1 − keep)·F_B`
/// with F_B = (1/B)·Σ_i (B·g_i)², g_i sample i's share of the batch gradient (Σ_s dy·x̂ for the
/// scale, Σ_s dy for the shift; dy is the gradient of the batch's mean loss, so B·g_i is that of
/// sample i's own loss), in Double. x̂ = (x − mean)·invStd with the statistics per channel
/// (`perChannel`, batch norm) or per sample (layer norm). F holds the scale's C entries then the
/// shift's, those present. With `keep == 0` F is not read.
// dy, x (B, C, S), mean/invStd (C or B) -> fisher (C·(scale + shift))
public func kfacDiagonalFactor(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                               invStd: UnsafePointer<Float>, batch b: Int, channels c: Int, positions: Int,
                               perChannel: Bool, scale: Bool, shift: Bool, fisher: UnsafeMutablePointer<Float>,
                               keep: Double) {
    withUnsafeTemporaryAllocation(of: Double.self, capacity: max(2 * c, 1)) { buf in
        let sums = buf.baseAddress!
        sums.update(repeating: 0, count: 2 * c)
        for i in 0..<b {
            for ch in 0..<c {
                let statistic = perChannel ? ch : i
                let mu = Double(mean[statistic]), inv = Double(invStd[statistic])
                var gs = 0.0, gb = 0.0
                let base = (i * c + ch) * positions
                for s in 0..<positions {
                    gs += Double(dy[base + s]) * (Double(x[base + s]) - mu) * inv
                    gb += Double(dy[base + s])
                }
                sums[ch] += Double(b) * gs * gs
                sums[c + ch] += Double(b) * gb * gb
            }
        }
        // The scale's entries first, then the shift's, of those present.
        let shiftOffset = scale ? c : 0
        for ch in 0..<c {
            if scale { fisher[ch] = Float(keep * (keep == 0 ? 0 : Double(fisher[ch])) + (1 - keep) * sums[ch]) }
            if shift {
                let k = shiftOffset + ch
                fisher[k] = Float(keep * (keep == 0 ? 0 : Double(fisher[k])) + (1 - keep) * sums[c + ch])
            }
        }
    }
}

/// `inverse ← 1/(F + λ)` entry by entry, in Double. False, `inverse` untouched, when F has a
/// non-finite entry (F ≥ 0 and λ > 0 otherwise, so the inverse always exists).
// fisher (count) -> inverse (count)
public func kfacDiagonalInverse(_ fisher: UnsafePointer<Float>, count: Int, damping: Double,
                                inverse: UnsafeMutablePointer<Float>) -> Bool {
    for i in 0..<count where !fisher[i].isFinite { return false }
    for i in 0..<count { inverse[i] = Float(1 / (Double(fisher[i]) + damping)) }
    return true
}

/// The scale's and shift's gradients multiplied by their entries of 1/(F + λ), in place. Returns
/// ⟨V, ∇⟩ (in Double) for KL clipping, or nil, the gradients left as they were, when V has a
/// non-finite entry.
// scaleGrad, shiftGrad (C each, those present), inverse (C per present) -> the gradients
public func kfacDiagonalPrecondition(scaleGrad: UnsafeMutablePointer<Float>?, shiftGrad: UnsafeMutablePointer<Float>?,
                                     channels c: Int, inverse: UnsafePointer<Float>) -> Double? {
    // The scale's entries of the inverse first, then the shift's, of those present.
    let shiftOffset = scaleGrad == nil ? 0 : c
    var dot = 0.0
    func accumulate(_ g: UnsafeMutablePointer<Float>?, _ offset: Int) -> Bool {
        guard let g else { return true }
        for ch in 0..<c {
            let v = g[ch] * inverse[offset + ch]
            guard v.isFinite else { return false }
            dot += Double(v) * Double(g[ch])
        }
        return true
    }
    guard accumulate(scaleGrad, 0) && accumulate(shiftGrad, shiftOffset) else { return nil }
    if let g = scaleGrad { for ch in 0..<c { g[ch] *= inverse[ch] } }
    if let g = shiftGrad { for ch in 0..<c { g[ch] *= inverse[shiftOffset + ch] } }
    return dot
}
