// Pooling of small planes sixteen at a time, one plane per lane. A plane whose output rows are
// shorter than a vector (the 32×32 to 8×8 planes of a conv net) leaves the row kernels lanes
// idle and pays a plane's fixed work for a few outputs; sixteen planes transposed into vectors
// of positions keep every lane busy. Each lane runs the scalar loop's operations on its own
// plane in the scalar loop's order, so the bits are the scalar loops' (max: `maxPoolPlane`,
// average: `avgPool2dForwardScalar`, `avgPool2dBackwardScalar`).

import CIntrinsics

/// Whether `maxPool2dForward` and `avgPool2dForward`/`Backward` take the planes path: output
/// rows too short for the row kernels' vectors (with rows of 16 the row kernel was faster), and
/// planes small enough for sixteen of them to stay in the L1/L2 caches (`nnc-bench pool`).
func poolsAcrossPlanes(_ s: Pool2dShape) -> Bool {
    s.outWidth < 16 && s.height * s.width <= 1024 && s.planes >= 16
}

/// Max pooling forward, sixteen planes per vector: each lane's first maximum by `>` from its
/// window's first position, as `maxPoolPlane`. A group holding a NaN has the planes that hold
/// one rescanned by the exact scan; the last (planes mod 16) go through `maxPool2dForward`.
// x (N, C, H, W) -> y (N, C, OH, OW), indices (N, C, OH, OW)
func maxPool2dForwardPlanes(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            indices: UnsafeMutablePointer<Int32>, shape s: Pool2dShape, threads: Int = 1) {
    let (plane, outPlane) = (s.height * s.width, s.outHeight * s.outWidth)
    forEachSixteenPlanes(s, threads: threads, floats: 16 * (plane + 2 * outPlane)) { p, buffer in
        let (t, o) = (buffer, buffer + 16 * plane)
        let best = UnsafeMutableRawPointer(o + 16 * outPlane)
        gatherPlanes(x + p * plane, stride: plane, count: plane, into: t)
        for i in 0..<s.outHeight {
            for j in 0..<s.outWidth {
                let w = s.window(i, j)
                let first = w.r0 * s.width + w.c0
                var m = load16(t + 16 * first)
                var at = SIMD16<Int32>(repeating: Int32(first))
                for r in w.r0..<w.r1 {
                    for c in w.c0..<w.c1 {
                        let k = r * s.width + c
                        let v = load16(t + 16 * k)
                        let wins = v .> m
                        m = m.replacing(with: v, where: wins)
                        at = at.replacing(with: Int32(k), where: wins)
                    }
                }
                let n = i * s.outWidth + j
                store16(m, o + 16 * n)
                best.storeBytes(of: at, toByteOffset: 64 * n, as: SIMD16<Int32>.self)
            }
        }
        scatterPlanes(o, count: outPlane, into: y + p * outPlane, stride: outPlane)
        scatterPlanes(best, count: outPlane, into: indices + p * outPlane, stride: outPlane)
        // `>` never lets a NaN win after a window's first position (the rare case).
        if containsNaN(t, 16 * plane) {
            for q in p..<(p + 16) where containsNaN(x + q * plane, plane) {
                maxPoolPlaneWithNaN(x + q * plane, y + q * outPlane, indices + q * outPlane, s)
            }
        }
    } rest: { p, count in
        maxPool2dForward(x: x + p * plane, y: y + p * outPlane, indices: indices + p * outPlane, shape: s.planes(count))
    }
}

/// Average pooling forward, sixteen planes per vector; the last (planes mod 16) one at a time.
// x (N, C, H, W) -> y (N, C, OH, OW)
func avgPool2dForwardPlanes(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2dShape,
                            threads: Int = 1) {
    let (plane, outPlane) = (s.height * s.width, s.outHeight * s.outWidth)
    let scale = F16(repeating: 1 / Float(s.kernelH * s.kernelW))
    forEachSixteenPlanes(s, threads: threads, floats: 16 * (plane + outPlane)) { p, buffer in
        let (t, o) = (buffer, buffer + 16 * plane)
        gatherPlanes(x + p * plane, stride: plane, count: plane, into: t)
        for i in 0..<s.outHeight {
            for j in 0..<s.outWidth {
                let w = s.window(i, j)
                var acc = F16()
                for r in w.r0..<w.r1 {
                    for c in w.c0..<w.c1 { acc += load16(t + 16 * (r * s.width + c)) }
                }
                store16(acc * scale, o + 16 * (i * s.outWidth + j))
            }
        }
        scatterPlanes(o, count: outPlane, into: y + p * outPlane, stride: outPlane)
    } rest: { p, count in
        avgPool2dForwardScalar(x: x + p * plane, y: y + p * outPlane, shape: s.planes(count))
    }
}

/// Average pooling backward, sixteen planes per vector: each output's gradient added to its
/// window's positions in the scalar scatter's order; the last (planes mod 16) one at a time.
// dy (N, C, OH, OW) -> dx (N, C, H, W)
func avgPool2dBackwardPlanes(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2dShape,
                             accumulate: Bool = false, threads: Int = 1) {
    let (plane, outPlane) = (s.height * s.width, s.outHeight * s.outWidth)
    let scale = F16(repeating: 1 / Float(s.kernelH * s.kernelW))
    forEachSixteenPlanes(s, threads: threads, floats: 16 * (plane + outPlane)) { p, buffer in
        let (t, g) = (buffer, buffer + 16 * plane)
        if accumulate {
            gatherPlanes(UnsafePointer(dx + p * plane), stride: plane, count: plane, into: t)
        } else {
            t.update(repeating: 0, count: 16 * plane)
        }
        gatherPlanes(dy + p * outPlane, stride: outPlane, count: outPlane, into: g)
        for i in 0..<s.outHeight {
            for j in 0..<s.outWidth {
                let w = s.window(i, j)
                let d = load16(g + 16 * (i * s.outWidth + j)) * scale
                for r in w.r0..<w.r1 {
                    for c in w.c0..<w.c1 {
                        let at = t + 16 * (r * s.width + c)
                        store16(load16(UnsafePointer(at)) + d, at)
                    }
                }
            }
        }
        scatterPlanes(t, count: plane, into: dx + p * plane, stride: plane)
    } rest: { p, count in
        avgPool2dBackwardScalar(dy: dy + p * outPlane, dx: dx + p * plane, shape: s.planes(count), accumulate: accumulate)
    }
}

/// Splits the planes over threads in groups of sixteen: `group(p, buffer)` for each whole
/// group from plane p, with `floats` floats of scratch on a cache line per thread, and
/// `rest(p, count)` for the planes after a thread's last whole group.
private func forEachSixteenPlanes(_ s: Pool2dShape, threads: Int, floats: Int,
                                  _ group: (Int, UnsafeMutablePointer<Float>) -> Void, rest: (Int, Int) -> Void) {
    parallelChunks(s.planes, threads: threads, grain: planeGrain(s.height * s.width), align: 16) { planes in
        withCacheLineAlignedFloats(floats) { buffer in
            var p = planes.lowerBound
            while p + 16 <= planes.upperBound {
                group(p, buffer)
                p += 16
            }
            if p < planes.upperBound { rest(p, planes.upperBound - p) }
        }
    }
}

extension Pool2dShape {
    /// The same geometry over `count` planes.
    func planes(_ count: Int) -> Pool2dShape {
        var s = self
        (s.batch, s.channels) = (count, 1)
        return s
    }
}

/// Sixteen planes of `count` 4-byte values (floats, or Int32 moved as their bits), `stride`
/// values apart, as `count` vectors at `t`: vector k holds value k of every plane (lane l,
/// plane l).
private func gatherPlanes(_ src: UnsafeRawPointer, stride: Int, count: Int, into t: UnsafeMutableRawPointer) {
    let whole = count / 16 * 16
    for k in Swift.stride(from: 0, to: whole, by: 16) { nnc_transpose16x16(src + 4 * k, stride, t + 64 * k, 16) }
    let rest = count - whole
    guard rest > 0 else { return }
    // The last partial block through a square: the planes' tails in, `rest` vectors out.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 512) { square in
        let (a, b) = (square.baseAddress!, square.baseAddress! + 256)
        a.update(repeating: 0, count: 256)
        for l in 0..<16 {
            UnsafeMutableRawPointer(a + 16 * l).copyMemory(from: src + 4 * (l * stride + whole), byteCount: 4 * rest)
        }
        nnc_transpose16x16(a, 16, b, 16)
        (t + 64 * whole).copyMemory(from: b, byteCount: 64 * rest)
    }
}

/// The inverse of `gatherPlanes`: `count` vectors at `t` out to sixteen planes, `stride` apart.
private func scatterPlanes(_ t: UnsafeRawPointer, count: Int, into dst: UnsafeMutableRawPointer, stride: Int) {
    let whole = count / 16 * 16
    for k in Swift.stride(from: 0, to: whole, by: 16) { nnc_transpose16x16(t + 64 * k, 16, dst + 4 * k, stride) }
    let rest = count - whole
    guard rest > 0 else { return }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 512) { square in
        let (a, b) = (square.baseAddress!, square.baseAddress! + 256)
        a.update(repeating: 0, count: 256)
        UnsafeMutableRawPointer(a).copyMemory(from: t + 64 * whole, byteCount: 64 * rest)
        nnc_transpose16x16(a, 16, b, 16)
        for l in 0..<16 {
            (dst + 4 * (l * stride + whole)).copyMemory(from: b + 16 * l, byteCount: 4 * rest)
        }
    }
}
