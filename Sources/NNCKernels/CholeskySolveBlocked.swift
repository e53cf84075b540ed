// SGD2's per-step solve, blocked: many Float gradient rows against one Cholesky factor L, in
// Double, or in Float against L rounded to Float (the runtime chooses by L's conditioning).
// `choleskySolveRows` (LinearAlgebra.swift) is its plain twin and the reference.
//
// Why blocked: solving row by row runs one dot product or axpy at a time over L (~10 GFLOP/s).
// Here 16 gradient rows are gathered, transposed, into a panel (n × 16 scalars) so that the
// 16 SIMD lanes run across rows; the substitutions then take L eight rows at a time, each L
// element broadcast into 16 lanes of 8 independent accumulators (a small GEMM against the
// rows already solved), and finish each 8 × 8 diagonal triangle from memory. Lanes never mix,
// so a row's bits do not depend on which panel or thread it lands in.

/// Gradient rows in one panel: the SIMD lanes of the substitution (Double or Float alike; a
/// SIMD32<Float> panel compiles to split vectors and stack traffic).
let solvePanelWidth = 16
/// Rows of L in one register tile: 8 accumulators of 16 lanes.
let solveTileRows = 8

@inline(__always)
private func loadLanes<V: SIMD>(_ p: UnsafePointer<V.Scalar>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always)
private func storeLanes<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<V.Scalar>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// `L Y = B` for a panel in place: row i of the panel (16 lanes) at `p + 16·i`; `inverseDiagonal`
/// holds 1 / L[i, i]. Rows of B before `start` must be zero (so are Y's): they are skipped, which
/// makes columns of the identity (K-FAC's inverse) a third of the work.
// L (n, n) lower, panel (n, 16) -> L⁻¹ panel
@inline(never)
func forwardSubstitutePanel<V: SIMD>(_ l: UnsafePointer<V.Scalar>, n: Int, ldl: Int, inverseDiagonal inv: UnsafePointer<V.Scalar>,
                                      _ p: UnsafeMutablePointer<V.Scalar>, lanes: V.Type, from start: Int = 0)
    where V.Scalar: BinaryFloatingPoint {
    let w = V.scalarCount
    var i0 = start
    while i0 < n {
        let h = min(solveTileRows, n - i0)
        // Rows of the tile past n read row n − 1 of L (in bounds) and are never stored.
        let r0 = l + i0 * ldl, r1 = l + min(i0 + 1, n - 1) * ldl, r2 = l + min(i0 + 2, n - 1) * ldl
        let r3 = l + min(i0 + 3, n - 1) * ldl, r4 = l + min(i0 + 4, n - 1) * ldl, r5 = l + min(i0 + 5, n - 1) * ldl
        let r6 = l + min(i0 + 6, n - 1) * ldl, r7 = l + min(i0 + 7, n - 1) * ldl
        var s0 = V(), s1 = V(), s2 = V(), s3 = V(), s4 = V(), s5 = V(), s6 = V(), s7 = V()
        var j = start
        while j < i0 {
            let x: V = loadLanes(p + j * w)
            s0.addProduct(V(repeating: r0[j]), x)
            s1.addProduct(V(repeating: r1[j]), x)
            s2.addProduct(V(repeating: r2[j]), x)
            s3.addProduct(V(repeating: r3[j]), x)
            s4.addProduct(V(repeating: r4[j]), x)
            s5.addProduct(V(repeating: r5[j]), x)
            s6.addProduct(V(repeating: r6[j]), x)
            s7.addProduct(V(repeating: r7[j]), x)
            j += 1
        }
        if h == solveTileRows {
            // A full tile solves its triangle in registers: each solved row is folded into the
            // rows below at once, so one FMA, a subtraction and a product chain consecutive rows.
            let x0 = (loadLanes(p + i0 * w) - s0) * V(repeating: inv[i0])
            storeLanes(x0, p + i0 * w)
            s1.addProduct(V(repeating: r1[i0]), x0)
            s2.addProduct(V(repeating: r2[i0]), x0)
            s3.addProduct(V(repeating: r3[i0]), x0)
            s4.addProduct(V(repeating: r4[i0]), x0)
            s5.addProduct(V(repeating: r5[i0]), x0)
            s6.addProduct(V(repeating: r6[i0]), x0)
            s7.addProduct(V(repeating: r7[i0]), x0)
            let x1 = (loadLanes(p + (i0 + 1) * w) - s1) * V(repeating: inv[i0 + 1])
            storeLanes(x1, p + (i0 + 1) * w)
            s2.addProduct(V(repeating: r2[i0 + 1]), x1)
            s3.addProduct(V(repeating: r3[i0 + 1]), x1)
            s4.addProduct(V(repeating: r4[i0 + 1]), x1)
            s5.addProduct(V(repeating: r5[i0 + 1]), x1)
            s6.addProduct(V(repeating: r6[i0 + 1]), x1)
            s7.addProduct(V(repeating: r7[i0 + 1]), x1)
            let x2 = (loadLanes(p + (i0 + 2) * w) - s2) * V(repeating: inv[i0 + 2])
            storeLanes(x2, p + (i0 + 2) * w)
            s3.addProduct(V(repeating: r3[i0 + 2]), x2)
            s4.addProduct(V(repeating: r4[i0 + 2]), x2)
            s5.addProduct(V(repeating: r5[i0 + 2]), x2)
            s6.addProduct(V(repeating: r6[i0 + 2]), x2)
            s7.addProduct(V(repeating: r7[i0 + 2]), x2)
            let x3 = (loadLanes(p + (i0 + 3) * w) - s3) * V(repeating: inv[i0 + 3])
            storeLanes(x3, p + (i0 + 3) * w)
            s4.addProduct(V(repeating: r4[i0 + 3]), x3)
            s5.addProduct(V(repeating: r5[i0 + 3]), x3)
            s6.addProduct(V(repeating: r6[i0 + 3]), x3)
            s7.addProduct(V(repeating: r7[i0 + 3]), x3)
            let x4 = (loadLanes(p + (i0 + 4) * w) - s4) * V(repeating: inv[i0 + 4])
            storeLanes(x4, p + (i0 + 4) * w)
            s5.addProduct(V(repeating: r5[i0 + 4]), x4)
            s6.addProduct(V(repeating: r6[i0 + 4]), x4)
            s7.addProduct(V(repeating: r7[i0 + 4]), x4)
            let x5 = (loadLanes(p + (i0 + 5) * w) - s5) * V(repeating: inv[i0 + 5])
            storeLanes(x5, p + (i0 + 5) * w)
            s6.addProduct(V(repeating: r6[i0 + 5]), x5)
            s7.addProduct(V(repeating: r7[i0 + 5]), x5)
            let x6 = (loadLanes(p + (i0 + 6) * w) - s6) * V(repeating: inv[i0 + 6])
            storeLanes(x6, p + (i0 + 6) * w)
            s7.addProduct(V(repeating: r7[i0 + 6]), x6)
            let x7 = (loadLanes(p + (i0 + 7) * w) - s7) * V(repeating: inv[i0 + 7])
            storeLanes(x7, p + (i0 + 7) * w)
            i0 += h
            continue
        }
        let sums = (s0, s1, s2, s3, s4, s5, s6, s7)
        withUnsafeBytes(of: sums) { raw in
            let s = raw.baseAddress!.assumingMemoryBound(to: V.Scalar.self)
            // A partial tile's triangle, row by row from memory; two chains halve its latency.
            for k in 0..<h {
                let i = i0 + k
                let row = l + i * ldl
                var v: V = loadLanes(p + i * w) - loadLanes(s + k * w), u = V()
                var m = 0
                while m + 2 <= k {
                    v.addProduct(V(repeating: -row[i0 + m]), loadLanes(p + (i0 + m) * w))
                    u.addProduct(V(repeating: -row[i0 + m + 1]), loadLanes(p + (i0 + m + 1) * w))
                    m += 2
                }
                if m < k { v.addProduct(V(repeating: -row[i0 + m]), loadLanes(p + (i0 + m) * w)) }
                storeLanes((v + u) * V(repeating: inv[i]), p + i * w)
            }
        }
        i0 += h
    }
}

/// `Lᵀ X = Y` for a panel in place, from the last rows up; L is read along its rows.
// L (n, n) lower, panel (n, 16) -> L⁻ᵀ panel
@inline(never)
func backSubstitutePanel<V: SIMD>(_ l: UnsafePointer<V.Scalar>, n: Int, ldl: Int, inverseDiagonal inv: UnsafePointer<V.Scalar>,
                                   _ p: UnsafeMutablePointer<V.Scalar>, lanes: V.Type) where V.Scalar: BinaryFloatingPoint {
    let w = V.scalarCount
    // The same tiles as the forward pass, taken in reverse.
    var i0 = (n - 1) / solveTileRows * solveTileRows
    while i0 >= 0 {
        let h = min(solveTileRows, n - i0)
        let c = min(i0 + solveTileRows - 1, n - 1)
        // Columns of the tile past n read column n − 1 of L (in bounds) and are never stored.
        let c0 = i0, c1 = min(i0 + 1, c), c2 = min(i0 + 2, c), c3 = min(i0 + 3, c)
        let c4 = min(i0 + 4, c), c5 = min(i0 + 5, c), c6 = min(i0 + 6, c), c7 = min(i0 + 7, c)
        var s0 = V(), s1 = V(), s2 = V(), s3 = V(), s4 = V(), s5 = V(), s6 = V(), s7 = V()
        var j = i0 + h
        while j < n {
            let x: V = loadLanes(p + j * w)
            let r = l + j * ldl
            s0.addProduct(V(repeating: r[c0]), x)
            s1.addProduct(V(repeating: r[c1]), x)
            s2.addProduct(V(repeating: r[c2]), x)
            s3.addProduct(V(repeating: r[c3]), x)
            s4.addProduct(V(repeating: r[c4]), x)
            s5.addProduct(V(repeating: r[c5]), x)
            s6.addProduct(V(repeating: r[c6]), x)
            s7.addProduct(V(repeating: r[c7]), x)
            j += 1
        }
        if h == solveTileRows {
            // As in the forward pass: the triangle in registers, row i0 + k of L giving the
            // multipliers of the rows above it.
            let x7 = (loadLanes(p + (i0 + 7) * w) - s7) * V(repeating: inv[i0 + 7])
            storeLanes(x7, p + (i0 + 7) * w)
            let q7 = l + (i0 + 7) * ldl + i0
            s6.addProduct(V(repeating: q7[6]), x7)
            s5.addProduct(V(repeating: q7[5]), x7)
            s4.addProduct(V(repeating: q7[4]), x7)
            s3.addProduct(V(repeating: q7[3]), x7)
            s2.addProduct(V(repeating: q7[2]), x7)
            s1.addProduct(V(repeating: q7[1]), x7)
            s0.addProduct(V(repeating: q7[0]), x7)
            let x6 = (loadLanes(p + (i0 + 6) * w) - s6) * V(repeating: inv[i0 + 6])
            storeLanes(x6, p + (i0 + 6) * w)
            let q6 = l + (i0 + 6) * ldl + i0
            s5.addProduct(V(repeating: q6[5]), x6)
            s4.addProduct(V(repeating: q6[4]), x6)
            s3.addProduct(V(repeating: q6[3]), x6)
            s2.addProduct(V(repeating: q6[2]), x6)
            s1.addProduct(V(repeating: q6[1]), x6)
            s0.addProduct(V(repeating: q6[0]), x6)
            let x5 = (loadLanes(p + (i0 + 5) * w) - s5) * V(repeating: inv[i0 + 5])
            storeLanes(x5, p + (i0 + 5) * w)
            let q5 = l + (i0 + 5) * ldl + i0
            s4.addProduct(V(repeating: q5[4]), x5)
            s3.addProduct(V(repeating: q5[3]), x5)
            s2.addProduct(V(repeating: q5[2]), x5)
            s1.addProduct(V(repeating: q5[1]), x5)
            s0.addProduct(V(repeating: q5[0]), x5)
            let x4 = (loadLanes(p + (i0 + 4) * w) - s4) * V(repeating: inv[i0 + 4])
            storeLanes(x4, p + (i0 + 4) * w)
            let q4 = l + (i0 + 4) * ldl + i0
            s3.addProduct(V(repeating: q4[3]), x4)
            s2.addProduct(V(repeating: q4[2]), x4)
            s1.addProduct(V(repeating: q4[1]), x4)
            s0.addProduct(V(repeating: q4[0]), x4)
            let x3 = (loadLanes(p + (i0 + 3) * w) - s3) * V(repeating: inv[i0 + 3])
            storeLanes(x3, p + (i0 + 3) * w)
            let q3 = l + (i0 + 3) * ldl + i0
            s2.addProduct(V(repeating: q3[2]), x3)
            s1.addProduct(V(repeating: q3[1]), x3)
            s0.addProduct(V(repeating: q3[0]), x3)
            let x2 = (loadLanes(p + (i0 + 2) * w) - s2) * V(repeating: inv[i0 + 2])
            storeLanes(x2, p + (i0 + 2) * w)
            let q2 = l + (i0 + 2) * ldl + i0
            s1.addProduct(V(repeating: q2[1]), x2)
            s0.addProduct(V(repeating: q2[0]), x2)
            let x1 = (loadLanes(p + (i0 + 1) * w) - s1) * V(repeating: inv[i0 + 1])
            storeLanes(x1, p + (i0 + 1) * w)
            let q1 = l + (i0 + 1) * ldl + i0
            s0.addProduct(V(repeating: q1[0]), x1)
            let x0 = (loadLanes(p + i0 * w) - s0) * V(repeating: inv[i0])
            storeLanes(x0, p + i0 * w)
            i0 -= solveTileRows
            continue
        }
        let sums = (s0, s1, s2, s3, s4, s5, s6, s7)
        withUnsafeBytes(of: sums) { raw in
            let s = raw.baseAddress!.assumingMemoryBound(to: V.Scalar.self)
            var k = h - 1
            while k >= 0 {
                let i = i0 + k
                var v: V = loadLanes(p + i * w) - loadLanes(s + k * w), u = V()
                var m = k + 1
                while m + 2 <= h {
                    v.addProduct(V(repeating: -l[(i0 + m) * ldl + i]), loadLanes(p + (i0 + m) * w))
                    u.addProduct(V(repeating: -l[(i0 + m + 1) * ldl + i]), loadLanes(p + (i0 + m + 1) * w))
                    m += 2
                }
                if m < h { v.addProduct(V(repeating: -l[(i0 + m) * ldl + i]), loadLanes(p + (i0 + m) * w)) }
                storeLanes((v + u) * V(repeating: inv[i]), p + i * w)
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
    solveRowsBlocked(l, n: n, ldl: ldl, rows: g, count: count, ldg: ldg, groupRows: groupRows,
                     groupStride: groupStride, columnIndices: columnIndices, bias: bias, threads: threads,
                     lanes: SIMD16<Double>.self)
}

/// The same solve in Float against a Float copy of the factor (`roundFactor`): twice the lanes
/// per register and half the factor's bytes. Its error grows with the condition number of
/// L Lᵀ, which the caller bounds (`conditionBound`) before choosing it.
// L (n, n), G (count, ·), bias (count) -> G, bias corrected in place
public func choleskySolveRowsBlocked(factor l: UnsafePointer<Float>, n: Int, ldl: Int,
                                     rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                     groupRows: Int = 0, groupStride: Int = 0,
                                     columnIndices: UnsafePointer<Int>? = nil,
                                     bias: UnsafeMutablePointer<Float>? = nil, threads: Int = 1) {
    solveRowsBlocked(l, n: n, ldl: ldl, rows: g, count: count, ldg: ldg, groupRows: groupRows,
                     groupStride: groupStride, columnIndices: columnIndices, bias: bias, threads: threads,
                     lanes: SIMD16<Float>.self)
}

private func solveRowsBlocked<V: SIMD>(_ l: UnsafePointer<V.Scalar>, n: Int, ldl: Int,
                                       rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                       groupRows: Int, groupStride: Int, columnIndices: UnsafePointer<Int>?,
                                       bias: UnsafeMutablePointer<Float>?, threads: Int,
                                       lanes: V.Type) where V.Scalar: BinaryFloatingPoint {
    guard n > 0, count > 0 else { return }
    let w = V.scalarCount
    // A row costs 2n² FLOP: split only when each part gets at least ~50 kFLOP.
    let grain = max(w, 25_000 / (n * n))
    parallelChunks(count, threads: threads, grain: grain, align: w) { range in
        withUnsafeTemporaryAllocation(of: V.Scalar.self, capacity: n * w + n) { buf in
            let p = buf.baseAddress!
            // Multiplying by reciprocals keeps divisions off the triangles' critical path.
            let inv = p + n * w
            for i in 0..<n { inv[i] = 1 / l[i * ldl + i] }
            var r0 = range.lowerBound
            while r0 < range.upperBound {
                let rc = min(w, range.upperBound - r0)
                gatherPanel(g, ldg: ldg, groupRows: groupRows, groupStride: groupStride, rows: r0, count: rc,
                            n: n, columnIndices: columnIndices, bias: bias, panel: p, width: w)
                forwardSubstitutePanel(l, n: n, ldl: ldl, inverseDiagonal: inv, p, lanes: V.self)
                backSubstitutePanel(l, n: n, ldl: ldl, inverseDiagonal: inv, p, lanes: V.self)
                scatterPanel(p, g, ldg: ldg, groupRows: groupRows, groupStride: groupStride, rows: r0, count: rc,
                             n: n, columnIndices: columnIndices, bias: bias, width: w)
                r0 += rc
            }
        }
    }
}

/// L rounded to Float (its lower triangle; the rest is left as it is), for the Float solve.
// L (n, n) Double -> (n, n) Float
public func roundFactor(_ l: UnsafePointer<Double>, n: Int, ldl: Int, into out: UnsafeMutablePointer<Float>) {
    for i in 0..<n {
        for j in 0...i { out[i * ldl + j] = Float(l[i * ldl + j]) }
    }
}

/// An upper bound on the condition number of L Lᵀ = A + λI when A is positive semi-definite:
/// its smallest eigenvalue is at least λ and its largest at most tr(A) + λ, and
/// tr(A) = ‖L‖²_F − nλ. Infinite when λ ≤ 0.
// L (n, n) lower -> bound
public func conditionBound(factor l: UnsafePointer<Double>, n: Int, ldl: Int, lambda: Double) -> Double {
    guard lambda > 0 else { return .infinity }
    var frobenius = 0.0
    for i in 0..<n {
        for j in 0...i { frobenius += l[i * ldl + j] * l[i * ldl + j] }
    }
    return 1 + max(0, frobenius - Double(n) * lambda) / lambda
}

@inline(__always)
private func rowStart(_ r: Int, ldg: Int, groupRows: Int, groupStride: Int) -> Int {
    groupRows > 0 ? (r / groupRows) * groupStride + (r % groupRows) * ldg : r * ldg
}

/// Rows `rows..<rows + count` of G (and their bias) into the panel's lanes; lanes past `count`
/// are zero, which solves to zero.
private func gatherPanel<T: BinaryFloatingPoint>(_ g: UnsafeMutablePointer<Float>, ldg: Int, groupRows: Int,
                                                 groupStride: Int, rows: Int, count: Int, n: Int,
                                                 columnIndices: UnsafePointer<Int>?, bias: UnsafeMutablePointer<Float>?,
                                                 panel p: UnsafeMutablePointer<T>, width w: Int) {
    if count < w { p.update(repeating: 0, count: n * w) }
    let off = bias == nil ? 0 : 1
    for lane in 0..<count {
        let r = rows + lane
        let row = g + rowStart(r, ldg: ldg, groupRows: groupRows, groupStride: groupStride)
        if let bias { p[lane] = T(bias[r]) }
        if let columnIndices {
            for i in off..<n { p[i * w + lane] = T(row[columnIndices[i - off]]) }
        } else {
            for i in off..<n { p[i * w + lane] = T(row[i - off]) }
        }
    }
}

/// The panel's first `count` lanes back to rows `rows…` of G (and their bias) as Floats.
private func scatterPanel<T: BinaryFloatingPoint>(_ p: UnsafePointer<T>, _ g: UnsafeMutablePointer<Float>, ldg: Int,
                                                  groupRows: Int, groupStride: Int, rows: Int, count: Int, n: Int,
                                                  columnIndices: UnsafePointer<Int>?, bias: UnsafeMutablePointer<Float>?,
                                                  width w: Int) {
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

/// The factor the runtime solves against: its Double buffer, or the Float copy of it
/// (`roundFactor`) that it keeps in an array, from `offset`.
public enum SolveFactor {
    case double(UnsafePointer<Double>)
    case float([Float], offset: Int)
}

/// `choleskySolveRowsBlocked` with the column indices an array read from `start`, the factor a
/// `SolveFactor` and the bias a buffer or an array: the forms the runtime calls.
public func choleskySolveRowsBlocked(factor: SolveFactor, n: Int, ldl: Int,
                                     rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                     groupRows: Int = 0, groupStride: Int = 0,
                                     columnIndices: [Int], from start: Int,
                                     bias: UnsafeMutablePointer<Float>? = nil, threads: Int) {
    precondition(start + n - (bias == nil ? 0 : 1) <= columnIndices.count, "choleskySolveRowsBlocked: index list too short")
    columnIndices.withUnsafeBufferPointer { ci in
        let indices = ci.baseAddress! + start
        switch factor {
        case .double(let l):
            choleskySolveRowsBlocked(factor: l, n: n, ldl: ldl, rows: g, count: count, ldg: ldg, groupRows: groupRows,
                                     groupStride: groupStride, columnIndices: indices, bias: bias, threads: threads)
        case .float(let values, let offset):
            precondition(offset + (n - 1) * ldl + n <= values.count, "choleskySolveRowsBlocked: factor too short")
            values.withUnsafeBufferPointer { lf in
                choleskySolveRowsBlocked(factor: lf.baseAddress! + offset, n: n, ldl: ldl, rows: g, count: count,
                                         ldg: ldg, groupRows: groupRows, groupStride: groupStride,
                                         columnIndices: indices, bias: bias, threads: threads)
            }
        }
    }
}

public func choleskySolveRowsBlocked(factor: SolveFactor, n: Int, ldl: Int,
                                     rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                                     groupRows: Int = 0, groupStride: Int = 0,
                                     columnIndices: [Int], from start: Int, bias: inout [Float], threads: Int) {
    precondition(count <= bias.count, "choleskySolveRowsBlocked: bias too short")
    bias.withUnsafeMutableBufferPointer { b in
        choleskySolveRowsBlocked(factor: factor, n: n, ldl: ldl, rows: g, count: count, ldg: ldg, groupRows: groupRows,
                                 groupStride: groupStride, columnIndices: columnIndices, from: start,
                                 bias: b.baseAddress!, threads: threads)
    }
}

/// `roundFactor` and `conditionBound` for a factor read from `offset` of a Double buffer, the
/// Float copy written at the same offset of `out`.
public func roundFactor(_ l: UnsafePointer<Double>, n: Int, into out: inout [Float], offset: Int) {
    precondition(offset + n * n <= out.count, "roundFactor: array too short")
    out.withUnsafeMutableBufferPointer { o in roundFactor(l, n: n, ldl: n, into: o.baseAddress! + offset) }
}
