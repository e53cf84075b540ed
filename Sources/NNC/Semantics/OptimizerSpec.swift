/// The checked `optimizer NAME { … }` block, every hyperparameter with its ALGORITHMS.md default.
public struct OptimizerSpec: Hashable, Sendable {
    public var method: OptimizerMethod
    public var learningRate: Double
    /// Heavy-ball momentum ρ (sgd, sgd2, sa_sgd); 0 turns it off.
    public var momentum: Double
    public var nesterov: Bool
    /// RMSProp's decay ρ.
    public var rho: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Present for `sgd2`.
    public var sgd2: SGD2Options?
    /// sa_sgd: how a conv's local Hessian with respect to its input is scaled.
    public var convHessian: ConvHessian = .taps
    /// Per-layer changes, by layer name.
    public var overrides: [LayerOverride]
    public var range: SourceRange

    public init(method: OptimizerMethod, learningRate: Double, momentum: Double = 0,
                nesterov: Bool = false, rho: Double = 0.9, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double, weightDecay: Double = 0,
                sgd2: SGD2Options? = nil, overrides: [LayerOverride] = [], range: SourceRange = .none) {
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
        self.overrides = overrides
        self.range = range
    }

    /// The defaults of a method, as ALGORITHMS.md gives them.
    public static func defaults(for method: OptimizerMethod) -> OptimizerSpec {
        switch method {
        case .sgd: return OptimizerSpec(method: .sgd, learningRate: 0.1, epsilon: 0)
        case .adagrad: return OptimizerSpec(method: .adagrad, learningRate: 0.01, epsilon: 1e-7)
        case .rmsprop: return OptimizerSpec(method: .rmsprop, learningRate: 0.001, epsilon: 1e-7)
        case .adam: return OptimizerSpec(method: .adam, learningRate: 0.001, epsilon: 1e-8)
        case .sgd2: return OptimizerSpec(method: .sgd2, learningRate: 0.1, momentum: 0.9,
                                         epsilon: 0, sgd2: SGD2Options())
        case .saSGD: return OptimizerSpec(method: .saSGD, learningRate: 0.1, momentum: 0.9, epsilon: 0)
        }
    }
}

/// Scale-amended SGD's view of a convolution when it scales the backward factor m.
public enum ConvHessian: String, Hashable, Sendable, CaseIterable {
    /// The conv's actual local Hessian with respect to its input: each input pixel counted once
    /// per kernel tap that reads it, (k_h·k_w)/(s_h·s_w) × ‖Wᵀ‖²_{2,μ}.
    case taps
    /// ALGORITHMS.md's literal view of the kernel as a C_out × (C_in·k·k) matrix.
    case matrix
}

public enum OptimizerMethod: String, Hashable, Sendable, CaseIterable {
    case sgd, adagrad, rmsprop, adam, sgd2
    case saSGD = "sa_sgd"
}

/// SGD2's options (ALGORITHMS.md "SGD2").
public struct SGD2Options: Hashable, Sendable {
    /// Levenberg–Marquardt damping λ.
    public var lambda: Double = 1.0
    // nil options take a default by layer kind. A dense layer's are the cheapest grid point
    // that keeps SGD2's first-epoch lead on the MNIST MLP (ALGORITHMS.md asks for that;
    // EXPERIMENTS.md, experiment 1, has the grid). A convolution keeps the exact re-form at
    // every step with LightNet's column subsampling: there it costs little next to the
    // convolutions, and re-forming every 10 steps slowed the conv example's first epochs.
    /// Largest block of the input covariance solved at once (stochastic chunking).
    public var chunk: Int?
    /// Form the covariance from this many random columns of X.
    public var samples: Int?
    /// Re-form and re-factor the covariance every `every` steps.
    public var every: Int?

    public func chunk(convolution: Bool) -> Int { chunk ?? (convolution ? 500 : 128) }
    /// nil: every k-th column up to 10 000 (a convolution's, as LightNet takes them).
    public func samples(convolution: Bool) -> Int? { samples ?? (convolution ? nil : 250) }
    public func every(convolution: Bool) -> Int { every ?? (convolution ? 1 : 10) }
    /// Correct the bias with the augmented covariance.
    public var correctBias: Bool = true
    /// Gradient noise `η / (1 + t)^γ`, off when nil.
    public var noise: Noise?
    /// The first-order rule the corrected gradient is fed to.
    public var base: OptimizerMethod = .sgd

    public struct Noise: Hashable, Sendable {
        public var eta: Double
        public var gamma: Double
        public init(eta: Double, gamma: Double = 0.55) {
            self.eta = eta
            self.gamma = gamma
        }
    }

    public init() {}
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
