// Reductions. Whole-tensor sums are reordered (16-lane partial sums in blocks of 4096, the
// blocks added in Double): error about 300 ulp of Σ|x| at any length. Column and row sums
// keep the plain order along the summed axis.

/// Σ x.
// x (count) -> scalar
public func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    Float(blockedSum(x, count))
}

/// Σ x / count (0 for an empty tensor).
public func mean(_ x: UnsafePointer<Float>, count: Int) -> Float {
    count == 0 ? 0 : Float(blockedSum(x, count) / Double(count))
}

/// Σ x² / count (0 for an empty tensor): the RMS normalisation's statistic and the gradient
/// energy's.
public func meanOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
    count == 0 ? 0 : Float(blockedSum(x, count, squares: true) / Double(count))
}

/// Sum over rows, one value per column: a dense layer's bias gradient.
// x (rows, cols) row stride ldx -> out (cols)
public func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ldx: Int,
                       out: UnsafeMutablePointer<Float>, accumulate: Bool = false, threads: Int = 1) {
    // Threads take 16-aligned column ranges: each column is summed alone, in row order.
    forEachChunk(cols, threads: threads, grain: max(16, (1 << 15) / max(rows, 1))) { j, w in
        var acc = accumulate ? load16(UnsafePointer(out + j), w) : F16()
        for r in 0..<rows { acc += load16(x + r * ldx + j, w) }
        store16(acc, out + j, w)
    }
}

/// Sum over columns, one value per row (a convolution's bias gradient per sample).
// x (rows, cols) row stride ldx -> out (rows)
public func rowSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ldx: Int,
                    out: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
    for r in 0..<rows {
        let s = Float(blockedSum(x + r * ldx, cols))
        out[r] = accumulate ? out[r] + s : s
    }
}

/// Index of the largest element of each row (the first on ties; a NaN counts as largest):
/// predictions for accuracy.
// x (rows, cols) -> out (rows)
public func rowArgmax(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ldx: Int, out: UnsafeMutablePointer<Int32>) {
    for r in 0..<rows {
        let row = x + r * ldx
        var best = 0
        for j in 1..<max(cols, 1) where !row[best].isNaN && (row[j] > row[best] || row[j].isNaN) { best = j }
        out[r] = Int32(best)
    }
}

/// The plain sums in Double: the references.
public func sumReference(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var s = 0.0
    for i in 0..<count { s += Double(x[i]) }
    return s
}

public func columnSumsReference(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ldx: Int,
                                out: UnsafeMutablePointer<Float>) {
    for j in 0..<cols {
        var s = 0.0
        for r in 0..<rows { s += Double(x[r * ldx + j]) }
        out[j] = Float(s)
    }
}
