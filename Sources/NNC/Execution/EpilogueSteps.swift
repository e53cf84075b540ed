import NNCKernels

// The element-wise steps a plan fuses into a producing kernel. GEMMs and convolutions take
// them all as a `GEMMEpilogue`, applied while the output is in cache; the norms take an
// activation, and anything after it runs in place over the output, in plan order.

extension ActivationFunction {
    /// The kernels' spelling of the function.
    var kernel: KernelActivation {
        switch self {
        case .relu: return .relu
        case .leakyRelu(let s): return .leakyRelu(slope: Float(s))
        case .tanh: return .tanh
        case .sigmoid: return .sigmoid
        case .modulus: return .abs
        }
    }
}

enum EpilogueSteps {
    /// The GEMM epilogue of `steps`: a bias per column of the output (a dense layer, batch
    /// along the rows) or per row (a convolution, channels along the rows); matrix operands
    /// with row stride `ld`.
    static func gemm(_ steps: [EpilogueStep], biasPerRow: Bool, ld: Int, _ v: BufferView) -> GEMMEpilogue {
        var e = GEMMEpilogue()
        for step in steps {
            switch step {
            case .bias(let b): e.append(biasPerRow ? .rowBias(b) : .columnBias(b), in: v)
            case .activation(let f): e.append(BufferEpilogueStep<BufferID>.activation(f.kernel), in: v)
            case .add(let other): e.append(.add(other, ld: ld), in: v)
            case .mask(let f, let saved, let savedIsOutput):
                e.append(.derivative(f.kernel, saved: saved, ld: ld, savedIsOutput: savedIsOutput), in: v)
            }
        }
        return e
    }

    /// The activation a norm kernel applies as it stores (the epilogue's first step when it
    /// is one) and the index of the first step left for `apply`.
    static func leadingActivation(_ steps: [EpilogueStep]) -> (KernelActivation, rest: Int) {
        if let first = steps.first, case .activation(let f) = first { return (f.kernel, 1) }
        return (.none, 0)
    }

    /// Applies `steps[start...]` to `out` in place, in order.
    static func apply(_ steps: [EpilogueStep], from start: Int, to y: BufferID, _ l: ChannelShape, _ v: BufferView) {
        guard start < steps.count else { return }
        for step in steps[start...] {
            switch step {
            case .bias(let b):
                v.biasAdd(x: y, bias: b, y: y, batch: l.batch, channels: l.channels, spatial: l.spatial)
            case .activation(let f):
                v.activationForward(f.kernel, x: y, y: y, count: l.count)
            case .add(let other):
                v.add(y, other, out: y, count: l.count)
            case .mask(let f, let saved, let savedIsOutput):
                v.activationBackward(f.kernel, dy: y, saved: saved, savedIsOutput: savedIsOutput, dx: y, count: l.count)
            }
        }
    }
}
