// Stride-1 convolutions with a 3×3 or 5×5 kernel by Winograd's minimal filtering F(m×m, r×r)
// (Lavin & Gray 2016). Each m × m block of outputs ("tile") reads an α × α input patch d
// (α = m + r − 1) and is
//
//     Y = Aᵀ [ Σ_c (G w_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
//
// so a channel and tile cost α² multiplies where im2col's product costs m²·r²: F(2×2, 5×5)
// 36 against 100, F(4×4, 3×3) 36 against 144 (F(2×2, 3×3), 16 against 36, for outputs under 4).
// The sum over channels is, for each of the α² positions ξ, one product V_ξ (tiles × in) ·
// U_ξ (in × out), run on the GEMM's 8 × 32 micro-kernel over blocks of tiles small enough that
// a block's transformed inputs V and products M stay in L2.
//
// The transforms are in ConvWinogradTransforms.swift, the weight gradient in
// ConvWinogradWeights.swift. Every tile's outputs depend on its own patch and the filters
// only, in a fixed order: the bits do not depend on the blocking or the thread count. They differ from im2col's in the
// last bits (the transforms round); the tests hold both paths to the plain reference.
import CIntrinsics

/// Whether stride-1 3×3 and 5×5 convolutions may take the Winograd path (the default);
/// `nnc-bench conv` turns it off to time the im2col path beside it. (Tests never do: they run
/// in parallel, and other tests' thread checks would see both paths.)
public enum _ConvTuning {
    nonisolated(unsafe) public static var winograd = true
}

/// Whether `conv2dForward` takes the Winograd path for `s`.
public func winogradApplies(forward s: Conv2dShape) -> Bool { WinogradGeometry(forward: s) != nil }

/// Whether `conv2dBackwardData` takes the Winograd path for `s`.
public func winogradApplies(backwardData s: Conv2dShape) -> Bool { WinogradGeometry(backwardData: s) != nil }

/// A convolution run by Winograd: `channels` input planes of height × width, zero-padded by
/// padH, padW, into `outChannels` planes of outHeight × outWidth (stride 1). The forward pass
/// is one; the data gradient is another, over dy with the flipped filters.
///
/// A sample is transposed to positions × channels (channels padded to 16) inside its zero
/// border, so that every transform works on vectors of 16 channels with all lanes in use,
/// whatever the image's width. Per block of tiles, V_ξ is tiles × channels and
/// M_ξ = V_ξ · U_ξ tiles × out channels (padded to 32, the micro-kernel's width); the outputs
/// gather positions × out channels and are transposed back into the sample's planes.
struct WinogradGeometry {
    let batch: Int, channels: Int, height: Int, width: Int, padH: Int, padW: Int
    let outChannels: Int, outHeight: Int, outWidth: Int, r: Int
    /// Outputs per tile side: 4 for 3×3 kernels (2 when the output has fewer than 8 such tiles), 2 for 5×5.
    let m: Int

    var alpha: Int { m + r - 1 }
    var tilesH: Int { (outHeight + m - 1) / m }
    var tilesW: Int { (outWidth + m - 1) / m }
    var tiles: Int { tilesH * tilesW }
    /// Input channels padded to whole vectors; output channels to the micro-kernel's 32.
    var channelStride: Int { (channels + 15) / 16 * 16 }
    var outStride: Int { (outChannels + 31) / 32 * 32 }
    /// The zero-bordered input a sample's tiles read: m·tiles + r − 1 each way.
    var paddedHeight: Int { m * tilesH + r - 1 }
    var paddedWidth: Int { m * tilesW + r - 1 }
    /// Samples taken together: enough for 32 tiles, so that small maps still fill blocks.
    var group: Int { tiles >= 32 ? 1 : min(batch, (32 + tiles - 1) / tiles) }
    /// Tiles per block: a multiple of 8 (the micro-kernel's rows) whose V and M take at most
    /// 512 KiB, half the smallest L2 this runs on.
    var blockTiles: Int {
        let fit = (512 << 10) / (4 * alpha * alpha * (channelStride + outStride)) / 8 * 8
        return min(fit, (group * tiles + 7) / 8 * 8)
    }
    /// The weight gradient's blocks: its products are summed over the tiles, so a block is their
    /// depth, at least 32 (at 8 the micro-kernel spent its time loading and storing its tile);
    /// V and Z may then leave L2, which these products (≥ 32 FLOP a byte) afford.
    var weightBlockTiles: Int { min(max(blockTiles, 32), (group * tiles + 7) / 8 * 8) }
    /// A padded sample, and a sample's outputs as positions × channels.
    var paddedCount: Int { paddedHeight * paddedWidth * channelStride }
    var gatheredCount: Int { outHeight * outWidth * outStride }

    private var counts: [Int] {
        [group * paddedCount,                                   // the group's padded samples
         height * width * channelStride,                        // one sample transposed, unpadded
         alpha * alpha * blockTiles * channelStride,            // V
         alpha * alpha * blockTiles * outStride,                // M
         group * gatheredCount,                                 // the group's outputs
         alpha * alpha * 16 + 256]                              // a tile's transform, a 16 × 16 block
    }
    /// Scratch per thread.
    var scratchCount: Int { counts.reduce(0, +) }
    /// The transformed filters, U_ξ (channels × out channels) for each ξ.
    var filterCount: Int { alpha * alpha * channelStride * outStride }
    /// What a forward or data-gradient call takes: a scratch per thread, then the filters.
    func convolveScratch(threads: Int) -> [Int] {
        [Int](repeating: scratchCount, count: max(1, min(threads, batch))) + [filterCount]
    }

    /// The forward pass of `s`, when Winograd takes it.
    init?(forward s: Conv2dShape) {
        self.init(s, channels: s.inChannels, height: s.height, width: s.width, padH: s.padH, padW: s.padW,
                  outChannels: s.outChannels, outHeight: s.outHeight, outWidth: s.outWidth)
    }

    /// The data gradient of `s` as a convolution of dy with the flipped filters, padded r − 1 − pad.
    init?(backwardData s: Conv2dShape) {
        self.init(s, channels: s.outChannels, height: s.outHeight, width: s.outWidth,
                  padH: s.kernelH - 1 - s.padH, padW: s.kernelW - 1 - s.padW,
                  outChannels: s.inChannels, outHeight: s.height, outWidth: s.width)
    }

    private init?(_ s: Conv2dShape, channels: Int, height: Int, width: Int, padH: Int, padW: Int,
                  outChannels: Int, outHeight: Int, outWidth: Int) {
        let r = s.kernelH
        guard _ConvTuning.winograd, r == 3 || r == 5, s.kernelW == r, s.strideH == 1, s.strideW == 1,
              s.padH < r, s.padW < r, !s.isDense, s.batch > 0,
              // Shallow products leave the micro-kernel idle: im2col's deeper ones win there.
              channels >= 16, outChannels >= 16, outHeight >= 2, outWidth >= 2 else { return nil }
        self.batch = s.batch; self.channels = channels; self.height = height; self.width = width
        self.padH = padH; self.padW = padW; self.outChannels = outChannels
        self.outHeight = outHeight; self.outWidth = outWidth; self.r = r
        m = r == 3 && outHeight >= 4 && outWidth >= 4 ? 4 : 2
        guard blockTiles >= 8 else { return nil }
    }
}

/// `conv2dForward` by Winograd: y = conv(x, weight) then the epilogue (per sample).
func winogradForward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                     geometry g: WinogradGeometry, epilogue: GEMMEpilogue, threads: Int) {
    switch (g.m, g.r) {
    case (4, _): winogradConvolve(WinogradF4x3.self, x, weight, flipped: false, y, g, epilogue, accumulate: false, threads)
    case (_, 3): winogradConvolve(WinogradF2x3.self, x, weight, flipped: false, y, g, epilogue, accumulate: false, threads)
    default: winogradConvolve(WinogradF2x5.self, x, weight, flipped: false, y, g, epilogue, accumulate: false, threads)
    }
}

/// `conv2dBackwardData` by Winograd: dx (+)= conv(dy, flipped weight) then the epilogue.
func winogradBackwardData(dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                          geometry g: WinogradGeometry, epilogue: GEMMEpilogue, threads: Int, accumulate: Bool) {
    switch (g.m, g.r) {
    case (4, _): winogradConvolve(WinogradF4x3.self, dy, weight, flipped: true, dx, g, epilogue, accumulate: accumulate, threads)
    case (_, 3): winogradConvolve(WinogradF2x3.self, dy, weight, flipped: true, dx, g, epilogue, accumulate: accumulate, threads)
    default: winogradConvolve(WinogradF2x5.self, dy, weight, flipped: true, dx, g, epilogue, accumulate: accumulate, threads)
    }
}

/// Filters transformed once, then each thread's contiguous samples a group at a time.
private func winogradConvolve<K: WinogradKernel>(_: K.Type, _ input: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                                  flipped: Bool, _ output: UnsafeMutablePointer<Float>,
                                                  _ g: WinogradGeometry, _ epilogue: GEMMEpilogue,
                                                  accumulate: Bool, _ threads: Int) {
    let taken = ScratchPool.shared.take(g.convolveScratch(threads: threads))
    defer { ScratchPool.shared.give(taken) }
    let parts = taken.count - 1, buffers = taken[..<parts], filters = taken[parts]
    transformFilters(K.matrices, weight, flipped: flipped, g, into: filters, threads: threads)
    let run = { (part: Int) in
        let scratch = buffers[part]
        // Zero once: the borders and padded channels are never written after.
        scratch.update(repeating: 0, count: g.scratchCount)
        let samples = g.batch * part / parts ..< g.batch * (part + 1) / parts
        for n0 in stride(from: samples.lowerBound, to: samples.upperBound, by: g.group) {
            let count = min(g.group, samples.upperBound - n0)
            winogradGroup(K.self, input + n0 * g.channels * g.height * g.width, count: count, UnsafePointer(filters),
                          output + n0 * g.outChannels * g.outHeight * g.outWidth, g, scratch: scratch,
                          accumulate: accumulate)
            if !epilogue.isIdentity {
                let plane = g.outHeight * g.outWidth
                for n in n0..<(n0 + count) {
                    applyEpilogue(epilogue.advanced(by: n * g.outChannels * plane), c: output + n * g.outChannels * plane,
                                  ldc: plane, rows: 0..<g.outChannels, cols: 0..<plane)
                }
            }
        }
    }
    if parts <= 1 { run(0) } else { WorkerPool.shared.run(parts: parts) { run($0) } }
}

/// U_ξ = (G w Gᵀ)_ξ for every (in, out) pair, in Double: filters[(ξ·channelStride + in)·outStride + out],
/// zero for padded channels. `flipped` reads the data gradient's filter: in and out swapped,
/// the kernel turned 180°.
private func transformFilters(_ mats: WinogradMatrices, _ weight: UnsafePointer<Float>, flipped: Bool,
                              _ g: WinogradGeometry, into filters: UnsafeMutablePointer<Float>, threads: Int) {
    let r = g.r, alpha = g.alpha, cin = g.channels, cout = g.outChannels, cs = g.channelStride, os = g.outStride
    filters.update(repeating: 0, count: g.filterCount)
    mats.g.withUnsafeBufferPointer { gp in
        parallelChunks(cout, threads: threads, grain: 8, align: 8) { outs in
            var w = [Double](repeating: 0, count: r * r), t = [Double](repeating: 0, count: alpha * r)
            for o in outs {
                for i in 0..<cin {
                    for kh in 0..<r {
                        for kw in 0..<r {
                            w[kh * r + kw] = Double(flipped ? weight[((i * cout + o) * r + r - 1 - kh) * r + r - 1 - kw]
                                                            : weight[((o * cin + i) * r + kh) * r + kw])
                        }
                    }
                    // t = G w (α × r), then U = t Gᵀ (α × α).
                    for a in 0..<alpha {
                        for kw in 0..<r {
                            var s = 0.0
                            for kh in 0..<r { s += gp[a * r + kh] * w[kh * r + kw] }
                            t[a * r + kw] = s
                        }
                    }
                    for a in 0..<alpha {
                        for b in 0..<alpha {
                            var s = 0.0
                            for kw in 0..<r { s += t[a * r + kw] * gp[b * r + kw] }
                            filters[((a * alpha + b) * cs + i) * os + o] = Float(s)
                        }
                    }
                }
            }
        }
    }
}

/// `count` consecutive samples: each transposed into its zero border, then their tiles block by
/// block (input transform into V, the α² products into M, output transform into positions ×
/// channels), then each transposed into `output` (added to it when accumulating).
@inline(__always)
private func winogradGroup<K: WinogradKernel>(_: K.Type, _ input: UnsafePointer<Float>, count samples: Int,
                                              _ filters: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                              _ g: WinogradGeometry, scratch: UnsafeMutablePointer<Float>, accumulate: Bool) {
    let alpha = g.alpha, xi = alpha * alpha, cs = g.channelStride, os = g.outStride, bt = g.blockTiles
    let ow = g.outWidth, oh = g.outHeight
    let padded = scratch
    let plain = padded + g.group * g.paddedCount
    let v = plain + g.height * g.width * cs
    let m = v + xi * bt * cs
    let gathered = m + xi * bt * os
    let tmp = gathered + g.group * g.gatheredCount

    for j in 0..<samples {
        padSample(input + j * g.channels * g.height * g.width, g, plain: plain, padded: padded + j * g.paddedCount, tmp: tmp)
    }
    var t0 = 0
    while t0 < samples * g.tiles {
        let count = min(bt, samples * g.tiles - t0)
        transformInputs(K.self, padded, g, tiles: t0..<(t0 + count), into: v, blockTiles: bt, tmp: tmp)
        // M_ξ = V_ξ · U_ξ, 8 tiles × 32 out channels at a time.
        for x in 0..<xi {
            for r0 in stride(from: 0, to: count, by: 8) {
                for o0 in stride(from: 0, to: os, by: 32) {
                    microKernel8x32(cs, v + (x * bt + r0) * cs, cs, 1, min(8, count - r0), filters + x * cs * os + o0, os,
                                    m + (x * bt + r0) * os + o0, os, 1, 0)
                }
            }
        }
        // Y = Aᵀ M A per tile and 16 out channels (along each row of M, then down), into
        // positions × channels; the part of an edge tile past the output is dropped.
        for tile in 0..<count {
            let j = (t0 + tile) / g.tiles, t = (t0 + tile) % g.tiles
            let y0 = t / g.tilesW * g.m, x0 = t % g.tilesW * g.m, out = gathered + j * g.gatheredCount
            for o0 in stride(from: 0, to: g.outChannels, by: 16) {
                for i in 0..<alpha {
                    K.output({ load16(m + ((i * alpha + $0) * bt + tile) * os + o0) }, { store16($1, tmp + ($0 * alpha + i) * 16) })
                }
                for p in 0..<min(g.m, ow - x0) {
                    K.output({ load16(tmp + (p * alpha + $0) * 16) }) { q, v in
                        if y0 + q < oh { store16(v, out + ((y0 + q) * ow + x0 + p) * os + o0) }
                    }
                }
            }
        }
        t0 += count
    }
    for j in 0..<samples {
        transposeInto(gathered + j * g.gatheredCount, os, rows: oh * ow, cols: g.outChannels,
                      output + j * g.outChannels * oh * ow, oh * ow, accumulate: accumulate, tmp)
    }
}

/// The sample's planes (channels × height·width) as positions × channels in `plain`, then its
/// rows copied inside `padded`'s zero border (which nothing else writes).
@inline(__always)
func padSample(_ input: UnsafePointer<Float>, _ g: WinogradGeometry, plain: UnsafeMutablePointer<Float>,
                       padded: UnsafeMutablePointer<Float>, tmp: UnsafeMutablePointer<Float>) {
    let cs = g.channelStride, pw = g.paddedWidth
    transposeInto(input, g.height * g.width, rows: g.channels, cols: g.height * g.width, plain, cs, accumulate: false, tmp)
    for y in 0..<g.height {
        (padded + ((y + g.padH) * pw + g.padW) * cs).update(from: plain + y * g.width * cs, count: g.width * cs)
    }
}

/// V_ξ[tile][channel] = (Bᵀ d B)_ξ for a group's `tiles` (tile t is sample t / tiles of the
/// group's padded samples; row t − lowerBound of a block of `bt`): down each column of
/// the patch, then along each row, 16 channels at a time.
@inline(__always)
func transformInputs<K: WinogradKernel>(_: K.Type, _ padded: UnsafePointer<Float>, _ g: WinogradGeometry,
                                                tiles: Range<Int>, into v: UnsafeMutablePointer<Float>, blockTiles bt: Int,
                                                tmp: UnsafeMutablePointer<Float>) {
    let alpha = g.alpha, cs = g.channelStride, pw = g.paddedWidth
    for t in tiles {
        let tile = t - tiles.lowerBound, ty = t % g.tiles / g.tilesW, tx = t % g.tilesW
        let patch = padded + t / g.tiles * g.paddedCount + (ty * pw + tx) * g.m * cs
        for c0 in stride(from: 0, to: cs, by: 16) {
            for l in 0..<alpha {
                K.input({ load16(patch + ($0 * pw + l) * cs + c0) }, { store16($1, tmp + ($0 * alpha + l) * 16) })
            }
            for i in 0..<alpha {
                K.input({ load16(tmp + (i * alpha + $0) * 16) },
                        { store16($1, v + ((i * alpha + $0) * bt + tile) * cs + c0) })
            }
        }
    }
}
