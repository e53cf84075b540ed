import Testing
import NNCKernels

@Suite struct LinearAlgebraTests {
    /// A random symmetric positive definite matrix X Xᵀ/N + shift·I (n × n, row stride ld).
    func spd(_ n: Int, ld: Int, seed: UInt64, shift: Double = 0.5) -> [Double] {
        var g = SplitMix(seed)
        let samples = 2 * n + 3
        let x = (0..<(n * samples)).map { _ in Double(g.float()) }
        var a = [Double](repeating: .nan, count: max(n * ld, 1))
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<samples { s += x[i * samples + k] * x[j * samples + k] }
                a[i * ld + j] = s / Double(samples) + (i == j ? shift : 0)
            }
        }
        return a
    }

    // Dot products of N terms in Double: 1e-12 relative is far above N·2⁻⁵³.
    @Test func syrkMatchesPlainSums() {
        for (features, samples) in [(1, 1), (3, 7), (17, 33), (33, 129), (5, 0)] {
            var g = SplitMix(UInt64(features * 1000 + samples))
            let x = g.floats(max(features * samples, 1))   // stored (samples, features), as activations are
            for biasRow in [false, true] {
                let f = features + (biasRow ? 1 : 0)
                var out = [Double](repeating: .nan, count: f * (f + 2))
                x.withPtr { xp in out.withUnsafeMutableBufferPointer {
                    syrk(x: xp, featureStride: 1, sampleStride: features, features: features, samples: samples,
                         biasRow: biasRow, out: $0.baseAddress!, ldo: f + 2)
                } }
                func feature(_ i: Int, _ s: Int) -> Double {
                    if biasRow { return i == 0 ? 1 : Double(x[s * features + i - 1]) }
                    return Double(x[s * features + i])
                }
                for i in 0..<f {
                    for j in 0..<f {
                        var s = 0.0
                        for k in 0..<samples { s += feature(i, k) * feature(j, k) }
                        let ref = samples > 0 ? s / Double(samples) : 0
                        #expect(Swift.abs(out[i * (f + 2) + j] - ref) <= 1e-12 * Swift.max(1, Swift.abs(ref)))
                    }
                }
            }
        }
    }

    @Test func syrkGivesTheSameBitsOnAnyThreadCount() {
        // 129 features (17 row tiles, a ragged last one) of 300 samples, enough to be split.
        let (features, samples) = (128, 300)
        var g = SplitMix(8)
        let x = g.floats(features * samples)
        var results: [[Double]] = []
        for threads in [1, 2, 3] {
            var out = [Double](repeating: .nan, count: 129 * 129)
            x.withPtr { xp in out.withUnsafeMutableBufferPointer {
                syrk(x: xp, featureStride: 1, sampleStride: features, features: features, samples: samples,
                     biasRow: true, out: $0.baseAddress!, ldo: 129, threads: threads)
            } }
            results.append(out)
        }
        #expect(results[0].allSatisfy { !$0.isNaN })
        for r in results.dropFirst() { #expect(r.map(\.bitPattern) == results[0].map(\.bitPattern)) }
    }

    @Test func syrkSubsets() {
        // Features 4 and 1 of samples 2, 0 and 5 from a (6 × 5) activation matrix.
        var g = SplitMix(3)
        let x = g.floats(30)
        let fi = [4, 1], si = [2, 0, 5]
        var out = [Double](repeating: 0, count: 4)
        x.withPtr { xp in fi.withUnsafeBufferPointer { f in si.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer {
            syrk(x: xp, featureStride: 1, sampleStride: 5, features: 2, samples: 3, featureIndices: f.baseAddress,
                 sampleIndices: s.baseAddress, out: $0.baseAddress!, ldo: 2)
        } } } }
        for (i, a) in fi.enumerated() {
            for (j, b) in fi.enumerated() {
                let ref = si.reduce(0.0) { $0 + Double(x[$1 * 5 + a]) * Double(x[$1 * 5 + b]) } / 3
                #expect(Swift.abs(out[i * 2 + j] - ref) < 1e-14)
            }
        }
        // The same through a caller's workspace, with the bias row.
        var ws = [Double](repeating: .nan, count: syrkWorkspaceCount(features: 2, samples: 3, biasRow: true))
        var out2 = [Double](repeating: 0, count: 9)
        x.withPtr { xp in fi.withUnsafeBufferPointer { f in si.withUnsafeBufferPointer { s in out2.withUnsafeMutableBufferPointer { o in
            ws.withUnsafeMutableBufferPointer {
                syrk(x: xp, featureStride: 1, sampleStride: 5, features: 2, samples: 3, featureIndices: f.baseAddress,
                     sampleIndices: s.baseAddress, biasRow: true, out: o.baseAddress!, ldo: 3, workspace: $0.baseAddress!)
            }
        } } } }
        #expect(out2[0] == 1)
        #expect(Swift.abs(out2[1] - si.reduce(0.0) { $0 + Double(x[$1 * 5 + 4]) } / 3) < 1e-14)
        #expect(Swift.abs(out2[4] - out[0]) < 1e-14 && Swift.abs(out2[8] - out[3]) < 1e-14)
    }

    // Cholesky is backward stable: ‖L Lᵀ − A‖ ≲ n·u·‖A‖; 1e-12 relative for n ≤ 129.
    @Test func choleskyFactorsAndSolves() {
        for n in [1, 3, 7, 17, 33, 129] {
            let ld = n + 1
            let a = spd(n, ld: ld, seed: UInt64(n))
            var l = a
            let result = l.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: n, lda: ld) }
            #expect(result == .success)
            var worst = 0.0
            for i in 0..<n {
                for j in 0...i {
                    var s = 0.0
                    for k in 0...j { s += l[i * ld + k] * l[j * ld + k] }
                    worst = Swift.max(worst, Swift.abs(s - a[i * ld + j]))
                }
            }
            #expect(worst <= 1e-12)
            // Rows of B as right-hand sides: B (A⁻¹) · A must give B back.
            var g = SplitMix(UInt64(n + 7))
            let rhs = 3
            let b = (0..<(rhs * n)).map { _ in Double(g.float()) }
            var xs = b
            l.withUnsafeBufferPointer { lp in xs.withUnsafeMutableBufferPointer {
                choleskySolve(factor: lp.baseAddress!, n: n, ldl: ld, rows: $0.baseAddress!, count: rhs, ldb: n)
            } }
            for r in 0..<rhs {
                for j in 0..<n {
                    var s = 0.0
                    for k in 0..<n { s += xs[r * n + k] * a[k * ld + j] }
                    #expect(Swift.abs(s - b[r * n + j]) <= 1e-10)
                }
            }
        }
    }

    // The blocked factorisation reorders no sum of a row-by-row entry beyond the panel solve's
    // sequential one: agreement to 1e-12 relative for these well-conditioned matrices.
    @Test(arguments: [1, 7, 16, 17, 33, 129, 300])
    func blockedFactorMatchesRowByRow(n: Int) {
        let ld = n + 3
        var a = spd(n, ld: ld, seed: UInt64(n))
        for i in 0..<n { for j in (i + 1)..<ld { a[i * ld + j] = .nan } }   // neither read nor written
        var blocked = a, plain = a
        #expect(blocked.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: n, lda: ld) } == .success)
        #expect(plain.withUnsafeMutableBufferPointer { choleskyFactorRowByRow($0.baseAddress!, n: n, lda: ld) } == .success)
        for i in 0..<n {
            for j in 0...i {
                #expect(Swift.abs(blocked[i * ld + j] - plain[i * ld + j]) <= 1e-12 * Swift.max(1, Swift.abs(plain[i * ld + j])))
            }
            for j in (i + 1)..<ld { #expect(blocked[i * ld + j].isNaN) }
        }
        // A pivot past the first blocks that is not positive is the one reported.
        guard n > 20 else { return }
        var bad = a
        bad[20 * ld + 20] = -1
        #expect(bad.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: n, lda: ld) } == .notPositiveDefinite(pivot: 20))
    }

    @Test func notPositiveDefiniteIsReportedNotFatal() {
        var a: [Double] = [1, 2, 2, 1]   // eigenvalues 3 and −1
        #expect(a.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: 2, lda: 2) } == .notPositiveDefinite(pivot: 1))
        var z: [Double] = [0]
        #expect(z.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: 1, lda: 1) } == .notPositiveDefinite(pivot: 0))
        var nan: [Double] = [.nan]
        #expect(nan.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: 1, lda: 1) } == .notPositiveDefinite(pivot: 0))
    }

    @Test func solveRowsOfAFloatGradientWithBiasAndChunk() {
        // SGD2's use: [g_b, G[:, idx]] ← [g_b, G[:, idx]] (A' + λI)⁻¹ with A' from syrk(biasRow:).
        let n = 4
        var a = spd(n + 1, ld: n + 1, seed: 5)
        let a0 = a
        #expect(a.withUnsafeMutableBufferPointer { choleskyFactor($0.baseAddress!, n: n + 1, lda: n + 1) } == .success)
        var g = SplitMix(6)
        var grad = g.floats(2 * 6)           // 2 rows of 6 columns, 4 of them selected
        var bias = g.floats(2)
        let cols = [5, 0, 2, 3]
        let before = grad, biasBefore = bias
        a.withUnsafeBufferPointer { lp in grad.withMutPtr { gp in bias.withMutPtr { bp in cols.withUnsafeBufferPointer { cp in
            choleskySolveRows(factor: lp.baseAddress!, n: n + 1, ldl: n + 1, rows: gp, count: 2, ldg: 6,
                              columnIndices: cp.baseAddress, bias: bp)
        } } } }
        for r in 0..<2 {
            let x = [Double(bias[r])] + cols.map { Double(grad[r * 6 + $0]) }
            let rhs = [Double(biasBefore[r])] + cols.map { Double(before[r * 6 + $0]) }
            for j in 0...n {
                let s = (0...n).reduce(0.0) { $0 + x[$1] * a0[$1 * (n + 1) + j] }
                #expect(Swift.abs(s - rhs[j]) < 1e-5)   // the Float round trip of the result
            }
            for c in [1, 4] { #expect(grad[r * 6 + c] == before[r * 6 + c]) }
        }
    }

    @Test func jacobiEigenvalues() {
        // Known spectra: diagonal, the 2 × 2 [[2, 1], [1, 2]] (3 and 1), and Q D Qᵀ with Q a
        // product of Householder reflections, D = 1…n.
        var two: [Double] = [2, 1, 1, 2]
        var ev = [Double](repeating: 0, count: 2)
        _ = two.withUnsafeMutableBufferPointer { a in ev.withUnsafeMutableBufferPointer {
            symmetricEigenvaluesJacobi(a.baseAddress!, n: 2, lda: 2, eigenvalues: $0.baseAddress!)
        } }
        #expect(Swift.abs(ev[0] - 3) < 1e-14 && Swift.abs(ev[1] - 1) < 1e-14)
        for n in [1, 3, 7, 17, 33, 129] {
            var g = SplitMix(UInt64(n))
            var q = [Double](repeating: 0, count: n * n)
            for i in 0..<n { q[i * n + i] = 1 }
            for _ in 0..<3 {
                var v = (0..<n).map { _ in Double(g.float()) }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = v.map { $0 / norm }
                // q ← (I − 2vvᵀ) q
                for c in 0..<n {
                    let d = (0..<n).reduce(0.0) { $0 + v[$1] * q[$1 * n + c] }
                    for r in 0..<n { q[r * n + c] -= 2 * v[r] * d }
                }
            }
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    a[i * n + j] = (0..<n).reduce(0.0) { $0 + q[i * n + $1] * Double($1 + 1) * q[j * n + $1] }
                }
            }
            var values = [Double](repeating: 0, count: n)
            _ = a.withUnsafeMutableBufferPointer { ap in values.withUnsafeMutableBufferPointer {
                symmetricEigenvaluesJacobi(ap.baseAddress!, n: n, lda: n, eigenvalues: $0.baseAddress!)
            } }
            for i in 0..<n { #expect(Swift.abs(values[i] - Double(n - i)) < 1e-10 * Double(n), "n=\(n) λ\(i)") }
        }
    }

    @Test func powerIterationMatchesJacobi() {
        for (m, n) in [(1, 1), (3, 7), (17, 5), (10, 128), (33, 33)] {
            var g = SplitMix(UInt64(m * 100 + n))
            let w = g.floats(m * (n + 2))   // row stride n + 2
            let sigma = w.withPtr { largestSingularValue($0, rows: m, cols: n, ldw: n + 2) }
            var wtw = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    wtw[i * n + j] = (0..<m).reduce(0.0) { $0 + Double(w[$1 * (n + 2) + i]) * Double(w[$1 * (n + 2) + j]) }
                }
            }
            var ev = [Double](repeating: 0, count: n)
            _ = wtw.withUnsafeMutableBufferPointer { a in ev.withUnsafeMutableBufferPointer {
                symmetricEigenvaluesJacobi(a.baseAddress!, n: n, lda: n, eigenvalues: $0.baseAddress!)
            } }
            #expect(Swift.abs(sigma - ev[0].squareRoot()) <= 1e-6 * ev[0].squareRoot(), "\(m)x\(n): \(sigma) vs \(ev[0].squareRoot())")
        }
        let zero = [Float](repeating: 0, count: 12)
        #expect(zero.withPtr { largestSingularValue($0, rows: 3, cols: 4, ldw: 4) } == 0)
    }
}
