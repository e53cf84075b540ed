import Testing
import NNCKernels

@Suite struct ElementwiseTests {
    static let sizes = [0, 1, 3, 7, 17, 33, 129]
    static let activations: [KernelActivation] = [.none, .relu, .leakyRelu(slope: 0.01), .tanh, .sigmoid, .abs]

    /// Inputs in [-4, 4) with the special values mixed in at the front.
    func inputs(_ n: Int, seed: UInt64) -> [Float] {
        var g = SplitMix(seed)
        var x = g.floats(n, scale: 4)
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-30]
        for i in 0..<min(n, specials.count) { x[i] = specials[i] }
        return x
    }

    // tanh and sigmoid: within 4 ulp of libm plus 1e-7 absolute (VectorMathTests); the others exact.
    @Test(arguments: activations)
    func forwardMatchesReference(_ act: KernelActivation) {
        for n in Self.sizes {
            let x = inputs(n, seed: 1)
            var y = [Float](repeating: 0, count: n), r = y
            x.withPtr { xp in
                y.withMutPtr { activationForward(act, x: xp, y: $0, count: n) }
                r.withMutPtr { activationForwardReference(act, x: xp, y: $0, count: n) }
            }
            #expect(firstMismatch(y, r) { 4 * r[$0].ulp + 1e-7 } == nil, "\(act) n=\(n)")
        }
    }

    @Test(arguments: activations)
    func backwardMatchesReference(_ act: KernelActivation) {
        for n in Self.sizes {
            let x = inputs(n, seed: 2)
            var y = [Float](repeating: 0, count: n)
            x.withPtr { xp in y.withMutPtr { activationForward(act, x: xp, y: $0, count: n) } }
            var g = SplitMix(3)
            let dy = g.floats(n)
            for accumulate in [false, true] {
                let start = g.floats(n)
                var r = start
                x.withPtr { xp in dy.withPtr { dp in
                    r.withMutPtr { activationBackwardReference(act, dy: dp, x: xp, dx: $0, count: n, accumulate: accumulate) }
                } }
                // From the saved input always; from the saved output where f' can be read off it.
                // tanh/sigmoid recompute f (within 4 ulp) or read y: 1e-6 absolute on |dy| ≤ 1.
                let fromOutput = act != .abs && act != .none
                for (saved, isOutput) in fromOutput ? [(x, false), (y, true)] : [(x, false)] {
                    var dx = start
                    saved.withPtr { sp in dy.withPtr { dp in dx.withMutPtr {
                        activationBackward(act, dy: dp, saved: sp, savedIsOutput: isOutput, dx: $0, count: n, accumulate: accumulate)
                    } } }
                    #expect(firstMismatch(dx, r) { _ in 1e-6 } == nil, "\(act) n=\(n) fromOutput \(isOutput)")
                }
            }
        }
    }

    @Test func nanPropagatesThroughActivations() {
        let x: [Float] = [.nan]
        for act in Self.activations {
            var y: [Float] = [0]
            x.withPtr { xp in y.withMutPtr { activationForward(act, x: xp, y: $0, count: 1) } }
            #expect(y[0].isNaN, "\(act)")
        }
        // modulus' derivative: sign(x), 0 at 0, NaN at NaN.
        let xs: [Float] = [-2, 0, 3, .nan], dy: [Float] = [1, 1, 1, 1]
        var dx = [Float](repeating: 7, count: 4)
        xs.withPtr { xp in dy.withPtr { dp in dx.withMutPtr {
            activationBackward(.abs, dy: dp, saved: xp, savedIsOutput: false, dx: $0, count: 4)
        } } }
        // relu's mask selects: an Inf gradient does not leak into an inactive unit.
        let inf: [Float] = [.infinity, .infinity], pre: [Float] = [-1, 1]
        var out: [Float] = [7, 7]
        pre.withPtr { xp in inf.withPtr { dp in out.withMutPtr {
            activationBackward(.relu, dy: dp, saved: xp, savedIsOutput: false, dx: $0, count: 2)
        } } }
        #expect(out == [0, .infinity])
        #expect(dx[0] == -1 && dx[1] == 0 && dx[2] == 1 && dx[3].isNaN)
    }

    @Test func preluForwardBackward() {
        for (b, c, s) in [(1, 1, 1), (3, 7, 1), (2, 3, 17), (5, 2, 33), (0, 3, 4)] {
            var g = SplitMix(5)
            let x = g.floats(b * c * s, scale: 2), dy = g.floats(b * c * s), slope = g.floats(c)
            var y = [Float](repeating: 0, count: x.count), dx = y, ds = [Float](repeating: 0, count: c)
            var rdx = y, rds = ds
            x.withPtr { xp in slope.withPtr { sp in dy.withPtr { dp in
                y.withMutPtr { preluForward(x: xp, slope: sp, y: $0, batch: b, channels: c, spatial: s) }
                dx.withMutPtr { dxp in ds.withMutPtr {
                    preluBackward(x: xp, slope: sp, dy: dp, dx: dxp, dslope: $0, batch: b, channels: c, spatial: s)
                } }
                rdx.withMutPtr { dxp in rds.withMutPtr {
                    preluBackwardReference(x: xp, slope: sp, dy: dp, dx: dxp, dslope: $0, batch: b, channels: c, spatial: s)
                } }
            } } }
            for i in x.indices {
                let cc = (i / s) % c
                #expect(y[i] == (x[i] < 0 ? slope[cc] * x[i] : x[i]))
            }
            #expect(dx == rdx)
            // dslope is a reordered sum of b·s products of magnitude ≤ 2: (b·s)·u·Σ|x·dy| bound.
            #expect(close(ds, rds, rtol: 1e-5, atol: Float(b * s) * 2 * unitRoundoff * 4) == nil)
        }
    }

    @Test func maxoutForwardBackward() {
        for (b, c, k, s) in [(1, 1, 1, 1), (3, 7, 2, 1), (2, 3, 4, 17), (4, 5, 3, 1), (0, 2, 2, 1)] {
            var g = SplitMix(9)
            var x = g.floats(b * c * k * s)
            if !x.isEmpty { x[x.count / 2] = .nan }
            let dy = g.floats(b * c * s)
            var y = [Float](repeating: 0, count: b * c * s), yi = y, r = y
            var idx = [Int32](repeating: -1, count: b * c * s)
            var dx = [Float](repeating: 9, count: x.count)
            x.withPtr { xp in
                y.withMutPtr { maxoutForward(x: xp, y: $0, indices: nil, batch: b, groups: c, k: k, spatial: s) }
                yi.withMutPtr { yp in idx.withMutPtr { maxoutForward(x: xp, y: yp, indices: $0, batch: b, groups: c, k: k, spatial: s) } }
                r.withMutPtr { maxoutForwardReference(x: xp, y: $0, batch: b, groups: c, k: k, spatial: s) }
            }
            dy.withPtr { dp in idx.withPtr { ip in dx.withMutPtr {
                maxoutBackward(dy: dp, indices: ip, dx: $0, batch: b, groups: c, k: k, spatial: s)
            } } }
            #expect(firstMismatch(y, r) { _ in 0 } == nil)
            #expect(firstMismatch(yi, r) { _ in 0 } == nil)
            // The index names a member equal to the output, and only it receives the gradient.
            for n in 0..<b {
                for ch in 0..<c {
                    for p in 0..<s {
                        let o = (n * c + ch) * s + p
                        let j = Int(idx[o])
                        #expect(j >= 0 && j < k)
                        #expect(sameValue(x[((n * c + ch) * k + j) * s + p], y[o]))
                        for m in 0..<k {
                            #expect(dx[((n * c + ch) * k + m) * s + p] == (m == j ? dy[o] : 0))
                        }
                    }
                }
            }
        }
    }

    @Test func dropout() {
        for n in Self.sizes {
            var g = SplitMix(11)
            let u = (0..<n).map { _ in Float(g.next() >> 40) / Float(1 << 24) }
            let x = g.floats(n)
            var mask = [Float](repeating: 0, count: n), y = mask
            u.withPtr { up in mask.withMutPtr { dropoutMask(uniform: up, p: 0.25, mask: $0, count: n) } }
            x.withPtr { xp in mask.withPtr { mp in y.withMutPtr { dropoutApply(x: xp, mask: mp, y: $0, count: n) } } }
            for i in 0..<n {
                #expect(mask[i] == (u[i] < 0.25 ? 0 : 1 / 0.75))
                #expect(y[i] == x[i] * mask[i])
            }
        }
    }
}
