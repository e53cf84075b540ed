/// The checked network: what the front end hands to lowering, training and analysis.
///
/// Everything here is resolved: constants evaluated, blocks and `repeat` expanded, every layer
/// named and shaped, every option given its default. It is plain data with no reference to
/// the syntax tree beyond source ranges (for diagnostics in later stages).
public struct Model: Hashable, Sendable {
    public var name: String
    /// Per-sample input shape: `[features]` or `[channels, height, width]`.
    public var inputShape: Shape
    /// The layers in order; a residual layer holds its body.
    public var layers: [Layer]
    public var loss: Loss
    public var data: DataSpec?
    public var optimizer: OptimizerSpec
    public var training: TrainingSpec
    public var range: SourceRange

    public init(name: String, inputShape: Shape, layers: [Layer], loss: Loss, data: DataSpec?,
                optimizer: OptimizerSpec, training: TrainingSpec, range: SourceRange) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        self.loss = loss
        self.data = data
        self.optimizer = optimizer
        self.training = training
        self.range = range
    }

    /// Per-sample output shape of the last layer (the input shape when there are none).
    public var outputShape: Shape { layers.last?.outputShape ?? inputShape }

    /// Every layer, residual bodies included, in execution order (a residual before its body).
    public var allLayers: [Layer] {
        var out: [Layer] = []
        func walk(_ ls: [Layer]) {
            for l in ls {
                out.append(l)
                if case .residual(let body) = l.op { walk(body) }
            }
        }
        walk(layers)
        return out
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { allLayers.reduce(0) { $0 + $1.parameterCount } }
}

/// A per-sample tensor shape; the batch dimension is never part of it.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var dims: [Int]
    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral dims: Int...) { self.dims = dims }
    public var rank: Int { dims.count }
    public var count: Int { dims.reduce(1, *) }
    /// `[784]`, `[32, 14, 14]`
    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}

/// A height × width pair for kernels, strides, pooling windows and padding.
public struct Size2: Hashable, Sendable, CustomStringConvertible {
    public var h: Int
    public var w: Int
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    public init(square n: Int) { self.init(n, n) }
    public var description: String { h == w ? "\(h)" : "\(h)x\(w)" }
}

/// One layer of the checked model.
public struct Layer: Hashable, Sendable {
    /// Unique in the model: the label written before it (`head: dense 10`) or the op's
    /// name and its 1-based index among ops of that name (`dense1`, `conv3`, `relu2`).
    public var name: String
    public var op: LayerOp
    public var inputShape: Shape
    public var outputShape: Shape
    /// Trainable tensors, in a fixed order per op (see `LayerOp`).
    public var parameters: [ParameterSpec]
    /// Non-trainable tensors that are checkpointed (running statistics).
    public var state: [StateSpec]
    /// Where the layer was written; for layers from a block, the line inside the block.
    public var range: SourceRange

    public init(name: String, op: LayerOp, inputShape: Shape, outputShape: Shape,
                parameters: [ParameterSpec] = [], state: [StateSpec] = [], range: SourceRange) {
        self.name = name
        self.op = op
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.parameters = parameters
        self.state = state
        self.range = range
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.shape.count } }
}

/// What a layer computes. Parameter order and shapes:
/// - dense: `weight [out, in]`, then `bias [out]` when `bias`.
/// - conv: `weight [filters, C_in, kh, kw]`, then `bias [filters]` when `bias`.
/// - batchNorm / layerNorm with `affine`: `scale [C]` (ones), `shift [C]` (zeros); batch norm
///   state `mean [C]`, `variance [C]`. C is the channel count (conv) or the feature count.
/// - rmsNorm: no parameters; state `d [C]` and `steps [1]` (for the warm-up correction).
/// - prelu: `slope [C]`.
/// Which running mean of x² an RMS norm's relative ε scales (docs/ALGORITHMS.md "RMS normalisation").
public enum RMSEpsilonBase: String, Hashable, Sendable, CaseIterable {
    /// ε = eps·max d̂ + 10⁻⁶, from the warm-up-corrected d̂ (nnc's).
    case corrected
    /// ε = eps·max(d + 10⁻⁶), from the running d before its correction (the authors' LightNet).
    case running
}

public enum LayerOp: Hashable, Sendable {
    case dense(units: Int, bias: Bool, initializer: Initializer)
    case conv(filters: Int, kernel: Size2, stride: Size2, padding: Size2, bias: Bool,
              initializer: Initializer)
    case maxPool(size: Size2, stride: Size2, padding: Size2)
    case avgPool(size: Size2, stride: Size2, padding: Size2)
    case globalAvgPool
    case flatten
    case dropout(rate: Double)
    /// `momentum` is the weight of the new batch in the running statistics.
    case batchNorm(affine: Bool, momentum: Double, epsilon: Double)
    /// docs/ALGORITHMS.md "RMS normalisation": `history` is the weight of the old running value
    /// (0.1), `relativeEpsilon` the factor of `max(d)` added to `d` (0.01), `epsilonOf` which `d`.
    case rmsNorm(history: Double, relativeEpsilon: Double, epsilonOf: RMSEpsilonBase = .corrected)
    case layerNorm(affine: Bool, epsilon: Double)
    case activation(Activation)
    /// Max over groups of `k` consecutive features (or channels).
    case maxout(k: Int)
    /// `output = input + body(input)`; the body preserves the shape.
    case residual(body: [Layer])

    /// The op's name as written in a `.net` file.
    public var keyword: String {
        switch self {
        case .dense: return "dense"
        case .conv: return "conv"
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .globalAvgPool: return "global_avgpool"
        case .flatten: return "flatten"
        case .dropout: return "dropout"
        case .batchNorm: return "batchnorm"
        case .rmsNorm: return "rmsnorm"
        case .layerNorm: return "layernorm"
        case .activation(let a): return a.keyword
        case .maxout: return "maxout"
        case .residual: return "residual"
        }
    }

    /// Dense and conv: the layers whose input batch `X` and residual `R` second-order methods use.
    public var isLinear: Bool {
        switch self {
        case .dense, .conv: return true
        default: return false
        }
    }
}

/// Element-wise activations.
public enum Activation: Hashable, Sendable {
    case relu
    case leakyRelu(slope: Double)
    /// Learned per-channel slope, initialised to `initialSlope`.
    case prelu(initialSlope: Double)
    case tanh
    case sigmoid
    /// The modulus unit `|x|` (docs/ALGORITHMS.md).
    case modulus

    public var keyword: String {
        switch self {
        case .relu: return "relu"
        case .leakyRelu: return "leaky_relu"
        case .prelu: return "prelu"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .modulus: return "modu"
        }
    }
}

/// How a parameter tensor starts (docs/ALGORITHMS.md "Initialisation").
public enum Initializer: Hashable, Sendable {
    case normal(std: Double)
    case uniform(limit: Double)
    case glorotNormal, glorotUniform, heNormal, heUniform
    case zeros, ones
    case constant(Double)
}

public struct ParameterSpec: Hashable, Sendable {
    public var name: String
    public var shape: Shape
    public var initializer: Initializer
    /// Weight decay applies (weights yes; biases, norm scales and shifts no).
    public var decays: Bool
    public init(name: String, shape: Shape, initializer: Initializer, decays: Bool) {
        self.name = name
        self.shape = shape
        self.initializer = initializer
        self.decays = decays
    }
}

public struct StateSpec: Hashable, Sendable {
    public var name: String
    public var shape: Shape
    public var initialValue: Double
    public init(name: String, shape: Shape, initialValue: Double) {
        self.name = name
        self.shape = shape
        self.initialValue = initialValue
    }
}

public enum Loss: Hashable, Sendable {
    /// Softmax followed by cross-entropy against class labels (mean over the batch).
    case crossEntropy
    /// Mean squared error against one-hot class labels or regression targets.
    case meanSquaredError

    public var keyword: String {
        switch self {
        case .crossEntropy: return "cross_entropy"
        case .meanSquaredError: return "mse"
        }
    }
}
