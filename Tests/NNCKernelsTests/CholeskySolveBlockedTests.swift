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

    func blocked(_ l: [Double], n: Int, _ p: Problem, rows: Int, ldg: Int, withBias: Bool, indexed: Bool,
                 threads: Int) -> Problem {
        var out = p
        l.withUnsafeBufferPointer { lp in out.grad.withMutPtr { gp in out.bias.withMutPtr { bp in
            out.columns.withUnsafeBufferPointer { cp in
                choleskySolveRowsBlocked(factor: lp.baseAddress!, n: n, ldl: n, rows: gp, count: rows, ldg: ldg,
                                         columnIndices: indexed ? cp.baseAddress : nil, bias: withBias ? bp : nil,
                                         threads: threads)
            }
        } } }
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

    @Test(arguments: [33, 129])
    func sameBitsOnAnyThreadCount(n: Int) {
        let l = factor(n, ld: n, seed: 3)
        // Enough rows that two and three threads each get several panels, and a ragged last one.
        let rows = 103
        let ldg = n + 2
        let p = problem(n: n, rows: rows, ldg: ldg, withBias: true, seed: 4)
        let one = blocked(l, n: n, p, rows: rows, ldg: ldg, withBias: true, indexed: true, threads: 1)
        #expect(one.grad != p.grad)
        for threads in [2, 3] {
            let t = blocked(l, n: n, p, rows: rows, ldg: ldg, withBias: true, indexed: true, threads: threads)
            #expect(bitIdentical(t.grad, one.grad), "\(threads) threads")
            #expect(bitIdentical(t.bias, one.bias), "\(threads) threads")
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
                    choleskySolveRowsBlocked(factor: lp.baseAddress!, n: n, ldl: n, rows: gp, count: filters * taps, ldg: 1,
                                             groupRows: taps, groupStride: channels * taps, columnIndices: columns,
                                             from: 0, bias: &gotBias, threads: threads)
                }
            }
            let scale = want.map(Swift.abs).max()!
            #expect(agree(got, want, scale: scale))
            #expect(agree(gotBias, wantBias, scale: scale))
        }
    }
}
