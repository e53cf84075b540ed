import Testing
import NNCKernels

/// (N, C, S) shapes: dense (S = 1) with awkward channel counts, and conv-like planes.
let normShapes = [(1, 1, 1), (3, 7, 1), (17, 33, 1), (5, 129, 1), (2, 3, 17), (4, 2, 33), (3, 5, 7)]

@Suite struct BatchNormTests {
    // Per-channel sums of N·S terms in Float against Double: 1e-4 relative on outputs of
    // magnitude ~1 covers (N·S)·u with room; gradients likewise.
    @Test func trainingForwardAndBackwardMatchReference() {
        for (n, c, s) in normShapes where n * s > 1 {
            var g = SplitMix(UInt64(n * 10000 + c * 100 + s))
            let x = g.floats(n * c * s, scale: 3).map { $0 + 2 }
            let dy = g.floats(n * c * s)
            let gamma = g.floats(c), beta = g.floats(c)
            var y = [Float](repeating: 0, count: x.count), yr = y, dx = y, dxr = y
            var rm = [Float](repeating: 0.5, count: c), rv = [Float](repeating: 2, count: c)
            var mean = [Float](repeating: 0, count: c), inv = mean
            var dg = mean, db = mean, dgr = mean, dbr = mean
            x.withPtr { xp in gamma.withPtr { gp in beta.withPtr { bp in dy.withPtr { dp in
                y.withMutPtr { yp in rm.withMutPtr { rmp in rv.withMutPtr { rvp in mean.withMutPtr { mp in inv.withMutPtr { ip in
                    batchNormForwardTraining(x: xp, y: yp, batch: n, channels: c, spatial: s, gamma: gp, beta: bp,
                                             runningMean: rmp, runningVar: rvp, saveMean: mp, saveInvStd: ip)
                } } } } }
                yr.withMutPtr { batchNormForwardTrainingReference(x: xp, y: $0, batch: n, channels: c, spatial: s, gamma: gp, beta: bp) }
                mean.withPtr { mp in inv.withPtr { ip in dx.withMutPtr { dxp in dg.withMutPtr { dgp in db.withMutPtr { dbp in
                    batchNormBackward(x: xp, dy: dp, dx: dxp, batch: n, channels: c, spatial: s, gamma: gp,
                                      saveMean: mp, saveInvStd: ip, dgamma: dgp, dbeta: dbp)
                } } } } }
                dxr.withMutPtr { dxp in dgr.withMutPtr { dgp in dbr.withMutPtr { dbp in
                    batchNormBackwardReference(x: xp, dy: dp, dx: dxp, batch: n, channels: c, spatial: s, gamma: gp,
                                               dgamma: dgp, dbeta: dbp)
                } } }
            } } } }
            #expect(close(y, yr, rtol: 1e-4, atol: 1e-5) == nil, "\(n),\(c),\(s)")
            #expect(close(dx, dxr, rtol: 1e-3, atol: 1e-5) == nil, "\(n),\(c),\(s)")
            #expect(close(dg, dgr, rtol: 1e-4, atol: 1e-4) == nil)
            #expect(close(db, dbr, rtol: 1e-4, atol: 1e-4) == nil)
            // Running statistics, PyTorch's rule with the unbiased variance.
            for ch in 0..<c {
                var vals: [Double] = []
                for i in 0..<n { for p in 0..<s { vals.append(Double(x[(i * c + ch) * s + p])) } }
                let m = vals.reduce(0, +) / Double(vals.count)
                let v = vals.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(vals.count - 1)
                #expect(Swift.abs(Double(rm[ch]) - (0.9 * 0.5 + 0.1 * m)) < 1e-5)
                #expect(Swift.abs(Double(rv[ch]) - (0.9 * 2 + 0.1 * v)) < 1e-4)
            }
        }
    }

    @Test func fusedActivationAndGradientsWithoutDx() {
        var g = SplitMix(21)
        let x = g.floats(6 * 5), dy = g.floats(6 * 5)
        var y = [Float](repeating: 0, count: 30), yt = y
        var rm = [Float](repeating: 0, count: 5), rv = rm, m = rm, v = rm, dg = rm, db = rm, dg2 = rm, db2 = rm
        var dx = y
        x.withPtr { xp in dy.withPtr { dp in
            for (act, out) in [(KernelActivation.none, 0), (.tanh, 1)] {
                var buf = [Float](repeating: 0, count: 30)
                buf.withMutPtr { yp in rm.withMutPtr { a in rv.withMutPtr { b in m.withMutPtr { mp in v.withMutPtr { vp in
                    batchNormForwardTraining(x: xp, y: yp, batch: 6, channels: 5, spatial: 1, gamma: nil, beta: nil,
                                             runningMean: a, runningVar: b, activation: act, saveMean: mp, saveInvStd: vp)
                } } } } }
                if out == 0 { y = buf } else { yt = buf }
            }
            m.withPtr { mp in v.withPtr { vp in
                dx.withMutPtr { dxp in dg.withMutPtr { a in db.withMutPtr { b in
                    batchNormBackward(x: xp, dy: dp, dx: dxp, batch: 6, channels: 5, spatial: 1, gamma: nil,
                                      saveMean: mp, saveInvStd: vp, dgamma: a, dbeta: b)
                } } }
                dg2.withMutPtr { a in db2.withMutPtr { b in
                    batchNormBackward(x: xp, dy: dp, dx: nil, batch: 6, channels: 5, spatial: 1, gamma: nil,
                                      saveMean: mp, saveInvStd: vp, dgamma: a, dbeta: b)
                } }
            } }
        } }
        for i in 0..<30 { #expect(Swift.abs(yt[i] - Float(libmTanh(Double(y[i])))) < 1e-6) }
        #expect(dg == dg2 && db == db2)
    }

    @Test func inferenceUsesRunningStatistics() {
        let x: [Float] = [1, 2, 3, 4, 5, 6]   // (N=3, C=2)
        let rm: [Float] = [1, 2], rv: [Float] = [4, 9]
        var y = [Float](repeating: 0, count: 6)
        x.withPtr { xp in rm.withPtr { mp in rv.withPtr { vp in y.withMutPtr {
            batchNormForwardInference(x: xp, y: $0, batch: 3, channels: 2, spatial: 1, gamma: nil, beta: nil,
                                      runningMean: mp, runningVar: vp, epsilon: 0)
        } } } }
        #expect(y == [0, 0, 1, 2.0 / 3, 2, 4.0 / 3])
    }

    @Test func nanStaysInItsChannel() {
        var x: [Float] = [1, 2, 3, 4, 5, 6]
        x[2] = .nan   // sample 1, channel 0
        var y = [Float](repeating: 0, count: 6)
        var rm: [Float] = [0, 0], rv: [Float] = [1, 1], m: [Float] = [0, 0], v: [Float] = [0, 0]
        x.withPtr { xp in y.withMutPtr { yp in rm.withMutPtr { a in rv.withMutPtr { b in m.withMutPtr { mp in v.withMutPtr { vp in
            batchNormForwardTraining(x: xp, y: yp, batch: 3, channels: 2, spatial: 1, gamma: nil, beta: nil,
                                     runningMean: a, runningVar: b, saveMean: mp, saveInvStd: vp)
        } } } } } }
        #expect(y[0].isNaN && y[2].isNaN && y[4].isNaN)
        #expect(y[1].isFinite && y[3].isFinite && y[5].isFinite)
    }
}

@Suite struct RMSNormTests {
    @Test func forwardMatchesReferenceOverSeveralSteps() {
        for (n, c, s) in normShapes {
            var d = [Float](repeating: 0, count: c), dr = d
            var scale = [Float](repeating: 0, count: c)
            for step in 0..<4 {
                var g = SplitMix(UInt64(step * 7 + c))
                let x = g.floats(n * c * s, scale: 2)
                var y = [Float](repeating: 0, count: x.count), yr = y
                x.withPtr { xp in
                    y.withMutPtr { yp in d.withMutPtr { dp in scale.withMutPtr { sp in
                        rmsNormForward(x: xp, y: yp, batch: n, channels: c, spatial: s, runningD: dp, updates: step,
                                       training: true, scale: sp)
                    } } }
                    yr.withMutPtr { yp in dr.withMutPtr { dp in
                        rmsNormForwardReference(x: xp, y: yp, batch: n, channels: c, spatial: s, runningD: dp,
                                                updates: step, training: true)
                    } }
                }
                #expect(close(d, dr, rtol: 1e-5, atol: 1e-7) == nil)
                #expect(close(y, yr, rtol: 1e-4, atol: 1e-6) == nil, "\(n),\(c),\(s) step \(step)")
            }
            // Evaluation: the running value, not the batch's; backward divides by the same factor.
            var g = SplitMix(99)
            let x = g.floats(n * c * s), dy = g.floats(n * c * s)
            var y = [Float](repeating: 0, count: x.count), yr = y, dx = y
            x.withPtr { xp in
                y.withMutPtr { yp in d.withMutPtr { dp in scale.withMutPtr { sp in
                    rmsNormForward(x: xp, y: yp, batch: n, channels: c, spatial: s, runningD: dp, updates: 4,
                                   training: false, scale: sp)
                } } }
                yr.withMutPtr { yp in dr.withMutPtr { dp in
                    rmsNormForwardReference(x: xp, y: yp, batch: n, channels: c, spatial: s, runningD: dp, updates: 4, training: false)
                } }
            }
            #expect(close(y, yr, rtol: 1e-4, atol: 1e-6) == nil)
            dy.withPtr { dp in scale.withPtr { sp in dx.withMutPtr {
                rmsNormBackward(dy: dp, scale: sp, dx: $0, batch: n, channels: c, spatial: s)
            } } }
            for i in 0..<dx.count { #expect(dx[i] == dy[i] * scale[(i / s) % c]) }
        }
    }

    @Test func firstStepByHand() {
        // One channel, batch x = [1, 3]: mean x² = 5, d = 0.9·5 = 4.5, corrected 4.5/0.9 = 5,
        // ε = 0.05 + 1e-6, y = x/√5.050001.
        let x: [Float] = [1, 3]
        var y: [Float] = [0, 0], d: [Float] = [0], scale: [Float] = [0]
        x.withPtr { xp in y.withMutPtr { yp in d.withMutPtr { dp in scale.withMutPtr {
            rmsNormForward(x: xp, y: yp, batch: 2, channels: 1, spatial: 1, runningD: dp, updates: 0, training: true, scale: $0)
        } } } }
        #expect(Swift.abs(d[0] - 4.5) < 1e-6)
        let f = Float(1 / (5.050001).squareRoot())
        #expect(Swift.abs(scale[0] - f) < 1e-6 && Swift.abs(y[1] - 3 * f) < 1e-6)
        // A model's d starts at 1 (so evaluating it untrained divides by ~1); the first update
        // ignores that value, or the correction would leave d̂ = 5 + 0.1/0.9.
        var d1: [Float] = [1], scale1: [Float] = [0]
        x.withPtr { xp in y.withMutPtr { yp in d1.withMutPtr { dp in scale1.withMutPtr {
            rmsNormForward(x: xp, y: yp, batch: 2, channels: 1, spatial: 1, runningD: dp, updates: 0, training: true, scale: $0)
        } } } }
        #expect(d1 == d && scale1 == scale)
    }

    @Test func lightNetEpsilonByHand() {
        // Two channels, batch x = [[1, 10], [3, 0]]: q = [5, 50], d = 0.9·q = [4.5, 45]. LightNet's
        // ε = 0.01·max(d + 1e-6) = 0.45000001 from the raw d (nnc's: 0.01·50 + 1e-6); then
        // y = x/√(d/0.9 + ε) = x/√(5.45000001), x/√(50.45000001).
        let x: [Float] = [1, 10, 3, 0]
        var y = [Float](repeating: 0, count: 4), d: [Float] = [0, 0], scale: [Float] = [0, 0]
        x.withPtr { xp in y.withMutPtr { yp in d.withMutPtr { dp in scale.withMutPtr {
            rmsNormForward(x: xp, y: yp, batch: 2, channels: 2, spatial: 1, runningD: dp, updates: 0, training: true,
                           epsilonOfRunning: true, scale: $0)
        } } } }
        let want = [1 / (5.45000001).squareRoot(), 1 / (50.45000001).squareRoot()]
        for c in 0..<2 { #expect(Swift.abs(Double(scale[c]) - want[c]) < 1e-6 * want[c]) }
        #expect(Swift.abs(Double(y[2]) - 3 * want[0]) < 1e-6)
        // After a second update the correction is 1 − 0.1² and ε still reads the raw d.
        var factors: [Float] = [0, 0]
        d.withPtr { dp in factors.withMutPtr {
            rmsNormFactors(runningD: dp, channels: 2, updates: 2, epsilonOfRunning: true, scale: $0)
        } }
        let eps = 0.01 * (45 + 1e-6)
        #expect(Swift.abs(Double(factors[1]) - 1 / (45 / 0.99 + eps).squareRoot()) < 1e-7)
    }
}

@Suite struct LayerNormTests {
    @Test func forwardAndBackwardMatchReference() {
        for (b, c, sp) in [(1, 3, 1), (3, 7, 1), (17, 33, 1), (2, 129, 1), (5, 16, 1), (2, 3, 17), (3, 4, 7)] {
            var g = SplitMix(UInt64(b * 1000 + c * 10 + sp))
            let n = b * c * sp
            let x = g.floats(n, scale: 3).map { $0 + 1 }, dy = g.floats(n)
            let gamma = g.floats(c), beta = g.floats(c)
            var y = [Float](repeating: 0, count: n), yr = y, yrelu = y, dx = y, dxr = y
            var mean = [Float](repeating: 0, count: b), inv = mean
            var dg = [Float](repeating: 0, count: c), db = dg, dgr = dg, dbr = dg
            x.withPtr { xp in gamma.withPtr { gp in beta.withPtr { bp in dy.withPtr { dp in
                y.withMutPtr { yp in mean.withMutPtr { mp in inv.withMutPtr { ip in
                    layerNormForward(x: xp, y: yp, batch: b, channels: c, spatial: sp, gamma: gp, beta: bp,
                                     saveMean: mp, saveInvStd: ip)
                } } }
                yrelu.withMutPtr {
                    layerNormForward(x: xp, y: $0, batch: b, channels: c, spatial: sp, gamma: gp, beta: bp,
                                     activation: .relu, saveMean: nil, saveInvStd: nil)
                }
                yr.withMutPtr { layerNormForwardReference(x: xp, y: $0, batch: b, channels: c, spatial: sp, gamma: gp, beta: bp) }
                mean.withPtr { mp in inv.withPtr { ip in dx.withMutPtr { dxp in dg.withMutPtr { dgp in db.withMutPtr { dbp in
                    layerNormBackward(x: xp, dy: dp, dx: dxp, batch: b, channels: c, spatial: sp, gamma: gp, saveMean: mp,
                                      saveInvStd: ip, dgamma: dgp, dbeta: dbp)
                } } } } }
                dxr.withMutPtr { dxp in dgr.withMutPtr { dgp in dbr.withMutPtr { dbp in
                    layerNormBackwardReference(x: xp, dy: dp, dx: dxp, batch: b, channels: c, spatial: sp, gamma: gp,
                                               dgamma: dgp, dbeta: dbp)
                } } }
            } } } }
            // Sums of C·S terms in Float against Double: 1e-4 relative plus 1e-5 absolute.
            #expect(close(y, yr, rtol: 1e-4, atol: 1e-5) == nil, "\(b)x\(c)x\(sp)")
            #expect(yrelu == y.map { $0 < 0 ? 0 : $0 })
            #expect(close(dx, dxr, rtol: 1e-3, atol: 1e-5) == nil, "\(b)x\(c)x\(sp)")
            #expect(close(dg, dgr, rtol: 1e-4, atol: 1e-5) == nil)
            #expect(close(db, dbr, rtol: 1e-5, atol: 1e-6) == nil)
        }
    }
}
