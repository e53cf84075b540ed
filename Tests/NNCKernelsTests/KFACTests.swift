import Testing
@testable import NNCKernels

/// K-FAC's kernels against plain Double loops: the factors' moving averages (dense, and a
/// convolution's patches with padding and stride, summed over positions), the damped inverse,
/// and the preconditioned gradient G⁻¹·[∇W ∇b]·A⁻¹.
@Suite struct KFACTests {
    static let factorTolerance = 1e-4

    /// Every entry within rel·max(|a|, |b|, 1): the factors are sums of O(1) terms.
    func expectNear(_ actual: [Float], _ expected: [Double], _ rel: Double, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) / max(abs($1), 1) }.max() ?? 0
        #expect(worst <= rel, "\(what): worst relative error \(worst)", sourceLocation: sourceLocation)
    }

    /// keep·old + add·fresh, fresh from `entry(i, j)`.
    func blend(_ old: [Float], n: Int, keep: Double, add: Double, _ entry: (Int, Int) -> Double) -> [Double] {
        (0..<(n * n)).map { k in keep * Double(old[k]) + add * entry(k / n, k % n) }
    }

    @Test func denseInputFactor() {
        for (batch, features) in [(1, 1), (7, 5), (33, 17)] {
            var g = SplitMix(UInt64(batch * 100 + features))
            let x = g.floats(batch * features)
            for bias in [false, true] {
                let n = features + (bias ? 1 : 0)
                func xe(_ b: Int, _ j: Int) -> Double { j == features ? 1 : Double(x[b * features + j]) }
                let fresh = { (i: Int, j: Int) in (0..<batch).reduce(0.0) { $0 + xe($1, i) * xe($1, j) } / Double(batch) }
                // The first formation must not read the NaNs a new factor may hold.
                var a = [Float](repeating: .nan, count: n * n)
                x.withPtr { xp in a.withMutPtr { kfacDenseInputFactor(x: xp, batch: batch, features: features, bias: bias,
                                                                     a: $0, keep: 0, add: 1, threads: 1, workspace: nil) } }
                expectNear(a, blend([Float](repeating: 0, count: n * n), n: n, keep: 0, add: 1, fresh), Self.factorTolerance,
                           "fresh A, batch \(batch), bias \(bias)")
                let old = symmetricFromLower(g.floats(n * n), n: n)
                a = old
                x.withPtr { xp in a.withMutPtr { kfacDenseInputFactor(x: xp, batch: batch, features: features, bias: bias,
                                                                     a: $0, keep: 0.9, add: 0.1, threads: 2, workspace: nil) } }
                expectNear(a, blend(old, n: n, keep: 0.9, add: 0.1, fresh), Self.factorTolerance, "averaged A, batch \(batch)")
            }
        }
    }

    /// KFC: Σ over output positions of patch·patchᵀ (zeros in the padding, 1 for the bias), mean over samples.
    @Test func convInputFactorSumsPatchesOverPositions() {
        let shapes = [Conv2dShape(batch: 3, inChannels: 2, height: 5, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
                                  padH: 1, padW: 1),
                      Conv2dShape(batch: 2, inChannels: 3, height: 7, width: 6, outChannels: 4, kernelH: 3, kernelW: 2,
                                  strideH: 2, strideW: 2),
                      Conv2dShape(batch: 40, inChannels: 1, height: 4, width: 4, outChannels: 2, kernelH: 2, kernelW: 2),
                      // by displacement: 17 channels (tiles partly filled), a 3 × 2 kernel
                      Conv2dShape(batch: 3, inChannels: 17, height: 6, width: 5, outChannels: 2, kernelH: 3, kernelW: 2,
                                  padH: 1, padW: 1),
                      // by displacement, padded past the kernel's half: offsets whose window misses the image
                      Conv2dShape(batch: 2, inChannels: 16, height: 4, width: 5, outChannels: 2, kernelH: 5, kernelW: 5,
                                  padH: 4, padW: 2)]
        #expect(shapes.map(kfacInputFactorByDisplacement) == [false, false, false, true, true])
        for s in shapes {
            var g = SplitMix(UInt64(s.patchSize * 31 + s.batch))
            let x = g.floats(s.batch * s.inChannels * s.height * s.width)
            func patch(_ b: Int, _ oi: Int, _ oj: Int, _ unit: Int) -> Double {
                if unit == s.patchSize { return 1 }
                let c = unit / (s.kernelH * s.kernelW), ki = unit / s.kernelW % s.kernelH, kj = unit % s.kernelW
                let ih = oi * s.strideH - s.padH + ki, iw = oj * s.strideW - s.padW + kj
                guard ih >= 0, ih < s.height, iw >= 0, iw < s.width else { return 0 }
                return Double(x[((b * s.inChannels + c) * s.height + ih) * s.width + iw])
            }
            for bias in [false, true] {
                let n = s.patchSize + (bias ? 1 : 0)
                let fresh = { (i: Int, j: Int) -> Double in
                    var t = 0.0
                    for b in 0..<s.batch {
                        for oi in 0..<s.outHeight { for oj in 0..<s.outWidth { t += patch(b, oi, oj, i) * patch(b, oi, oj, j) } }
                    }
                    return t / Double(s.batch)
                }
                let old = symmetricFromLower(g.floats(n * n), n: n)
                var a = old
                var columns = [Float](repeating: .nan, count: kfacColumnCount(s))
                x.withPtr { xp in a.withMutPtr { ap in columns.withMutPtr {
                    kfacConvInputFactor(x: xp, shape: s, bias: bias, a: ap, keep: 0.75, add: 0.25, columns: $0,
                                        threads: 2, workspace: nil)
                } } }
                expectNear(a, blend(old, n: n, keep: 0.75, add: 0.25, fresh), Self.factorTolerance,
                           "conv A \(s.inChannels)×\(s.height)×\(s.width) k\(s.kernelH)×\(s.kernelW), bias \(bias)")
            }
        }
    }

    /// G = (B/P)·Σ_{b,t} r rᵀ: per-sample gradients B·r, KFC's 1/P over positions.
    @Test func outputFactor() {
        for (batch, units, positions) in [(4, 3, 1), (6, 5, 9), (2, 1, 1)] {
            var g = SplitMix(UInt64(batch * 7 + units * 3 + positions))
            let r = g.floats(batch * units * positions)
            let fresh = { (i: Int, j: Int) -> Double in
                var t = 0.0
                for b in 0..<batch {
                    for p in 0..<positions {
                        t += Double(r[(b * units + i) * positions + p]) * Double(r[(b * units + j) * positions + p])
                    }
                }
                return t * Double(batch) / Double(positions)
            }
            let old = symmetricFromLower(g.floats(units * units), n: units)
            var out = old
            r.withPtr { rp in out.withMutPtr { kfacOutputFactor(r: rp, batch: batch, units: units, positions: positions,
                                                                g: $0, keep: 0.5, add: 0.5, threads: 1, workspace: nil) } }
            expectNear(out, blend(old, n: units, keep: 0.5, add: 0.5, fresh), Self.factorTolerance,
                       "G, batch \(batch), positions \(positions)")
        }
    }

    /// (F + δI)·inverse = I by either form, for an SPD F and for an indefinite one that δ makes
    /// definite; false for a NaN entry, and for F + δI not positive definite (Cholesky) or a zero
    /// eigenvalue left without damping (eigen, which reads negative eigenvalues as round-off).
    @Test(arguments: [false, true])
    func dampedInverse(eigen: Bool) {
        func invert(_ f: UnsafePointer<Float>, _ n: Int, _ delta: Double, _ work: UnsafeMutablePointer<Double>,
                    _ inverse: UnsafeMutablePointer<Float>) -> Bool {
            eigen ? NNCKernels.dampedInverseEigen(f, n: n, damping: delta, work: work, inverse: inverse)
                : NNCKernels.dampedInverse(f, n: n, damping: delta, work: work, inverse: inverse)
        }
        for n in [1, 4, 19, 70, 203] {
            var g = SplitMix(UInt64(n))
            let samples = n + 5
            let x = (0..<(n * samples)).map { _ in Double(g.float()) }
            var f = [Float](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n {
                f[i * n + j] = Float((0..<samples).reduce(0.0) { $0 + x[i * samples + $1] * x[j * samples + $1] } / Double(samples))
            } }
            for delta in [1e-3, 0.5] {
                var inverse = [Float](repeating: .nan, count: n * n)
                var work = [Double](repeating: .nan, count: 2 * n * n)
                let ok = f.withPtr { fp in inverse.withMutPtr { ip in work.withUnsafeMutableBufferPointer {
                    invert(fp, n, delta, $0.baseAddress!, ip)
                } } }
                #expect(ok)
                var worst = 0.0
                for i in 0..<n { for j in 0..<n {
                    var t = 0.0
                    for k in 0..<n { t += (Double(f[i * n + k]) + (i == k ? delta : 0)) * Double(inverse[k * n + j]) }
                    worst = max(worst, abs(t - (i == j ? 1 : 0)))
                } }
                // Float rounding of an inverse with condition number up to ~1/δ.
                #expect(worst < 2e-6 / delta, "n \(n), δ \(delta): worst |(F + δI)·F⁻¹ − I| \(worst)")
                #expect(inverse == (0..<(n * n)).map { inverse[$0 % n * n + $0 / n] }, "symmetric")
                if !eigen {
                    // The columns split over threads: the same bits.
                    var split = [Float](repeating: .nan, count: n * n)
                    _ = f.withPtr { fp in split.withMutPtr { ip in work.withUnsafeMutableBufferPointer {
                        NNCKernels.dampedInverse(fp, n: n, damping: delta, work: $0.baseAddress!, inverse: ip, threads: 2)
                    } } }
                    #expect(bitIdentical(split, inverse), "n \(n): 2 threads differ")
                }
            }
        }
        var work = [Double](repeating: 0, count: 8)
        var inverse: [Float] = [7, 7, 7, 7]
        let refused: [([Float], Double)] = eigen ? [([1, 0, 0, .nan], 1.0), ([0, 0, 0, 1], 0)]
                                                 : [([1, 0, 0, .nan], 1.0), ([-2, 0, 0, 1], 1.0)]
        for (f, delta) in refused {
            let ok = f.withPtr { fp in inverse.withMutPtr { ip in work.withUnsafeMutableBufferPointer {
                invert(fp, 2, delta, $0.baseAddress!, ip)
            } } }
            #expect(!ok, "\(f), δ \(delta)")
            #expect(inverse == [7, 7, 7, 7], "left untouched")
        }
        // A semidefinite factor that Float rounding left indefinite (eigenvalues 2 + ε and −ε):
        // Cholesky with a tiny δ fails, the eigen form clamps −ε to 0 and inverts, by hand
        // ½[[a + b, a − b], [a − b, a + b]] with a = 1/(λ₁ + δ), b = 1/δ.
        let e = Float(1 + 1e-6), delta = 1e-9
        let ok = [1, e, e, 1].withPtr { fp in inverse.withMutPtr { ip in work.withUnsafeMutableBufferPointer {
            invert(fp, 2, delta, $0.baseAddress!, ip)
        } } }
        #expect(ok == eigen)
        if eigen {
            let a = 1 / (1 + Double(e) + delta), b = 1 / delta
            let want = [a + b, a - b, a - b, a + b].map { $0 / 2 }
            for (got, w) in zip(inverse, want) { #expect(abs(Double(got) - w) <= 1e-3 * abs(w), "\(got) vs \(w)") }
        }
    }

    @Test func preconditionedGradient() {
        for (m, f, bias) in [(3, 4, true), (5, 2, false), (1, 1, true), (17, 9, true)] {
            let n = f + (bias ? 1 : 0)
            var g = SplitMix(UInt64(m * 10 + f))
            let w = g.floats(m * f), b = g.floats(m), ai = g.floats(n * n), gi = g.floats(m * m)
            func grad(_ i: Int, _ j: Int) -> Double { j == f ? Double(b[i]) : Double(w[i * f + j]) }
            var expected = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
            for i in 0..<m { for j in 0..<n {
                var t = 0.0
                for k in 0..<m { for l in 0..<n { t += Double(gi[i * m + k]) * grad(k, l) * Double(ai[l * n + j]) } }
                expected[i][j] = t
            } }
            var dot = 0.0
            for i in 0..<m { for j in 0..<n { dot += expected[i][j] * grad(i, j) } }
            var wg = w, bg = b, work = [Float](repeating: .nan, count: 2 * m * n)
            let result = ai.withPtr { ap in gi.withPtr { gp in wg.withMutPtr { wp in bg.withMutPtr { bp in work.withMutPtr {
                kfacPrecondition(weightGrad: wp, biasGrad: bias ? bp : nil, rows: m, inputs: f, aInverse: ap, gInverse: gp,
                                 work: $0, threads: 1, workspace: nil)
            } } } } }
            expectNear(wg, (0..<(m * f)).map { expected[$0 / f][$0 % f] }, 1e-4, "V of ∇W, \(m)×\(f)")
            if bias { expectNear(bg, (0..<m).map { expected[$0][f] }, 1e-4, "V of ∇b") } else { #expect(bg == b) }
            #expect(abs((result ?? .nan) - dot) <= 1e-4 * max(abs(dot), 1), "⟨V, ∇⟩")
        }
        // A NaN anywhere in V: nil, and the gradient as it was.
        var wg: [Float] = [1, 2], work = [Float](repeating: 0, count: 8)
        let ai: [Float] = [1, 0, 0, .nan], gi: [Float] = [1]
        let result = ai.withPtr { ap in gi.withPtr { gp in wg.withMutPtr { wp in work.withMutPtr {
            kfacPrecondition(weightGrad: wp, biasGrad: nil, rows: 1, inputs: 2, aInverse: ap, gInverse: gp, work: $0,
                             threads: 1, workspace: nil)
        } } } }
        #expect(result == nil)
        #expect(wg == [1, 2])
    }

    /// A norm's diagonal block against Double loops: per-channel (batch norm) and per-sample
    /// (layer norm) statistics, either parameter alone, the first formation ignoring NaNs in F.
    @Test func diagonalFactor() {
        let (b, c, positions) = (3, 4, 5)
        var g = SplitMix(77)
        let dy = g.floats(b * c * positions), x = g.floats(b * c * positions)
        for perChannel in [true, false] {
            let statistics = perChannel ? c : b
            let mean = g.floats(statistics), invStd = g.floats(statistics).map { 1 + abs($0) }
            var scaleF = [Double](repeating: 0, count: c), shiftF = [Double](repeating: 0, count: c)
            for i in 0..<b { for ch in 0..<c {
                let k = perChannel ? ch : i
                var gs = 0.0, gb = 0.0
                for s in 0..<positions {
                    let e = (i * c + ch) * positions + s
                    gs += Double(dy[e]) * (Double(x[e]) - Double(mean[k])) * Double(invStd[k])
                    gb += Double(dy[e])
                }
                scaleF[ch] += Double(b) * gs * gs
                shiftF[ch] += Double(b) * gb * gb
            } }
            for (scale, shift) in [(true, true), (true, false), (false, true)] {
                let fresh = (scale ? scaleF : []) + (shift ? shiftF : [])
                var fisher = [Float](repeating: .nan, count: fresh.count)
                func form(keep: Double) {
                    dy.withPtr { dp in x.withPtr { xp in mean.withPtr { mp in invStd.withPtr { ip in fisher.withMutPtr {
                        kfacDiagonalFactor(dy: dp, x: xp, mean: mp, invStd: ip, batch: b, channels: c, positions: positions,
                                           perChannel: perChannel, scale: scale, shift: shift, fisher: $0, keep: keep)
                    } } } } }
                }
                form(keep: 0)
                expectNear(fisher, fresh, 1e-6, "fresh F, per channel \(perChannel), scale \(scale), shift \(shift)")
                let old = fisher
                form(keep: 0.75)
                expectNear(fisher, zip(old, fresh).map { 0.75 * Double($0) + 0.25 * $1 }, 1e-6, "averaged F")
            }
        }
    }

    /// 1/(F + λ) and the preconditioned gradients with ⟨V, ∇⟩; a non-finite F or V refused with
    /// the inverse or the gradients left as they were.
    @Test func diagonalInverseAndPrecondition() {
        var inverse: [Float] = [9, 9, 9, 9]
        let fisher: [Float] = [0, 1, 3, 0.5]
        #expect(fisher.withPtr { fp in inverse.withMutPtr { kfacDiagonalInverse(fp, count: 4, damping: 1, inverse: $0) } })
        #expect(inverse == [1, 0.5, 0.25, Float(1 / 1.5)])
        var untouched: [Float] = [9, 9]
        #expect(![Float(1), .nan].withPtr { fp in untouched.withMutPtr { kfacDiagonalInverse(fp, count: 2, damping: 1, inverse: $0) } })
        #expect(untouched == [9, 9])
        var scale: [Float] = [2, -4], shift: [Float] = [1, 8]
        let dot = scale.withMutPtr { sp in shift.withMutPtr { hp in inverse.withPtr {
            kfacDiagonalPrecondition(scaleGrad: sp, shiftGrad: hp, channels: 2, inverse: $0)
        } } }
        let expectedShift: [Float] = [0.25, 8 / 1.5]
        #expect(scale == [2, -2] && shift == expectedShift)
        // Σ v·g = 2·2 + (−2)(−4) + 0.25·1 + (8/1.5)·8.
        let expectedDot: Double = 4 + 8 + 0.25 + 64 / 1.5
        #expect(abs((dot ?? .nan) - expectedDot) < 1e-5)
        // The shift alone reads the inverse from its start.
        var alone: [Float] = [3, 3]
        _ = alone.withMutPtr { hp in inverse.withPtr { kfacDiagonalPrecondition(scaleGrad: nil, shiftGrad: hp, channels: 2, inverse: $0) } }
        #expect(alone == [3, 1.5])
        var big: [Float] = [1, .infinity]
        let refused = big.withMutPtr { sp in inverse.withPtr { kfacDiagonalPrecondition(scaleGrad: sp, shiftGrad: nil, channels: 2, inverse: $0) } }
        #expect(refused == nil && big[0] == 1)
    }
}
