// Eigenvalues and eigenvectors of a symmetric Double matrix, for the matrix functions of the
// second-order methods (SymmetricMatrixFunction.swift: Shampoo's inverse roots, K-FAC's
// eigen-form inverses): Householder tridiagonalisation and the implicit QL iteration, and the
// cyclic Jacobi method, the slower twin it is tested against. Eigenvalues alone, for the
// conditioning analysis, are SymmetricEigen.swift's.

/// Eigenvalues and eigenvectors of a symmetric n × n Double matrix by the cyclic Jacobi method
/// (`symmetricEigenvaluesJacobi` with the rotations also applied to the vectors). `a` ends
/// nearly diagonal with the eigenvalues on its diagonal, unsorted; `vectors` (n × n) ends as Qᵀ,
/// row i the eigenvector of a[i][i], so that A = Q·diag·Qᵀ — kept transposed so each rotation
/// updates two contiguous rows. False when the off-diagonal norm is still above
/// `tolerance`·‖A‖ after `maxSweeps` sweeps, or the matrix holds a non-finite entry.
// a (n, n) -> diagonal of a, vectors (n, n)
public func symmetricEigenJacobi(_ a: UnsafeMutablePointer<Double>, n: Int, vectors v: UnsafeMutablePointer<Double>,
                                 maxSweeps: Int = 30, tolerance: Double = 1e-12) -> Bool {
    v.update(repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    func rotate(_ rp: UnsafeMutablePointer<Double>, _ rq: UnsafeMutablePointer<Double>, _ c: Double, _ s: Double) {
        let cv = SIMD8<Double>(repeating: c), sv = SIMD8<Double>(repeating: s)
        var k = 0
        while k + 8 <= n {
            let x = UnsafeRawPointer(rp + k).loadUnaligned(as: SIMD8<Double>.self)
            let y = UnsafeRawPointer(rq + k).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(rp + k).storeBytes(of: cv * x - sv * y, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(rq + k).storeBytes(of: sv * x + cv * y, as: SIMD8<Double>.self)
            k += 8
        }
        while k < n {
            let x = rp[k], y = rq[k]
            rp[k] = c * x - s * y
            rq[k] = s * x + c * y
            k += 1
        }
    }
    for _ in 0...maxSweeps {
        var off = 0.0, all = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let x = a[i * n + j] * a[i * n + j]
                all += x
                if i != j { off += x }
            }
        }
        guard all.isFinite else { return false }
        if off <= tolerance * tolerance * all { return true }
        for p in 0..<n {
            for q in (p + 1)..<max(n, p + 1) {
                let apq = a[p * n + q]
                if apq == 0 { continue }
                let app = a[p * n + p], aqq = a[q * n + q]
                let theta = (aqq - app) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                let rp = a + p * n, rq = a + q * n
                rotate(rp, rq, c, s)
                for k in 0..<n where k != p && k != q {
                    a[k * n + p] = rp[k]
                    a[k * n + q] = rq[k]
                }
                rp[p] = app - t * apq
                rq[q] = aqq + t * apq
                rp[q] = 0
                rq[p] = 0
                rotate(v + p * n, v + q * n, c, s)
            }
        }
    }
    return false
}

/// Eigenvalues and eigenvectors of a symmetric n × n Double matrix by Householder reduction to
/// tridiagonal form and the implicit QL iteration, accumulating the transformations (EISPACK's
/// tred2 and tql2, as JAMA writes them): ~9n³ flops against the cyclic Jacobi method's ~6n³ per
/// sweep over 6–10 sweeps, which `symmetricEigenJacobi` stays the tested twin of. `a` (read whole)
/// is overwritten; `vectors` ends as Qᵀ, row k the eigenvector of `eigenvalues[k]` (unsorted),
/// so that A = Q·diag·Qᵀ as with Jacobi. False when an eigenvalue needs more than 60 QL steps or
/// a value is not finite.
// a (n, n) -> eigenvalues (n), vectors (n, n)
public func symmetricEigenQL(_ a: UnsafeMutablePointer<Double>, n: Int, vectors w: UnsafeMutablePointer<Double>,
                             eigenvalues d: UnsafeMutablePointer<Double>) -> Bool {
    if n == 0 { return true }
    // JAMA's tred2 on Vᵀ: A is symmetric, so `a` holds Vᵀ from the start, and every inner loop
    // that walks down a column of V walks along a row of `vt` (4–5× faster at n = 128 than the
    // strided form). vt[c·n + r] is JAMA's V[r][c].
    let vt = a
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { buffer -> Bool in
        let e = buffer.baseAddress!
        // tred2: Householder reduction, the transformations accumulated in V.
        for j in 0..<n { d[j] = vt[j * n + n - 1] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = vt[j * n + i - 1]
                    vt[j * n + i] = 0
                    vt[i * n + j] = 0
                }
            } else {
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    let column = vt + j * n
                    vt[i * n + j] = f
                    g = e[j] + column[j] * f
                    g += dotAndAxpy(column + j + 1, d + j + 1, f, e + j + 1, i - 1 - j)
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    let column = vt + j * n
                    subtractRank2(d[j], e + j, e[j], d + j, from: column + j, i - j)
                    d[j] = column[i - 1]
                    column[i] = 0
                }
            }
            d[i] = h
        }
        for i in 0..<(n - 1) {
            vt[i * n + n - 1] = vt[i * n + i]
            vt[i * n + i] = 1
            let h = d[i + 1]
            let next = vt + (i + 1) * n
            if h != 0 {
                for k in 0...i { d[k] = next[k] / h }
                for j in 0...i {
                    let column = vt + j * n
                    axpy(-dot(next, column, i + 1), d, column, i + 1)
                }
            }
            for k in 0...i { next[k] = 0 }
        }
        for j in 0..<n {
            d[j] = vt[j * n + n - 1]
            vt[j * n + n - 1] = 0
        }
        vt[(n - 1) * n + n - 1] = 1
        e[0] = 0
        // tql2: the implicit QL iteration on the tridiagonal (d, e). Its rotations do not depend
        // on the vectors, so they are queued and applied to Qᵀ (starting as Vᵀ) in batches
        // (`PendingRotations`).
        var rotations = PendingRotations(vectors: vt, n: n)
        defer { rotations.deallocate() }
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        // Negligible against the whole matrix, not JAMA's running maximum: leading zero rows (dead
        // inputs) would leave the scale at 0 and a later block of subnormal round-off unconverged.
        var f = 0.0, largest = 0.0
        for i in 0..<n { largest = max(largest, abs(d[i]) + abs(e[i])) }
        guard largest.isFinite else { return false }
        let eps = Double.ulpOfOne
        for l in 0..<n {
            var m = l
            while m < n - 1 && abs(e[m]) > eps * largest { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > 60 { return false }
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = (p * p + 1).squareRoot()
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    p = d[m]
                    var c = 1.0, c2 = c, c3 = c, s = 0.0, s2 = 0.0
                    let el1 = e[l + 1]
                    for i in stride(from: m - 1, through: l, by: -1) {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = (p * p + e[i] * e[i]).squareRoot()
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        rotations.append(row: i, c: c, s: s)
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                    guard p.isFinite else { return false }
                } while abs(e[l]) > eps * largest
            }
            d[l] += f
            e[l] = 0
        }
        rotations.finish(into: w)
        return true
    }
}

/// QL rotations waiting to be applied to Qᵀ: rotation r turns rows i + 1 and i (x, y) into
/// c·x + s·y and c·y − s·x. Applied one at a time, each rotation streamed two whole rows through
/// the cache (at n = 785 the matrix is 4.9 MB); queued, a batch runs over one strip of 32 or 8
/// columns at a time, a strip that stays in L1 or L2. The strips live in a copy of Qᵀ whose
/// rows are an odd number of cache lines apart: at a power-of-two n every row of a strip fell
/// in the same few cache sets, and the strip did not stay in L1.
private struct PendingRotations {
    let n: Int, ld: Int, capacity: Int
    private var count = 0
    private let q: UnsafeMutablePointer<Double>
    private let rows: UnsafeMutablePointer<Int>
    private let cs: UnsafeMutablePointer<Double>

    /// Starts from `vectors` (n × n, row-major).
    init(vectors: UnsafePointer<Double>, n: Int) {
        self.n = n
        let lines = (n + 7) / 8
        ld = 8 * (lines % 2 == 0 ? lines + 1 : lines)
        capacity = max(64, 8 * n)
        q = .allocate(capacity: max(n * ld, 1))
        for i in 0..<n { (q + i * ld).update(from: vectors + i * n, count: n) }
        rows = .allocate(capacity: capacity)
        cs = .allocate(capacity: 2 * capacity)
    }

    func deallocate() { q.deallocate(); rows.deallocate(); cs.deallocate() }

    mutating func append(row i: Int, c: Double, s: Double) {
        if count == capacity { apply() }
        rows[count] = i
        cs[2 * count] = c
        cs[2 * count + 1] = s
        count += 1
    }

    /// Applies what is queued and copies Qᵀ into `w` (n × n).
    mutating func finish(into w: UnsafeMutablePointer<Double>) {
        apply()
        for i in 0..<n { (w + i * n).update(from: q + i * ld, count: n) }
    }

    /// Applies and forgets every queued rotation: strips of 32 columns, then of 8, then the
    /// last few columns. Rotation i − 1 usually follows rotation i (one QL sweep), and then its
    /// x is the row the last one just wrote: it is taken from registers, not reloaded.
    private mutating func apply() {
        var k = 0
        while k + 32 <= n {
            applyStrip(q + k, vectors: 4)
            k += 32
        }
        while k + 8 <= n {
            applyStrip(q + k, vectors: 1)
            k += 8
        }
        if k < n {
            for r in 0..<count {
                let x = q + (rows[r] + 1) * ld, y = q + rows[r] * ld
                let c = cs[2 * r], s = cs[2 * r + 1]
                for j in k..<n {
                    let h = x[j], t = y[j]
                    x[j] = (c * h).addingProduct(s, t)
                    y[j] = (-s * h).addingProduct(c, t)
                }
            }
        }
        count = 0
    }

    /// The queued rotations on a strip of 8·`vectors` columns (1 or 4) starting at `w`.
    @inline(__always)
    private func applyStrip(_ w: UnsafeMutablePointer<Double>, vectors: Int) {
        var carried = (D8(), D8(), D8(), D8()), carriedRow = -1
        for r in 0..<count {
            let i = rows[r]
            let x = UnsafeMutableRawPointer(w + (i + 1) * ld), y = UnsafeMutableRawPointer(w + i * ld)
            let c = D8(repeating: cs[2 * r]), s = D8(repeating: cs[2 * r + 1])
            let chained = carriedRow == i + 1
            @inline(__always) func turn(_ v: Int, _ held: D8) -> D8 {
                let h = chained ? held : x.loadUnaligned(fromByteOffset: 64 * v, as: D8.self)
                let t = y.loadUnaligned(fromByteOffset: 64 * v, as: D8.self)
                x.storeBytes(of: (c * h).addingProduct(s, t), toByteOffset: 64 * v, as: D8.self)
                let next = (-s * h).addingProduct(c, t)
                y.storeBytes(of: next, toByteOffset: 64 * v, as: D8.self)
                return next
            }
            carried.0 = turn(0, carried.0)
            if vectors == 4 {
                carried.1 = turn(1, carried.1)
                carried.2 = turn(2, carried.2)
                carried.3 = turn(3, carried.3)
            }
            carriedRow = i
        }
    }
}
