// 2-D convolution, NCHW, as im2col + GEMM. Per sample, the input patches are laid out as
// the columns of `col` (C·kh·kw, OH·OW) and the output is one product:
//     y[n] (OC, OH·OW) = weight (OC, C·kh·kw) · col (C·kh·kw, OH·OW) + bias
// The backward passes are the two other products of the same three matrices. A 1×1
// convolution with stride 1 and no padding uses the input itself as `col`; one whose kernel
// covers the whole (unpadded) image is a dense layer, one product over the whole batch.
//
// Threads: forward and backward-data split the samples over the pool (each thread its own
// im2col buffer and 1-thread products, so im2col/col2im run in parallel too); the weight
// gradient sums over samples in order, so it splits each product's output instead. Either
// way the bits do not depend on the thread count.

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
}

/// Lays one sample's patches out as columns, zeros where a patch hangs over the padding.
// x (C, H, W) -> col (C·kh·kw, OH·OW)
public func im2col(x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2dShape) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    for c in 0..<s.inChannels {
        for ki in 0..<s.kernelH {
            for kj in 0..<s.kernelW {
                let row = col + ((c * s.kernelH + ki) * s.kernelW + kj) * oh * ow
                // Output columns whose input column lies inside the image: lo..<hi.
                let lo = min(ow, max(0, (s.padW - kj + s.strideW - 1) / s.strideW))
                let hi = max(lo, min(ow, (s.width + s.padW - kj + s.strideW - 1) / s.strideW))
                for i in 0..<oh {
                    let out = row + i * ow
                    let ih = i * s.strideH - s.padH + ki
                    if ih < 0 || ih >= s.height {
                        out.update(repeating: 0, count: ow)
                        continue
                    }
                    let src = x + (c * s.height + ih) * s.width - s.padW + kj
                    for j in 0..<lo { out[j] = 0 }
                    if s.strideW == 1 {
                        for j in lo..<hi { out[j] = src[j] }
                    } else {
                        for j in lo..<hi { out[j] = src[j * s.strideW] }
                    }
                    for j in hi..<ow { out[j] = 0 }
                }
            }
        }
    }
}

/// Adds patch gradients back onto the image: the adjoint of `im2col`.
// col (C·kh·kw, OH·OW) -> dx (C, H, W) (added to)
public func col2im(col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2dShape) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    for c in 0..<s.inChannels {
        for ki in 0..<s.kernelH {
            for kj in 0..<s.kernelW {
                let row = col + ((c * s.kernelH + ki) * s.kernelW + kj) * oh * ow
                let lo = min(ow, max(0, (s.padW - kj + s.strideW - 1) / s.strideW))
                let hi = max(lo, min(ow, (s.width + s.padW - kj + s.strideW - 1) / s.strideW))
                for i in 0..<oh {
                    let ih = i * s.strideH - s.padH + ki
                    if ih < 0 || ih >= s.height { continue }
                    let dst = dx + (c * s.height + ih) * s.width - s.padW + kj
                    let g = row + i * ow
                    for j in lo..<hi { dst[j * s.strideW] += g[j] }
                }
            }
        }
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
    forEachSampleRange(s, threads: threads, workspace: workspace) { samples, col, gemmThreads in
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
private func forEachSampleRange(_ s: Conv2dShape, threads: Int, workspace: UnsafeMutablePointer<Float>?,
                                _ body: (Range<Int>, UnsafeMutablePointer<Float>?, Int) -> Void) {
    let parts = min(threads, s.batch)
    if parts <= 1 {
        body(0..<s.batch, workspace, threads)
        return
    }
    let need = s.workspaceCount
    let buffers = ScratchPool.shared.take(count: need, parts: parts)
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
    forEachSampleRange(s, threads: threads, workspace: workspace) { samples, col, gemmThreads in
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
// x (N, C, H, W), dy (N, OC, OH, OW) -> dweight (OC, C, kh, kw)
public func conv2dBackwardWeights(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                  shape s: Conv2dShape, workspace: UnsafeMutablePointer<Float>?, threads: Int = 1,
                                  accumulate: Bool = false) {
    let p = s.outPositions, k = s.patchSize
    if s.isDense {
        // dweight (OC, C·H·W) = dyᵀ (OC, N) · x (N, C·H·W), samples summed in order
        gemm(transA: true, transB: false, m: s.outChannels, n: k, k: s.batch, a: dy, lda: max(s.outChannels, 1),
             b: x, ldb: max(k, 1), beta: accumulate ? 1 : 0, c: dweight, ldc: max(k, 1), threads: threads)
        return
    }
    if s.batch == 0 && !accumulate { dweight.update(repeating: 0, count: s.outChannels * k) }
    for n in 0..<s.batch {
        let xn = x + n * s.inPlane
        let col: UnsafePointer<Float>
        if s.isPointwise {
            col = xn
        } else {
            im2col(x: xn, col: workspace!, shape: s)
            col = UnsafePointer(workspace!)
        }
        gemm(transA: false, transB: true, m: s.outChannels, n: k, k: p, a: dy + n * s.outPlane, lda: max(p, 1),
             b: col, ldb: max(p, 1), beta: n > 0 || accumulate ? 1 : 0, c: dweight, ldc: max(k, 1), threads: threads)
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

/// The plain definition: direct loops in Double over every output, tap and channel, forward
/// and both gradients (`dx`, `dweight`, `dbias` may each be nil).
public func conv2dReference(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                            y: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>?,
                            dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                            dbias: UnsafeMutablePointer<Float>?, shape s: Conv2dShape) {
    var gx = [Double](repeating: 0, count: s.batch * s.inPlane)
    var gw = [Double](repeating: 0, count: s.outChannels * s.patchSize)
    var gb = [Double](repeating: 0, count: s.outChannels)
    for n in 0..<s.batch {
        for oc in 0..<s.outChannels {
            for i in 0..<s.outHeight {
                for j in 0..<s.outWidth {
                    let o = n * s.outPlane + (oc * s.outHeight + i) * s.outWidth + j
                    var acc = Double(bias?[oc] ?? 0)
                    let g = Double(dy?[o] ?? 0)
                    gb[oc] += g
                    for c in 0..<s.inChannels {
                        for ki in 0..<s.kernelH {
                            for kj in 0..<s.kernelW {
                                let ih = i * s.strideH - s.padH + ki, iw = j * s.strideW - s.padW + kj
                                if ih < 0 || ih >= s.height || iw < 0 || iw >= s.width { continue }
                                let xi = n * s.inPlane + (c * s.height + ih) * s.width + iw
                                let wi = ((oc * s.inChannels + c) * s.kernelH + ki) * s.kernelW + kj
                                acc += Double(x[xi]) * Double(weight[wi])
                                gx[xi] += Double(weight[wi]) * g
                                gw[wi] += Double(x[xi]) * g
                            }
                        }
                    }
                    y?[o] = Float(acc)
                }
            }
        }
    }
    if let dx { for i in gx.indices { dx[i] = Float(gx[i]) } }
    if let dweight { for i in gw.indices { dweight[i] = Float(gw[i]) } }
    if let dbias { for i in gb.indices { dbias[i] = Float(gb[i]) } }
}
