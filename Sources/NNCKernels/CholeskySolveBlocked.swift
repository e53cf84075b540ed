// SGD2's per-step solve, blocked: many Float gradient rows against one Cholesky factor L, in
// Double. `choleskySolveRows` (LinearAlgebra.swift) is its plain twin and the reference.
//
// Why blocked: solving row by row runs one dot product or axpy at a time over L (~10 GFLOP/s).
// Here 16 gradient rows are gathered, transposed, into a panel (n × 16 Doubles) so that the
// 16 SIMD lanes run across rows; the substitutions then take L eight rows at a time, each L
// element broadcast into 16 lanes of 8 independent accumulators (a small GEMM against the
// rows already solved), and finish each 8 × 8 diagonal triangle from memory. Lanes never mix,
// so a row's bits do not depend on which panel or thread it lands in.

/// Gradient rows in one panel: the SIMD lanes of the substitution.
let solvePanelWidth = 16
/// Rows of L in one register tile: 8 accumulators of 16 lanes.
let solveTileRows = 8

@inline(__always)
private func load16(_ p: UnsafePointer<Double>) -> D16 {
    UnsafeRawPointer(p).loadUnaligned(as: D16.self)
}

@inline(__always)
private func store16(_ v: D16, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: D16.self)
}

/// `L Y = B` for a panel in place: row i of the panel (16 lanes) at `p + 16·i`; `inverseDiagonal`
/// holds 1 / L[i, i].
// L (n, n) lower, panel (n, 16) -> L⁻¹ panel
@inline(never)
func forwardSubstitutePanel(_ l: UnsafePointer<Double>, n: Int, ldl: Int, inverseDiagonal inv: UnsafePointer<Double>,
                            _ p: UnsafeMutablePointer<Double>) {
    let w = solvePanelWidth
    var i0 = 0
    while i0 < n {
        let h = min(solveTileRows, n - i0)
        // Rows of the tile past n read row n − 1 of L (in bounds) and are never stored.
        let r0 = l + i0 * ldl, r1 = l + min(i0 + 1, n - 1) * ldl, r2 = l + min(i0 + 2, n - 1) * ldl
        let r3 = l + min(i0 + 3, n - 1) * ldl, r4 = l + min(i0 + 4, n - 1) * ldl, r5 = l + min(i0 + 5, n - 1) * ldl
        let r6 = l + min(i0 + 6, n - 1) * ldl, r7 = l + min(i0 + 7, n - 1) * ldl
        var s0 = D16(), s1 = D16(), s2 = D16(), s3 = D16(), s4 = D16(), s5 = D16(), s6 = D16(), s7 = D16()
        var j = 0
        while j < i0 {
            let x = load16(p + j * w)
            s0.addProduct(D16(repeating: r0[j]), x)
            s1.addProduct(D16(repeating: r1[j]), x)
            s2.addProduct(D16(repeating: r2[j]), x)
            s3.addProduct(D16(repeating: r3[j]), x)
            s4.addProduct(D16(repeating: r4[j]), x)
            s5.addProduct(D16(repeating: r5[j]), x)
            s6.addProduct(D16(repeating: r6[j]), x)
            s7.addProduct(D16(repeating: r7[j]), x)
            j += 1
        }
        if h == solveTileRows {
            // A full tile solves its triangle in registers: each solved row is folded into the
            // rows below at once, so one FMA, a subtraction and a product chain consecutive rows.
            let x0 = (load16(p + i0 * w) - s0) * D16(repeating: inv[i0])
            store16(x0, p + i0 * w)
            s1.addProduct(D16(repeating: r1[i0]), x0)
            s2.addProduct(D16(repeating: r2[i0]), x0)
            s3.addProduct(D16(repeating: r3[i0]), x0)
            s4.addProduct(D16(repeating: r4[i0]), x0)
            s5.addProduct(D16(repeating: r5[i0]), x0)
            s6.addProduct(D16(repeating: r6[i0]), x0)
            s7.addProduct(D16(repeating: r7[i0]), x0)
            let x1 = (load16(p + (i0 + 1) * w) - s1) * D16(repeating: inv[i0 + 1])
            store16(x1, p + (i0 + 1) * w)
            s2.addProduct(D16(repeating: r2[i0 + 1]), x1)
            s3.addProduct(D16(repeating: r3[i0 + 1]), x1)
            s4.addProduct(D16(repeating: r4[i0 + 1]), x1)
            s5.addProduct(D16(repeating: r5[i0 + 1]), x1)
            s6.addProduct(D16(repeating: r6[i0 + 1]), x1)
            s7.addProduct(D16(repeating: r7[i0 + 1]), x1)
            let x2 = (load16(p + (i0 + 2) * w) - s2) * D16(repeating: inv[i0 + 2])
            store16(x2, p + (i0 + 2) * w)
            s3.addProduct(D16(repeating: r3[i0 + 2]), x2)
            s4.addProduct(D16(repeating: r4[i0 + 2]), x2)
            s5.addProduct(D16(repeating: r5[i0 + 2]), x2)
            s6.addProduct(D16(repeating: r6[i0 + 2]), x2)
            s7.addProduct(D16(repeating: r7[i0 + 2]), x2)
            let x3 = (load16(p + (i0 + 3) * w) - s3) * D16(repeating: inv[i0 + 3])
            store16(x3, p + (i0 + 3) * w)
            s4.addProduct(D16(repeating: r4[i0 + 3]), x3)
            s5.addProduct(D16(repeating: r5[i0 + 3]), x3)
            s6.addProduct(D16(repeating: r6[i0 + 3]), x3)
            s7.addProduct(D16(repeating: r7[i0 + 3]), x3)
            let x4 = (load16(p + (i0 + 4) * w) - s4) * D16(repeating: inv[i0 + 4])
            store16(x4, p + (i0 + 4) * w)
            s5.addProduct(D16(repeating: r5[i0 + 4]), x4)
            s6.addProduct(D16(repeating: r6[i0 + 4]), x4)
            s7.addProduct(D16(repeating: r7[i0 + 4]), x4)
            let x5 = (load16(p + (i0 + 5) * w) - s5) * D16(repeating: inv[i0 + 5])
            store16(x5, p + (i0 + 5) * w)
            s6.addProduct(D16(repeating: r6[i0 + 5]), x5)
            s7.addProduct(D16(repeating: r7[i0 + 5]), x5)
            let x6 = (load16(p + (i0 + 6) * w) - s6) * D16(repeating: inv[i0 + 6])
            store16(x6, p + (i0 + 6) * w)
            s7.addProduct(D16(repeating: r7[i0 + 6]), x6)
            let x7 = (load16(p + (i0 + 7) * w) - s7) * D16(repeating: inv[i0 + 7])
            store16(x7, p + (i0 + 7) * w)
            i0 += h
            continue
        }
        let sums = (s0, s1, s2, s3, s4, s5, s6, s7)
        withUnsafeBytes(of: sums) { raw in
            let s = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            // A partial tile's triangle, row by row from memory; two chains halve its latency.
            for k in 0..<h {
                let i = i0 + k
                let row = l + i * ldl
                var v = load16(p + i * w) - load16(s + k * w), u = D16()
                var m = 0
                while m + 2 <= k {
                    v.addProduct(D16(repeating: -row[i0 + m]), load16(p + (i0 + m) * w))
                    u.addProduct(D16(repeating: -row[i0 + m + 1]), load16(p + (i0 + m + 1) * w))
                    m += 2
                }
                if m < k { v.addProduct(D16(repeating: -row[i0 + m]), load16(p + (i0 + m) * w)) }
                store16((v + u) * D16(repeating: inv[i]), p + i * w)
            }
        }
        i0 += h
    }
}

/// `Lᵀ X = Y` for a panel in place, from the last rows up; L is read along its rows.
// L (n, n) lower, panel (n, 16) -> L⁻ᵀ panel
@inline(never)
func backSubstitutePanel(_ l: UnsafePointer<Double>, n: Int, ldl: Int, inverseDiagonal inv: UnsafePointer<Double>,
                         _ p: UnsafeMutablePointer<Double>) {
    let w = solvePanelWidth
    // The same tiles as the forward pass, taken in reverse.
    var i0 = (n - 1) / solveTileRows * solveTileRows
    while i0 >= 0 {
        let h = min(solveTileRows, n - i0)
        let c = min(i0 + solveTileRows - 1, n - 1)
        // Columns of the tile past n read column n − 1 of L (in bounds) and are never stored.
        let c0 = i0, c1 = min(i0 + 1, c), c2 = min(i0 + 2, c), c3 = min(i0 + 3, c)
        let c4 = min(i0 + 4, c), c5 = min(i0 + 5, c), c6 = min(i0 + 6, c), c7 = min(i0 + 7, c)
        var s0 = D16(), s1 = D16(), s2 = D16(), s3 = D16(), s4 = D16(), s5 = D16(), s6 = D16(), s7 = D16()
        var j = i0 + h
        while j < n {
            let x = load16(p + j * w)
            let r = l + j * ldl
            s0.addProduct(D16(repeating: r[c0]), x)
            s1.addProduct(D16(repeating: r[c1]), x)
            s2.addProduct(D16(repeating: r[c2]), x)
            s3.addProduct(D16(repeating: r[c3]), x)
            s4.addProduct(D16(repeating: r[c4]), x)
            s5.addProduct(D16(repeating: r[c5]), x)
            s6.addProduct(D16(repeating: r[c6]), x)
            s7.addProduct(D16(repeating: r[c7]), x)
            j += 1
        }
        if h == solveTileRows {
            // As in the forward pass: the triangle in registers, row i0 + k of L giving the
            // multipliers of the rows above it.
            let x7 = (load16(p + (i0 + 7) * w) - s7) * D16(repeating: inv[i0 + 7])
            store16(x7, p + (i0 + 7) * w)
            let q7 = l + (i0 + 7) * ldl + i0
            s6.addProduct(D16(repeating: q7[6]), x7)
            s5.addProduct(D16(repeating: q7[5]), x7)
            s4.addProduct(D16(repeating: q7[4]), x7)
            s3.addProduct(D16(repeating: q7[3]), x7)
            s2.addProduct(D16(repeating: q7[2]), x7)
            s1.addProduct(D16(repeating: q7[1]), x7)
            s0.addProduct(D16(repeating: q7[0]), x7)
            let x6 = (load16(p + (i0 + 6) * w) - s6) * D16(repeating: inv[i0 + 6])
            store16(x6, p + (i0 + 6) * w)
            let q6 = l + (i0 + 6) * ldl + i0
            s5.addProduct(D16(repeating: q6[5]), x6)
            s4.addProduct(D16(repeating: q6[4]), x6)
            s3.addProduct(D16(repeating: q6[3]), x6)
            s2.addProduct(D16(repeating: q6[2]), x6)
            s1.addProduct(D16(repeating: q6[1]), x6)
            s0.addProduct(D16(repeating: q6[0]), x6)
            let x5 = (load16(p + (i0 + 5) * w) - s5) * D16(repeating: inv[i0 + 5])
            store16(x5, p + (i0 + 5) * w)
            let q5 = l + (i0 + 5) * ldl + i0
            s4.addProduct(D16(repeating: q5[4]), x5)
            s3.addProduct(D16(repeating: q5[3]), x5)
            s2.addProduct(D16(repeating: q5[2]), x5)
            s1.addProduct(D16(repeating: q5[1]), x5)
            s0.addProduct(D16(repeating: q5[0]), x5)
            let x4 = (load16(p + (i0 + 4) * w) - s4) * D16(repeating: inv[i0 + 4])
            store16(x4, p + (i0 + 4) * w)
            let q4 = l + (i0 + 4) * ldl + i0
            s3.addProduct(D16(repeating: q4[3]), x4)
            s2.addProduct(D16(repeating: q4[2]), x4)
            s1.addProduct(D16(repeating: q4[1]), x4)
            s0.addProduct(D16(repeating: q4[0]), x4)
            let x3 = (load16(p + (i0 + 3) * w) - s3) * D16(repeating: inv[i0 + 3])
            store16(x3, p + (i0 + 3) * w)
            let q3 = l + (i0 + 3) * ldl + i0
            s2.addProduct(D16(repeating: q3[2]), x3)
            s1.addProduct(D16(repeating: q3[1]), x3)
            s0.addProduct(D16(repeating: q3[0]), x3)
            let x2 = (load16(p + (i0 + 2) * w) - s2) * D16(repeating: inv[i0 + 2])
            store16(x2, p + (i0 + 2) * w)
            let q2 = l + (i0 + 2) * ldl + i0
            s1.addProduct(D16(repeating: q2[1]), x2)
            s0.addProduct(D16(repeating: q2[0]), x2)
            let x1 = (load16(p + (i0 + 1) * w) - s1) * D16(repeating: inv[i0 + 1])
            store16(x1, p + (i0 + 1) * w)
            let q1 = l + (i0 + 1) * ldl + i0
            s0.addProduct(D16(repeating: q1[0]), x1)
            let x0 = (load16(p + i0 * w) - s0) * D16(repeating: inv[i0])
            store16(x0, p + i0 * w)
            i0 -= solveTileRows
            continue
        }
        let sums = (s0, s1, s2, s3, s4, s5, s6, s7)
        withUnsafeBytes(of: sums) { raw in
            let s = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            var k = h - 1
            while k >= 0 {
                let i = i0 + k
                var v = load16(p + i * w) - load16(s + k * w), u = D16()
                var m = k + 1
                while m + 2 <= h {
                    v.addProduct(D16(repeating: -l[(i0 + m) * ldl + i]), load16(p + (i0 + m) * w))
                    u.addProduct(D16(repeating: -l[(i0 + m + 1) * ldl + i]), load16(p + (i0 + m + 1) * w))
                    m += 2
                }
                if m < h { v.addProduct(D16(repeating: -l[(i0 + m) * ldl + i]), load16(p + (i0 + m) * w)) }
                store16((v + u) * D16(repeating: inv[i]), p + i * w)
                k -= 1
            }
        }
        i0 -= solveTileRows
    }
}

/// SGD2's correction of a Float gradient, blocked and threaded: each of the `count` rows `g`
/// becomes `g (L Lᵀ)⁻¹`, computed in Double, with the layout of `choleskySolveRows`: the
/// right-hand side is `bias[r]` first when `bias` is given, then the columns `columnIndices` of
/// the row (or 0..<n − 1 or n). Row r starts at `r·ldg`, or with `groupRows` > 0 at
/// `(r / groupRows)·groupStride + (r % groupRows)·ldg` (a convolution's taps, filter by filter).
/// Rows are split over `threads` in whole panels; every row gets the same bits on any count.
// L (n, n), G (count, ·), bias (count) -> G, bias corrected in place
public func choleskySolveRowsBlocked(factor l: UnsafePointer<Double>, n: Int, ldl: Int,
                                     rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                     groupRows: Int = 0, groupStride: Int = 0,
                                     columnIndices: UnsafePointer<Int>? = nil,
                                     bias: UnsafeMutablePointer<Float>? = nil, threads: Int = 1) {
    guard n > 0, count > 0 else { return }
    let w = solvePanelWidth
    // A row costs 2n² FLOP: split only when each part gets at least ~50 kFLOP.
    let grain = max(w, 25_000 / (n * n))
    parallelChunks(count, threads: threads, grain: grain, align: w) { range in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n * w + n) { buf in
            let p = buf.baseAddress!
            // Multiplying by reciprocals keeps divisions off the triangles' critical path.
            let inv = p + n * w
            for i in 0..<n { inv[i] = 1 / l[i * ldl + i] }
            var r0 = range.lowerBound
            while r0 < range.upperBound {
                let rc = min(w, range.upperBound - r0)
                gatherPanel(g, ldg: ldg, groupRows: groupRows, groupStride: groupStride, rows: r0, count: rc,
                            n: n, columnIndices: columnIndices, bias: bias, panel: p)
                forwardSubstitutePanel(l, n: n, ldl: ldl, inverseDiagonal: inv, p)
                backSubstitutePanel(l, n: n, ldl: ldl, inverseDiagonal: inv, p)
                scatterPanel(p, g, ldg: ldg, groupRows: groupRows, groupStride: groupStride, rows: r0, count: rc,
                             n: n, columnIndices: columnIndices, bias: bias)
                r0 += rc
            }
        }
    }
}

@inline(__always)
private func rowStart(_ r: Int, ldg: Int, groupRows: Int, groupStride: Int) -> Int {
    groupRows > 0 ? (r / groupRows) * groupStride + (r % groupRows) * ldg : r * ldg
}

/// Rows `rows..<rows + count` of G (and their bias) as Doubles into the panel's lanes; lanes
/// past `count` are zero, which solves to zero.
private func gatherPanel(_ g: UnsafeMutablePointer<Float>, ldg: Int, groupRows: Int, groupStride: Int,
                         rows: Int, count: Int, n: Int, columnIndices: UnsafePointer<Int>?,
                         bias: UnsafeMutablePointer<Float>?, panel p: UnsafeMutablePointer<Double>) {
    let w = solvePanelWidth
    if count < w { p.update(repeating: 0, count: n * w) }
    let off = bias == nil ? 0 : 1
    for lane in 0..<count {
        let r = rows + lane
        let row = g + rowStart(r, ldg: ldg, groupRows: groupRows, groupStride: groupStride)
        if let bias { p[lane] = Double(bias[r]) }
        if let columnIndices {
            for i in off..<n { p[i * w + lane] = Double(row[columnIndices[i - off]]) }
        } else {
            for i in off..<n { p[i * w + lane] = Double(row[i - off]) }
        }
    }
}

/// The panel's first `count` lanes back to rows `rows…` of G (and their bias) as Floats.
private func scatterPanel(_ p: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Float>, ldg: Int,
                          groupRows: Int, groupStride: Int, rows: Int, count: Int, n: Int,
                          columnIndices: UnsafePointer<Int>?, bias: UnsafeMutablePointer<Float>?) {
    let w = solvePanelWidth
    let off = bias == nil ? 0 : 1
    for lane in 0..<count {
        let r = rows + lane
        let row = g + rowStart(r, ldg: ldg, groupRows: groupRows, groupStride: groupStride)
        if let bias { bias[r] = Float(p[lane]) }
        if let columnIndices {
            for i in off..<n { row[columnIndices[i - off]] = Float(p[i * w + lane]) }
        } else {
            for i in off..<n { row[i - off] = Float(p[i * w + lane]) }
        }
    }
}

/// `choleskySolveRowsBlocked` with the column indices an array read from `start`, and the bias
/// a buffer or an array: the forms the runtime calls.
public func choleskySolveRowsBlocked(factor l: UnsafePointer<Double>, n: Int, ldl: Int,
                                     rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                     groupRows: Int = 0, groupStride: Int = 0,
                                     columnIndices: [Int], from start: Int,
                                     bias: UnsafeMutablePointer<Float>? = nil, threads: Int) {
    precondition(start + n - (bias == nil ? 0 : 1) <= columnIndices.count, "choleskySolveRowsBlocked: index list too short")
    columnIndices.withUnsafeBufferPointer { ci in
        choleskySolveRowsBlocked(factor: l, n: n, ldl: ldl, rows: g, count: count, ldg: ldg, groupRows: groupRows,
                                 groupStride: groupStride, columnIndices: ci.baseAddress! + start, bias: bias,
                                 threads: threads)
    }
}

public func choleskySolveRowsBlocked(factor l: UnsafePointer<Double>, n: Int, ldl: Int,
                                     rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                     groupRows: Int = 0, groupStride: Int = 0,
                                     columnIndices: [Int], from start: Int, bias: inout [Float], threads: Int) {
    precondition(count <= bias.count, "choleskySolveRowsBlocked: bias too short")
    bias.withUnsafeMutableBufferPointer { b in
        choleskySolveRowsBlocked(factor: l, n: n, ldl: ldl, rows: g, count: count, ldg: ldg, groupRows: groupRows,
                                 groupStride: groupStride, columnIndices: columnIndices, from: start,
                                 bias: b.baseAddress!, threads: threads)
    }
}
