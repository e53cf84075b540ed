import Testing
import NNCKernels

@Suite struct ConvTests {
    /// Geometries: 1×1 pointwise, 3×3 padded, strided, rectangular kernels, odd sizes, one channel.
    static let shapes: [Conv2dShape] = [
        Conv2dShape(batch: 2, inChannels: 3, height: 7, width: 7, outChannels: 4, kernelH: 1, kernelW: 1),
        Conv2dShape(batch: 2, inChannels: 3, height: 7, width: 9, outChannels: 5, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
        Conv2dShape(batch: 1, inChannels: 1, height: 17, width: 17, outChannels: 7, kernelH: 5, kernelW: 5, strideH: 2, strideW: 2, padH: 2, padW: 2),
        Conv2dShape(batch: 3, inChannels: 2, height: 6, width: 11, outChannels: 3, kernelH: 2, kernelW: 3, strideH: 2, strideW: 3),
        Conv2dShape(batch: 1, inChannels: 4, height: 3, width: 3, outChannels: 33, kernelH: 3, kernelW: 3, padH: 2, padW: 2),
        Conv2dShape(batch: 2, inChannels: 1, height: 1, width: 1, outChannels: 2, kernelH: 1, kernelW: 1, strideH: 2, strideW: 1),
        Conv2dShape(batch: 0, inChannels: 2, height: 5, width: 5, outChannels: 3, kernelH: 3, kernelW: 3),
    ]

    // Sums of C·kh·kw products (forward), OC·taps (data) or N·positions (weights) reordered:
    // 1e-5 relative plus 1e-5 absolute for values of size ~1–10 covers (terms)·u.
    @Test(arguments: shapes)
    func forwardAndBackwardMatchDirectLoops(_ s: Conv2dShape) {
        var g = SplitMix(UInt64(s.height * 100 + s.outChannels))
        let xCount = s.batch * s.inChannels * s.height * s.width
        let yCount = s.batch * s.outChannels * s.outPositions
        let x = g.floats(xCount), w = g.floats(s.outChannels * s.patchSize), bias = g.floats(s.outChannels)
        let dy = g.floats(yCount)
        var y = [Float](repeating: .nan, count: yCount), yr = y
        var dx = [Float](repeating: .nan, count: xCount), dxr = dx
        var dw = [Float](repeating: .nan, count: w.count), dwr = dw
        var db = [Float](repeating: .nan, count: s.outChannels), dbr = db
        var ws = [Float](repeating: 0, count: max(s.workspaceCount, 1))
        x.withPtr { xp in w.withPtr { wp in bias.withPtr { bp in dy.withPtr { dp in ws.withMutPtr { wsp in
            y.withMutPtr { conv2dForward(x: xp, weight: wp, y: $0, shape: s, epilogue: GEMMEpilogue([.rowBias(bp)]), workspace: wsp) }
            dx.withMutPtr { conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s, workspace: wsp) }
            dw.withMutPtr { conv2dBackwardWeights(x: xp, dy: dp, dweight: $0, shape: s) }
            db.withMutPtr { conv2dBackwardBias(dy: dp, dbias: $0, shape: s) }
            y.withMutPtr { yp in yr.withMutPtr { yrp in dxr.withMutPtr { a in dwr.withMutPtr { b in dbr.withMutPtr { c in
                _ = yp
                conv2dReference(x: xp, weight: wp, bias: bp, y: yrp, dy: dp, dx: a, dweight: b, dbias: c, shape: s)
            } } } } }
        } } } } }
        #expect(close(y, yr, rtol: 1e-5, atol: 1e-5) == nil, "forward \(s)")
        #expect(close(dx, dxr, rtol: 1e-5, atol: 1e-5) == nil, "data \(s)")
        #expect(close(dw, dwr, rtol: 1e-5, atol: 1e-4) == nil, "weights \(s)")
        #expect(close(db, dbr, rtol: 1e-5, atol: 1e-4) == nil, "bias \(s)")
    }

    @Test func accumulateAddsAndActivationFuses() {
        let s = Self.shapes[1]
        var g = SplitMix(8)
        let x = g.floats(s.batch * s.inChannels * s.height * s.width), w = g.floats(s.outChannels * s.patchSize)
        let dy = g.floats(s.batch * s.outChannels * s.outPositions)
        var ws = [Float](repeating: 0, count: s.workspaceCount)
        var y = [Float](repeating: 0, count: dy.count), yrelu = y
        var dx1 = [Float](repeating: 0, count: x.count), dx2 = [Float](repeating: 1, count: x.count)
        var dw1 = [Float](repeating: 0, count: w.count), dw2 = [Float](repeating: 1, count: w.count)
        x.withPtr { xp in w.withPtr { wp in dy.withPtr { dp in ws.withMutPtr { wsp in
            y.withMutPtr { conv2dForward(x: xp, weight: wp, y: $0, shape: s, workspace: wsp) }
            yrelu.withMutPtr { conv2dForward(x: xp, weight: wp, y: $0, shape: s, epilogue: GEMMEpilogue([.activation(.relu)]), workspace: wsp) }
            dx1.withMutPtr { conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s, workspace: wsp) }
            dx2.withMutPtr { conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s, workspace: wsp, accumulate: true) }
            dw1.withMutPtr { conv2dBackwardWeights(x: xp, dy: dp, dweight: $0, shape: s) }
            dw2.withMutPtr { conv2dBackwardWeights(x: xp, dy: dp, dweight: $0, shape: s, accumulate: true) }
        } } } }
        #expect(yrelu == y.map { $0 < 0 ? 0 : $0 })
        #expect(close(dx2, dx1.map { $0 + 1 }, rtol: 1e-6, atol: 1e-6) == nil)
        #expect(close(dw2, dw1.map { $0 + 1 }, rtol: 1e-6, atol: 1e-6) == nil)
    }

    @Test func backwardDataEpilogueAddsAndMasks() {
        // dx = (col2im(Wᵀ·dy) + other) ⊙ relu'(saved), over (N, C, H, W) with row stride H·W.
        for s in [Self.shapes[0], Self.shapes[1], Self.shapes[2]] {
            var g = SplitMix(12)
            let xCount = s.batch * s.inChannels * s.height * s.width
            let w = g.floats(s.outChannels * s.patchSize), dy = g.floats(s.batch * s.outChannels * s.outPositions)
            let other = g.floats(xCount), saved = g.floats(xCount)
            var ws = [Float](repeating: 0, count: max(s.workspaceCount, 1))
            var plain = [Float](repeating: 0, count: xCount), fused = plain
            w.withPtr { wp in dy.withPtr { dp in other.withPtr { op in saved.withPtr { sp in ws.withMutPtr { wsp in
                plain.withMutPtr { conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s, workspace: wsp) }
                let e = GEMMEpilogue([.add(op, ld: s.height * s.width),
                                      .derivative(.relu, saved: sp, ld: s.height * s.width, savedIsOutput: false)])
                fused.withMutPtr { conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s, epilogue: e, workspace: wsp) }
            } } } } }
            for i in 0..<xCount { #expect(fused[i] == (saved[i] > 0 ? plain[i] + other[i] : 0)) }
        }
    }

    @Test func threadedIsBitIdentical() {
        let s = Conv2dShape(batch: 2, inChannels: 8, height: 28, width: 28, outChannels: 32, kernelH: 5, kernelW: 5, padH: 2, padW: 2)
        var g = SplitMix(10)
        let x = g.floats(s.batch * s.inChannels * s.height * s.width), w = g.floats(s.outChannels * s.patchSize)
        var ws = [Float](repeating: 0, count: s.workspaceCount)
        var y1 = [Float](repeating: 0, count: s.batch * s.outChannels * s.outPositions), y2 = y1
        x.withPtr { xp in w.withPtr { wp in ws.withMutPtr { wsp in
            y1.withMutPtr { conv2dForward(x: xp, weight: wp, y: $0, shape: s, workspace: wsp, threads: 1) }
            y2.withMutPtr { conv2dForward(x: xp, weight: wp, y: $0, shape: s, workspace: wsp, threads: 2) }
        } } }
        #expect(bitIdentical(y1, y2))
    }
}

@Suite struct PoolingTests {
    static let shapes: [Pool2dShape] = [
        Pool2dShape(batch: 2, channels: 3, height: 8, width: 8, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2),
        Pool2dShape(batch: 1, channels: 2, height: 7, width: 9, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
        Pool2dShape(batch: 3, channels: 1, height: 17, width: 5, kernelH: 3, kernelW: 2, strideH: 1, strideW: 3),
        Pool2dShape(batch: 1, channels: 1, height: 1, width: 1, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1),
        Pool2dShape(batch: 0, channels: 4, height: 4, width: 4, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2),
    ]

    @Test(arguments: shapes)
    func forwardAndBackwardMatchReference(_ s: Pool2dShape) {
        var g = SplitMix(UInt64(s.height * 31 + s.width))
        let inCount = s.batch * s.channels * s.height * s.width
        let outCount = s.batch * s.channels * s.outHeight * s.outWidth
        var x = g.floats(inCount)
        if inCount > 5 { x[5] = .nan }
        let dy = g.floats(outCount)
        var ym = [Float](repeating: 0, count: outCount), ya = ym, rm = ym, ra = ym
        var idx = [Int32](repeating: -1, count: outCount)
        var dxm = [Float](repeating: 0, count: inCount), dxa = dxm
        x.withPtr { xp in
            ym.withMutPtr { yp in idx.withMutPtr { maxPool2dForward(x: xp, y: yp, indices: $0, shape: s) } }
            ya.withMutPtr { avgPool2dForward(x: xp, y: $0, shape: s) }
            rm.withMutPtr { a in ra.withMutPtr { b in pool2dReference(x: xp, maxOut: a, avgOut: b, shape: s) } }
        }
        #expect(firstMismatch(ym, rm) { _ in 0 } == nil, "max \(s)")
        // Average: at most kh·kw terms summed in Float against Double.
        #expect(firstMismatch(ya, ra) { _ in Float(s.kernelH * s.kernelW) * unitRoundoff * 2 } == nil, "avg \(s)")
        dy.withPtr { dp in
            idx.withPtr { ip in dxm.withMutPtr { maxPool2dBackward(dy: dp, indices: ip, dx: $0, shape: s) } }
            dxa.withMutPtr { avgPool2dBackward(dy: dp, dx: $0, shape: s) }
        }
        // Max: every index points inside its window at the element that was output, and the
        // backward pass is exactly the scatter of dy to those indices.
        let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
        var expected = [Float](repeating: 0, count: inCount)
        for p in 0..<(s.batch * s.channels) {
            for i in 0..<s.outHeight {
                for j in 0..<s.outWidth {
                    let o = p * outPlane + i * s.outWidth + j
                    let at = Int(idx[o]), r = at / s.width, c = at % s.width
                    #expect(r >= i * s.strideH - s.padH && r < i * s.strideH - s.padH + s.kernelH)
                    #expect(c >= j * s.strideW - s.padW && c < j * s.strideW - s.padW + s.kernelW)
                    #expect(sameValue(x[p * plane + at], ym[o]))
                    expected[p * plane + at] += dy[o]
                }
            }
        }
        #expect(dxm == expected)
        // Average: the adjoint identity <dy, avgpool(x')> = <avgpool_backward(dy), x'> on a random x'.
        let probe = g.floats(inCount)
        var pooled = [Float](repeating: 0, count: outCount)
        probe.withPtr { pp in pooled.withMutPtr { avgPool2dForward(x: pp, y: $0, shape: s) } }
        let a = zip(dy, pooled).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let b = zip(dxa, probe).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(Swift.abs(a - b) < 1e-4)
        // Accumulating adds the same gradient to what is there.
        var added = probe
        dy.withPtr { dp in added.withMutPtr { avgPool2dBackward(dy: dp, dx: $0, shape: s, accumulate: true) } }
        #expect(zip(added, zip(probe, dxa)).allSatisfy { Swift.abs($0 - ($1.0 + $1.1)) <= 1e-6 * (1 + Swift.abs($0)) })
    }

    /// The vector average pooling (sixteen small planes per vector; strides 1 and 2 with rows of
    /// ≥ 8 outputs) against the scalar loop, bit for bit: forward, backward, and backward accumulating onto values that include
    /// −0 and positions no window covers. Widths around the vector and split sizes, every
    /// padding, on 1 and 2 threads.
    @Test(arguments: [
        Pool2dShape(batch: 2, channels: 3, height: 16, width: 16, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
        Pool2dShape(batch: 1, channels: 2, height: 9, width: 33, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2),
        Pool2dShape(batch: 1, channels: 2, height: 7, width: 40, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2),
        Pool2dShape(batch: 1, channels: 3, height: 6, width: 31, kernelH: 3, kernelW: 4, strideH: 1, strideW: 2, padH: 2, padW: 3),
        Pool2dShape(batch: 2, channels: 2, height: 5, width: 17, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1),
        Pool2dShape(batch: 1, channels: 4, height: 8, width: 70, kernelH: 2, kernelW: 5, strideH: 3, strideW: 1, padW: 2),
        // Sixteen planes per vector (`avgPool2dForwardPlanes`): a whole group and a tail of 5
        // planes; planes of 63 floats (a partial transposed block); stride 3; and enough planes
        // of 16×16 for two threads, with a tail in the second thread's part.
        Pool2dShape(batch: 3, channels: 7, height: 8, width: 8, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
        Pool2dShape(batch: 2, channels: 17, height: 7, width: 9, kernelH: 2, kernelW: 3, strideH: 1, strideW: 2, padW: 1),
        Pool2dShape(batch: 1, channels: 18, height: 11, width: 10, kernelH: 3, kernelW: 3, strideH: 3, strideW: 3, padH: 1, padW: 2),
        Pool2dShape(batch: 4, channels: 37, height: 16, width: 16, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
    ])
    func averageVectorPathIsTheScalarLoop(_ s: Pool2dShape) {
        var g = SplitMix(UInt64(s.width * 7 + s.kernelW))
        let inCount = s.batch * s.channels * s.height * s.width
        let outCount = s.batch * s.channels * s.outHeight * s.outWidth
        let x = g.floats(inCount, scale: 3), dy = g.floats(outCount)
        var start = g.floats(inCount)
        for i in stride(from: 0, to: inCount, by: 5) { start[i] = -0.0 }
        for threads in [1, 2] {
            var y = [Float](repeating: 0, count: outCount), yr = y
            x.withPtr { xp in
                y.withMutPtr { avgPool2dForward(x: xp, y: $0, shape: s, threads: threads) }
                yr.withMutPtr { avgPool2dForwardScalar(x: xp, y: $0, shape: s) }
            }
            #expect(y.map(\.bitPattern) == yr.map(\.bitPattern), "forward \(s) threads \(threads)")
            for accumulate in [false, true] {
                var dx = start, dxr = start
                dy.withPtr { dp in
                    dx.withMutPtr { avgPool2dBackward(dy: dp, dx: $0, shape: s, accumulate: accumulate, threads: threads) }
                    dxr.withMutPtr { avgPool2dBackwardScalar(dy: dp, dx: $0, shape: s, accumulate: accumulate) }
                }
                #expect(dx.map(\.bitPattern) == dxr.map(\.bitPattern), "backward \(s) accumulate \(accumulate) threads \(threads)")
            }
        }
    }

    @Test func maxPoolTakesTheFirstMaximumAndTheFirstNaN() {
        // One 2×4 plane, 2×2 windows with stride 2: ties go to the first position in row order,
        // and of two NaNs the first wins and stays, whatever larger values follow.
        let s = Pool2dShape(batch: 1, channels: 1, height: 2, width: 4, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2)
        let x: [Float] = [3, 1, 2, .nan,
                          0, 3, .nan, 9]
        var y = [Float](repeating: 0, count: 2), idx = [Int32](repeating: -1, count: 2)
        x.withPtr { xp in y.withMutPtr { yp in idx.withMutPtr { maxPool2dForward(x: xp, y: yp, indices: $0, shape: s) } } }
        #expect(y[0] == 3 && idx[0] == 0)
        #expect(y[1].isNaN && idx[1] == 3)
    }

    @Test(arguments: [
        Pool2dShape(batch: 2, channels: 3, height: 9, width: 70, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
        Pool2dShape(batch: 1, channels: 2, height: 5, width: 37, kernelH: 2, kernelW: 2, strideH: 1, strideW: 1),
        Pool2dShape(batch: 1, channels: 1, height: 4, width: 100, kernelH: 3, kernelW: 3, strideH: 3, strideW: 3, padH: 2, padW: 2),
        Pool2dShape(batch: 1, channels: 1, height: 3, width: 33, kernelH: 3, kernelW: 2, strideH: 1, strideW: 2, padW: 1),
        // CIFAR-sized: 15-wide output rows, so the 16-output runs cross rows.
        Pool2dShape(batch: 2, channels: 2, height: 32, width: 32, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2),
        Pool2dShape(batch: 1, channels: 3, height: 16, width: 16, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1),
        // Sixteen planes per vector (`maxPool2dForwardPlanes`): MNIST-sized planes, a tail of 3
        // planes, planes of 63 floats, stride 3 with padding.
        Pool2dShape(batch: 1, channels: 19, height: 28, width: 28, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2),
        Pool2dShape(batch: 2, channels: 17, height: 7, width: 9, kernelH: 2, kernelW: 3, strideH: 1, strideW: 2, padW: 1),
        Pool2dShape(batch: 1, channels: 18, height: 11, width: 10, kernelH: 3, kernelW: 3, strideH: 3, strideW: 3, padH: 1, padW: 2),
    ])
    func wideRowsGiveTheFirstMaximumLikeAPlainLoop(_ s: Pool2dShape) {
        // Values from {−∞, 0, 1, 2}, and NaN in the second round: ties everywhere, on rows wide
        // enough for the 16-lane path (planes without a NaN) and the exact rescan (planes with
        // one). Every output and index must equal a plain loop's with the same rules.
        for withNaN in [false, true] { firstMaximum(s, withNaN: withNaN) }
    }

    func firstMaximum(_ s: Pool2dShape, withNaN: Bool) {
        var g = SplitMix(UInt64(s.width))
        let planes = s.batch * s.channels
        let x: [Float] = (0..<(planes * s.height * s.width)).map { _ in
            let u = g.floats(1)[0]
            return u < -0.8 ? (withNaN ? .nan : 1) : u < -0.5 ? -.infinity : Float(Int((u + 1) * 1.5))
        }
        let outCount = planes * s.outHeight * s.outWidth
        var y = [Float](repeating: 0, count: outCount), idx = [Int32](repeating: -1, count: outCount)
        x.withPtr { xp in y.withMutPtr { yp in idx.withMutPtr { maxPool2dForward(x: xp, y: yp, indices: $0, shape: s) } } }
        for p in 0..<planes {
            for i in 0..<s.outHeight {
                for j in 0..<s.outWidth {
                    var best = -1
                    for r in max(i * s.strideH - s.padH, 0)..<min(i * s.strideH - s.padH + s.kernelH, s.height) {
                        for c in max(j * s.strideW - s.padW, 0)..<min(j * s.strideW - s.padW + s.kernelW, s.width) {
                            let at = r * s.width + c, v = x[p * s.height * s.width + at]
                            if best < 0 { best = at; continue }
                            let m = x[p * s.height * s.width + best]
                            if m.isNaN { continue }
                            if v.isNaN || v > m { best = at }
                        }
                    }
                    let o = (p * s.outHeight + i) * s.outWidth + j
                    #expect(idx[o] == Int32(best), "\(s) plane \(p) output (\(i), \(j))")
                    #expect(sameValue(y[o], x[p * s.height * s.width + best]))
                }
            }
        }
    }

    @Test(arguments: [
        // 64 planes of 32×32 (rows of 16 outputs), and 72 of 28×28 (sixteen planes per vector,
        // a tail of 8): enough for the planes to split; one plane holds a NaN so the exact
        // rescan runs on one thread's share.
        Pool2dShape(batch: 8, channels: 8, height: 32, width: 32, kernelH: 3, kernelW: 3,
                    strideH: 2, strideW: 2, padH: 1, padW: 1),
        Pool2dShape(batch: 8, channels: 9, height: 28, width: 28, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2),
    ])
    func threadedPoolingIsBitIdentical(_ s: Pool2dShape) {
        var g = SplitMix(77)
        var x = g.floats(s.batch * s.channels * s.height * s.width)
        x[40 * s.height * s.width + 100] = .nan
        let outCount = s.batch * s.channels * s.outHeight * s.outWidth
        let dy = g.floats(outCount)
        func run(_ threads: Int) -> ([Float], [Int32], [Float], [Float], [Float]) {
            var ym = [Float](repeating: 0, count: outCount), ya = ym
            var idx = [Int32](repeating: -1, count: outCount)
            var dxm = [Float](repeating: 1, count: x.count), dxa = dxm
            x.withPtr { xp in
                ym.withMutPtr { yp in idx.withMutPtr { maxPool2dForward(x: xp, y: yp, indices: $0, shape: s, threads: threads) } }
                ya.withMutPtr { avgPool2dForward(x: xp, y: $0, shape: s, threads: threads) }
            }
            dy.withPtr { dp in
                idx.withPtr { ip in dxm.withMutPtr { maxPool2dBackward(dy: dp, indices: ip, dx: $0, shape: s, threads: threads) } }
                dxa.withMutPtr { avgPool2dBackward(dy: dp, dx: $0, shape: s, accumulate: true, threads: threads) }
            }
            return (ym, idx, ya, dxm, dxa)
        }
        let one = run(1)
        #expect(one.0.filter(\.isNaN).count > 0)
        for t in [2, 3] {
            let r = run(t)
            #expect(r.0.map(\.bitPattern) == one.0.map(\.bitPattern) && r.1 == one.1, "max forward, \(t) threads")
            // Bit patterns: the NaN reaches the average too.
            #expect(r.2.map(\.bitPattern) == one.2.map(\.bitPattern), "avg forward, \(t) threads")
            #expect(r.3 == one.3 && r.4 == one.4, "max / avg backward, \(t) threads")
        }
    }

    /// Padding counts as zeros (PyTorch's count_include_pad=True): on an all-ones 4×4 image a 3×3
    /// window with stride 2 and padding 1 sees 4 of its 9 positions at the corner and 6 on an edge.
    @Test func averagePoolingCountsPaddingAsZeros() {
        let s = Pool2dShape(batch: 1, channels: 1, height: 4, width: 4, kernelH: 3, kernelW: 3,
                            strideH: 2, strideW: 2, padH: 1, padW: 1)
        let x = [Float](repeating: 1, count: 16)
        var y = [Float](repeating: 0, count: 4), dx = [Float](repeating: 0, count: 16)
        x.withPtr { xp in y.withMutPtr { avgPool2dForward(x: xp, y: $0, shape: s) } }
        // Outputs (0,0): rows/cols 0..1 -> 4 of 9; (0,1): rows 0..1, cols 1..3 -> 6 of 9; (1,1): 9 of 9.
        #expect(Swift.abs(y[0] - 4 / 9) < 1e-6 && Swift.abs(y[1] - 6 / 9) < 1e-6)
        #expect(Swift.abs(y[2] - 6 / 9) < 1e-6 && Swift.abs(y[3] - 1) < 1e-6)
        let dy: [Float] = [9, 0, 0, 0]
        dy.withPtr { dp in dx.withMutPtr { avgPool2dBackward(dy: dp, dx: $0, shape: s) } }
        // dy of the corner window reaches its four in-image positions with weight 1/9 each.
        #expect(dx.enumerated().allSatisfy { i, v in Swift.abs(v - ([0, 1, 4, 5].contains(i) ? 1 : 0)) < 1e-6 })
    }

    @Test func globalAveragePool() {
        for (n, c, sp) in [(1, 1, 1), (2, 3, 17), (3, 5, 49), (1, 2, 0)] {
            var g = SplitMix(UInt64(sp))
            let x = g.floats(n * c * sp), dy = g.floats(n * c)
            var y = [Float](repeating: 0, count: n * c), dx = [Float](repeating: 0, count: n * c * sp)
            x.withPtr { xp in y.withMutPtr { globalAvgPoolForward(x: xp, y: $0, batch: n, channels: c, spatial: sp) } }
            dy.withPtr { dp in dx.withMutPtr { globalAvgPoolBackward(dy: dp, dx: $0, batch: n, channels: c, spatial: sp) } }
            for p in 0..<(n * c) {
                let m = sp == 0 ? 0 : x[(p * sp)..<(p * sp + sp)].reduce(0.0) { $0 + Double($1) } / Double(sp)
                #expect(Swift.abs(Double(y[p]) - m) < 1e-6)
                for i in 0..<sp { #expect(dx[p * sp + i] == dy[p] / Float(sp)) }
            }
        }
    }
}
