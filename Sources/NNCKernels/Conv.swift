// 2-D convolution, NCHW, as im2col + GEMM. Per sample, the input patches are laid out as
// the columns of `col` (C·kh·kw, OH·OW) and the output is one product:
//     y[n] (OC, OH·OW) = weight (OC, C·kh·kw) · col (C·kh·kw, OH·OW) + bias
// The backward passes are the two other products of the same three matrices. A 1×1
// convolution with stride 1 and no padding uses the input itself as `col`; one whose kernel
// covers the whole (unpadded) image is a dense layer, one product over the whole batch.
//
// Samples with few output positions (< 256) are grouped side by side, (K, group·P), so that
// each product is wide (or deep) enough for the micro-kernels; the group size depends on the
// shape only. Threads: large samples are split over the pool, each thread with an im2col
// buffer of its own and 1-thread products; grouped samples are filled (im2col, col2im,
// copies) in parallel and each group's product is split like any gemm. The weight gradient
// sums fixed chunks of samples into partials, added in chunk order, as many chunks at a time
// as threads. The bits never depend on the thread count. Scratch beyond the plan's one-sample
// `workspace` comes from `ScratchPool`, one slab a call, as much as `conv2dScratchFloats` says.

/// The geometry of a convolution; the weight is (OC, C, kh, kw), i.e. (OC, patchSize).
public struct Conv2dShape: Equatable, Sendable {
    public var batch: Int, inChannels: Int, height: Int, width: Int
    public var outChannels: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
                kernelH: Int, kernelW: Int, strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0) {
        precondition(kernelH > 0 && kernelW > 0 && strideH > 0 && strideW > 0 && padH >= 0 && padW >= 0,
                     "conv2d: bad geometry")
        precondition(height + 2 * padH >= kernelH && width + 2 * padW >= kernelW, "conv2d: kernel larger than padded input")
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
    }

    public var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    /// Rows of `col`, columns of the weight: C·kh·kw.
    public var patchSize: Int { inChannels * kernelH * kernelW }
    public var outPositions: Int { outHeight * outWidth }
    var inPlane: Int { inChannels * height * width }
    var outPlane: Int { outChannels * outPositions }
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0 }
    /// The kernel covers the whole unpadded image: each sample's `col` is the sample itself, one
    /// column, and the batch is a dense layer (N, C·H·W) · weightᵀ.
    var isDense: Bool { kernelH == height && kernelW == width && padH == 0 && padW == 0 }
    /// Floats of scratch the convolution kernels need (0 for a pointwise convolution).
    public var workspaceCount: Int { isPointwise ? 0 : patchSize * outPositions }
    /// Few output positions per sample: the forward and data-gradient products take groups of
    /// samples side by side.
    var groupsSamples: Bool { !isPointwise && batch > 1 && outPositions < 256 }
}

/// One of a convolution's three passes.
public enum Conv2dPass: Sendable, CaseIterable {
    case forward, backwardData, backwardWeights
}

/// Floats one call of `pass` on `threads` threads takes from the kernels' scratch pool, beyond
/// the plan's `workspace` (the memory estimate counts the largest call's).
public func conv2dScratchFloats(_ s: Conv2dShape, pass: Conv2dPass, threads: Int) -> Int {
    ScratchPool.slabFloats(conv2dScratch(s, pass: pass, threads: threads))
}

/// The buffers one call of `pass` takes, in the order it takes them: the same choice of path
/// as the pass makes.
func conv2dScratch(_ s: Conv2dShape, pass: Conv2dPass, threads: Int) -> [Int] {
    if s.isDense || s.batch == 0 { return [] }
    switch pass {
    case .forward, .backwardData:
        if let g = pass == .forward ? WinogradGeometry(forward: s) : WinogradGeometry(backwardData: s) {
            return g.convolveScratch(threads: threads)
        }
        if s.groupsSamples { return [(s.patchSize + s.outChannels) * sampleGroup(s) * s.outPositions] }
        let parts = min(threads, s.batch)
        return parts > 1 ? [Int](repeating: s.workspaceCount, count: parts) : []
    case .backwardWeights:
        if let g = WinogradGeometry(forward: s) { return g.weightScratch(threads: threads) }
        // The running sum, then the buffers of each chunk in flight.
        let l = weightChunkLayout(s)
        return [l.partial] + [Int](repeating: l.partial + l.col + l.dy, count: min(max(threads, 1), weightGradientChunks(s)))
    }
}

/// Convolution forward with the epilogue fused into each sample's GEMM: a per-channel bias is
/// `.rowBias`, and matrix operands (`.add`, `.derivative`) address the whole (N, OC, OH, OW)
/// tensor (row stride OH·OW). `workspace` holds `shape.workspaceCount` floats (nil allowed
/// when that is 0).
// x (N, C, H, W), weight (OC, C, kh, kw) -> y (N, OC, OH, OW)
public func conv2dForward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                          y: UnsafeMutablePointer<Float>, shape s: Conv2dShape, epilogue: GEMMEpilogue = .none,
                          workspace: UnsafeMutablePointer<Float>?, threads: Int = 1) {
    let p = s.outPositions, k = s.patchSize
    if s.isDense {
        // y (N, OC) = x (N, C·H·W) · weightᵀ
        gemm(transA: false, transB: true, m: s.batch, n: s.outChannels, k: k, a: x, lda: max(k, 1),
             b: weight, ldb: max(k, 1), c: y, ldc: max(s.outChannels, 1),
             epilogue: epilogue.transposedForDense(ld: s.outChannels), threads: threads)
        return
    }
    if let g = WinogradGeometry(forward: s) {
        winogradForward(x: x, weight: weight, y: y, geometry: g, epilogue: epilogue, threads: threads)
        return
    }
    if s.groupsSamples {
        forwardGrouped(x: x, weight: weight, y: y, shape: s, epilogue: epilogue, threads: threads)
        return
    }
    forEachSampleRange(s, pass: .forward, threads: threads, workspace: workspace) { samples, col, gemmThreads in
        for n in samples {
            let xn = x + n * s.inPlane
            let b: UnsafePointer<Float>
            if s.isPointwise {
                b = xn
            } else {
                im2col(x: xn, col: col!, shape: s)
                b = UnsafePointer(col!)
            }
            gemm(transA: false, transB: false, m: s.outChannels, n: p, k: k, a: weight, lda: max(k, 1),
                 b: b, ldb: max(p, 1), c: y + n * s.outPlane, ldc: max(p, 1),
                 epilogue: epilogue.advanced(by: n * s.outPlane), threads: gemmThreads)
        }
    }
}

/// Runs `body(samples, col, gemmThreads)` over the batch: on one thread with `workspace` and
/// `threads` for the products when the batch is smaller than 2 or threads == 1, else split in
/// contiguous sample ranges over the pool, each with an im2col buffer of its own and 1-thread
/// products.
private func forEachSampleRange(_ s: Conv2dShape, pass: Conv2dPass, threads: Int, workspace: UnsafeMutablePointer<Float>?,
                                _ body: (Range<Int>, UnsafeMutablePointer<Float>?, Int) -> Void) {
    let parts = min(threads, s.batch)
    if parts <= 1 {
        body(0..<s.batch, workspace, threads)
        return
    }
    let need = s.workspaceCount
    let buffers = ScratchPool.shared.take(conv2dScratch(s, pass: pass, threads: threads))
    defer { ScratchPool.shared.give(buffers) }
    WorkerPool.shared.run(parts: parts) { part in
        body(s.batch * part / parts ..< s.batch * (part + 1) / parts, need == 0 ? nil : buffers[part], 1)
    }
}

/// Gradient with respect to the input: `dcol = weightᵀ · dy[n]`, then `col2im`, then the
/// epilogue's element-wise steps (`.add`, `.derivative` over the (N, C, H, W) tensor, row
/// stride H·W; no bias).
/// With `accumulate` the result is added to `dx` before the epilogue.
// dy (N, OC, OH, OW), weight (OC, C, kh, kw) -> dx (N, C, H, W)
public func conv2dBackwardData(dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                               shape s: Conv2dShape, epilogue: GEMMEpilogue = .none,
                               workspace: UnsafeMutablePointer<Float>?, threads: Int = 1, accumulate: Bool = false) {
    let p = s.outPositions, k = s.patchSize
    if s.isDense {
        // dx (N, C·H·W) = dy (N, OC) · weight
        gemm(transA: false, transB: false, m: s.batch, n: k, k: s.outChannels, a: dy, lda: max(s.outChannels, 1),
             b: weight, ldb: max(k, 1), beta: accumulate ? 1 : 0, c: dx, ldc: max(k, 1),
             epilogue: epilogue.transposedForDense(ld: k), threads: threads)
        return
    }
    if let g = WinogradGeometry(backwardData: s) {
        winogradBackwardData(dy: dy, weight: weight, dx: dx, geometry: g, epilogue: epilogue, threads: threads,
                             accumulate: accumulate)
        return
    }
    if s.groupsSamples {
        backwardDataGrouped(dy: dy, weight: weight, dx: dx, shape: s, epilogue: epilogue, threads: threads, accumulate: accumulate)
        return
    }
    forEachSampleRange(s, pass: .backwardData, threads: threads, workspace: workspace) { samples, col, gemmThreads in
        for n in samples {
            let dxn = dx + n * s.inPlane
            let e = epilogue.advanced(by: n * s.inPlane)
            if s.isPointwise {
                gemm(transA: true, transB: false, m: k, n: p, k: s.outChannels, a: weight, lda: max(k, 1),
                     b: dy + n * s.outPlane, ldb: max(p, 1), beta: accumulate ? 1 : 0, c: dxn, ldc: max(p, 1),
                     epilogue: e, threads: gemmThreads)
            } else {
                gemm(transA: true, transB: false, m: k, n: p, k: s.outChannels, a: weight, lda: max(k, 1),
                     b: dy + n * s.outPlane, ldb: max(p, 1), c: col!, ldc: max(p, 1), threads: gemmThreads)
                if !accumulate { dxn.update(repeating: 0, count: s.inPlane) }
                col2im(col: col!, dx: dxn, shape: s)
                if !e.isIdentity {
                    applyEpilogue(e, c: dxn, ldc: s.height * s.width, rows: 0..<s.inChannels, cols: 0..<(s.height * s.width))
                }
            }
        }
    }
}

/// Gradient with respect to the weight: `dweight = Σ_n dy[n] · col[n]ᵀ` (samples in order).
/// Each product is computed transposed, `dweightᵀ (K, OC) += col[n] (K, P) · dy[n]ᵀ (P, OC)`:
/// then `col` is read in place as the left operand and only the small `dy[n]` is packed
/// (transposing `col` for the right operand cost more than the product on CIFAR-sized maps),
/// and the tall K × OC output fills the micro-kernel's tiles (OC is often 32 or 64). Samples
/// go in a fixed number of chunks (set by the shape, never the threads), each summed into a
/// partial gradient of its own, as many chunks at a time as threads; the partials are added in
/// chunk order (`sumChunksInWaves`) and the sum transposed into `dweight`. When a sample has
/// fewer than 256 output positions, a chunk's samples go side by side into products of depth
/// ≥ 512.
// x (N, C, H, W), dy (N, OC, OH, OW) -> dweight (OC, C, kh, kw)
public func conv2dBackwardWeights(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                  shape s: Conv2dShape, threads: Int = 1, accumulate: Bool = false) {
    let p = s.outPositions, k = s.patchSize, oc = s.outChannels
    if s.isDense {
        // dweight (OC, C·H·W) = dyᵀ (OC, N) · x (N, C·H·W), samples summed in order
        gemm(transA: true, transB: false, m: oc, n: k, k: s.batch, a: dy, lda: max(oc, 1),
             b: x, ldb: max(k, 1), beta: accumulate ? 1 : 0, c: dweight, ldc: max(k, 1), threads: threads)
        return
    }
    if s.batch == 0 {
        if !accumulate { dweight.update(repeating: 0, count: oc * k) }
        return
    }
    if let g = WinogradGeometry(forward: s) {
        winogradBackwardWeights(x: x, dy: dy, dweight: dweight, geometry: g, threads: threads, accumulate: accumulate)
        return
    }
    let chunks = weightGradientChunks(s), layout = weightChunkLayout(s)
    let size = layout.partial, group = layout.group, colCount = layout.col
    let taken = ScratchPool.shared.take(conv2dScratch(s, pass: .backwardWeights, threads: threads))
    defer { ScratchPool.shared.give(taken) }
    let sum = taken[0]
    // One chunk on more threads than one splits its products instead.
    let gemmThreads = chunks == 1 ? threads : 1
    sumChunksInWaves(chunks, buffers: Array(taken[1...]), into: sum, count: size, threads: threads) { c, partial in
        let col = partial + size, dyg = col + colCount
        let samples = s.batch * c / chunks ..< s.batch * (c + 1) / chunks
        var first = samples.lowerBound
        while first < samples.upperBound {
            let count = min(group, samples.upperBound - first), width = count * p
            let a: UnsafePointer<Float>, b: UnsafePointer<Float>
            if group == 1 {
                if s.isPointwise {
                    a = x + first * s.inPlane
                } else {
                    im2col(x: x + first * s.inPlane, col: col, shape: s)
                    a = UnsafePointer(col)
                }
                b = dy + first * s.outPlane
            } else {
                for j in 0..<count {
                    let n = first + j
                    im2col(x: x + n * s.inPlane, col: col + j * p, shape: s, ldcol: width)
                    for o in 0..<oc { (dyg + o * width + j * p).update(from: dy + n * s.outPlane + o * p, count: p) }
                }
                a = UnsafePointer(col)
                b = UnsafePointer(dyg)
            }
            gemm(transA: false, transB: true, m: k, n: oc, k: width, a: a, lda: width, b: b, ldb: width,
                 beta: first > samples.lowerBound ? 1 : 0, c: partial, ldc: oc, threads: gemmThreads)
            first += count
        }
    }
    // The sum transposed into dweight.
    parallelChunks(oc, threads: threads, grain: max(1, (1 << 14) / max(k, 1)), align: 1) { rows in
        for o in rows {
            let out = dweight + o * k
            if accumulate {
                for i in 0..<k { out[i] += sum[i * oc + o] }
            } else {
                for i in 0..<k { out[i] = sum[i * oc + o] }
            }
        }
    }
}

/// The weight gradients' fixed chunks of samples, whose partial sums (the first `count` floats of
/// a buffer) are added in chunk order: `body(chunk, buffer)` runs in waves of `buffers.count`
/// chunks, one buffer each, and after each wave its partials are added to `sum`. The same Float
/// additions in the same order as keeping every chunk's partial to the end, so the same bits on
/// any thread count, with as many partials in memory as threads rather than chunks.
func sumChunksInWaves(_ chunks: Int, buffers: [UnsafeMutablePointer<Float>], into sum: UnsafeMutablePointer<Float>,
                      count: Int, threads: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
    for wave in stride(from: 0, to: chunks, by: buffers.count) {
        let inWave = min(buffers.count, chunks - wave)
        WorkerPool.shared.run(parts: inWave, threads: threads) { w in body(wave + w, buffers[w]) }
        addInOrder(buffers[..<inWave], into: sum, fresh: wave == 0, count: count, threads: threads)
    }
}

/// `sum = (sum +) partials[0] + partials[1] + …` element by element in that order, from `sum`'s
/// own values unless `fresh`; the same bits on any thread count.
private func addInOrder(_ partials: ArraySlice<UnsafeMutablePointer<Float>>, into sum: UnsafeMutablePointer<Float>,
                        fresh: Bool, count: Int, threads: Int) {
    guard let head = partials.first else { return }
    forEachChunk(count, threads: threads) { i, w in
        var t = fresh ? load16(UnsafePointer(head + i), w) : load16(UnsafePointer(sum + i), w)
        for p in partials.dropFirst(fresh ? 1 : 0) { t += load16(UnsafePointer(p + i), w) }
        store16(t, sum + i, w)
    }
}

/// A chunk's buffers in the weight gradient: the partial dweightᵀ, `col` (K, group·P) and, when
/// samples are grouped, `dyg` (OC, group·P); and the samples per product.
private func weightChunkLayout(_ s: Conv2dShape) -> (partial: Int, col: Int, dy: Int, group: Int) {
    let p = s.outPositions, group = p < 256 ? sampleGroup(s) : 1
    return (s.outChannels * s.patchSize, s.isPointwise && group == 1 ? 0 : s.patchSize * group * p,
            group > 1 ? s.outChannels * group * p : 0, group)
}

/// Chunks of samples for the weight gradient: up to 8, fewer when the partial gradients
/// would pass 32 MiB in all or a chunk would hold less than one product's worth of samples.
private func weightGradientChunks(_ s: Conv2dShape) -> Int {
    let l = weightChunkLayout(s)
    return max(1, min(s.batch / l.group, 8, (8 << 20) / max(l.partial, 1)))
}

/// Samples per grouped product when a sample has few output positions: depth or width ≥ 512.
private func sampleGroup(_ s: Conv2dShape) -> Int {
    min(s.batch, max(1, 512 / max(s.outPositions, 1)))
}

/// `conv2dForward` for few output positions per sample: groups of samples' patches side by
/// side in `col` (K, group·P), one product per group into `out` (OC, group·P), then each
/// sample's block copied to `y` and the epilogue applied there. Filling and copying run in
/// parallel over samples, the product over threads like any gemm; each output element is the
/// same dot product whatever the group or the threads.
private func forwardGrouped(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            shape s: Conv2dShape, epilogue: GEMMEpilogue, threads: Int) {
    let p = s.outPositions, k = s.patchSize, oc = s.outChannels, group = sampleGroup(s)
    let buffers = ScratchPool.shared.take(conv2dScratch(s, pass: .forward, threads: threads))
    defer { ScratchPool.shared.give(buffers) }
    let col = buffers[0], out = buffers[0] + k * group * p
    var first = 0
    while first < s.batch {
        let count = min(group, s.batch - first), width = count * p
        parallelChunks(count, threads: threads, grain: 1, align: 1) { samples in
            for j in samples { im2col(x: x + (first + j) * s.inPlane, col: col + j * p, shape: s, ldcol: width) }
        }
        gemm(transA: false, transB: false, m: oc, n: width, k: k, a: weight, lda: max(k, 1), b: col, ldb: width,
             c: out, ldc: width, threads: threads)
        parallelChunks(count, threads: threads, grain: 1, align: 1) { samples in
            for j in samples {
                let n = first + j, yn = y + n * s.outPlane
                for c in 0..<oc { (yn + c * p).update(from: out + c * width + j * p, count: p) }
                if !epilogue.isIdentity {
                    applyEpilogue(epilogue.advanced(by: n * s.outPlane), c: yn, ldc: p, rows: 0..<oc, cols: 0..<p)
                }
            }
        }
        first += count
    }
}

/// `conv2dBackwardData` for few output positions per sample: groups of samples' output
/// gradients side by side in `dyg` (OC, group·P), one product per group into `col`
/// (K, group·P), then `col2im` and the epilogue sample by sample, in parallel.
private func backwardDataGrouped(dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                 shape s: Conv2dShape, epilogue: GEMMEpilogue, threads: Int, accumulate: Bool) {
    let p = s.outPositions, k = s.patchSize, oc = s.outChannels, group = sampleGroup(s)
    let buffers = ScratchPool.shared.take(conv2dScratch(s, pass: .backwardData, threads: threads))
    defer { ScratchPool.shared.give(buffers) }
    let col = buffers[0], dyg = buffers[0] + k * group * p
    var first = 0
    while first < s.batch {
        let count = min(group, s.batch - first), width = count * p
        parallelChunks(count, threads: threads, grain: 1, align: 1) { samples in
            for j in samples {
                let n = first + j
                for c in 0..<oc { (dyg + c * width + j * p).update(from: dy + n * s.outPlane + c * p, count: p) }
            }
        }
        gemm(transA: true, transB: false, m: k, n: width, k: oc, a: weight, lda: max(k, 1), b: dyg, ldb: width,
             c: col, ldc: width, threads: threads)
        parallelChunks(count, threads: threads, grain: 1, align: 1) { samples in
            for j in samples {
                let n = first + j, dxn = dx + n * s.inPlane
                if !accumulate { dxn.update(repeating: 0, count: s.inPlane) }
                col2im(col: col + j * p, dx: dxn, shape: s, ldcol: width)
                let e = epilogue.advanced(by: n * s.inPlane)
                if !e.isIdentity {
                    applyEpilogue(e, c: dxn, ldc: s.height * s.width, rows: 0..<s.inChannels, cols: 0..<(s.height * s.width))
                }
            }
        }
        first += count
    }
}

/// Gradient with respect to the bias: the sum of `dy` over samples and positions.
// dy (N, OC, OH, OW) -> dbias (OC)
public func conv2dBackwardBias(dy: UnsafePointer<Float>, dbias: UnsafeMutablePointer<Float>, shape s: Conv2dShape,
                               accumulate: Bool = false) {
    for oc in 0..<s.outChannels {
        var total = 0.0
        for n in 0..<s.batch { total += blockedSum(dy + n * s.outPlane + oc * s.outPositions, s.outPositions) }
        dbias[oc] = accumulate ? dbias[oc] + Float(total) : Float(total)
    }
}
