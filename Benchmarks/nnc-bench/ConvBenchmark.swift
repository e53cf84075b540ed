import NNCKernels

/// One convolution layer of the CIFAR-style nets, at its training batch.
struct ConvLayer {
    let name: String
    let shape: Conv2dShape
    /// 2·N·OC·(C·kh·kw)·(OH·OW): the same for forward and both backward passes.
    var flop: Double {
        2 * Double(shape.batch) * Double(shape.outChannels) * Double(shape.patchSize) * Double(shape.outPositions)
    }

    /// The one product each pass amounts to over the whole batch (im2col of every sample side
    /// by side): what OpenBLAS is timed on as the reference. Same FLOP count, no im2col.
    func gemm(_ pass: ConvPass) -> GEMMShape {
        let s = shape, np = s.batch * s.outPositions
        switch pass {
        case .forward: return GEMMShape(name: name, m: s.outChannels, k: s.patchSize, n: np, transA: false, transB: false)
        case .backwardData: return GEMMShape(name: name, m: s.patchSize, k: s.outChannels, n: np, transA: true, transB: false)
        case .backwardWeights: return GEMMShape(name: name, m: s.outChannels, k: np, n: s.patchSize, transA: false, transB: true)
        }
    }
}

enum ConvPass: String, CaseIterable {
    case forward = "fwd", backwardData = "bwd-data", backwardWeights = "bwd-weights"
}

/// The convolutions of examples/cifar_conv.net (batch 100) and examples/vgg_bn.net (batch 128).
let convLayers: [ConvLayer] = {
    func layer(_ name: String, _ n: Int, _ c: Int, _ hw: Int, _ oc: Int, _ k: Int, pad: Int) -> ConvLayer {
        ConvLayer(name: name, shape: Conv2dShape(batch: n, inChannels: c, height: hw, width: hw, outChannels: oc,
                                                  kernelH: k, kernelW: k, padH: pad, padW: pad))
    }
    return [
        layer("cifar c1 3→32 5×5 @32", 100, 3, 32, 32, 5, pad: 2),
        layer("cifar c2 32→32 5×5 @16", 100, 32, 16, 32, 5, pad: 2),
        layer("cifar c3 32→64 5×5 @8", 100, 32, 8, 64, 5, pad: 2),
        layer("cifar c4 64→64 4×4 @4", 100, 64, 4, 64, 4, pad: 0),
        layer("vgg 3→32 3×3 @32", 128, 3, 32, 32, 3, pad: 1),
        layer("vgg 32→32 3×3 @32", 128, 32, 32, 32, 3, pad: 1),
        layer("vgg 32→64 3×3 @16", 128, 32, 16, 64, 3, pad: 1),
        layer("vgg 64→64 3×3 @16", 128, 64, 16, 64, 3, pad: 1),
        layer("vgg 64→128 3×3 @8", 128, 64, 8, 128, 3, pad: 1),
        layer("vgg 128→128 3×3 @8", 128, 128, 8, 128, 3, pad: 1),
    ]
}()

/// Operands of one layer, uniform [-1, 1).
final class ConvOperands {
    let layer: ConvLayer
    let x, w, y, dy, dx, dw, col: UnsafeMutablePointer<Float>

    init(_ l: ConvLayer) {
        layer = l
        let s = l.shape
        let inCount = s.batch * s.inChannels * s.height * s.width
        let outCount = s.batch * s.outChannels * s.outPositions
        x = uniformFloats(inCount, 1); w = uniformFloats(s.outChannels * s.patchSize, 2)
        y = uniformFloats(outCount, 3); dy = uniformFloats(outCount, 4); dx = uniformFloats(inCount, 5)
        dw = uniformFloats(s.outChannels * s.patchSize, 6); col = uniformFloats(s.workspaceCount, 7)
    }

    deinit {
        for p in [x, w, y, dy, dx, dw, col] { p.deallocate() }
    }

    func run(_ pass: ConvPass, threads: Int) {
        let s = layer.shape
        switch pass {
        case .forward:
            conv2dForward(x: x, weight: w, y: y, shape: s, workspace: col, threads: threads)
        case .backwardData:
            conv2dBackwardData(dy: dy, weight: w, dx: dx, shape: s, workspace: col, threads: threads)
        case .backwardWeights:
            conv2dBackwardWeights(x: x, dy: dy, dweight: dw, shape: s, threads: threads)
        }
    }

    /// Whether the pass takes the Winograd path (else im2col).
    func usesWinograd(_ pass: ConvPass) -> Bool {
        switch pass {
        case .forward: winogradApplies(forward: layer.shape)
        case .backwardData: winogradApplies(backwardData: layer.shape)
        case .backwardWeights: winogradApplies(forward: layer.shape)
        }
    }

    /// max |Winograd − im2col| / max |im2col| over the pass's output, on 1 thread.
    func deviationFromIm2col(_ pass: ConvPass) -> Double {
        let (out, count) = output(pass)
        run(pass, threads: 1)
        let fast = Array(UnsafeBufferPointer(start: out, count: count))
        _ConvTuning.winograd = false
        run(pass, threads: 1)
        _ConvTuning.winograd = true
        var diff = 0.0, size = 0.0
        for i in 0..<count {
            diff = max(diff, Double(abs(fast[i] - out[i])))
            size = max(size, Double(abs(out[i])))
        }
        return diff / size
    }

    private func output(_ pass: ConvPass) -> (UnsafeMutablePointer<Float>, Int) {
        let s = layer.shape
        return switch pass {
        case .forward: (y, s.batch * s.outChannels * s.outPositions)
        case .backwardData: (dx, s.batch * s.inChannels * s.height * s.width)
        case .backwardWeights: (dw, s.outChannels * s.patchSize)
        }
    }

    /// The pass's output on `threads` threads against 1 thread, bit for bit.
    func verify(_ pass: ConvPass, threads: Int) -> String? {
        let (out, count) = output(pass)
        run(pass, threads: 1)
        let one = Array(UnsafeBufferPointer(start: out, count: count))
        run(pass, threads: threads)
        for i in 0..<count where one[i].bitPattern != out[i].bitPattern {
            return "\(threads) threads differ from 1 thread at element \(i)"
        }
        return nil
    }
}
