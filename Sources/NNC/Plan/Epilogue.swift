/// An element-wise activation without parameters (PReLU has its own op).
public enum ActivationFunction: Hashable, Sendable {
    case relu
    case leakyRelu(slope: Double)
    case tanh
    case sigmoid
    /// `|x|`, derivative `sign(x)`.
    case modulus

    /// The model's activation, or nil for PReLU (which has a parameter).
    init?(_ a: Activation) {
        switch a {
        case .relu: self = .relu
        case .leakyRelu(let s): self = .leakyRelu(slope: s)
        case .tanh: self = .tanh
        case .sigmoid: self = .sigmoid
        case .modulus: self = .modulus
        case .prelu: return nil
        }
    }

    public var name: String {
        switch self {
        case .relu: return "relu"
        case .leakyRelu: return "leaky_relu"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .modulus: return "modu"
        }
    }

    /// True when f' can be computed from f's output, so the input need not be kept for the
    /// backward pass (and can be fused away). `|x|` loses the sign, so modulus keeps its input.
    public var derivativeFromOutput: Bool {
        switch self {
        case .relu, .tanh, .sigmoid: return true
        case .leakyRelu(let s): return s > 0
        case .modulus: return false
        }
    }
}

/// One element-wise step applied, in order, to a GEMM's or convolution's output before it is
/// stored, so the value is written once instead of once per step.
public enum EpilogueStep: Hashable, Sendable {
    /// `+ bias[j]`: per column of a GEMM's output (the output feature), per channel of a convolution's.
    case bias(BufferID)
    case activation(ActivationFunction)
    /// `+ other` element-wise; `other` has the output's shape (a residual or a gradient contribution).
    case add(BufferID)
    /// `⊙ f'(saved)`: an activation's backward mask; `saved` is f's output when
    /// `savedIsOutput`, else its input.
    case mask(ActivationFunction, saved: BufferID, savedIsOutput: Bool)

    /// `+bias`, `relu`, `+residual`, `relu'`: the dump's short form.
    public var label: String {
        switch self {
        case .bias: return "+bias"
        case .activation(let f): return f.name
        case .add: return "+add"
        case .mask(let f, _, _): return f.name + "'"
        }
    }

    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        switch self {
        case .bias(var b): f(&b, .read); self = .bias(b)
        case .activation: break
        case .add(var b): f(&b, .read); self = .add(b)
        case .mask(let fn, var s, let o): f(&s, .read); self = .mask(fn, saved: s, savedIsOutput: o)
        }
    }
}

extension Array where Element == EpilogueStep {
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        for i in indices { self[i].visit(f) }
    }
}
