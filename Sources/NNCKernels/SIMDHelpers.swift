// Loads and stores of 16-lane vectors at any alignment, with partial vectors for tails: a
// tail element goes through the same vector code as every other element.
import CIntrinsics

@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> F16 {
    UnsafeRawPointer(p).loadUnaligned(as: F16.self)
}

@inline(__always)
func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self)
}

/// The first `w` (1…16) lanes from `p`, the rest `fill`.
@inline(__always)
func load16(_ p: UnsafePointer<Float>, _ w: Int, fill: Float = 0) -> F16 {
    if w == 16 { return load16(p) }
    var v = F16(repeating: fill)
    for l in 0..<w { v[l] = p[l] }
    return v
}

/// Stores the first `w` (1…16) lanes at `p`.
@inline(__always)
func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>, _ w: Int) {
    if w == 16 { store16(v, p); return }
    for l in 0..<w { p[l] = v[l] }
}

/// Lane-wise maximum that propagates NaN from either side.
/// √v lane by lane, one vector instruction (`SIMD16.squareRoot()` compiles to sixteen scalar
/// roots); correctly rounded, so each lane equals the scalar root.
@inline(__always)
func sqrt16(_ v: F16) -> F16 { nnc_sqrt16(v) }

@inline(__always)
func max16(_ a: F16, _ b: F16) -> F16 {
    a.replacing(with: b, where: (a .< b) .| (b .!= b))
}

/// The lane indices 0…15 (computed, not a global `let`, whose lazy initialisation check cost
/// a call on every use).
@inline(__always)
var lanes16: SIMD16<Int32> { SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }

/// Largest element of a vector without NaN, by halving (vector maxima, not a scalar loop).
@inline(__always)
func reduceMax(_ v: F16) -> Float {
    let a = pointwiseMax(v.lowHalf, v.highHalf)
    let b = pointwiseMax(a.lowHalf, a.highHalf)
    let c = pointwiseMax(b.lowHalf, b.highHalf)
    return max(c[0], c[1])
}

/// Largest element of a vector, NaN if any lane is NaN.
@inline(__always)
func horizontalMax(_ v: F16) -> Float {
    var m = v[0]
    for l in 1..<16 where !m.isNaN && (v[l] > m || v[l].isNaN) { m = v[l] }
    return m
}

/// Runs `body(i, w)` over `0..<count` in chunks of 16 (`w` lanes valid in the last).
@inline(__always)
func forEachChunk(_ count: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i + 16 <= count {
        body(i, 16)
        i += 16
    }
    if i < count { body(i, count - i) }
}

/// Sum of `count` floats: 16-lane partial sums over blocks of 4096, blocks added in Double,
/// so the error stays near 300 ulp of Σ|x| whatever the length (a reordered sum).

func blockedSum(_ x: UnsafePointer<Float>, _ count: Int, squares: Bool = false) -> Double {
    var total = 0.0
    var start = 0
    while start < count {
        let end = min(count, start + 4096)
        var a0 = F16(), a1 = F16()
        var i = start
        while i + 32 <= end {
            let v0 = load16(x + i), v1 = load16(x + i + 16)
            if squares { a0.addProduct(v0, v0); a1.addProduct(v1, v1) } else { a0 += v0; a1 += v1 }
            i += 32
        }
        while i < end {
            let w = min(16, end - i)
            let v = load16(x + i, w)
            if squares { a0.addProduct(v, v) } else { a0 += v }
            i += w
        }
        total += Double((a0 + a1).sum())
        start = end
    }
    return total
}
/// Transposes a 16 × 16 block: `dst[p·ds + j] = src[j·ss + p]`, in registers (four rounds
/// of even/odd interleaving; inputs and outputs taken in bit-reversed order).
@inline(__always)
func transpose16x16(_ src: UnsafePointer<Float>, _ ss: Int, _ dst: UnsafeMutablePointer<Float>, _ ds: Int) {
    let a0 = load16(src + 0 * ss)
    let a1 = load16(src + 8 * ss)
    let a2 = load16(src + 4 * ss)
    let a3 = load16(src + 12 * ss)
    let a4 = load16(src + 2 * ss)
    let a5 = load16(src + 10 * ss)
    let a6 = load16(src + 6 * ss)
    let a7 = load16(src + 14 * ss)
    let a8 = load16(src + 1 * ss)
    let a9 = load16(src + 9 * ss)
    let a10 = load16(src + 5 * ss)
    let a11 = load16(src + 13 * ss)
    let a12 = load16(src + 3 * ss)
    let a13 = load16(src + 11 * ss)
    let a14 = load16(src + 7 * ss)
    let a15 = load16(src + 15 * ss)
    let b0 = F16(lowHalf: a0.evenHalf, highHalf: a8.evenHalf)
    let b1 = F16(lowHalf: a0.oddHalf, highHalf: a8.oddHalf)
    let b2 = F16(lowHalf: a1.evenHalf, highHalf: a9.evenHalf)
    let b3 = F16(lowHalf: a1.oddHalf, highHalf: a9.oddHalf)
    let b4 = F16(lowHalf: a2.evenHalf, highHalf: a10.evenHalf)
    let b5 = F16(lowHalf: a2.oddHalf, highHalf: a10.oddHalf)
    let b6 = F16(lowHalf: a3.evenHalf, highHalf: a11.evenHalf)
    let b7 = F16(lowHalf: a3.oddHalf, highHalf: a11.oddHalf)
    let b8 = F16(lowHalf: a4.evenHalf, highHalf: a12.evenHalf)
    let b9 = F16(lowHalf: a4.oddHalf, highHalf: a12.oddHalf)
    let b10 = F16(lowHalf: a5.evenHalf, highHalf: a13.evenHalf)
    let b11 = F16(lowHalf: a5.oddHalf, highHalf: a13.oddHalf)
    let b12 = F16(lowHalf: a6.evenHalf, highHalf: a14.evenHalf)
    let b13 = F16(lowHalf: a6.oddHalf, highHalf: a14.oddHalf)
    let b14 = F16(lowHalf: a7.evenHalf, highHalf: a15.evenHalf)
    let b15 = F16(lowHalf: a7.oddHalf, highHalf: a15.oddHalf)
    let c0 = F16(lowHalf: b0.evenHalf, highHalf: b8.evenHalf)
    let c1 = F16(lowHalf: b0.oddHalf, highHalf: b8.oddHalf)
    let c2 = F16(lowHalf: b1.evenHalf, highHalf: b9.evenHalf)
    let c3 = F16(lowHalf: b1.oddHalf, highHalf: b9.oddHalf)
    let c4 = F16(lowHalf: b2.evenHalf, highHalf: b10.evenHalf)
    let c5 = F16(lowHalf: b2.oddHalf, highHalf: b10.oddHalf)
    let c6 = F16(lowHalf: b3.evenHalf, highHalf: b11.evenHalf)
    let c7 = F16(lowHalf: b3.oddHalf, highHalf: b11.oddHalf)
    let c8 = F16(lowHalf: b4.evenHalf, highHalf: b12.evenHalf)
    let c9 = F16(lowHalf: b4.oddHalf, highHalf: b12.oddHalf)
    let c10 = F16(lowHalf: b5.evenHalf, highHalf: b13.evenHalf)
    let c11 = F16(lowHalf: b5.oddHalf, highHalf: b13.oddHalf)
    let c12 = F16(lowHalf: b6.evenHalf, highHalf: b14.evenHalf)
    let c13 = F16(lowHalf: b6.oddHalf, highHalf: b14.oddHalf)
    let c14 = F16(lowHalf: b7.evenHalf, highHalf: b15.evenHalf)
    let c15 = F16(lowHalf: b7.oddHalf, highHalf: b15.oddHalf)
    let d0 = F16(lowHalf: c0.evenHalf, highHalf: c8.evenHalf)
    let d1 = F16(lowHalf: c0.oddHalf, highHalf: c8.oddHalf)
    let d2 = F16(lowHalf: c1.evenHalf, highHalf: c9.evenHalf)
    let d3 = F16(lowHalf: c1.oddHalf, highHalf: c9.oddHalf)
    let d4 = F16(lowHalf: c2.evenHalf, highHalf: c10.evenHalf)
    let d5 = F16(lowHalf: c2.oddHalf, highHalf: c10.oddHalf)
    let d6 = F16(lowHalf: c3.evenHalf, highHalf: c11.evenHalf)
    let d7 = F16(lowHalf: c3.oddHalf, highHalf: c11.oddHalf)
    let d8 = F16(lowHalf: c4.evenHalf, highHalf: c12.evenHalf)
    let d9 = F16(lowHalf: c4.oddHalf, highHalf: c12.oddHalf)
    let d10 = F16(lowHalf: c5.evenHalf, highHalf: c13.evenHalf)
    let d11 = F16(lowHalf: c5.oddHalf, highHalf: c13.oddHalf)
    let d12 = F16(lowHalf: c6.evenHalf, highHalf: c14.evenHalf)
    let d13 = F16(lowHalf: c6.oddHalf, highHalf: c14.oddHalf)
    let d14 = F16(lowHalf: c7.evenHalf, highHalf: c15.evenHalf)
    let d15 = F16(lowHalf: c7.oddHalf, highHalf: c15.oddHalf)
    let e0 = F16(lowHalf: d0.evenHalf, highHalf: d8.evenHalf)
    let e1 = F16(lowHalf: d0.oddHalf, highHalf: d8.oddHalf)
    let e2 = F16(lowHalf: d1.evenHalf, highHalf: d9.evenHalf)
    let e3 = F16(lowHalf: d1.oddHalf, highHalf: d9.oddHalf)
    let e4 = F16(lowHalf: d2.evenHalf, highHalf: d10.evenHalf)
    let e5 = F16(lowHalf: d2.oddHalf, highHalf: d10.oddHalf)
    let e6 = F16(lowHalf: d3.evenHalf, highHalf: d11.evenHalf)
    let e7 = F16(lowHalf: d3.oddHalf, highHalf: d11.oddHalf)
    let e8 = F16(lowHalf: d4.evenHalf, highHalf: d12.evenHalf)
    let e9 = F16(lowHalf: d4.oddHalf, highHalf: d12.oddHalf)
    let e10 = F16(lowHalf: d5.evenHalf, highHalf: d13.evenHalf)
    let e11 = F16(lowHalf: d5.oddHalf, highHalf: d13.oddHalf)
    let e12 = F16(lowHalf: d6.evenHalf, highHalf: d14.evenHalf)
    let e13 = F16(lowHalf: d6.oddHalf, highHalf: d14.oddHalf)
    let e14 = F16(lowHalf: d7.evenHalf, highHalf: d15.evenHalf)
    let e15 = F16(lowHalf: d7.oddHalf, highHalf: d15.oddHalf)
    store16(e0, dst + 0 * ds)
    store16(e1, dst + 8 * ds)
    store16(e2, dst + 4 * ds)
    store16(e3, dst + 12 * ds)
    store16(e4, dst + 2 * ds)
    store16(e5, dst + 10 * ds)
    store16(e6, dst + 6 * ds)
    store16(e7, dst + 14 * ds)
    store16(e8, dst + 1 * ds)
    store16(e9, dst + 9 * ds)
    store16(e10, dst + 5 * ds)
    store16(e11, dst + 13 * ds)
    store16(e12, dst + 3 * ds)
    store16(e13, dst + 11 * ds)
    store16(e14, dst + 7 * ds)
    store16(e15, dst + 15 * ds)
}

/// A temporary buffer of `count` floats starting on a cache line, for the kernels' row buffers
/// (im2col's plane, pooling's rows). A heap temporary starts wherever the allocator's last
/// frees leave it, so its rows split lines differently from one build to the next (conv2 of
/// cifar_conv_mnist.net: ±11 % with an unrelated change elsewhere).
@inline(__always)
func withCacheLineAlignedFloats<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: count + 16) { buffer in
        let address = Int(bitPattern: buffer.baseAddress!)
        return body(buffer.baseAddress! + ((64 - address & 63) & 63) / 4)
    }
}

/// dst[j·ds + i] = (or +=) src[i·ss + j] for i < rows, j < cols: 16 × 16 blocks through the
/// permute network (`block` holds one when adding), the edges element by element.
@inline(__always)
func transposeInto(_ src: UnsafePointer<Float>, _ ss: Int, rows: Int, cols: Int,
                           _ dst: UnsafeMutablePointer<Float>, _ ds: Int, accumulate: Bool,
                           _ block: UnsafeMutablePointer<Float>) {
    for i0 in stride(from: 0, to: rows, by: 16) {
        let h = min(16, rows - i0)
        for j0 in stride(from: 0, to: cols, by: 16) {
            let w = min(16, cols - j0)
            let s = src + i0 * ss + j0, d = dst + j0 * ds + i0
            if h == 16 && w == 16 {
                if accumulate {
                    nnc_transpose16x16(s, ss, block, 16)
                    for j in 0..<16 { store16(load16(d + j * ds) + load16(block + j * 16), d + j * ds) }
                } else {
                    nnc_transpose16x16(s, ss, d, ds)
                }
            } else {
                for j in 0..<w {
                    for i in 0..<h { d[j * ds + i] = accumulate ? d[j * ds + i] + s[i * ss + j] : s[i * ss + j] }
                }
            }
        }
    }
}
