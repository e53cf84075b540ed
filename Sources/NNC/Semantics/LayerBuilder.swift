/// Turns a layer statement's checked arguments into its `LayerOp`.
enum LayerBuilder {
    /// The op for `spec.keyword`, or nil when an option was wrong (already reported).
    /// Not for `input`, `loss`, `repeat` and `residual`, which the expander handles.
    static func op(_ a: Arguments, evaluator: Evaluator) -> LayerOp? {
        let op = build(a, evaluator: evaluator)
        return a.failed ? nil : op
    }

    /// Layers whose output shape is their input shape whatever their options.
    static func keepsShape(_ keyword: String) -> Bool {
        ["dropout", "batchnorm", "rmsnorm", "layernorm", "relu", "leaky_relu", "prelu", "tanh", "sigmoid",
         "modu"].contains(keyword)
    }

    private static func build(_ a: Arguments, evaluator: Evaluator) -> LayerOp? {
        switch a.spec.keyword {
        case "dense":
            let units = a.int("units"), bias = a.bool("bias"), initializer = a.initializer("init")
            guard let units, let bias, let initializer else { return nil }
            return .dense(units: units, bias: bias, initializer: initializer)
        case "conv":
            let filters = a.int("filters"), kernel = a.size("kernel"), stride = a.size("stride")
            let padding = a.padding("padding"), bias = a.bool("bias"), initializer = a.initializer("init")
            guard let filters, let kernel, let stride, let padding, let bias, let initializer else { return nil }
            let pad: Size2
            switch padding {
            case .explicit(let p): pad = p
            case .same:
                guard kernel.h % 2 == 1, kernel.w % 2 == 1 else {
                    evaluator.sink.error(CheckMessage.sameNeedsOddKernel(kernel.description),
                                         at: a.value("padding")?.range ?? a.range,
                                         fix: CheckMessage.sameFix(kernel))
                    return nil
                }
                pad = Size2((kernel.h - 1) / 2, (kernel.w - 1) / 2)
            }
            return .conv(filters: filters, kernel: kernel, stride: stride, padding: pad, bias: bias,
                         initializer: initializer)
        case "maxpool", "avgpool":
            let size = a.size("size"), padding = a.size("padding")
            let stride = a.has("stride") ? a.size("stride") : size
            guard let size, let stride, let padding else { return nil }
            return a.spec.keyword == "maxpool" ? .maxPool(size: size, stride: stride, padding: padding)
                                               : .avgPool(size: size, stride: stride, padding: padding)
        case "global_avgpool": return .globalAvgPool
        case "flatten": return .flatten
        case "dropout": return a.real("rate").map { .dropout(rate: $0) }
        case "batchnorm":
            let affine = a.bool("affine"), momentum = a.real("momentum"), eps = a.real("eps")
            guard let affine, let momentum, let eps else { return nil }
            return .batchNorm(affine: affine, momentum: momentum, epsilon: eps)
        case "rmsnorm":
            let history = a.real("history"), eps = a.real("eps")
            let base = a.choice("eps_of").flatMap(RMSEpsilonBase.init(rawValue:))
            guard let history, let eps, let base else { return nil }
            return .rmsNorm(history: history, relativeEpsilon: eps, epsilonOf: base)
        case "layernorm":
            let affine = a.bool("affine"), eps = a.real("eps")
            guard let affine, let eps else { return nil }
            return .layerNorm(affine: affine, epsilon: eps)
        case "relu": return .activation(.relu)
        case "leaky_relu": return a.real("slope").map { .activation(.leakyRelu(slope: $0)) }
        case "prelu": return a.real("slope").map { .activation(.prelu(initialSlope: $0)) }
        case "tanh": return .activation(.tanh)
        case "sigmoid": return .activation(.sigmoid)
        case "modu": return .activation(.modulus)
        case "maxout": return a.int("k").map { .maxout(k: $0) }
        default:
            preconditionFailure("'\(a.spec.keyword)' is not a plain layer")
        }
    }
}
