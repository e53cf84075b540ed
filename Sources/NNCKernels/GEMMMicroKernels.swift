// The register-tiled inner loops of GEMM. Each computes one MR × NR tile of A·B over `kc`
// steps, accumulators in local SIMD16 variables (the tile lives in zmm registers), A read by
// broadcasting one element per row and step, B read as NR contiguous floats per step:
//
//     acc (MR,NR) = Σ_p a[r·rsA + p·csA] · b[p·rsB + 0..<NR]
//     c (MR,NR) = alpha·acc + beta·c      (c not read when beta == 0)
//
// Rows at and beyond `mr` re-read row 0 (their results are computed and dropped), so a
// partial tile reads nothing outside A. They stay separate `@inline(never)` functions:
// inlined into a caller's larger loops the compiler split the vectors and spilled the
// accumulators (docs/MACHINE.md).

@inline(__always)
private func update16(_ acc: F16, _ p: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float) {
    if beta == 0 {
        store16(alpha * acc, p)
    } else {
        store16(alpha * acc + beta * load16(p), p)
    }
}

/// 6 × 32 tile: 12 accumulators, 2 B vectors and 1 broadcast per step, 12 FMAs to 8 loads.
@inline(never)
func microKernel6x32(_ kc: Int,
                     _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                     _ b: UnsafePointer<Float>, _ rsB: Int,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                     _ alpha: Float, _ beta: Float) {
    kernel6x32(kc, a, rsA, csA, mr, b, rsB, c, ldc, alpha, beta)
}

/// The same reading a packed A panel (6 rows interleaved): one pointer, constant offsets.
@inline(never)
func microKernel6x32PackedA(_ kc: Int,
                            _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                            _ b: UnsafePointer<Float>, _ rsB: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                            _ alpha: Float, _ beta: Float) {
    kernel6x32(kc, a, 1, 6, 6, b, rsB, c, ldc, alpha, beta)
}

@inline(__always)
private func kernel6x32(_ kc: Int,
                     _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                     _ b: UnsafePointer<Float>, _ rsB: Int,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                     _ alpha: Float, _ beta: Float) {
    let a0 = a
    let a1 = a + (mr > 1 ? rsA : 0)
    let a2 = a + (mr > 2 ? 2 * rsA : 0)
    let a3 = a + (mr > 3 ? 3 * rsA : 0)
    let a4 = a + (mr > 4 ? 4 * rsA : 0)
    let a5 = a + (mr > 5 ? 5 * rsA : 0)
    var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16()
    var c30 = F16(), c31 = F16(), c40 = F16(), c41 = F16(), c50 = F16(), c51 = F16()
    var ia = 0
    var bp = b
    for _ in 0..<kc {
        let b0 = load16(bp)
        let b1 = load16(bp + 16)
        var x = F16(repeating: a0[ia])
        c00.addProduct(x, b0); c01.addProduct(x, b1)
        x = F16(repeating: a1[ia])
        c10.addProduct(x, b0); c11.addProduct(x, b1)
        x = F16(repeating: a2[ia])
        c20.addProduct(x, b0); c21.addProduct(x, b1)
        x = F16(repeating: a3[ia])
        c30.addProduct(x, b0); c31.addProduct(x, b1)
        x = F16(repeating: a4[ia])
        c40.addProduct(x, b0); c41.addProduct(x, b1)
        x = F16(repeating: a5[ia])
        c50.addProduct(x, b0); c51.addProduct(x, b1)
        ia &+= csA
        bp += rsB
    }
    var cp = c
    update16(c00, cp, alpha, beta); update16(c01, cp + 16, alpha, beta); cp += ldc
    update16(c10, cp, alpha, beta); update16(c11, cp + 16, alpha, beta); cp += ldc
    update16(c20, cp, alpha, beta); update16(c21, cp + 16, alpha, beta); cp += ldc
    update16(c30, cp, alpha, beta); update16(c31, cp + 16, alpha, beta); cp += ldc
    update16(c40, cp, alpha, beta); update16(c41, cp + 16, alpha, beta); cp += ldc
    update16(c50, cp, alpha, beta); update16(c51, cp + 16, alpha, beta)
}

/// 8 × 32 tile for products of at most 64 rows in multiples of 8 (a convolution's 16, 32 or 64
/// output channels, where 6-row tiles computed up to 4 rows in vain): 16 accumulators, 2 B
/// vectors and 1 broadcast per step, 16 FMAs to 10 loads.
@inline(never)
func microKernel8x32(_ kc: Int,
                     _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                     _ b: UnsafePointer<Float>, _ rsB: Int,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                     _ alpha: Float, _ beta: Float) {
    kernel8x32(kc, a, rsA, csA, mr, b, rsB, c, ldc, alpha, beta)
}

/// The same reading a packed A panel (8 rows interleaved).
@inline(never)
func microKernel8x32PackedA(_ kc: Int,
                            _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                            _ b: UnsafePointer<Float>, _ rsB: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                            _ alpha: Float, _ beta: Float) {
    kernel8x32(kc, a, 1, 8, 8, b, rsB, c, ldc, alpha, beta)
}

@inline(__always)
private func kernel8x32(_ kc: Int,
                        _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                        _ b: UnsafePointer<Float>, _ rsB: Int,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                        _ alpha: Float, _ beta: Float) {
    let a0 = a
    let a1 = a + (mr > 1 ? rsA : 0)
    let a2 = a + (mr > 2 ? 2 * rsA : 0)
    let a3 = a + (mr > 3 ? 3 * rsA : 0)
    let a4 = a + (mr > 4 ? 4 * rsA : 0)
    let a5 = a + (mr > 5 ? 5 * rsA : 0)
    let a6 = a + (mr > 6 ? 6 * rsA : 0)
    let a7 = a + (mr > 7 ? 7 * rsA : 0)
    var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16(), c30 = F16(), c31 = F16()
    var c40 = F16(), c41 = F16(), c50 = F16(), c51 = F16(), c60 = F16(), c61 = F16(), c70 = F16(), c71 = F16()
    var ia = 0
    var bp = b
    for _ in 0..<kc {
        let b0 = load16(bp)
        let b1 = load16(bp + 16)
        var x = F16(repeating: a0[ia])
        c00.addProduct(x, b0); c01.addProduct(x, b1)
        x = F16(repeating: a1[ia])
        c10.addProduct(x, b0); c11.addProduct(x, b1)
        x = F16(repeating: a2[ia])
        c20.addProduct(x, b0); c21.addProduct(x, b1)
        x = F16(repeating: a3[ia])
        c30.addProduct(x, b0); c31.addProduct(x, b1)
        x = F16(repeating: a4[ia])
        c40.addProduct(x, b0); c41.addProduct(x, b1)
        x = F16(repeating: a5[ia])
        c50.addProduct(x, b0); c51.addProduct(x, b1)
        x = F16(repeating: a6[ia])
        c60.addProduct(x, b0); c61.addProduct(x, b1)
        x = F16(repeating: a7[ia])
        c70.addProduct(x, b0); c71.addProduct(x, b1)
        ia &+= csA
        bp += rsB
    }
    var cp = c
    update16(c00, cp, alpha, beta); update16(c01, cp + 16, alpha, beta); cp += ldc
    update16(c10, cp, alpha, beta); update16(c11, cp + 16, alpha, beta); cp += ldc
    update16(c20, cp, alpha, beta); update16(c21, cp + 16, alpha, beta); cp += ldc
    update16(c30, cp, alpha, beta); update16(c31, cp + 16, alpha, beta); cp += ldc
    update16(c40, cp, alpha, beta); update16(c41, cp + 16, alpha, beta); cp += ldc
    update16(c50, cp, alpha, beta); update16(c51, cp + 16, alpha, beta); cp += ldc
    update16(c60, cp, alpha, beta); update16(c61, cp + 16, alpha, beta); cp += ldc
    update16(c70, cp, alpha, beta); update16(c71, cp + 16, alpha, beta)
}

/// 12 × 16 tile for outputs at most 16 columns wide (a classifier's 10 logits): 12
/// accumulators, 1 B vector and 12 broadcasts per step.
@inline(never)
func microKernel12x16(_ kc: Int,
                      _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                      _ b: UnsafePointer<Float>, _ rsB: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                      _ alpha: Float, _ beta: Float) {
    kernel12x16(kc, a, rsA, csA, mr, b, rsB, c, ldc, alpha, beta)
}

/// The same reading a packed A panel (12 rows interleaved).
@inline(never)
func microKernel12x16PackedA(_ kc: Int,
                             _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                             _ b: UnsafePointer<Float>, _ rsB: Int,
                             _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                             _ alpha: Float, _ beta: Float) {
    kernel12x16(kc, a, 1, 12, 12, b, rsB, c, ldc, alpha, beta)
}

@inline(__always)
private func kernel12x16(_ kc: Int,
                      _ a: UnsafePointer<Float>, _ rsA: Int, _ csA: Int, _ mr: Int,
                      _ b: UnsafePointer<Float>, _ rsB: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                      _ alpha: Float, _ beta: Float) {
    let a0 = a
    let a1 = a + (mr > 1 ? rsA : 0)
    let a2 = a + (mr > 2 ? 2 * rsA : 0)
    let a3 = a + (mr > 3 ? 3 * rsA : 0)
    let a4 = a + (mr > 4 ? 4 * rsA : 0)
    let a5 = a + (mr > 5 ? 5 * rsA : 0)
    let a6 = a + (mr > 6 ? 6 * rsA : 0)
    let a7 = a + (mr > 7 ? 7 * rsA : 0)
    let a8 = a + (mr > 8 ? 8 * rsA : 0)
    let a9 = a + (mr > 9 ? 9 * rsA : 0)
    let a10 = a + (mr > 10 ? 10 * rsA : 0)
    let a11 = a + (mr > 11 ? 11 * rsA : 0)
    var c0 = F16(), c1 = F16(), c2 = F16(), c3 = F16(), c4 = F16(), c5 = F16()
    var c6 = F16(), c7 = F16(), c8 = F16(), c9 = F16(), c10 = F16(), c11 = F16()
    var ia = 0
    var bp = b
    for _ in 0..<kc {
        let b0 = load16(bp)
        c0.addProduct(F16(repeating: a0[ia]), b0)
        c1.addProduct(F16(repeating: a1[ia]), b0)
        c2.addProduct(F16(repeating: a2[ia]), b0)
        c3.addProduct(F16(repeating: a3[ia]), b0)
        c4.addProduct(F16(repeating: a4[ia]), b0)
        c5.addProduct(F16(repeating: a5[ia]), b0)
        c6.addProduct(F16(repeating: a6[ia]), b0)
        c7.addProduct(F16(repeating: a7[ia]), b0)
        c8.addProduct(F16(repeating: a8[ia]), b0)
        c9.addProduct(F16(repeating: a9[ia]), b0)
        c10.addProduct(F16(repeating: a10[ia]), b0)
        c11.addProduct(F16(repeating: a11[ia]), b0)
        ia &+= csA
        bp += rsB
    }
    var cp = c
    update16(c0, cp, alpha, beta); cp += ldc
    update16(c1, cp, alpha, beta); cp += ldc
    update16(c2, cp, alpha, beta); cp += ldc
    update16(c3, cp, alpha, beta); cp += ldc
    update16(c4, cp, alpha, beta); cp += ldc
    update16(c5, cp, alpha, beta); cp += ldc
    update16(c6, cp, alpha, beta); cp += ldc
    update16(c7, cp, alpha, beta); cp += ldc
    update16(c8, cp, alpha, beta); cp += ldc
    update16(c9, cp, alpha, beta); cp += ldc
    update16(c10, cp, alpha, beta); cp += ldc
    update16(c11, cp, alpha, beta)
}
