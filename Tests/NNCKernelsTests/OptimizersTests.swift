import Testing
import NNCKernels

@Suite struct OptimizersTests {
    /// One fused update: (weights, gradients, state1, state2, count, step).
    typealias Step = (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                      UnsafeMutablePointer<Float>, Int, Int) -> Void

    /// Runs three steps of `fast` and of the Double reference from the same start and compares
    /// weights and state: each step is a handful of roundings per element (≤ 1e-6 relative).
    func compare(_ rule: OptimizerRule, lr: Float, wd: Float, _ fast: Step,
                 sourceLocation: SourceLocation = #_sourceLocation) {
        for n in [0, 1, 3, 7, 17, 33, 129] {
            var g = SplitMix(UInt64(n + 1))
            var w = g.floats(n), s1 = [Float](repeating: 0, count: n), s2 = s1
            var rw = w, r1 = s1, r2 = s2
            for step in 1...3 {
                let grad = g.floats(n)
                var rule = rule
                if case .adam(let b1, let b2, let e, _) = rule { rule = .adam(beta1: b1, beta2: b2, epsilon: e, step: step) }
                if case .averaged(let rho, _) = rule { rule = .averaged(rho: rho, step: step) }
                grad.withPtr { gp in
                    w.withMutPtr { wp in s1.withMutPtr { a in s2.withMutPtr { b in fast(wp, gp, a, b, n, step) } } }
                    rw.withMutPtr { wp in r1.withMutPtr { a in r2.withMutPtr { b in
                        optimizerUpdateReference(rule, weights: wp, gradients: gp, state1: a, state2: b, count: n,
                                                 learningRate: Double(lr), weightDecay: Double(wd))
                    } } }
                }
            }
            #expect(close(w, rw, rtol: 1e-6, atol: 1e-7) == nil, "\(rule) n=\(n) weights", sourceLocation: sourceLocation)
            #expect(close(s1, r1, rtol: 1e-6, atol: 1e-7) == nil, "\(rule) n=\(n) state", sourceLocation: sourceLocation)
            #expect(close(s2, r2, rtol: 1e-6, atol: 1e-7) == nil, "\(rule) n=\(n) state 2", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [Float(0), 0.01])
    func allRulesMatchReference(wd: Float) {
        compare(.sgd, lr: 0.1, wd: wd) { w, g, _, _, n, _ in
            sgdUpdate(weights: w, gradients: g, count: n, learningRate: 0.1, weightDecay: wd)
        }
        compare(.momentum(rho: Double(Float(0.9))), lr: 0.1, wd: wd) { w, g, v, _, n, _ in
            momentumUpdate(weights: w, gradients: g, velocity: v, count: n, learningRate: 0.1, momentum: 0.9, weightDecay: wd)
        }
        compare(.nesterov(rho: Double(Float(0.9))), lr: 0.1, wd: wd) { w, g, v, _, n, _ in
            nesterovUpdate(weights: w, gradients: g, velocity: v, count: n, learningRate: 0.1, momentum: 0.9, weightDecay: wd)
        }
        compare(.momentumTorchForm(rho: Double(Float(0.9))), lr: 0.1, wd: wd) { w, g, v, _, n, _ in
            momentumUpdateTorchForm(weights: w, gradients: g, velocity: v, count: n, learningRate: 0.1, momentum: 0.9,
                                    weightDecay: wd)
        }
        compare(.averaged(rho: Double(Float(0.9)), step: 1), lr: 0.1, wd: wd) { w, g, u, _, n, t in
            averagedMomentumUpdate(weights: w, gradients: g, velocity: u, count: n, learningRate: 0.1, momentum: 0.9,
                                   weightDecay: wd, step: t)
        }
        compare(.adagrad(epsilon: Double(Float(1e-7))), lr: 0.01, wd: wd) { w, g, s, _, n, _ in
            adagradUpdate(weights: w, gradients: g, accumulator: s, count: n, learningRate: 0.01, weightDecay: wd)
        }
        compare(.rmsprop(rho: Double(Float(0.9)), epsilon: Double(Float(1e-7))), lr: 0.001, wd: wd) { w, g, s, _, n, _ in
            rmspropUpdate(weights: w, gradients: g, meanSquare: s, count: n, learningRate: 0.001, weightDecay: wd)
        }
        compare(.adam(beta1: Double(Float(0.9)), beta2: Double(Float(0.999)), epsilon: Double(Float(1e-8)), step: 1),
                lr: 0.001, wd: wd) { w, g, m, v, n, t in
            adamUpdate(weights: w, gradients: g, firstMoment: m, secondMoment: v, count: n, learningRate: 0.001, step: t,
                       weightDecay: wd)
        }
    }

    /// One element through two steps, values worked out by hand from docs/ALGORITHMS.md.
    func twoSteps(_ update: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                             UnsafeMutablePointer<Float>, Int) -> Void) -> (w: Float, s1: Float, s2: Float) {
        var w: Float = 1, s1: Float = 0, s2: Float = 0
        for (step, grad) in [(1, Float(0.5)), (2, Float(-0.25))] {
            var gr = grad
            update(&w, &gr, &s1, &s2, step)
        }
        return (w, s1, s2)
    }

    @Test func valuesByHand() {
        func near(_ a: Float, _ b: Double) -> Bool { Swift.abs(Double(a) - b) <= 1e-6 * Swift.max(1, Swift.abs(b)) }
        // SGD, lr 0.1, wd 0.1: g1 = 0.5 + 0.1 = 0.6, w = 0.94; g2 = −0.25 + 0.094 = −0.156, w = 0.9556.
        var r = twoSteps { w, g, _, _, _ in sgdUpdate(weights: w, gradients: g, count: 1, learningRate: 0.1, weightDecay: 0.1) }
        #expect(near(r.w, 0.9556))
        // Momentum ρ 0.9, lr 0.1: v1 = −0.05, w = 0.95; v2 = −0.045 + 0.025 = −0.02, w = 0.93.
        r = twoSteps { w, g, v, _, _ in momentumUpdate(weights: w, gradients: g, velocity: v, count: 1, learningRate: 0.1) }
        #expect(near(r.w, 0.93) && near(r.s1, -0.02))
        // Nesterov: v1 = −0.05, w = 1 − 0.045 − 0.05 = 0.905; v2 = −0.02, w = 0.905 − 0.018 + 0.025 = 0.912.
        r = twoSteps { w, g, v, _, _ in nesterovUpdate(weights: w, gradients: g, velocity: v, count: 1, learningRate: 0.1) }
        #expect(near(r.w, 0.912) && near(r.s1, -0.02))
        // PyTorch form: v1 = 0.5, w = 0.95; v2 = 0.45 − 0.25 = 0.2, w = 0.93.
        r = twoSteps { w, g, v, _, _ in momentumUpdateTorchForm(weights: w, gradients: g, velocity: v, count: 1, learningRate: 0.1) }
        #expect(near(r.w, 0.93) && near(r.s1, 0.2))
        // AdaGrad lr 0.01, ε 1e-7: s1 = 0.25, w = 1 − 0.01·0.5/(0.5 + 1e-7);
        // s2 = 0.3125, w −= 0.01·(−0.25)/(√0.3125 + 1e-7).
        r = twoSteps { w, g, s, _, _ in adagradUpdate(weights: w, gradients: g, accumulator: s, count: 1, learningRate: 0.01) }
        let ada = 1 - 0.01 * 0.5 / (0.5 + 1e-7) + 0.01 * 0.25 / (0.3125.squareRoot() + 1e-7)
        #expect(near(r.w, ada) && near(r.s1, 0.3125))
        // RMSProp ρ 0.9, lr 0.01: s1 = 0.025, s2 = 0.0225 + 0.00625 = 0.02875.
        r = twoSteps { w, g, s, _, _ in rmspropUpdate(weights: w, gradients: g, meanSquare: s, count: 1, learningRate: 0.01) }
        let rms = 1 - 0.01 * 0.5 / (0.025.squareRoot() + 1e-7) + 0.01 * 0.25 / (0.02875.squareRoot() + 1e-7)
        #expect(near(r.w, rms) && near(r.s1, 0.02875))
        // Adam lr 0.01: step 1 m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, w = 1 − 0.01·0.5/(0.5 + 1e-8);
        // step 2 m = 0.045 − 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225,
        // m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999.
        r = twoSteps { w, g, m, v, t in
            adamUpdate(weights: w, gradients: g, firstMoment: m, secondMoment: v, count: 1, learningRate: 0.01, step: t)
        }
        let adam = 1 - 0.01 * 0.5 / (0.5 + 1e-8) - 0.01 * (0.02 / 0.19) / ((0.00031225 / 0.001999).squareRoot() + 1e-8)
        #expect(near(r.w, adam) && near(r.s1, 0.02) && near(r.s2, 0.00031225))
    }
}
