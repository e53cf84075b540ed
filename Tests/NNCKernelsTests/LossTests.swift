import Testing
import NNCKernels

@Suite struct LossTests {
    // Loss: exp within 4 ulp, sums reordered over C classes and B samples: 1e-5 relative is
    // ample. Gradient entries: softmax within ~8 ulp of 1/B: 1e-6 absolute.
    @Test func softmaxCrossEntropyMatchesReference() {
        for (b, c) in [(1, 1), (1, 3), (3, 7), (7, 10), (17, 17), (33, 33), (5, 129)] {
            var g = SplitMix(UInt64(b * 1000 + c))
            let logits = g.floats(b * c, scale: 8)
            let labels = (0..<b).map { _ in Int32(g.int(c)) }
            var d = [Float](repeating: 0, count: b * c), dr = d, probs = d
            var loss: Float = 0, ref: Float = 0
            logits.withPtr { lp in labels.withUnsafeBufferPointer { yp in
                loss = d.withMutPtr { dp in probs.withMutPtr { pp in
                    softmaxCrossEntropy(logits: lp, labels: yp.baseAddress!, batch: b, classes: c, dlogits: dp, probabilities: pp)
                } }
                ref = dr.withMutPtr { softmaxCrossEntropyReference(logits: lp, labels: yp.baseAddress!, batch: b, classes: c, dlogits: $0) }
                // Without the gradient, the same loss.
                #expect(softmaxCrossEntropy(logits: lp, labels: yp.baseAddress!, batch: b, classes: c) == loss)
            } }
            #expect(Swift.abs(loss - ref) <= 1e-5 * Swift.max(1, Swift.abs(ref)), "\(b)x\(c): \(loss) vs \(ref)")
            #expect(close(d, dr, rtol: 1e-5, atol: 1e-7) == nil, "\(b)x\(c)")
            for r in 0..<b {
                let s = probs[(r * c)..<(r * c + c)].reduce(0, +)
                #expect(Swift.abs(s - 1) < 1e-5)
            }
            // The gradient of a mean loss sums to zero over each row.
            for r in 0..<b { #expect(Swift.abs(d[(r * c)..<(r * c + c)].reduce(0, +)) < 1e-6) }
        }
    }

    @Test func softmaxCrossEntropyIsStableForLargeLogits() {
        let logits: [Float] = [1000, 0, -1000]
        let labels: [Int32] = [1]
        let loss = logits.withPtr { lp in labels.withUnsafeBufferPointer {
            softmaxCrossEntropy(logits: lp, labels: $0.baseAddress!, batch: 1, classes: 3)
        } }
        #expect(loss == 1000)
    }

    /// Rows 0 and 7 poisoned: the first is read with one full vector load, the last (no 16
    /// values after its start) lane by lane.
    @Test func nanAndInfLogitsPoisonTheirSample() {
        for bad in [Float.nan, .infinity] {
            var logits: [Float] = (0..<24).map { Float($0) / 10 }
            logits[2] = bad
            logits[22] = bad
            let labels: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1]
            var d = [Float](repeating: 0, count: 24)
            let loss = logits.withPtr { lp in labels.withUnsafeBufferPointer { yp in d.withMutPtr {
                softmaxCrossEntropy(logits: lp, labels: yp.baseAddress!, batch: 8, classes: 3, dlogits: $0)
            } } }
            #expect(loss.isNaN)
            #expect(d[0..<3].allSatisfy { $0.isNaN } && d[21..<24].allSatisfy { $0.isNaN })
            #expect(d[3..<21].allSatisfy { $0.isFinite })
        }
    }

    @Test func softmaxRows() {
        var g = SplitMix(4)
        let x = g.floats(3 * 17, scale: 5)
        var y = [Float](repeating: 0, count: x.count)
        x.withPtr { xp in y.withMutPtr { softmax(x: xp, y: $0, batch: 3, classes: 17) } }
        for r in 0..<3 {
            let row = x[(r * 17)..<(r * 17 + 17)].map(Double.init)
            let m = row.max()!
            let z = row.reduce(0) { $0 + libmExp($1 - m) }
            for j in 0..<17 { #expect(Swift.abs(Double(y[r * 17 + j]) - libmExp(row[j] - m) / z) < 1e-6) }
        }
    }

    @Test func meanSquaredErrorMatchesReference() {
        for n in [0, 1, 3, 7, 17, 33, 129, 5000] {
            var g = SplitMix(UInt64(n))
            let p = g.floats(n), t = g.floats(n)
            var grad = [Float](repeating: 0, count: n), rg = grad
            let (l, r) = p.withPtr { pp in t.withPtr { tp in
                (grad.withMutPtr { meanSquaredError(prediction: pp, target: tp, count: n, grad: $0) },
                 rg.withMutPtr { meanSquaredErrorReference(prediction: pp, target: tp, count: n, grad: $0) })
            } }
            #expect(Swift.abs(l - r) <= 1e-5 * Swift.max(r, 1e-30))
            #expect(close(grad, rg, rtol: 2 * unitRoundoff, atol: 0) == nil)
        }
    }
}
