// Small dense linear algebra in Double for SGD2's layer-wise correction (docs/ALGORITHMS.md):
// the input covariance A = X Xᵀ / N, its Cholesky factorisation, and the solves that apply
// (A + λI)⁻¹ to the rows of a gradient. Matrices are row-major with a leading dimension.
// The row-by-row forms run dot products and axpys along contiguous rows, 8 Doubles at a time;
// syrk, the factorisation and the per-step solve (CholeskySolveBlocked.swift) run 8 × 16 tiles.

typealias D8 = SIMD8<Double>
typealias D16 = SIMD16<Double>

/// Σ a[i]·b[i] over `n` Doubles (reordered: 8 lanes × 2 partial sums).
@inline(__always)
func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var s0 = D8(), s1 = D8()
    var i = 0
    while i + 16 <= n {
        s0.addProduct(UnsafeRawPointer(a + i).loadUnaligned(as: D8.self), UnsafeRawPointer(b + i).loadUnaligned(as: D8.self))
        s1.addProduct(UnsafeRawPointer(a + i + 8).loadUnaligned(as: D8.self),
                      UnsafeRawPointer(b + i + 8).loadUnaligned(as: D8.self))
        i += 16
    }
    var s = (s0 + s1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y[i] += alpha·x[i] over `n` Doubles.
@inline(__always)
func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    let a = D8(repeating: alpha)
    while i + 8 <= n {
        let v = UnsafeRawPointer(y + i).loadUnaligned(as: D8.self)
            + a * UnsafeRawPointer(x + i).loadUnaligned(as: D8.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: D8.self)
        i += 8
    }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// Σ x[k]·d[k] over `n` Doubles (8 lanes × 2 partial sums), while e[k] += f·x[k]: one pass
/// over x for Householder's symmetric matrix–vector product.
@inline(__always)
func dotAndAxpy(_ x: UnsafePointer<Double>, _ d: UnsafePointer<Double>, _ f: Double,
                        _ e: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
    var s0 = D8(), s1 = D8()
    let fv = D8(repeating: f)
    var k = 0
    while k + 16 <= n {
        let x0 = UnsafeRawPointer(x + k).loadUnaligned(as: D8.self)
        let x1 = UnsafeRawPointer(x + k + 8).loadUnaligned(as: D8.self)
        s0.addProduct(x0, UnsafeRawPointer(d + k).loadUnaligned(as: D8.self))
        s1.addProduct(x1, UnsafeRawPointer(d + k + 8).loadUnaligned(as: D8.self))
        UnsafeMutableRawPointer(e + k).storeBytes(of: UnsafeRawPointer(e + k).loadUnaligned(as: D8.self) + fv * x0,
                                                  as: D8.self)
        UnsafeMutableRawPointer(e + k + 8).storeBytes(of: UnsafeRawPointer(e + k + 8).loadUnaligned(as: D8.self) + fv * x1,
                                                      as: D8.self)
        k += 16
    }
    var s = (s0 + s1).sum()
    while k < n {
        s += x[k] * d[k]
        e[k] += f * x[k]
        k += 1
    }
    return s
}

/// column[k] −= f·e[k] + g·d[k] over `n` Doubles: Householder's rank-2 update of one row.
@inline(__always)
func subtractRank2(_ f: Double, _ e: UnsafePointer<Double>, _ g: Double, _ d: UnsafePointer<Double>,
                           from column: UnsafeMutablePointer<Double>, _ n: Int) {
    let fv = D8(repeating: f), gv = D8(repeating: g)
    var k = 0
    while k + 8 <= n {
        let v = UnsafeRawPointer(column + k).loadUnaligned(as: D8.self)
            - (fv * UnsafeRawPointer(e + k).loadUnaligned(as: D8.self) + gv * UnsafeRawPointer(d + k).loadUnaligned(as: D8.self))
        UnsafeMutableRawPointer(column + k).storeBytes(of: v, as: D8.self)
        k += 8
    }
    while k < n {
        column[k] -= f * e[k] + g * d[k]
        k += 1
    }
}

/// The symmetric rank-k update `A = X Xᵀ / N` in Double from Float input: the input
/// covariance of a layer. `X` is features × samples, element (f, s) at
/// `x[f·featureStride + s·sampleStride]` — a dense layer's activations (B, n_in) row-major are
/// `featureStride: 1, sampleStride: n_in`. `featureIndices` (length `features`) and
/// `sampleIndices` (length `samples`) select a subset (SGD2's chunks and column samples);
/// N is the number of samples used. With `biasRow`, a constant-1 feature comes first, so the
/// output is (features + 1)² with row and column 0 = (1, means), matching the augmented
/// gradient `[g_b, G]`. The selected block is first gathered as Doubles into `workspace`
/// (`syrkWorkspaceCount` Doubles; allocated per call when nil). Each entry is a plain
/// sequential sum over the samples, and A is exactly symmetric; the tiles are split over
/// `threads`, with the same bits on any count.
// X (features, samples) -> out (F, F), F = features (+ 1 with biasRow), row stride ldo
public func syrk(x: UnsafePointer<Float>, featureStride: Int, sampleStride: Int, features: Int, samples: Int,
                 featureIndices: UnsafePointer<Int>? = nil, sampleIndices: UnsafePointer<Int>? = nil,
                 biasRow: Bool = false, out: UnsafeMutablePointer<Double>, ldo: Int,
                 workspace: UnsafeMutablePointer<Double>? = nil, threads: Int = 1) {
    let f = features + (biasRow ? 1 : 0)
    precondition(ldo >= f, "syrk: ldo too small")
    guard f > 0 else { return }
    let n = samples
    let scale = n > 0 ? 1 / Double(n) : 0
    let ld = gramLeadingDimension(f)
    var owned: [Double] = []
    if workspace == nil { owned = [Double](repeating: 0, count: syrkWorkspaceCount(features: features, samples: n, biasRow: biasRow)) }
    owned.withUnsafeMutableBufferPointer { buf in
        // Sample-major rows of `ld` Doubles (so SIMD lanes run across features), the bias
        // feature all ones, the padding past F zero.
        let t = workspace ?? buf.baseAddress!
        let skip = biasRow ? 1 : 0
        for s in 0..<n {
            let si = sampleIndices?[s] ?? s
            let row = t + s * ld
            let xs = x + si * sampleStride
            if biasRow { row[0] = 1 }
            if let featureIndices {
                for i in 0..<features { row[skip + i] = Double(xs[featureIndices[i] * featureStride]) }
            } else {
                for i in 0..<features { row[skip + i] = Double(xs[i * featureStride]) }
            }
            for i in f..<ld { row[i] = 0 }
        }
        let parts = f * f * n >= 1 << 20 ? min(max(threads, 1), (f + 7) / 8) : 1
        if parts == 1 {
            gramLowerTriangle(t, ld: ld, samples: n, features: f, scale: scale, out: out, ldo: ldo, part: 0, parts: 1)
        } else {
            WorkerPool.shared.run(parts: parts, threads: parts) { p in
                gramLowerTriangle(t, ld: ld, samples: n, features: f, scale: scale, out: out, ldo: ldo, part: p, parts: parts)
            }
        }
    }
}

/// Doubles `syrk` needs in its `workspace`.
public func syrkWorkspaceCount(features: Int, samples: Int, biasRow: Bool) -> Int {
    max(gramLeadingDimension(features + (biasRow ? 1 : 0)) * samples, 1)
}

/// F rounded up to whole 16-lane vectors.
private func gramLeadingDimension(_ f: Int) -> Int { (f + 15) / 16 * 16 }

/// `out = scale · Tᵀ T` for T (samples × ld, the first `features` columns used), lower triangle
/// computed and mirrored: tiles of 8 rows × 16 columns, each row's T element broadcast against
/// 16 columns into 8 accumulators, as the blocked Cholesky solve does.
// T (samples, ld) -> out (features, features), row stride ldo
@inline(never)
private func gramLowerTriangle(_ t: UnsafePointer<Double>, ld: Int, samples: Int, features f: Int, scale: Double,
                               out: UnsafeMutablePointer<Double>, ldo: Int, part: Int, parts: Int) {
    // Part p takes row tiles p, p + parts, …: about equal shares of the triangle, and entries
    // (i, j) and (j, i) are written by the tile of row max(i, j) only.
    var i0 = part * 8
    while i0 < f {
        let h = min(8, f - i0)
        // Rows of the tile past F broadcast column F − 1 (in bounds) and are never stored.
        let c1 = min(i0 + 1, f - 1), c2 = min(i0 + 2, f - 1), c3 = min(i0 + 3, f - 1)
        let c4 = min(i0 + 4, f - 1), c5 = min(i0 + 5, f - 1), c6 = min(i0 + 6, f - 1), c7 = min(i0 + 7, f - 1)
        var j0 = 0
        while j0 < i0 + h {
            var s0 = D16(), s1 = D16(), s2 = D16(), s3 = D16(), s4 = D16(), s5 = D16(), s6 = D16(), s7 = D16()
            var r = t
            for _ in 0..<samples {
                let x = UnsafeRawPointer(r + j0).loadUnaligned(as: D16.self)
                s0.addProduct(D16(repeating: r[i0]), x)
                s1.addProduct(D16(repeating: r[c1]), x)
                s2.addProduct(D16(repeating: r[c2]), x)
                s3.addProduct(D16(repeating: r[c3]), x)
                s4.addProduct(D16(repeating: r[c4]), x)
                s5.addProduct(D16(repeating: r[c5]), x)
                s6.addProduct(D16(repeating: r[c6]), x)
                s7.addProduct(D16(repeating: r[c7]), x)
                r += ld
            }
            let sums = (s0, s1, s2, s3, s4, s5, s6, s7)
            withUnsafeBytes(of: sums) { raw in
                let s = raw.baseAddress!.assumingMemoryBound(to: Double.self)
                for k in 0..<h {
                    let i = i0 + k
                    for j in j0..<min(j0 + 16, i + 1) {
                        let v = s[k * 16 + j - j0] * scale
                        out[i * ldo + j] = v
                        out[j * ldo + i] = v
                    }
                }
            }
            j0 += 16
        }
        i0 += parts * 8
    }
}

/// The outcome of a Cholesky factorisation.
public enum CholeskyResult: Equatable, Sendable {
    case success
    /// The leading minor of order `pivot + 1` is not positive (or is NaN): not SPD.
    case notPositiveDefinite(pivot: Int)
}

/// Factors a symmetric positive definite `A = L Lᵀ` in place: the lower triangle (diagonal
/// included) becomes `L`; the strict upper triangle is not read or written. Returns
/// `.notPositiveDefinite` instead of failing when a pivot is not positive.
///
/// Blocked by 16 rows: row i of L left of the diagonal block solves `L₀ x = A[i, 0..<i0]`
/// against the rows already factored, so 16 rows at a time are one forward substitution of
/// a panel (the blocked solve's kernel); the 16 × 16 diagonal block then goes row by row as in
/// `choleskyFactorRowByRow`, its plain twin.
// a (n, n) row stride lda -> L in the lower triangle
public func choleskyFactor(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int) -> CholeskyResult {
    let w = solvePanelWidth
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(n * w + n, 1)) { buf -> CholeskyResult in
        let p = buf.baseAddress!
        let inv = p + n * w   // 1 / L[i, i] of the rows factored so far
        var i0 = 0
        while i0 < n {
            let h = min(w, n - i0)
            if i0 > 0 {
                // Rows i0..<i0 + h left of the block, transposed into lanes; missing lanes zero.
                if h < w { p.update(repeating: 0, count: i0 * w) }
                for lane in 0..<h {
                    let row = a + (i0 + lane) * lda
                    for j in 0..<i0 { p[j * w + lane] = row[j] }
                }
                forwardSubstitutePanel(UnsafePointer(a), n: i0, ldl: lda, inverseDiagonal: inv, p, lanes: D16.self)
                for lane in 0..<h {
                    let row = a + (i0 + lane) * lda
                    for j in 0..<i0 { row[j] = p[j * w + lane] }
                }
            }
            for i in i0..<(i0 + h) {
                let ri = a + i * lda
                for j in i0...i {
                    let rj = a + j * lda
                    let s = ri[j] - dot(ri, rj, j)
                    if i == j {
                        guard s > 0 else { return .notPositiveDefinite(pivot: i) }
                        ri[i] = s.squareRoot()
                        inv[i] = 1 / ri[i]
                    } else {
                        ri[j] = s / rj[j]
                    }
                }
            }
            i0 += h
        }
        return .success
    }
}

/// `choleskyFactor` one entry at a time (each a dot product along two rows): the plain twin
/// the blocked factorisation is tested against.
// a (n, n) row stride lda -> L in the lower triangle
public func choleskyFactorRowByRow(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int) -> CholeskyResult {
    for i in 0..<n {
        let ri = a + i * lda
        for j in 0...i {
            let rj = a + j * lda
            let s = ri[j] - dot(ri, rj, j)
            if i == j {
                guard s > 0 else { return .notPositiveDefinite(pivot: i) }
                ri[i] = s.squareRoot()
            } else {
                ri[j] = s / rj[j]
            }
        }
    }
    return .success
}

/// Solves `L y = b` in place (forward substitution), `L` lower triangular.
// L (n, n), b (n) -> b = L⁻¹ b
public func solveLower(_ l: UnsafePointer<Double>, n: Int, ldl: Int, _ b: UnsafeMutablePointer<Double>) {
    for i in 0..<n {
        b[i] = (b[i] - dot(l + i * ldl, UnsafePointer(b), i)) / l[i * ldl + i]
    }
}

/// Solves `Lᵀ x = b` in place (back substitution by rows of L, so the loop runs along
/// contiguous memory).
// L (n, n), b (n) -> b = L⁻ᵀ b
public func solveLowerTransposed(_ l: UnsafePointer<Double>, n: Int, ldl: Int, _ b: UnsafeMutablePointer<Double>) {
    var i = n - 1
    while i >= 0 {
        b[i] /= l[i * ldl + i]
        axpy(-b[i], l + i * ldl, b, i)
        i -= 1
    }
}

/// Solves `(L Lᵀ) x = b` for each of `count` right-hand sides stored as the rows of `b`,
/// in place: `B ← B (L Lᵀ)⁻¹` for a symmetric `L Lᵀ`.
// L (n, n), b (count, n) row stride ldb -> b
public func choleskySolve(factor l: UnsafePointer<Double>, n: Int, ldl: Int,
                          rows b: UnsafeMutablePointer<Double>, count: Int, ldb: Int) {
    for r in 0..<count {
        solveLower(l, n: n, ldl: ldl, b + r * ldb)
        solveLowerTransposed(l, n: n, ldl: ldl, b + r * ldb)
    }
}

/// SGD2's correction of a Float gradient, row by row: the plain twin of
/// `choleskySolveRowsBlocked` (CholeskySolveBlocked.swift), which the runtime calls and the
/// tests check against this. Each row `g` of `G` (`count` rows, row stride `ldg`)
/// becomes `g (L Lᵀ)⁻¹`, computed in Double. The right-hand side is, in order, `bias[r]` when
/// `bias` is given (the augmented `[g_b, G]` of `syrk(biasRow: true)`), then the columns
/// `columnIndices` of the row (or all columns 0..<n − 1 or n); results go back to the same places.
// L (n, n), G (count, ·), bias (count) -> G, bias corrected in place
public func choleskySolveRows(factor l: UnsafePointer<Double>, n: Int, ldl: Int,
                              rows g: UnsafeMutablePointer<Float>, count: Int, ldg: Int,
                              columnIndices: UnsafePointer<Int>? = nil,
                              bias: UnsafeMutablePointer<Float>? = nil) {
    let off = bias == nil ? 0 : 1
    withUnsafeTemporaryAllocation(of: Double.self, capacity: max(n, 1)) { tmp in
        let t = tmp.baseAddress!
        for r in 0..<count {
            let row = g + r * ldg
            if let bias { t[0] = Double(bias[r]) }
            for i in off..<n { t[i] = Double(row[columnIndices?[i - off] ?? (i - off)]) }
            solveLower(l, n: n, ldl: ldl, t)
            solveLowerTransposed(l, n: n, ldl: ldl, t)
            if let bias { bias[r] = Float(t[0]) }
            for i in off..<n { row[columnIndices?[i - off] ?? (i - off)] = Float(t[i]) }
        }
    }
}

/// `syrk` with its index lists and workspace as arrays, `featureIndices` read from
/// `featureStart`: the form the runtime calls, so it needs no pointers of its own.
public func syrk(x: UnsafePointer<Float>, featureStride: Int, sampleStride: Int, features: Int, samples: Int,
                 featureIndices: [Int], from featureStart: Int, sampleIndices: [Int],
                 biasRow: Bool, out: UnsafeMutablePointer<Double>, ldo: Int, workspace: inout [Double],
                 threads: Int = 1) {
    precondition(featureStart + features <= featureIndices.count && samples <= sampleIndices.count,
                 "syrk: index lists too short")
    precondition(workspace.count >= syrkWorkspaceCount(features: features, samples: samples, biasRow: biasRow),
                 "syrk: workspace too small")
    featureIndices.withUnsafeBufferPointer { fi in
        sampleIndices.withUnsafeBufferPointer { si in
            workspace.withUnsafeMutableBufferPointer { w in
                syrk(x: x, featureStride: featureStride, sampleStride: sampleStride, features: features,
                     samples: samples, featureIndices: fi.baseAddress! + featureStart, sampleIndices: si.baseAddress!,
                     biasRow: biasRow, out: out, ldo: ldo, workspace: w.baseAddress!, threads: threads)
            }
        }
    }
}
