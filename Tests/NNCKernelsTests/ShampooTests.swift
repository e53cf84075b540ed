import Testing
import Foundation
import NNCKernels

/// Shampoo's kernels against plain Double loops: the block split, a block's statistics inside a
/// larger matrix, the Jacobi eigendecomposition with vectors, the inverse fourth root (and its
/// refusals), the adaptive grafts, and a block's direction L^{-1/4}·G·R^{-1/4} at the graft's norm.
@Suite struct ShampooTests {
    /// Every entry within rel·max(|a|, |b|, 1).
    func expectNear(_ actual: [Float], _ expected: [Double], _ rel: Double, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) / max(abs($1), 1) }.max() ?? 0
        #expect(worst <= rel, "\(what): worst relative error \(worst)", sourceLocation: sourceLocation)
    }

    /// A random symmetric positive semi-definite n × n statistic X Xᵀ of rank min(n, k).
    func statistic(_ n: Int, rank k: Int, seed: UInt64) -> [Float] {
        var g = SplitMix(seed)
        let x = g.floats(n * k)
        return (0..<(n * n)).map { e in
            Float((0..<k).reduce(0.0) { $0 + Double(x[e / n * k + $1]) * Double(x[e % n * k + $1]) })
        }
    }

    @Test func blocksCoverTheMatrixOnce() {
        let blocks = shampooBlocks(rows: 5, cols: 7, size: 3)
        #expect(blocks.map(\.row) == [0, 0, 0, 3, 3, 3])
        #expect(blocks.map(\.col) == [0, 3, 6, 0, 3, 6])
        #expect(blocks.map(\.rows) == [3, 3, 3, 2, 2, 2])
        #expect(blocks.map(\.cols) == [3, 3, 1, 3, 3, 1])
        #expect(blocks.map(\.leftOffset) == [0, 9, 18, 27, 31, 35])
        #expect(blocks.map(\.rightOffset) == [0, 9, 18, 19, 28, 37])
        let counts = shampooStatisticCounts(blocks)
        #expect(counts.left == 39 && counts.right == 38)
        #expect(shampooBlocks(rows: 4, cols: 4, size: 128).count == 1)
    }

    /// L ← β·L + G Gᵀ and R ← β·R + Gᵀ G of a block read with the whole matrix's row stride.
    @Test func statisticsOfAStridedBlock() {
        let (m, n) = (9, 11), b = ShampooBlock(row: 4, col: 3, rows: 5, cols: 6, leftOffset: 0, rightOffset: 0)
        var g = SplitMix(5)
        let grad = g.floats(m * n)
        func x(_ i: Int, _ j: Int) -> Double { Double(grad[(b.row + i) * n + b.col + j]) }
        for decay in [Float(1), 0.9, 0] {
            let oldL = symmetricFromLower(g.floats(b.rows * b.rows), n: b.rows)
            let oldR = symmetricFromLower(g.floats(b.cols * b.cols), n: b.cols)
            var l = oldL, r = oldR
            grad.withPtr { gp in l.withMutPtr { lp in r.withMutPtr {
                shampooStatistics(block: gp + b.row * n + b.col, rows: b.rows, cols: b.cols, ld: n, decay: decay,
                                  left: lp, right: $0, threads: 2, workspace: nil)
            } } }
            var el = [Double](repeating: 0, count: b.rows * b.rows), er = [Double](repeating: 0, count: b.cols * b.cols)
            for i in 0..<b.rows { for j in 0..<b.rows {
                var t = Double(decay) * Double(oldL[i * b.rows + j])
                for k in 0..<b.cols { t += x(i, k) * x(j, k) }
                el[i * b.rows + j] = t
            } }
            for i in 0..<b.cols { for j in 0..<b.cols {
                var t = Double(decay) * Double(oldR[i * b.cols + j])
                for k in 0..<b.rows { t += x(k, i) * x(k, j) }
                er[i * b.cols + j] = t
            } }
            expectNear(l, el, 1e-5, "L, decay \(decay)")
            expectNear(r, er, 1e-5, "R, decay \(decay)")
        }
    }

    /// A·q = λ·q for every pair and the vectors orthonormal, for both solvers; QL's eigenvalues
    /// are Jacobi's. Random matrices, a rank-deficient statistic, and repeated eigenvalues.
    @Test func eigenvectorsJacobiAndQL() {
        var cases: [(String, Int, [Double])] = []
        for n in [1, 2, 5, 17, 40, 130] {
            var g = SplitMix(UInt64(n) + 100)
            let r = g.floats(n * n)
            cases.append(("random \(n)", n, (0..<(n * n)).map { e in Double(r[e / n * n + e % n]) + Double(r[e % n * n + e / n]) }))
        }
        cases.append(("rank 3 of 20", 20, statistic(20, rank: 3, seed: 4).map(Double.init)))
        cases.append(("identity", 6, (0..<36).map { $0 % 7 == 0 ? 1 : 0 }))
        cases.append(("zero", 4, [Double](repeating: 0, count: 16)))
        for (name, n, a) in cases {
            var jacobi = a, jacobiVectors = [Double](repeating: .nan, count: n * n)
            let jacobiOK = jacobi.withUnsafeMutableBufferPointer { w in jacobiVectors.withUnsafeMutableBufferPointer {
                symmetricEigenJacobi(w.baseAddress!, n: n, vectors: $0.baseAddress!)
            } }
            var ql = a, qlVectors = [Double](repeating: .nan, count: n * n), qlValues = [Double](repeating: .nan, count: n)
            let qlOK = ql.withUnsafeMutableBufferPointer { w in qlVectors.withUnsafeMutableBufferPointer { v in
                qlValues.withUnsafeMutableBufferPointer {
                    symmetricEigenQL(w.baseAddress!, n: n, vectors: v.baseAddress!, eigenvalues: $0.baseAddress!)
                } } }
            #expect(jacobiOK && qlOK, "\(name): converged")
            let jacobiValues = (0..<n).map { jacobi[$0 * n + $0] }
            let scale = max(a.map(abs).max() ?? 0, 1)
            for (solver, values, vectors) in [("Jacobi", jacobiValues, jacobiVectors), ("QL", qlValues, qlVectors)] {
                var residual = 0.0, orthogonality = 0.0
                for k in 0..<n {
                    for i in 0..<n {
                        let aq = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * vectors[k * n + $1] }
                        residual = max(residual, abs(aq - values[k] * vectors[k * n + i]))
                    }
                    for l in 0..<n {
                        let dot = (0..<n).reduce(0.0) { $0 + vectors[k * n + $1] * vectors[l * n + $1] }
                        orthogonality = max(orthogonality, abs(dot - (k == l ? 1 : 0)))
                    }
                }
                #expect(residual < 1e-10 * scale, "\(name), \(solver): |A q − λ q| \(residual)")
                #expect(orthogonality < 1e-12, "\(name), \(solver): |QᵀQ − I| \(orthogonality)")
            }
            let difference = zip(jacobiValues.sorted(), qlValues.sorted()).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-11 * scale, "\(name): eigenvalues differ by \(difference)")
        }
    }

    /// root⁴·(S + ε·λ_max·I) = I in Double, for full-rank and rank-deficient statistics.
    @Test func inverseFourthRootOfAStatistic() {
        for (n, rank, epsilon) in [(1, 1, 1e-6), (6, 10, 1e-6), (30, 40, 1e-4), (30, 5, 1e-3)] {
            let s = statistic(n, rank: rank, seed: UInt64(n * 7 + rank))
            var root = [Float](repeating: .nan, count: n * n), work = [Double](repeating: .nan, count: 2 * n * n)
            let ok = s.withPtr { sp in root.withMutPtr { rp in work.withUnsafeMutableBufferPointer {
                inverseFourthRoot(sp, n: n, epsilon: epsilon, work: $0.baseAddress!, root: rp)
            } } }
            #expect(ok)
            #expect(root == (0..<(n * n)).map { root[$0 % n * n + $0 / n] }, "symmetric")
            // λ_max from power iteration in Double, the reference's own.
            var v = [Double](repeating: 1, count: n), largest = 0.0
            for _ in 0..<500 {
                let w = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + Double(s[i * n + $1]) * v[$1] } }
                largest = w.map { $0 * $0 }.reduce(0, +).squareRoot()
                v = w.map { $0 / largest }
            }
            func times(_ x: [Double], _ y: [Double]) -> [Double] {
                (0..<(n * n)).map { e in (0..<n).reduce(0.0) { $0 + x[e / n * n + $1] * y[$1 * n + e % n] } }
            }
            let r = root.map(Double.init)
            let damped = (0..<(n * n)).map { Double(s[$0]) + ($0 % (n + 1) == 0 ? epsilon * largest : 0) }
            let square = times(r, r)
            let product = times(times(square, square), damped)
            var worst = 0.0
            for e in 0..<(n * n) { worst = max(worst, abs(product[e] - (e % (n + 1) == 0 ? 1.0 : 0.0))) }
            // Float roots of a matrix with condition number up to 1/ε, raised to the fourth power.
            #expect(worst < 2e-6 / epsilon.squareRoot(), "n \(n), rank \(rank): |R⁴(S + εI) − I| \(worst)")
        }
        // diag(16, 1, 0) and ε = 1e-4: diag(1/2, 1, (16e-4)^{-1/4} = 5).
        var root = [Float](repeating: .nan, count: 9), work = [Double](repeating: 0, count: 18)
        let s: [Float] = [16, 0, 0, 0, 1, 0, 0, 0, 0]
        _ = s.withPtr { sp in root.withMutPtr { rp in work.withUnsafeMutableBufferPointer {
            inverseFourthRoot(sp, n: 3, epsilon: 1e-4, work: $0.baseAddress!, root: rp)
        } } }
        expectNear(root, [0.5 / (1 + 1e-4).squareRoot().squareRoot(), 0, 0, 0,
                          1 / (1 + 16e-4).squareRoot().squareRoot(), 0, 0, 0, 5], 1e-6, "diagonal")
        // A NaN, and a zero statistic: false, root untouched.
        for bad in [[Float](repeating: 0, count: 4), [1, 0, .nan, 1]] {
            var root: [Float] = [7, 7, 7, 7], work = [Double](repeating: 0, count: 8)
            let ok = bad.withPtr { sp in root.withMutPtr { rp in work.withUnsafeMutableBufferPointer {
                inverseFourthRoot(sp, n: 2, epsilon: 1e-6, work: $0.baseAddress!, root: rp)
            } } }
            #expect(!ok)
            #expect(root == [7, 7, 7, 7])
        }
    }

    /// All roots of a split on two threads equal the roots one by one; a block with a NaN in
    /// one statistic keeps both its previous roots and its flag.
    @Test func rootsOfEveryBlockCommittedInPairs() {
        let blocks = shampooBlocks(rows: 9, cols: 14, size: 5)
        let (l, r) = shampooStatisticCounts(blocks)
        var left = [Float](), right = [Float]()
        for (i, b) in blocks.enumerated() {
            left += statistic(b.rows, rank: b.rows + 2, seed: UInt64(2 * i + 1))
            right += statistic(b.cols, rank: b.cols + 2, seed: UInt64(2 * i + 2))
        }
        let poisoned = 3
        left[blocks[poisoned].leftOffset] = .nan
        var leftRoot = [Float](repeating: 7, count: l), rightRoot = [Float](repeating: 7, count: r)
        var fresh = [Float](repeating: .nan, count: l + r), held = [Bool](repeating: false, count: blocks.count)
        left.withPtr { lp in right.withPtr { rp in fresh.withMutPtr { fp in leftRoot.withMutPtr { lr in
            rightRoot.withMutPtr {
                shampooRoots(left: lp, right: rp, blocks: blocks, epsilon: 1e-6, fresh: fp, leftRoot: lr, rightRoot: $0,
                             held: &held, threads: 2)
            } } } } }
        #expect(held == blocks.indices.map { $0 != poisoned })
        for (i, b) in blocks.enumerated() {
            for (stats, offset, n, roots) in [(left, b.leftOffset, b.rows, leftRoot), (right, b.rightOffset, b.cols, rightRoot)] {
                let got = Array(roots[offset..<(offset + n * n)])
                if i == poisoned {
                    #expect(got.allSatisfy { $0 == 7 }, "block \(i) keeps its previous roots")
                    continue
                }
                var one = [Float](repeating: .nan, count: n * n), work = [Double](repeating: 0, count: 2 * n * n)
                let statistic = Array(stats[offset..<(offset + n * n)])
                _ = statistic.withPtr { sp in one.withMutPtr { op in work.withUnsafeMutableBufferPointer {
                    inverseFourthRoot(sp, n: n, epsilon: 1e-6, work: $0.baseAddress!, root: op)
                } } }
                #expect(got == one, "block \(i): the same bits as one by one")
            }
        }
    }

    /// AdaGrad (v + g²) and Adam's second moment (β·v + (1 − β)·g², bias-corrected), in place too.
    @Test func grafts() {
        var g = SplitMix(11)
        let grad = g.floats(37), old = g.floats(37).map { $0 * $0 }
        for (keep, add, correction) in [(Float(1), Float(1), Float(1)), (0.999, 0.001, 1 - 0.999 * 0.999)] {
            var v = old, out = [Float](repeating: .nan, count: 37)
            grad.withPtr { gp in v.withMutPtr { vp in out.withMutPtr {
                shampooGraft(gradient: gp, accumulator: vp, count: 37, keep: keep, add: add, correction: correction,
                             epsilon: 1e-8, out: $0)
            } } }
            let ev = (0..<37).map { Double(keep) * Double(old[$0]) + Double(add) * Double(grad[$0]) * Double(grad[$0]) }
            expectNear(v, ev, 1e-6, "accumulator")
            expectNear(out, (0..<37).map { Double(grad[$0]) / ((ev[$0] / Double(correction)).squareRoot() + 1e-8) },
                       1e-5, "direction")
            var inPlace = grad, v2 = old
            v2.withMutPtr { vp in inPlace.withMutPtr {
                shampooGraft(gradient: $0, accumulator: vp, count: 37, keep: keep, add: add, correction: correction,
                             epsilon: 1e-8, out: $0)
            } }
            #expect(inPlace == out)
        }
    }

    /// D = Lr·G·Rr rescaled to ‖graft‖ per block, written over G with the matrix's stride; a zero
    /// D leaves the graft's direction instead.
    @Test func blockDirection() {
        let (m, n) = (7, 9), (row, col, r, c) = (2, 4, 5, 3)
        var g = SplitMix(21)
        let grad = g.floats(m * n), graft = g.floats(m * n), lr = g.floats(r * r), rr = g.floats(c * c)
        for sgd in [false, true] {
            let graftSource = sgd ? grad : graft
            var d = [Double](repeating: 0, count: r * c)
            for i in 0..<r { for j in 0..<c {
                var t = 0.0
                for k in 0..<r { for l in 0..<c {
                    t += Double(lr[i * r + k]) * Double(grad[(row + k) * n + col + l]) * Double(rr[l * c + j])
                } }
                d[i * c + j] = t
            } }
            let dNorm = d.map { $0 * $0 }.reduce(0, +).squareRoot()
            var gNorm = 0.0
            for i in 0..<r { for j in 0..<c { gNorm += pow(Double(graftSource[(row + i) * n + col + j]), 2) } }
            gNorm = gNorm.squareRoot()
            var expected = grad.map(Double.init)
            for i in 0..<r { for j in 0..<c { expected[(row + i) * n + col + j] = d[i * c + j] * gNorm / dNorm } }
            var out = grad, work = [Float](repeating: .nan, count: 2 * r * c)
            let used = lr.withPtr { lp in rr.withPtr { rp in graft.withPtr { gp in out.withMutPtr { op in work.withMutPtr {
                shampooBlockDirection(gradient: op + row * n + col, rows: r, cols: c, ld: n, leftRoot: lp, rightRoot: rp,
                                      graft: sgd ? UnsafePointer(op + row * n + col) : gp + row * n + col, ldGraft: n,
                                      work: $0, threads: 1, workspace: nil)
            } } } } }
            #expect(used)
            expectNear(out, expected, 1e-5, "direction, \(sgd ? "sgd" : "adaptive") graft")
        }
        // Zero roots: D = 0, so the block takes the graft's direction.
        var out = grad, work = [Float](repeating: 0, count: 2 * r * c)
        let zeros = [Float](repeating: 0, count: 25)
        let used = zeros.withPtr { zp in graft.withPtr { gp in out.withMutPtr { op in work.withMutPtr {
            shampooBlockDirection(gradient: op + row * n + col, rows: r, cols: c, ld: n, leftRoot: zp, rightRoot: zp,
                                  graft: gp + row * n + col, ldGraft: n, work: $0, threads: 1, workspace: nil)
        } } } }
        #expect(!used)
        for e in 0..<(m * n) {
            let inside = (row..<(row + r)).contains(e / n) && (col..<(col + c)).contains(e % n)
            #expect(out[e] == (inside ? graft[e] : grad[e]))
        }
    }
}
