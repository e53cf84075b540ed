/// Shape inference per op: the output shape a layer produces from its input, its parameter
/// tensors and its running state, with every size checked for overflow.
enum ShapeChecker {
    /// Largest tensor (per-sample activations or one parameter tensor), in scalars: 2³¹.
    static let maxElements = 1 << 31

    struct Failure: Error, Equatable {
        var message: String
        var fix: String?
    }

    /// The output shape of `op` applied to `input`, or why it cannot be applied.
    /// Residual layers are shaped by the block expander, which knows their body.
    static func output(of op: LayerOp, input: Shape) -> Result<Shape, Failure> {
        let kw = op.keyword
        switch op {
        case .dense(let units, _, _):
            guard input.rank == 1 else {
                return .failure(Failure(message: CheckMessage.needsFlatInput(kw, input.description),
                                        fix: CheckMessage.insertFlatten))
            }
            return checked(Shape([units]), weights: [units, input.dims[0]], kw)
        case .conv(let filters, let k, let s, let p, _, _):
            guard input.rank == 3 else { return .failure(needsImage(kw, input)) }
            return window(input, k, s, p, kw).flatMap {
                checked(Shape([filters, $0.h, $0.w]), weights: [filters, input.dims[0], k.h, k.w], kw)
            }
        case .maxPool(let k, let s, let p), .avgPool(let k, let s, let p):
            guard input.rank == 3 else { return .failure(needsImage(kw, input)) }
            guard 2 * p.h <= k.h, 2 * p.w <= k.w else {
                return .failure(Failure(message: CheckMessage.poolPaddingTooLarge(kw, p.description, k.description)))
            }
            return window(input, k, s, p, kw).map { Shape([input.dims[0], $0.h, $0.w]) }
        case .globalAvgPool:
            guard input.rank == 3 else { return .failure(needsImage(kw, input)) }
            return .success(Shape([input.dims[0]]))
        case .flatten:
            return .success(Shape([input.count]))
        case .dropout, .activation:
            return .success(input)
        case .batchNorm, .rmsNorm, .layerNorm:
            guard input.rank == 1 || input.rank == 3 else {
                return .failure(Failure(message: CheckMessage.needsRank1or3(kw, input.description)))
            }
            return .success(input)
        case .maxout(let k):
            let width = input.dims.first ?? 0
            guard width % k == 0 else {
                return .failure(Failure(message: CheckMessage.maxoutIndivisible(k, width),
                                        fix: CheckMessage.maxoutFix(k, width)))
            }
            var dims = input.dims
            dims[0] = width / k
            return .success(Shape(dims))
        case .residual:
            preconditionFailure("residual layers are shaped by their body")
        }
    }

    /// Trainable tensors, in the order `LayerOp` documents.
    static func parameters(of op: LayerOp, input: Shape) -> [ParameterSpec] {
        let channels = input.dims.first ?? 0
        switch op {
        case .dense(let units, let bias, let initializer):
            var ps = [ParameterSpec(name: "weight", shape: [units, input.dims[0]], initializer: initializer, decays: true)]
            if bias { ps.append(ParameterSpec(name: "bias", shape: [units], initializer: .zeros, decays: false)) }
            return ps
        case .conv(let filters, let k, _, _, let bias, let initializer):
            var ps = [ParameterSpec(name: "weight", shape: [filters, channels, k.h, k.w],
                                    initializer: initializer, decays: true)]
            if bias { ps.append(ParameterSpec(name: "bias", shape: [filters], initializer: .zeros, decays: false)) }
            return ps
        case .batchNorm(let affine, _, _), .layerNorm(let affine, _):
            guard affine else { return [] }
            return [ParameterSpec(name: "scale", shape: [channels], initializer: .ones, decays: false),
                    ParameterSpec(name: "shift", shape: [channels], initializer: .zeros, decays: false)]
        case .activation(.prelu(let slope)):
            return [ParameterSpec(name: "slope", shape: [channels], initializer: .constant(slope), decays: false)]
        default:
            return []
        }
    }

    /// Checkpointed running statistics.
    static func state(of op: LayerOp, input: Shape) -> [StateSpec] {
        let channels = input.dims.first ?? 0
        switch op {
        case .batchNorm:
            return [StateSpec(name: "mean", shape: [channels], initialValue: 0),
                    StateSpec(name: "variance", shape: [channels], initialValue: 1)]
        case .rmsNorm:
            return [StateSpec(name: "d", shape: [channels], initialValue: 1),
                    StateSpec(name: "steps", shape: [1], initialValue: 0)]
        default:
            return []
        }
    }

    /// `(n + 2p − k) / s + 1` per axis; empty outputs are errors.
    private static func window(_ input: Shape, _ k: Size2, _ s: Size2, _ p: Size2,
                               _ kw: String) -> Result<Size2, Failure> {
        let h = input.dims[1], w = input.dims[2]
        let paddedH = h + 2 * p.h, paddedW = w + 2 * p.w
        guard paddedH >= k.h, paddedW >= k.w else {
            return .failure(Failure(message: CheckMessage.windowTooLarge(kw, k.description,
                                                                          input.description, p.description),
                                    fix: CheckMessage.windowFix))
        }
        return .success(Size2((paddedH - k.h) / s.h + 1, (paddedW - k.w) / s.w + 1))
    }

    private static func needsImage(_ kw: String, _ input: Shape) -> Failure {
        Failure(message: CheckMessage.needsImageInput(kw, input.description),
                fix: input.rank == 1 ? CheckMessage.imageInputFix : nil)
    }

    /// The output, unless it or the weight tensor is larger than `maxElements`.
    private static func checked(_ out: Shape, weights: [Int], _ kw: String) -> Result<Shape, Failure> {
        for dims in [out.dims, weights] {
            var n = 1
            for d in dims {
                let (p, overflow) = n.multipliedReportingOverflow(by: d)
                guard !overflow, p <= maxElements else {
                    return .failure(Failure(message: CheckMessage.tensorTooLarge(kw, Shape(dims).description,
                                                                                 maxElements)))
                }
                n = p
            }
        }
        return .success(out)
    }
}
