import Testing
import NNCKernels

/// The convolutions split samples or products over threads, group samples with few output
/// positions into one product, and run a kernel that covers the whole image as one dense
/// product: every path must give the direct loops' values and the 1-thread bits.
@Suite struct ConvThreadingTests {
    static let shapes: [Conv2dShape] = [
        // padded 5×5, more samples than threads and not a multiple of them
        Conv2dShape(batch: 5, inChannels: 3, height: 9, width: 8, outChannels: 6, kernelH: 5, kernelW: 5, padH: 2, padW: 2),
        // 100 positions: samples grouped 5 at a time, the last group short
        Conv2dShape(batch: 7, inChannels: 2, height: 12, width: 12, outChannels: 9, kernelH: 3, kernelW: 3),
        // 289 positions: samples one by one, split over threads
        // more samples than the weight gradient's 8 chunks, unevenly split
        Conv2dShape(batch: 11, inChannels: 2, height: 17, width: 17, outChannels: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
        Conv2dShape(batch: 3, inChannels: 2, height: 17, width: 17, outChannels: 5, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
        // the kernel covers the image: the dense path (cifar_conv's last convolution)
        Conv2dShape(batch: 7, inChannels: 3, height: 4, width: 4, outChannels: 17, kernelH: 4, kernelW: 4),
        // dense and strided, a rectangular image
        Conv2dShape(batch: 3, inChannels: 2, height: 3, width: 5, outChannels: 4, kernelH: 3, kernelW: 5, strideH: 2, strideW: 3),
        // pointwise with fewer samples than threads
        Conv2dShape(batch: 1, inChannels: 4, height: 5, width: 5, outChannels: 3, kernelH: 1, kernelW: 1),
        Conv2dShape(batch: 0, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelH: 4, kernelW: 4),
    ]

    struct Outputs { var y, dx, dw, dxAcc, dwAcc: [Float] }

    /// Forward with bias, ReLU and a residual; backward-data with a ReLU mask; both backward
    /// passes plain and accumulating.
    func run(_ s: Conv2dShape, threads: Int) -> Outputs {
        var g = SplitMix(UInt64(s.height * 1000 + s.batch * 10 + s.outChannels))
        let xCount = s.batch * s.inChannels * s.height * s.width
        let yCount = s.batch * s.outChannels * s.outPositions
        let x = g.floats(xCount), w = g.floats(s.outChannels * s.patchSize), bias = g.floats(s.outChannels)
        let dy = g.floats(yCount), residual = g.floats(yCount), mask = g.floats(xCount)
        var o = Outputs(y: .init(repeating: .nan, count: yCount), dx: .init(repeating: .nan, count: xCount),
                        dw: .init(repeating: .nan, count: w.count), dxAcc: g.floats(xCount), dwAcc: g.floats(w.count))
        var ws = [Float](repeating: 0, count: max(s.workspaceCount, 1))
        x.withPtr { xp in w.withPtr { wp in bias.withPtr { bp in dy.withPtr { dp in ws.withMutPtr { wsp in
            residual.withPtr { rp in mask.withPtr { mp in
                let ld = s.outPositions, ldx = s.height * s.width
                o.y.withMutPtr {
                    conv2dForward(x: xp, weight: wp, y: $0, shape: s,
                                  epilogue: GEMMEpilogue([.rowBias(bp), .add(rp, ld: ld), .activation(.relu)]),
                                  workspace: wsp, threads: threads)
                }
                o.dx.withMutPtr {
                    conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s,
                                       epilogue: GEMMEpilogue([.derivative(.relu, saved: mp, ld: ldx, savedIsOutput: true)]),
                                       workspace: wsp, threads: threads)
                }
                o.dxAcc.withMutPtr { conv2dBackwardData(dy: dp, weight: wp, dx: $0, shape: s, workspace: wsp, threads: threads, accumulate: true) }
                o.dw.withMutPtr { conv2dBackwardWeights(x: xp, dy: dp, dweight: $0, shape: s, threads: threads) }
                o.dwAcc.withMutPtr { conv2dBackwardWeights(x: xp, dy: dp, dweight: $0, shape: s, threads: threads, accumulate: true) }
            } }
        } } } } }
        return o
    }

    @Test(arguments: shapes)
    func threadsGiveTheOneThreadBits(_ s: Conv2dShape) {
        expectOneThreadBits(s, threads: [2, 3, 8])
    }

    func expectOneThreadBits(_ s: Conv2dShape, threads: [Int]) {
        let one = run(s, threads: 1)
        for t in threads {
            let many = run(s, threads: t)
            #expect(bitIdentical(one.y, many.y), "forward \(s) threads \(t)")
            #expect(bitIdentical(one.dx, many.dx), "data \(s) threads \(t)")
            #expect(bitIdentical(one.dxAcc, many.dxAcc), "data, accumulating \(s) threads \(t)")
            #expect(bitIdentical(one.dw, many.dw), "weights \(s) threads \(t)")
            #expect(bitIdentical(one.dwAcc, many.dwAcc), "weights, accumulating \(s) threads \(t)")
        }
    }

    /// The epilogue-carrying outputs against the direct loops plus the same steps by hand.
    @Test(arguments: shapes)
    func matchesDirectLoops(_ s: Conv2dShape) {
        expectDirectLoops(s, rtol: 1e-5, atol: 1e-5)
    }

    func expectDirectLoops(_ s: Conv2dShape, rtol: Float, atol: Float) {
        let got = run(s, threads: 2)
        var g = SplitMix(UInt64(s.height * 1000 + s.batch * 10 + s.outChannels))
        let xCount = s.batch * s.inChannels * s.height * s.width
        let yCount = s.batch * s.outChannels * s.outPositions
        let x = g.floats(xCount), w = g.floats(s.outChannels * s.patchSize), bias = g.floats(s.outChannels)
        let dy = g.floats(yCount), residual = g.floats(yCount), mask = g.floats(xCount)
        let dxAcc0 = g.floats(xCount), dwAcc0 = g.floats(w.count)
        var y = [Float](repeating: 0, count: yCount), dx = [Float](repeating: 0, count: xCount)
        var dw = [Float](repeating: 0, count: w.count)
        x.withPtr { xp in w.withPtr { wp in bias.withPtr { bp in dy.withPtr { dp in
            y.withMutPtr { yp in dx.withMutPtr { dxp in dw.withMutPtr { dwp in
                conv2dReference(x: xp, weight: wp, bias: bp, y: yp, dy: dp, dx: dxp, dweight: dwp, dbias: nil, shape: s)
            } } }
        } } } }
        let yWant = y.indices.map { max(0, y[$0] + residual[$0]) }
        let dxWant = dx.indices.map { mask[$0] > 0 ? dx[$0] : 0 }
        #expect(close(got.y, yWant, rtol: rtol, atol: atol) == nil, "forward \(s)")
        #expect(close(got.dx, dxWant, rtol: rtol, atol: atol) == nil, "data \(s)")
        #expect(close(got.dxAcc, dx.indices.map { dx[$0] + dxAcc0[$0] }, rtol: rtol, atol: atol) == nil, "data, accumulating \(s)")
        #expect(close(got.dw, dw, rtol: rtol, atol: 10 * atol) == nil, "weights \(s)")
        #expect(close(got.dwAcc, dw.indices.map { dw[$0] + dwAcc0[$0] }, rtol: rtol, atol: 10 * atol) == nil, "weights, accumulating \(s)")
    }
}
