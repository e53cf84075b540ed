// K-FAC's input factor of a stride-1 convolution by displacement. Entry ((c, k), (c', k')) of
// A = Σ_b Σ_t ā ā ᵀ pairs input channel c at kernel offset k with c' at k' = k + δ:
//
//     Σ_b Σ_t x[b, c, t + k] x[b, c', t + k + δ]  =  Σ_{u ∈ W_k} Q_δ[c, c'](u),
//     Q_δ[c, c'](u) = Σ_b x[b, c, u] x[b, c', u + δ],
//
// W_k the output grid shifted by k (inside the image; the padding is zeros). There are only
// (2·kh − 1)(2·kw − 1) displacements, half of them up to symmetry, against (kh·kw)² offset
// pairs: for cifar_conv's 5×5 layers a fifth of im2col's product (C·kh·kw)² · positions, as
// one C × C product over the batch per displacement and position, each added to the sums of
// the offset pairs whose window holds the position (no Q kept for the whole image).

/// Whether `kfacConvInputFactor` goes by displacement: stride 1, a kernel larger than 1 × 1, and
/// at least 16 input channels (fewer leave the products' 8 × 32 tiles mostly empty).
func kfacInputFactorByDisplacement(_ s: Conv2dShape) -> Bool {
    s.strideH == 1 && s.strideW == 1 && s.inChannels >= 16 && s.kernelH * s.kernelW > 1 && s.batch > 0
}

/// Floats `kfacConvInputFactor` takes from the kernels' scratch pool on `threads` threads.
public func kfacConvInputFactorScratchFloats(_ s: Conv2dShape, threads: Int) -> Int {
    kfacInputFactorByDisplacement(s) ? ScratchPool.slabFloats(kfacDisplacementScratch(s, threads: threads)) : 0
}

/// The displacements (dy, dx) with dy > 0, or dy == 0 and dx ≥ 0: the others are their mirrors.
private func displacements(_ s: Conv2dShape) -> [(dy: Int, dx: Int)] {
    var shifts: [(dy: Int, dx: Int)] = []
    for dy in 0..<s.kernelH { for dx in (1 - s.kernelW)..<s.kernelW where dy > 0 || dx >= 0 { shifts.append((dy, dx)) } }
    return shifts
}

/// What the factor by displacement takes: the batch transposed and a 16 × 16 block, then per part
/// Q(u) of one position and a sum per offset pair.
private func kfacDisplacementScratch(_ s: Conv2dShape, threads: Int) -> [Int] {
    let rows = (s.inChannels + 7) / 8 * 8, cols = (s.inChannels + 31) / 32 * 32
    let parts = max(1, min(threads, displacements(s).count))
    return [s.height * s.width * s.batch * cols + 256]
        + [Int](repeating: (s.kernelH * s.kernelW + 1) * rows * cols, count: parts)
}

/// `kfacConvInputFactor` by displacement when `kfacInputFactorByDisplacement(s)`; false otherwise.
func kfacConvInputFactorByDisplacement(x: UnsafePointer<Float>, shape s: Conv2dShape, bias: Bool,
                                       a: UnsafeMutablePointer<Float>, keep: Float, add: Float, threads: Int) -> Bool {
    guard kfacInputFactorByDisplacement(s) else { return false }
    let c = s.inChannels, hw = s.height * s.width, b = s.batch, kh = s.kernelH, kw = s.kernelW, kk = kh * kw
    let rows = (c + 7) / 8 * 8, cols = (c + 31) / 32 * 32   // Q's tiles: rows of 8, columns of 32
    let n = s.patchSize + (bias ? 1 : 0), scale = add / Float(b)
    let taken = ScratchPool.shared.take(kfacDisplacementScratch(s, threads: threads))
    defer { ScratchPool.shared.give(taken) }
    // The batch as positions × samples × channels (channels zero-padded to `cols`), a 16 × 16 block.
    let xt = taken[0], block = taken[0] + hw * b * cols
    xt.update(repeating: 0, count: hw * b * cols)
    for i in 0..<b { transposeInto(x + i * c * hw, hw, rows: c, cols: hw, xt + i * cols, b * cols, accumulate: false, block) }

    // Displacements with dy > 0, or dy == 0 and dx ≥ 0; each writes its entries and their mirrors.
    let shifts = displacements(s)
    // Per part: Q(u) for one position, and one sum per offset pair of the displacement.
    let tile = rows * cols, buffers = Array(taken[1...]), parts = buffers.count
    WorkerPool.shared.run(parts: parts) { part in
        let q = buffers[part], sums = q + tile
        for shift in stride(from: part, to: shifts.count, by: parts).map({ shifts[$0] }) {
            // The offset pairs (k, k + δ) inside the kernel, with the positions offset k reads.
            var pairs: [(ky: Int, kx: Int, rows: Range<Int>, columns: Range<Int>)] = []
            for ky in max(0, -shift.dy)..<min(kh, kh - shift.dy) {
                for kx in max(0, -shift.dx)..<min(kw, kw - shift.dx) {
                    pairs.append((ky, kx, reach(ky, s.padH, s.outHeight, s.height), reach(kx, s.padW, s.outWidth, s.width)))
                }
            }
            sums.update(repeating: 0, count: pairs.count * tile)
            // Q_δ(u) for each position u whose u + δ is in the image, added to the sum of every
            // pair whose window (the positions its offset k reads) holds u, positions in order.
            for uy in 0..<s.height {
                for ux in 0..<s.width {
                    let vy = uy + shift.dy, vx = ux + shift.dx
                    guard vy < s.height, vx >= 0, vx < s.width else { continue }
                    let left = xt + (uy * s.width + ux) * b * cols, right = xt + (vy * s.width + vx) * b * cols
                    for c0 in stride(from: 0, to: c, by: 8) {
                        for c1 in stride(from: 0, to: cols, by: 32) {
                            microKernel8x32(b, left + c0, 1, cols, min(8, c - c0), right + c1, cols,
                                            q + c0 * cols + c1, cols, 1, 0)
                        }
                    }
                    for (index, pair) in pairs.enumerated() where pair.rows.contains(uy) && pair.columns.contains(ux) {
                        let sum = sums + index * tile
                        for i in stride(from: 0, to: tile, by: 16) { store16(load16(sum + i) + load16(q + i), sum + i) }
                    }
                }
            }
            // Into A and its mirror.
            for (index, pair) in pairs.enumerated() {
                let sum = sums + index * tile
                let k = pair.ky * kw + pair.kx, k2 = (pair.ky + shift.dy) * kw + pair.kx + shift.dx
                for i in 0..<c {
                    // δ = 0 pairs (c, c') and (c', c) alike: once each, with i ≤ j.
                    for j in (shift.dy == 0 && shift.dx == 0 ? i : 0)..<c {
                        let value = scale * sum[i * cols + j]
                        let row = i * kk + k, col = j * kk + k2
                        let updated = keep == 0 ? value : keep * a[row * n + col] + value
                        a[row * n + col] = updated
                        a[col * n + row] = updated
                    }
                }
            }
        }
    }
    guard bias else { return true }
    // The bias border: each patch unit's sum, Σ_b over W_k of x[b, c, ·].
    withUnsafeTemporaryAllocation(of: Float.self, capacity: c * hw + s.patchSize) { scratch in
        let plane = scratch.baseAddress!, sums = plane + c * hw
        plane.update(repeating: 0, count: c * hw)
        for i in 0..<b {
            for j in 0..<(c * hw) { plane[j] += x[i * c * hw + j] }
        }
        for ch in 0..<c {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    var t: Float = 0
                    for uy in reach(ky, s.padH, s.outHeight, s.height) {
                        for ux in reach(kx, s.padW, s.outWidth, s.width) { t += plane[ch * hw + uy * s.width + ux] }
                    }
                    sums[ch * kk + ky * kw + kx] = t
                }
            }
        }
        updateBiasBorder(a, n: n, sums: sums, keep: keep, add: scale, corner: add * Float(s.outPositions))
    }
    return true
}

/// The image rows (or columns) kernel offset k meets across the output (stride 1): k − pad …
/// k − pad + out − 1, inside the image.
private func reach(_ k: Int, _ pad: Int, _ out: Int, _ size: Int) -> Range<Int> {
    let low = max(0, k - pad)
    return low..<max(low, min(size, k - pad + out))
}
