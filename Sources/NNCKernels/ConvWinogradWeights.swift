// The weight gradient of the convolutions ConvWinograd.swift runs by Winograd.

/// `conv2dBackwardWeights` by Winograd, by the transpose of the forward pass: with
/// Z = A dY Aᵀ per tile of the output gradient (expanded m × m → α × α),
///     dU_ξ (channels × out) = Σ_tiles V_ξᵀ · Z_ξ,   dw = Gᵀ dU G.
/// Samples go in a fixed number of chunks (set by the shape, never the threads), each summed
/// into a dU of its own and added in chunk order (`sumChunksInWaves`: as many chunks at a time
/// as threads), and the sum is transformed in Double.
func winogradBackwardWeights(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                             geometry g: WinogradGeometry, threads: Int, accumulate: Bool) {
    switch (g.m, g.r) {
    case (4, _): winogradWeights(WinogradF4x3.self, x, dy, dweight, g, threads: threads, accumulate: accumulate)
    case (_, 3): winogradWeights(WinogradF2x3.self, x, dy, dweight, g, threads: threads, accumulate: accumulate)
    default: winogradWeights(WinogradF2x5.self, x, dy, dweight, g, threads: threads, accumulate: accumulate)
    }
}

private func winogradWeights<K: WinogradKernel>(_: K.Type, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                                _ dweight: UnsafeMutablePointer<Float>, _ g: WinogradGeometry,
                                                threads: Int, accumulate: Bool) {
    let alpha = g.alpha, xi = alpha * alpha, cs = g.channelStride, os = g.outStride, bt = g.weightBlockTiles
    let gridW = g.m * g.tilesW, oh = g.outHeight, ow = g.outWidth
    let counts = g.weightChunkCounts, chunks = g.weightChunks
    let taken = ScratchPool.shared.take(g.weightScratch(threads: threads))
    defer { ScratchPool.shared.give(taken) }
    let sum = taken[0], gridCount = g.gridCount
    sumChunksInWaves(chunks, buffers: Array(taken[1...]), into: sum, count: counts[0], threads: threads) { chunk, du in
        let padded = du + counts[0], plain = padded + counts[1], plainDY = plain + counts[2]
        let v = plainDY + counts[3], z = v + counts[4], grid = z + counts[5], tmp = grid + counts[6]
        (du + counts[0]).update(repeating: 0, count: counts[1...].reduce(0, +))
        var first = true
        let samples = g.batch * chunk / chunks ..< g.batch * (chunk + 1) / chunks
        for n0 in stride(from: samples.lowerBound, to: samples.upperBound, by: g.group) {
            let group = min(g.group, samples.upperBound - n0)
            for j in 0..<group {
                let n = n0 + j, sampleGrid = grid + j * gridCount
                padSample(x + n * g.channels * g.height * g.width, g, plain: plain, padded: padded + j * g.paddedCount, tmp: tmp)
                transposeInto(dy + n * g.outChannels * oh * ow, oh * ow, rows: g.outChannels, cols: oh * ow, plainDY, os,
                              accumulate: false, tmp)
                for y in 0..<oh { (sampleGrid + y * gridW * os).update(from: plainDY + y * ow * os, count: ow * os) }
            }
            var t0 = 0
            while t0 < group * g.tiles {
                let count = min(bt, group * g.tiles - t0)
                transformInputs(K.self, padded, g, tiles: t0..<(t0 + count), into: v, blockTiles: bt, tmp: tmp)
                // Z_ξ[tile][out] = (A dY Aᵀ)_ξ: each row of the m × m tile expanded, then the columns.
                for tile in 0..<count {
                    let t = (t0 + tile) % g.tiles, ty = t / g.tilesW, tx = t % g.tilesW
                    let top = grid + (t0 + tile) / g.tiles * gridCount + (ty * gridW + tx) * g.m * os
                    for o0 in stride(from: 0, to: g.outChannels, by: 16) {
                        for q in 0..<g.m {
                            K.expand({ load16(top + (q * gridW + $0) * os + o0) }, { store16($1, tmp + (q * alpha + $0) * 16) })
                        }
                        for l in 0..<alpha {
                            K.expand({ load16(tmp + ($0 * alpha + l) * 16) }, { store16($1, z + (($0 * alpha + l) * bt + tile) * os + o0) })
                        }
                    }
                }
                // dU_ξ (+)= V_ξᵀ · Z_ξ, 8 channels × 32 out channels at a time, depth `count` tiles.
                for xx in 0..<xi {
                    for i0 in stride(from: 0, to: cs, by: 8) {
                        for o0 in stride(from: 0, to: os, by: 32) {
                            microKernel8x32(count, v + xx * bt * cs + i0, 1, cs, 8, z + xx * bt * os + o0, os,
                                            du + (xx * cs + i0) * os + o0, os, 1, first ? 0 : 1)
                        }
                    }
                }
                first = false
                t0 += count
            }
        }
    }
    // dw[o][i] = Gᵀ dU_(i, o) G in Double.
    let r = g.r, cin = g.channels, cout = g.outChannels
    K.matrices.g.withUnsafeBufferPointer { gp in
        parallelChunks(cout, threads: threads, grain: 8, align: 1) { outs in
            var t = [Double](repeating: 0, count: alpha * r)
            for o in outs {
                for i in 0..<cin {
                    // t = dU Gᵀ… as (α × r): t[a][kw] = Σ_b dU[a][b] G[b][kw]; dw = Gᵀ t.
                    for a in 0..<alpha {
                        for kw in 0..<r {
                            var s = 0.0
                            for b in 0..<alpha { s += Double(sum[((a * alpha + b) * cs + i) * os + o]) * gp[b * r + kw] }
                            t[a * r + kw] = s
                        }
                    }
                    let out = dweight + (o * cin + i) * r * r
                    for kh in 0..<r {
                        for kw in 0..<r {
                            var s = 0.0
                            for a in 0..<alpha { s += gp[a * r + kh] * t[a * r + kw] }
                            out[kh * r + kw] = accumulate ? out[kh * r + kw] + Float(s) : Float(s)
                        }
                    }
                }
            }
        }
    }
}

extension WinogradGeometry {
    /// Chunks of samples the weight gradient sums apart: fixed by the shape, never the threads.
    var weightChunks: Int { min(batch, 8) }
    /// The group's dy inside a zero border to whole tiles, one sample's part.
    var gridCount: Int { m * tilesH * m * tilesW * outStride }
    /// A chunk's buffers: dU, the group's padded samples, a sample and its dy transposed, V, Z,
    /// the group's dy on the tile grid, tmp.
    var weightChunkCounts: [Int] {
        let xi = alpha * alpha, bt = weightBlockTiles
        return [xi * channelStride * outStride, group * paddedCount, height * width * channelStride,
                outHeight * outWidth * outStride, xi * bt * channelStride, xi * bt * outStride, group * gridCount,
                xi * 16 + 256]
    }
    /// What a weight-gradient call takes: the running sum of dU, then a chunk's buffers per thread.
    func weightScratch(threads: Int) -> [Int] {
        [weightChunkCounts[0]] + [Int](repeating: weightChunkCounts.reduce(0, +), count: max(1, min(threads, weightChunks)))
    }
}
