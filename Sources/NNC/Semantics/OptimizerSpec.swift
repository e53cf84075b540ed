/// The checked `optimizer NAME { … }` block, every hyperparameter with its docs/ALGORITHMS.md default.
public struct OptimizerSpec: Hashable, Sendable {
    public var method: OptimizerMethod
    public var learningRate: Double
    /// Heavy-ball momentum ρ (sgd, sgd2, sa_sgd, kfac, shampoo); 0 turns it off.
    public var momentum: Double
    public var nesterov: Bool
    /// How the momentum methods' SGD step uses ρ: heavy ball (nnc's) or the authors' averaged form.
    public var momentumForm: MomentumForm = .heavyBall
    /// RMSProp's decay ρ.
    public var rho: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Present for `sgd2`.
    public var sgd2: SGD2Options?
    /// Present for `kfac`.
    public var kfac: KFACOptions?
    /// Present for `shampoo`.
    public var shampoo: ShampooOptions?
    /// sa_sgd: how a conv's local Hessian with respect to its input is scaled.
    public var convHessian: ConvHessian = .taps
    /// Per-layer changes, by layer name.
    public var overrides: [LayerOverride]
    public var range: SourceRange

    public init(method: OptimizerMethod, learningRate: Double, momentum: Double = 0,
                nesterov: Bool = false, rho: Double = 0.9, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double, weightDecay: Double = 0,
                sgd2: SGD2Options? = nil, kfac: KFACOptions? = nil, shampoo: ShampooOptions? = nil,
                overrides: [LayerOverride] = [], range: SourceRange = .none) {
        self.method = method
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.rho = rho
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.sgd2 = sgd2
        self.kfac = kfac
        self.shampoo = shampoo
        self.overrides = overrides
        self.range = range
    }

    /// The defaults of a method, as docs/ALGORITHMS.md gives them.
    public static func defaults(for method: OptimizerMethod) -> OptimizerSpec {
        switch method {
        case .sgd: return OptimizerSpec(method: .sgd, learningRate: 0.1, epsilon: 0)
        case .adagrad: return OptimizerSpec(method: .adagrad, learningRate: 0.01, epsilon: 1e-7)
        case .rmsprop: return OptimizerSpec(method: .rmsprop, learningRate: 0.001, epsilon: 1e-7)
        case .adam: return OptimizerSpec(method: .adam, learningRate: 0.001, epsilon: 1e-8)
        case .sgd2: return OptimizerSpec(method: .sgd2, learningRate: 0.1, momentum: 0.9,
                                         epsilon: 0, sgd2: SGD2Options())
        case .saSGD: return OptimizerSpec(method: .saSGD, learningRate: 0.1, momentum: 0.9, epsilon: 0)
        case .kfac: return OptimizerSpec(method: .kfac, learningRate: 0.1, momentum: 0.9, epsilon: 0, kfac: KFACOptions())
        case .shampoo: return OptimizerSpec(method: .shampoo, learningRate: 0.01, momentum: 0.9, epsilon: 0,
                                            shampoo: ShampooOptions())
        }
    }
}

/// The SGD step behind sgd, sgd2, sa_sgd, kfac and shampoo (docs/ALGORITHMS.md "First-order updates").
public enum MomentumForm: String, Hashable, Sendable, CaseIterable {
    /// `v = ρ·v − lr·(g + wd·w); w += v`.
    case heavyBall = "heavy_ball"
    /// LightNet's: `u = ρ·u + (1−ρ)·g + wd·w; w −= lr·u/(1−ρᵗ)`.
    case averaged
}

/// Scale-amended SGD's view of a convolution when it scales the backward factor m.
public enum ConvHessian: String, Hashable, Sendable, CaseIterable {
    /// The conv's actual local Hessian with respect to its input: each input pixel counted once
    /// per kernel tap that reads it, (k_h·k_w)/(s_h·s_w) × ‖Wᵀ‖²_{2,μ}.
    case taps
    /// docs/ALGORITHMS.md's literal view of the kernel as a C_out × (C_in·k·k) matrix.
    case matrix
}

public enum OptimizerMethod: String, Hashable, Sendable, CaseIterable {
    case sgd, adagrad, rmsprop, adam, sgd2
    case saSGD = "sa_sgd"
    case kfac
    case shampoo
}

/// `layer NAME { lr_scale: 0.1, weight_decay: 0 }` inside an optimizer block.
public struct LayerOverride: Hashable, Sendable {
    public var layer: String
    public var learningRateScale: Double
    /// nil keeps the optimizer's weight decay.
    public var weightDecay: Double?
    public var range: SourceRange
    public init(layer: String, learningRateScale: Double = 1, weightDecay: Double? = nil,
                range: SourceRange = .none) {
        self.layer = layer
        self.learningRateScale = learningRateScale
        self.weightDecay = weightDecay
        self.range = range
    }
}
