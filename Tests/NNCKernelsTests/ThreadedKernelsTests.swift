import Testing
import NNCKernels

/// The element-wise, loss, reduction, normalisation and optimizer kernels split their work
/// over threads when it is large enough: on sizes past the split threshold (and awkward ones),
/// 2 and 3 threads must give the 1-thread bits, NaN included.
@Suite struct ThreadedKernelsTests {
    static let counts = [(1 << 16) + 13, 100_003, 17]

    /// Runs `body(threads)` for 1, 2 and 3 threads and checks all outputs match bit for bit.
    func sameBits(_ label: String, _ body: (Int) -> [Float]) {
        let one = body(1)
        for t in [2, 3] { #expect(bitIdentical(one, body(t)), "\(label), \(t) threads") }
    }

    @Test(arguments: counts)
    func activationsAndAdd(_ n: Int) {
        var g = SplitMix(UInt64(n))
        var x = g.floats(n, scale: 4), dy = g.floats(n)
        let dx0 = g.floats(n)
        x[n / 2] = .nan
        dy[n - 1] = .infinity
        for act in [KernelActivation.relu, .tanh, .sigmoid] {
            sameBits("forward \(act) \(n)") { t in
                var y = [Float](repeating: 0, count: n)
                x.withPtr { xp in y.withMutPtr { activationForward(act, x: xp, y: $0, count: n, threads: t) } }
                return y
            }
            sameBits("backward \(act) \(n)") { t in
                var dx = dx0
                x.withPtr { xp in dy.withPtr { dp in dx.withMutPtr {
                    activationBackward(act, dy: dp, saved: xp, savedIsOutput: false, dx: $0, count: n, accumulate: true, threads: t)
                } } }
                return dx
            }
        }
        sameBits("add \(n)") { t in
            var out = [Float](repeating: 0, count: n)
            x.withPtr { xp in dy.withPtr { dp in out.withMutPtr { add(xp, dp, out: $0, count: n, threads: t) } } }
            return out
        }
    }

    @Test(arguments: counts)
    func optimizers(_ n: Int) {
        var g = SplitMix(UInt64(n) + 5)
        let w0 = g.floats(n), grad = g.floats(n), s0 = g.floats(n), s1 = g.floats(n).map { $0 * $0 }
        sameBits("momentum \(n)") { t in
            var w = w0, v = s0
            grad.withPtr { gp in w.withMutPtr { wp in v.withMutPtr { vp in
                momentumUpdate(weights: wp, gradients: gp, velocity: vp, count: n, learningRate: 0.1, weightDecay: 1e-3, threads: t)
            } } }
            return w + v
        }
        sameBits("adam \(n)") { t in
            var w = w0, m = s0, v = s1
            grad.withPtr { gp in w.withMutPtr { wp in m.withMutPtr { mp in v.withMutPtr { vp in
                adamUpdate(weights: wp, gradients: gp, firstMoment: mp, secondMoment: vp, count: n, learningRate: 1e-3,
                           step: 3, threads: t)
            } } } }
            return w + m + v
        }
        sameBits("sgd \(n)") { t in
            var w = w0
            grad.withPtr { gp in w.withMutPtr { sgdUpdate(weights: $0, gradients: gp, count: n, learningRate: 0.1, threads: t) } }
            return w
        }
    }

    @Test(arguments: [(500, 130), (3000, 17), (64, 2048), (1, 1)])
    func columnSumsAndDenseBiasGradient(_ rows: Int, _ cols: Int) {
        var g = SplitMix(UInt64(rows * cols))
        var x = g.floats(rows * cols)
        let out0 = g.floats(cols)
        x[cols / 2] = .nan
        sameBits("column sums \(rows)×\(cols)") { t in
            var out = out0
            x.withPtr { xp in out.withMutPtr { columnSums(xp, rows: rows, cols: cols, ldx: cols, out: $0, accumulate: true, threads: t) } }
            return out
        }
        sameBits("bias gradient \(rows)×\(cols)") { t in
            var out = [Float](repeating: 0, count: cols)
            x.withPtr { xp in out.withMutPtr { biasGradient(dy: xp, biasGrad: $0, batch: rows, channels: cols, spatial: 1, threads: t) } }
            return out
        }
    }

    @Test(arguments: [(16, 37, 1024), (200, 1000, 1), (3, 5, 7)])
    func batchNormAndSpatialBiasGradient(_ n: Int, _ c: Int, _ s: Int) {
        var g = SplitMix(UInt64(n * c * s))
        let x = g.floats(n * c * s, scale: 3), dy = g.floats(n * c * s)
        let gamma = g.floats(c), beta = g.floats(c)
        sameBits("batch norm \(n)×\(c)×\(s)") { t in
            var y = [Float](repeating: 0, count: x.count), dx = y
            var rm = [Float](repeating: 0, count: c), rv = [Float](repeating: 1, count: c)
            var mean = rm, inv = rm, dgamma = rm, dbeta = rm, yi = y
            x.withPtr { xp in dy.withPtr { dp in gamma.withPtr { gp in beta.withPtr { bp in
                y.withMutPtr { yp in rm.withMutPtr { rmp in rv.withMutPtr { rvp in mean.withMutPtr { mp in inv.withMutPtr { ip in
                    batchNormForwardTraining(x: xp, y: yp, batch: n, channels: c, spatial: s, gamma: gp, beta: bp,
                                             runningMean: rmp, runningVar: rvp, activation: .relu, saveMean: mp, saveInvStd: ip,
                                             threads: t)
                    yi.withMutPtr {
                        batchNormForwardInference(x: xp, y: $0, batch: n, channels: c, spatial: s, gamma: gp, beta: bp,
                                                  runningMean: rmp, runningVar: rvp, threads: t)
                    }
                    dx.withMutPtr { dxp in dgamma.withMutPtr { dgp in dbeta.withMutPtr { dbp in
                        batchNormBackward(x: xp, dy: dp, dx: dxp, batch: n, channels: c, spatial: s, gamma: gp,
                                          saveMean: mp, saveInvStd: ip, dgamma: dgp, dbeta: dbp, threads: t)
                    } } }
                } } } } }
            } } } }
            return y + yi + dx + rm + rv + mean + inv + dgamma + dbeta
        }
        sameBits("bias gradient \(n)×\(c)×\(s)") { t in
            var out = [Float](repeating: 0, count: c)
            dy.withPtr { dp in out.withMutPtr { biasGradient(dy: dp, biasGrad: $0, batch: n, channels: c, spatial: s, threads: t) } }
            return out
        }
    }

    @Test(arguments: [(3000, 10), (500, 10), (257, 1000), (1, 3)])
    func softmaxCrossEntropyRows(_ batch: Int, _ classes: Int) {
        var g = SplitMix(UInt64(batch + classes))
        // Finite logits: the loss is the row terms' sum, whose order the threads must keep.
        let logits = g.floats(batch * classes, scale: 5)
        let labels = (0..<batch).map { _ in Int32(g.int(classes)) }
        sameBits("softmax cross-entropy \(batch)×\(classes)") { t in
            var d = [Float](repeating: 0, count: logits.count), p = d
            let loss = logits.withPtr { lp in labels.withUnsafeBufferPointer { lb in d.withMutPtr { dp in p.withMutPtr { pp in
                softmaxCrossEntropy(logits: lp, labels: lb.baseAddress!, batch: batch, classes: classes, dlogits: dp,
                                    probabilities: pp, threads: t)
            } } } }
            return [loss] + d + p
        }
    }
}
