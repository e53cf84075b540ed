// Pooling over NCHW planes: max (remembering where each maximum came from; padding never
// wins), average (padding counts as zeros: every window divides by kernelH·kernelW, PyTorch's
// default count_include_pad=True, so the plan's cost and the language reference hold) and
// global average.

/// The geometry of a 2-D pooling; `pad` must be smaller than the kernel so every window
/// overlaps the image.
public struct Pool2dShape: Equatable, Sendable {
    public var batch: Int, channels: Int, height: Int, width: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(batch: Int, channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int,
                strideH: Int, strideW: Int, padH: Int = 0, padW: Int = 0) {
        precondition(kernelH > 0 && kernelW > 0 && strideH > 0 && strideW > 0, "pool2d: bad geometry")
        precondition(padH >= 0 && padW >= 0 && padH < kernelH && padW < kernelW, "pool2d: padding must be below the kernel size")
        precondition(height + 2 * padH >= kernelH && width + 2 * padW >= kernelW, "pool2d: kernel larger than padded input")
        self.batch = batch; self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        self.padH = padH; self.padW = padW
    }

    public var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    var planes: Int { batch * channels }

    /// The window of output (i, j), clipped to the image: rows r0..<r1, columns c0..<c1.
    @inline(__always)
    func window(_ i: Int, _ j: Int) -> (r0: Int, r1: Int, c0: Int, c1: Int) {
        let r = i * strideH - padH, c = j * strideW - padW
        return (max(r, 0), min(r + kernelH, height), max(c, 0), min(c + kernelW, width))
    }
}

/// Max pooling; `indices` gets, per output, the position `ih·W + iw` of its maximum within
/// the input plane (the first on ties; a NaN wins and propagates). Planes are split over
/// threads; each output depends on its own window only, so the bits never depend on them.
/// Small planes go sixteen at a time, one per lane (`maxPool2dForwardPlanes`); wider rows 16
/// outputs at a time; the rest one output at a time.
// x (N, C, H, W) -> y (N, C, OH, OW), indices (N, C, OH, OW)
public func maxPool2dForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                             indices: UnsafeMutablePointer<Int32>, shape s: Pool2dShape, threads: Int = 1) {
    if poolsAcrossPlanes(s) {
        maxPool2dForwardPlanes(x: x, y: y, indices: indices, shape: s, threads: threads)
        return
    }
    let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
    // Rows of fewer than 12 outputs leave too many of the 16 lanes idle to pay for the copy.
    let vectorRows = PaddedRows.covers(s) && s.outWidth >= 12
    parallelChunks(s.planes, threads: threads, grain: planeGrain(plane), align: 1) { planes in
        withCacheLineAlignedFloats(vectorRows ? PaddedRows.capacity(s) : 0) { buffer in
            let rows = vectorRows ? PaddedRows(buffer, shape: s) : nil
            rows?.reset(-.infinity)
            for p in planes {
                let xp = x + p * plane, yp = y + p * outPlane, ip = indices + p * outPlane
                let hasNaN: Bool
                if let rows {
                    hasNaN = maxPoolPlaneVector(xp, yp, ip, s, rows)
                } else {
                    maxPoolPlane(xp, yp, ip, s)
                    hasNaN = containsNaN(xp, plane)
                }
                // The fast scans' `>` never lets a NaN win after the first position, so a
                // plane holding one (the rare case) is redone by the exact scan.
                if hasNaN { maxPoolPlaneWithNaN(xp, yp, ip, s) }
            }
        }
    }
}

/// The first maximum of each window for horizontal strides 1 and 2, 16 outputs of a row at
/// a time, from the plane's rows between borders of −∞ (padding then never wins a strict
/// `>`). Each lane starts at −∞ with the index of its window's first position in the image,
/// so a window of −∞ answers that position, as the scalar scan does. Returns whether the plane
/// holds a NaN (seen as its rows are copied in).
private func maxPoolPlaneVector(_ xp: UnsafePointer<Float>, _ yp: UnsafeMutablePointer<Float>,
                                _ ip: UnsafeMutablePointer<Int32>, _ s: Pool2dShape, _ rows: PaddedRows) -> Bool {
    let (ow, w) = (s.outWidth, s.width)
    let hasNaN = rows.load(xp, fill: -.infinity)
    let stride = Int32(s.strideW)
    forEachOutputRun(s) { i, r0, r1, j0 in
        // Column of each lane's window start (may be in the left padding, which only the
        // first lanes of a row reach); `first` clamps it to 0 without a branch (c & ~(c >> 31)).
        let c = (lanes16 &+ Int32(j0)) &* stride &- Int32(s.padW)
        let first = c & ~(c &>> 31)
        var best = SIMD16<Int32>(repeating: Int32(r0 * w)) &+ first
        var m = F16(repeating: -.infinity)
        for rr in r0..<r1 {
            let rowIndex = SIMD16<Int32>(repeating: Int32(rr * w)) &+ c
            @inline(__always) func visit(_ v: F16, _ dc: Int) {
                let wins = v .> m
                m = m.replacing(with: v, where: wins)
                best = best.replacing(with: rowIndex &+ Int32(dc), where: wins)
            }
            // Window columns in pairs, by pointer steps (`PaddedRows.column` per column cost
            // more scalar work than the vector work it feeds).
            var at = UnsafePointer(rows.column(rr, j0, 0)), dc = 0
            while dc < s.kernelW {
                visit(load16(at), dc)
                if dc + 1 < s.kernelW { visit(load16(at + rows.oddOffset), dc + 1) }
                at += rows.pairStep
                dc += 2
            }
        }
        let n = min(16, ow - j0), o = i * ow + j0
        store16(m, yp + o, n)
        if n == 16 {
            UnsafeMutableRawPointer(ip + o).storeBytes(of: best, as: SIMD16<Int32>.self)
        } else {
            for l in 0..<n { ip[o + l] = best[l] }
        }
    }
    return hasNaN
}

/// The first maximum of each window in row-major order, compared with `>` only.
@inline(__always)
private func maxPoolPlane(_ xp: UnsafePointer<Float>, _ yp: UnsafeMutablePointer<Float>,
                          _ ip: UnsafeMutablePointer<Int32>, _ s: Pool2dShape) {
    let (oh, ow, w) = (s.outHeight, s.outWidth, s.width)
    for i in 0..<oh {
        let r = i * s.strideH - s.padH
        let r0 = max(r, 0), r1 = min(r + s.kernelH, s.height)
        for j in 0..<ow {
            let c = j * s.strideW - s.padW
            let c0 = max(c, 0), c1 = min(c + s.kernelW, w)
            var best = r0 * w + c0
            var m = xp[best]
            for rr in r0..<r1 {
                let row = rr * w
                for cc in c0..<c1 where xp[row + cc] > m {
                    m = xp[row + cc]
                    best = row + cc
                }
            }
            yp[i * ow + j] = m
            ip[i * ow + j] = Int32(best)
        }
    }
}

/// The exact scan for a plane holding a NaN: the first NaN of a window wins.
func maxPoolPlaneWithNaN(_ xp: UnsafePointer<Float>, _ yp: UnsafeMutablePointer<Float>,
                         _ ip: UnsafeMutablePointer<Int32>, _ s: Pool2dShape) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    for i in 0..<oh {
        for j in 0..<ow {
            let w = s.window(i, j)
            var best = w.r0 * s.width + w.c0
            var m = xp[best]
            search: for r in w.r0..<w.r1 {
                for c in w.c0..<w.c1 {
                    let v = xp[r * s.width + c]
                    if v > m || v.isNaN { m = v; best = r * s.width + c }
                    if m.isNaN { break search }
                }
            }
            yp[i * ow + j] = m
            ip[i * ow + j] = Int32(best)
        }
    }
}

/// Whether any of `count` floats is a NaN (one vector pass).
func containsNaN(_ x: UnsafePointer<Float>, _ count: Int) -> Bool {
    var seen = SIMDMask<SIMD16<Int32>>(repeating: false)
    forEachChunk(count) { i, w in
        let v = load16(x + i, w)
        seen .|= v .!= v
    }
    return any(seen)
}

/// Planes per thread at least: enough work (~16k elements) to be worth a wake.
func planeGrain(_ plane: Int) -> Int { max(1, (1 << 14) / max(plane, 1)) }

/// Max pooling backward: each output's gradient goes to the input position in `indices`.
/// Planes are split over threads (each plane's gradient comes from its own outputs only).
// dy (N, C, OH, OW), indices (N, C, OH, OW) -> dx (N, C, H, W)
public func maxPool2dBackward(dy: UnsafePointer<Float>, indices: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>,
                              shape s: Pool2dShape, accumulate: Bool = false, threads: Int = 1) {
    let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
    parallelChunks(s.planes, threads: threads, grain: planeGrain(plane), align: 1) { planes in
        for p in planes {
            let dxp = dx + p * plane
            if !accumulate { dxp.update(repeating: 0, count: plane) }
            for o in 0..<outPlane { dxp[Int(indices[p * outPlane + o])] += dy[p * outPlane + o] }
        }
    }
}

/// Average pooling: the sum of each window's positions inside the image over the full window
/// size (padded positions count as zeros). Planes are split over threads. Small planes go
/// sixteen at a time, one per lane (`avgPool2dForwardPlanes`); others with horizontal strides 1
/// and 2 and rows of at least 8 outputs take 16 outputs of a row at a time from rows between borders of zeros; adding a
/// border's +0 leaves a sum as it is (the sum starts at +0, so it is never −0), so the bits are
/// `avgPool2dForwardScalar`'s, which takes the other strides.
// x (N, C, H, W) -> y (N, C, OH, OW)
public func avgPool2dForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2dShape,
                             threads: Int = 1) {
    if poolsAcrossPlanes(s) {
        avgPool2dForwardPlanes(x: x, y: y, shape: s, threads: threads)
        return
    }
    // Rows of fewer than 8 outputs: the scalar loop is faster (`nnc-bench pool`).
    guard PaddedRows.covers(s) && s.outWidth >= 8 else {
        avgPool2dForwardScalar(x: x, y: y, shape: s, threads: threads)
        return
    }
    let (oh, ow) = (s.outHeight, s.outWidth)
    let scale = F16(repeating: 1 / Float(s.kernelH * s.kernelW))
    parallelChunks(s.planes, threads: threads, grain: planeGrain(s.height * s.width), align: 1) { planes in
        withCacheLineAlignedFloats(PaddedRows.capacity(s)) { buffer in
            let rows = PaddedRows(buffer, shape: s)
            rows.reset(0)
            for plane in planes {
                _ = rows.load(x + plane * s.height * s.width, fill: 0)
                let yp = y + plane * oh * ow
                forEachOutputRun(s) { i, r0, r1, j0 in
                    var acc = F16()
                    for rr in r0..<r1 {
                        for dc in 0..<s.kernelW { acc += load16(rows.column(rr, j0, dc)) }
                    }
                    store16(acc * scale, yp + i * ow + j0, min(16, ow - j0))
                }
            }
        }
    }
}

/// `avgPool2dForward` one output at a time, its window clipped to the image: any stride, and
/// the definition the vector path's bits are tested against.
public func avgPool2dForwardScalar(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2dShape,
                                   threads: Int = 1) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    let scale = 1 / Float(s.kernelH * s.kernelW)
    parallelChunks(s.planes, threads: threads, grain: planeGrain(s.height * s.width), align: 1) { planes in
        for plane in planes {
            let xp = x + plane * s.height * s.width
            let yp = y + plane * oh * ow
            for i in 0..<oh {
                for j in 0..<ow {
                    let w = s.window(i, j)
                    var acc: Float = 0
                    for r in w.r0..<w.r1 { for c in w.c0..<w.c1 { acc += xp[r * s.width + c] } }
                    yp[i * ow + j] = acc * scale
                }
            }
        }
    }
}

/// Average pooling backward: each output's gradient over the full window size, to each of its
/// window's positions inside the image. Planes are split over threads. Small planes go
/// sixteen at a time, one per lane (`avgPool2dBackwardPlanes`); others with horizontal strides
/// 1 and 2 and rows of at least 8 outputs add 16 outputs' gradients at a time into rows with borders; each position receives
/// its terms in the scalar scatter's order (outputs in row-major order: window columns taken
/// from the last, so that within a row the output index rises), so the bits are
/// `avgPool2dBackwardScalar`'s, which takes the other strides.
// dy (N, C, OH, OW) -> dx (N, C, H, W)
public func avgPool2dBackward(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2dShape,
                              accumulate: Bool = false, threads: Int = 1) {
    if poolsAcrossPlanes(s) {
        avgPool2dBackwardPlanes(dy: dy, dx: dx, shape: s, accumulate: accumulate, threads: threads)
        return
    }
    guard PaddedRows.covers(s) && s.outWidth >= 8 else {
        avgPool2dBackwardScalar(dy: dy, dx: dx, shape: s, accumulate: accumulate, threads: threads)
        return
    }
    let (oh, ow) = (s.outHeight, s.outWidth)
    let scale = F16(repeating: 1 / Float(s.kernelH * s.kernelW))
    let plane = s.height * s.width
    parallelChunks(s.planes, threads: threads, grain: planeGrain(plane), align: 1) { planes in
        withCacheLineAlignedFloats(PaddedRows.capacity(s)) { buffer in
            let rows = PaddedRows(buffer, shape: s)
            for p in planes {
                rows.reset(0)
                if accumulate { _ = rows.load(dx + p * plane, fill: 0) }
                let gp = dy + p * oh * ow
                forEachOutputRun(s) { i, r0, r1, j0 in
                    // Lanes past the last output add −0, which leaves every value as it is (an
                    // accumulated −0 too), so whole vectors are added.
                    let g = load16(gp + i * ow + j0, min(16, ow - j0), fill: -0.0) * scale
                    for rr in r0..<r1 {
                        for dc in stride(from: s.kernelW - 1, through: 0, by: -1) {
                            let at = rows.column(rr, j0, dc)
                            store16(load16(UnsafePointer(at)) + g, at)
                        }
                    }
                }
                rows.store(dx + p * plane)
            }
        }
    }
}

/// `avgPool2dBackward` one output at a time, scattered to its window clipped to the image: any
/// stride, and the definition the vector path's bits are tested against.
public func avgPool2dBackwardScalar(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2dShape,
                                    accumulate: Bool = false, threads: Int = 1) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    let scale = 1 / Float(s.kernelH * s.kernelW)
    let plane = s.height * s.width
    parallelChunks(s.planes, threads: threads, grain: planeGrain(plane), align: 1) { planes in
        for p in planes {
            let dxp = dx + p * plane
            if !accumulate { dxp.update(repeating: 0, count: plane) }
            let gp = dy + p * oh * ow
            for i in 0..<oh {
                for j in 0..<ow {
                    let w = s.window(i, j)
                    let g = gp[i * ow + j] * scale
                    for r in w.r0..<w.r1 { for c in w.c0..<w.c1 { dxp[r * s.width + c] += g } }
                }
            }
        }
    }
}

/// Global average pooling: the mean of each plane (a reordered sum).
// x (N, C, S) -> y (N, C)
public func globalAvgPoolForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                 batch: Int, channels: Int, spatial: Int) {
    for p in 0..<(batch * channels) {
        y[p] = spatial == 0 ? 0 : Float(blockedSum(x + p * spatial, spatial) / Double(spatial))
    }
}

/// Global average pooling backward: `dx = dy / S` over each plane.
// dy (N, C) -> dx (N, C, S)
public func globalAvgPoolBackward(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                  batch: Int, channels: Int, spatial: Int, accumulate: Bool = false) {
    for p in 0..<(batch * channels) {
        let g = F16(repeating: dy[p] / Float(spatial))
        let out = dx + p * spatial
        forEachChunk(spatial) { i, w in
            store16(accumulate ? load16(UnsafePointer(out + i), w) + g : g, out + i, w)
        }
    }
}

/// The plain definitions: every window scanned in full; max skips padding positions, average
/// counts them as zeros.
public func pool2dReference(x: UnsafePointer<Float>, maxOut: UnsafeMutablePointer<Float>,
                            avgOut: UnsafeMutablePointer<Float>, shape s: Pool2dShape) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    for p in 0..<s.planes {
        for i in 0..<oh {
            for j in 0..<ow {
                var m = -Float.infinity, sum = 0.0, nan = false
                for ki in 0..<s.kernelH {
                    for kj in 0..<s.kernelW {
                        let r = i * s.strideH - s.padH + ki, c = j * s.strideW - s.padW + kj
                        guard r >= 0, r < s.height, c >= 0, c < s.width else { continue }
                        let v = x[(p * s.height + r) * s.width + c]
                        if v.isNaN { nan = true }
                        m = max(m, v)
                        sum += Double(v)
                    }
                }
                maxOut[(p * oh + i) * ow + j] = nan ? .nan : m
                avgOut[(p * oh + i) * ow + j] = Float(sum / Double(s.kernelH * s.kernelW))
            }
        }
    }
}
