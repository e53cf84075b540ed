import Testing
import NNCKernels

/// The blocked, threaded solve against its plain twin `choleskySolveRows`, which the
/// linear-algebra tests check against A itself.
@Suite struct CholeskySolveBlockedTests {
    /// The Cholesky factor of a random SPD matrix X Xᵀ/N + 0.5·I (n × n, row stride ld).
    func factor(_ n: Int, ld: Int, seed: UInt64) -> [Double] {
        var g = SplitMix(seed)
        let samples = n / 2 + 3
        let x = (0..<(n * samples)).map { _ in Double(g.float()) }
        var a = [Double](repeating: .nan, count: max(n * ld, 1))
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in 0..<samples { s += x[i * samples + k] * x[j * samples + k] }
                a[i * ld + j] = s / Double(samples) + (i == j ? 0.5 : 0)
            }
        }
        let result = a.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: n, lda: ld) }
        precondition(result == .success)
        return a
    }

    /// A gradient of `rows` rows of `ldg` Floats, a bias, and a shuffled subset of the columns.
    struct Problem {
        var grad: [Float]
        var bias: [Float]
        var columns: [Int]
    }

    func problem(n: Int, rows: Int, ldg: Int, withBias: Bool, seed: UInt64) -> Problem {
        var g = SplitMix(seed)
        let used = n - (withBias ? 1 : 0)
        var all = Array(0..<ldg)
        for i in stride(from: all.count - 1, to: 0, by: -1) { all.swapAt(i, g.int(i + 1)) }
        return Problem(grad: g.floats(rows * ldg), bias: g.floats(rows), columns: Array(all.prefix(used)))
    }

    /// Two Double solutions rounded to Float agree to a rounding or two of the row's scale.
    func agree(_ a: [Float], _ b: [Float], scale: Float) -> Bool {
        zip(a, b).allSatisfy { x, y in Swift.abs(x - y) <= 2 * y.ulp + 1e-6 * scale }
    }

    /// The blocked solve in Double, or with `inFloat` in Float against L rounded to Float.
    func blocked(_ l: [Double], n: Int, _ p: Problem, rows: Int, ldg: Int, withBias: Bool, indexed: Bool,
                 threads: Int, inFloat: Bool = false) -> Problem {
        var out = p
        var lf = [Float](repeating: .nan, count: n * n)
        if inFloat { l.withUnsafeBufferPointer { roundFactor($0.baseAddress!, n: n, into: &lf, offset: 0) } }
        l.withUnsafeBufferPointer { lp in lf.withUnsafeBufferPointer { lfp in
            out.grad.withMutPtr { gp in out.bias.withMutPtr { bp in out.columns.withUnsafeBufferPointer { cp in
                let indices = indexed ? cp.baseAddress : nil, bias = withBias ? bp : nil
                if inFloat {
                    choleskySolveRowsBlocked(factor: lfp.baseAddress!, n: n, ldl: n, rows: gp, count: rows, ldg: ldg,
                                             columnIndices: indices, bias: bias, threads: threads)
                } else {
                    choleskySolveRowsBlocked(factor: lp.baseAddress!, n: n, ldl: n, rows: gp, count: rows, ldg: ldg,
                                             columnIndices: indices, bias: bias, threads: threads)
                }
            } } }
        } }
        return out
    }

    func reference(_ l: [Double], n: Int, _ p: Problem, rows: Int, ldg: Int, withBias: Bool, indexed: Bool) -> Problem {
        var out = p
        l.withUnsafeBufferPointer { lp in out.grad.withMutPtr { gp in out.bias.withMutPtr { bp in
            out.columns.withUnsafeBufferPointer { cp in
                choleskySolveRows(factor: lp.baseAddress!, n: n, ldl: n, rows: gp, count: rows, ldg: ldg,
                                  columnIndices: indexed ? cp.baseAddress : nil, bias: withBias ? bp : nil)
            }
        } } }
        return out
    }

    @Test(arguments: [1, 7, 8, 9, 129, 785])
    func matchesTheRowByRowSolve(n: Int) {
        let l = factor(n, ld: n, seed: UInt64(n))
        for withBias in [false, true] where n > 1 || !withBias {
            for indexed in [false, true] {
                for rows in [1, 16, 37] {
                    // Indexed rows are wider than the solve, so some columns must stay untouched.
                    let ldg = indexed ? n + 5 : n - (withBias ? 1 : 0)
                    let p = problem(n: n, rows: rows, ldg: max(ldg, 1), withBias: withBias, seed: UInt64(rows))
                    let want = reference(l, n: n, p, rows: rows, ldg: ldg, withBias: withBias, indexed: indexed)
                    let got = blocked(l, n: n, p, rows: rows, ldg: ldg, withBias: withBias, indexed: indexed, threads: 1)
                    let scale = want.grad.map(Swift.abs).max() ?? 0
                    #expect(agree(got.grad, want.grad, scale: scale), "n \(n) rows \(rows) bias \(withBias) indexed \(indexed)")
                    #expect(agree(got.bias, want.bias, scale: scale), "n \(n) rows \(rows) bias \(withBias) indexed \(indexed)")
                    if indexed {
                        let touched = Set(p.columns)
                        for r in 0..<rows {
                            for c in 0..<ldg where !touched.contains(c) {
                                #expect(got.grad[r * ldg + c] == p.grad[r * ldg + c])
                            }
                        }
                    }
                    if !withBias { #expect(got.bias == p.bias) }
                }
            }
        }
    }

    @Test(arguments: [1, 7, 9, 129, 785])
    func floatSolveIsCloseToTheDoubleSolve(n: Int) {
        // The factor of X Xᵀ/N + 0.5·I: its condition bound is a few hundred at most here, where
        // the Float solve's error is ~1e-5 of the row's scale; a wrong solve is off by O(1).
        let l = factor(n, ld: n, seed: UInt64(n) + 40)
        let bound = l.withUnsafeBufferPointer { conditionBound(factor: $0.baseAddress!, n: n, ldl: n, lambda: 0.5) }
        #expect(bound < 1e3)
        for withBias in [false, true] where n > 1 || !withBias {
            for indexed in [false, true] {
                let rows = 37
                let ldg = indexed ? n + 5 : n - (withBias ? 1 : 0)
                let p = problem(n: n, rows: rows, ldg: max(ldg, 1), withBias: withBias, seed: 5)
                let want = reference(l, n: n, p, rows: rows, ldg: ldg, withBias: withBias, indexed: indexed)
                let got = blocked(l, n: n, p, rows: rows, ldg: ldg, withBias: withBias, indexed: indexed, threads: 1,
                                  inFloat: true)
                let scale = want.grad.map(Swift.abs).max() ?? 0
                let close = { (a: [Float], b: [Float]) in zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-4 * scale } }
                #expect(close(got.grad, want.grad), "n \(n) bias \(withBias) indexed \(indexed)")
                #expect(close(got.bias, want.bias), "n \(n) bias \(withBias) indexed \(indexed)")
                if indexed {
                    let touched = Set(p.columns)
                    for r in 0..<rows {
                        for c in 0..<ldg where !touched.contains(c) { #expect(got.grad[r * ldg + c] == p.grad[r * ldg + c]) }
                    }
                }
            }
        }
    }

    @Test func conditionBoundHoldsAndIsTheTrace() {
        // For L Lᵀ = A + λI the bound is 1 + tr(A)/λ, and at least λ_max/λ_min.
        for (n, seed) in [(1, 1), (6, 2), (40, 3)] {
            let lambda = 0.5
            let l = factor(n, ld: n, seed: UInt64(seed))
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var s = 0.0
                    for k in 0...min(i, j) { s += l[i * n + k] * l[j * n + k] }
                    a[i * n + j] = s
                }
            }
            let trace = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] } - Double(n) * lambda
            let bound = l.withUnsafeBufferPointer { conditionBound(factor: $0.baseAddress!, n: n, ldl: n, lambda: lambda) }
            #expect(Swift.abs(bound - (1 + trace / lambda)) <= 1e-9 * bound)
            var eigen = [Double](repeating: 0, count: n)
            _ = a.withUnsafeMutableBufferPointer { ap in eigen.withUnsafeMutableBufferPointer { symmetricEigenvaluesJacobi(ap.baseAddress!, n: n, lda: n, eigenvalues: $0.baseAddress!) } }
            #expect(bound >= eigen.max()! / eigen.min()! * (1 - 1e-12), "n \(n)")
            let zero = l.withUnsafeBufferPointer { conditionBound(factor: $0.baseAddress!, n: n, ldl: n, lambda: 0) }
            #expect(zero == .infinity)
        }
    }

    @Test(arguments: [33, 129])
    func sameBitsOnAnyThreadCount(n: Int) {
        let l = factor(n, ld: n, seed: 3)
        // Enough rows that two and three threads each get several panels, and a ragged last one.
        let rows = 103
        let ldg = n + 2
        let p = problem(n: n, rows: rows, ldg: ldg, withBias: true, seed: 4)
        for inFloat in [false, true] {
            let one = blocked(l, n: n, p, rows: rows, ldg: ldg, withBias: true, indexed: true, threads: 1, inFloat: inFloat)
            #expect(one.grad != p.grad)
            for threads in [2, 3] {
                let t = blocked(l, n: n, p, rows: rows, ldg: ldg, withBias: true, indexed: true, threads: threads,
                                inFloat: inFloat)
                #expect(bitIdentical(t.grad, one.grad), "\(threads) threads, Float \(inFloat)")
                #expect(bitIdentical(t.bias, one.bias), "\(threads) threads, Float \(inFloat)")
            }
        }
    }

    @Test func convolutionTapsFilterByFilter() {
        // A conv kernel gradient (filters, C_in, taps) as SGD2 sees it: per filter, `taps` rows at
        // stride 1, channel c at column c·taps; rows of filter f start f·C_in·taps further on.
        let channels = 5, taps = 9, filters = 7, n = channels + 1
        let l = factor(n, ld: n, seed: 11)
        var g = SplitMix(12)
        let grad = g.floats(filters * channels * taps)
        let bias = g.floats(filters * taps)
        let columns = [3, 0, 4, 1, 2].map { $0 * taps }
        var want = grad, wantBias = bias
        l.withUnsafeBufferPointer { lp in columns.withUnsafeBufferPointer { cp in
            want.withMutPtr { gp in wantBias.withMutPtr { bp in
                for f in 0..<filters {
                    choleskySolveRows(factor: lp.baseAddress!, n: n, ldl: n, rows: gp + f * channels * taps, count: taps,
                                      ldg: 1, columnIndices: cp.baseAddress, bias: bp + f * taps)
                }
            } }
        } }
        for threads in [1, 2] {
            var got = grad, gotBias = bias
            l.withUnsafeBufferPointer { lp in
                got.withMutPtr { gp in
                    choleskySolveRowsBlocked(factor: .double(lp.baseAddress!), n: n, ldl: n, rows: gp, count: filters * taps,
                                             ldg: 1, groupRows: taps, groupStride: channels * taps, columnIndices: columns,
                                             from: 0, bias: &gotBias, threads: threads)
                }
            }
            let scale = want.map(Swift.abs).max()!
            #expect(agree(got, want, scale: scale))
            #expect(agree(gotBias, wantBias, scale: scale))
        }
    }
}
