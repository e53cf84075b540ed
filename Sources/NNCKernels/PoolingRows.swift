// The row buffer the vector pooling kernels read and write: a plane's rows copied between
// borders of a fill value (−∞ for max, 0 for average), so that window column dc of 16
// consecutive outputs is one contiguous 16-float load. For horizontal stride 1 that is the
// padded row itself; for stride 2 the padded row is kept split into its even and odd columns
// (window column dc of outputs j… is column j + dc/2 of one half): one split per row in
// place of a gather of even lanes per window column and output run.

import CIntrinsics

struct PaddedRows {
    let base: UnsafeMutablePointer<Float>
    /// Floats per row: the padded row, a multiple of 32, so each half of a stride-2 row is
    /// whole vectors.
    let rowStride: Int
    let shape: Pool2dShape

    /// Whether the layout covers this horizontal stride.
    static func covers(_ s: Pool2dShape) -> Bool { s.strideW == 1 || s.strideW == 2 }

    /// Floats of the padded row: every 16-output run's windows and a vector of slack, and room
    /// for the image row after padW with whole vectors written past it; a multiple of 32.
    static func rowStride(_ s: Pool2dShape) -> Int {
        let runs = (s.outWidth + 15) / 16 * 16
        let n = max(s.padW + s.width + 48, s.strideW * runs + s.kernelW + 16)
        return (n + 31) / 32 * 32
    }

    /// Floats the buffer needs: every image row (on a cache line, `withCacheLineAlignedFloats`,
    /// so that the halves' stores are whole lines).
    static func capacity(_ s: Pool2dShape) -> Int { s.height * rowStride(s) }

    init(_ buffer: UnsafeMutablePointer<Float>, shape s: Pool2dShape) {
        base = buffer
        rowStride = Self.rowStride(s)
        shape = s
    }

    /// Sets every float, borders included, to `fill`.
    func reset(_ fill: Float) { base.update(repeating: fill, count: Self.capacity(shape)) }

    /// The first of the 16 floats window column `dc` of outputs j0… reads in image row `r`.
    @inline(__always)
    func column(_ r: Int, _ j0: Int, _ dc: Int) -> UnsafeMutablePointer<Float> {
        base + r * rowStride + j0 + (dc & 1) * oddOffset + (dc >> 1) * pairStep
    }

    /// From a window's first column, how far its odd columns sit (the next float at stride 1,
    /// the odd half at stride 2) and how far each further pair of columns steps, so a kernel can
    /// walk the columns by pointer steps.
    var oddOffset: Int { shape.strideW == 1 ? 1 : rowStride / 2 }
    var pairStep: Int { shape.strideW == 1 ? 2 : 1 }

    /// Where a stride-2 row keeps the image's even and its odd columns: padded column q is
    /// half q mod 2 at q / 2, and image column c is padded column c + padW.
    @inline(__always)
    private func halves(_ row: UnsafeMutablePointer<Float>) -> (even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>) {
        let (half, a, b) = (rowStride / 2, shape.padW / 2, shape.padW & 1)
        return b == 0 ? (row + a, row + half + a) : (row + half + a, row + a + 1)
    }

    /// Copies the plane at `xp` in, whole vectors at a time: lanes past a row's end are `fill`,
    /// the value `reset` gave the borders they land on. Returns whether the plane holds a NaN
    /// (max pooling must then rescan it; every value passes through here anyway).
    func load(_ xp: UnsafePointer<Float>, fill: Float) -> Bool {
        let w = shape.width
        var seen = SIMDMask<SIMD16<Int32>>(repeating: false)
        for r in 0..<shape.height {
            let row = base + r * rowStride, x = xp + r * w
            // A row's last partial vector: one load and a blend where the plane's next row
            // holds the floats past its end, else lane by lane.
            let inPlane = r + 1 < shape.height && w >= 16
            @inline(__always) func part(_ i: Int) -> F16 {
                let n = w - i
                if n >= 16 { return load16(x + i) }
                if n <= 0 { return F16(repeating: fill) }
                if inPlane { return load16(x + i).replacing(with: fill, where: lanes16 .>= SIMD16<Int32>(repeating: Int32(n))) }
                return load16(x + i, n, fill: fill)
            }
            if shape.strideW == 1 {
                for i in stride(from: 0, to: w, by: 16) {
                    let v = part(i)
                    seen .|= v .!= v
                    store16(v, row + shape.padW + i)
                }
                continue
            }
            let (even, odd) = halves(row)
            for i in stride(from: 0, to: w, by: 32) {
                let (a, b) = (part(i), part(i + 16))
                seen .|= (a .!= a) .| (b .!= b)
                store16(nnc_even_lanes(a, b), even + i / 2)
                store16(nnc_odd_lanes(a, b), odd + i / 2)
            }
        }
        return any(seen)
    }

    /// Copies the image part of every row out to the plane at `xp` (the backward pass).
    func store(_ xp: UnsafeMutablePointer<Float>) {
        let w = shape.width
        for r in 0..<shape.height {
            let row = base + r * rowStride, x = xp + r * w
            if shape.strideW == 1 {
                forEachChunk(w) { i, n in store16(load16(UnsafePointer(row + shape.padW + i)), x + i, n) }
                continue
            }
            let (even, odd) = halves(row)
            for i in stride(from: 0, to: w, by: 32) {
                let (e, o) = (load16(UnsafePointer(even + i / 2)), load16(UnsafePointer(odd + i / 2)))
                store16(nnc_interleave_low(e, o), x + i, min(16, w - i))
                if i + 16 < w { store16(nnc_interleave_high(e, o), x + i + 16, min(16, w - i - 16)) }
            }
        }
    }
}

/// Runs `body(i, r0, r1, j0)` for every run of 16 outputs of a plane: output row `i` from
/// `j0`, its windows covering image rows `r0 ..< r1` (clipped to the image).
@inline(__always)
func forEachOutputRun(_ s: Pool2dShape, _ body: (Int, Int, Int, Int) -> Void) {
    for i in 0..<s.outHeight {
        let r = i * s.strideH - s.padH
        let r0 = max(r, 0), r1 = min(r + s.kernelH, s.height)
        for j0 in stride(from: 0, to: s.outWidth, by: 16) { body(i, r0, r1, j0) }
    }
}
