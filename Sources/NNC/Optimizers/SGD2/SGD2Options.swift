/// SGD2's options (docs/ALGORITHMS.md "SGD2") and their defaults, written here once: the
/// checker, the option table behind `nnc check --reference` and lowering all read them.
public struct SGD2Options: Hashable, Sendable {
    /// What a layer of one kind takes for the options the block leaves unset.
    public struct LayerDefaults: Hashable, Sendable {
        public var chunk: Int
        /// nil: every k-th column, at most `columnLimit` of them.
        public var samples: Int?
        public var every: Int
    }

    // A dense layer's defaults are the cheapest grid point that keeps SGD2's first-epoch lead
    // on the MNIST MLP (EXPERIMENTS.md, experiment 1, has the grid). A convolution keeps the
    // exact re-form at every step with LightNet's column subsampling: there it costs little
    // next to the convolutions, and re-forming every 10 steps slowed the conv example.
    public static let dense = LayerDefaults(chunk: 128, samples: 250, every: 10)
    public static let convolution = LayerDefaults(chunk: 500, samples: nil, every: 1)
    /// LightNet's subsampling of a convolution's columns when `samples` is not given: above
    /// this many, every k-th column with k = ⌈min(`maxColumnStride`, columns / limit)⌉.
    public static let columnLimit = 10_000
    public static let maxColumnStride = 50

    /// Levenberg–Marquardt damping λ.
    public var lambda: Double = 1.0
    /// `damping: adaptive(…)`: λ starts at `lambda` and follows the Levenberg–Marquardt rule on
    /// the layer-wise model SGD2 minimises (docs/ALGORITHMS.md "SGD2", "Adaptive damping");
    /// nil keeps it fixed.
    public var adaptive: AdaptiveDamping?
    /// Largest block of the input covariance solved at once (stochastic chunking); nil takes
    /// the layer kind's default, as do `samples` and `every`.
    public var chunk: Int?
    /// Form the covariance from this many random columns of X.
    public var samples: Int?
    /// Re-form and re-factor the covariance every `every` steps.
    public var every: Int?
    /// Correct the bias with the augmented covariance.
    public var correctBias: Bool = true
    /// Gradient noise `η / (1 + t)^γ`, off when nil.
    public var noise: Noise?
    /// The first-order rule the corrected gradient is fed to.
    public var base: OptimizerMethod = .sgd
    /// What happens to a layer whose augmented input exceeds `chunk`.
    public var largeLayers: LargeLayers = .chunk

    public enum LargeLayers: String, Hashable, Sendable, CaseIterable {
        /// Solve it block by block over a random permutation (nnc's; LightNet's
        /// `large_matrix_inversion = 1`).
        case chunk
        /// Leave it uncorrected: its plain gradient goes to the base rule (LightNet's default,
        /// with `chunk` as its `max_inv_size`).
        case plain
    }

    public static func defaults(convolution: Bool) -> LayerDefaults { convolution ? Self.convolution : dense }
    public func chunk(convolution: Bool) -> Int { chunk ?? Self.defaults(convolution: convolution).chunk }
    public func samples(convolution: Bool) -> Int? { samples ?? Self.defaults(convolution: convolution).samples }
    public func every(convolution: Bool) -> Int { every ?? Self.defaults(convolution: convolution).every }

    public struct Noise: Hashable, Sendable {
        public static let defaultEta = 0.3
        public static let defaultGamma = 0.55
        public var eta: Double
        public var gamma: Double
        public init(eta: Double = defaultEta, gamma: Double = defaultGamma) {
            self.eta = eta
            self.gamma = gamma
        }
    }

    public init() {}
}
