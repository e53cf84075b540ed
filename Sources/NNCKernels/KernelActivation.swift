/// A pointwise activation as the kernels know it; GEMM epilogues, the norms' fused output and
/// the elementwise kernels switch over it.
public enum KernelActivation: Equatable, Sendable {
    case none
    case relu
    /// `x` for `x ≥ 0`, `slope·x` below.
    case leakyRelu(slope: Float)
    case tanh
    case sigmoid
    /// The modulus unit `|x|` (docs/ALGORITHMS.md), derivative `sign(x)`, 0 at 0.
    case abs
}

extension KernelActivation {
    /// The activation of 16 lanes: the code every kernel uses, so that an element's value does
    /// not depend on where it sits in a tensor. NaN stays NaN.
    @inline(__always)
    func apply16(_ x: F16) -> F16 {
        switch self {
        case .none:
            return x
        case .relu:
            // x < 0 ? 0 : x keeps NaN (max(x, 0) would turn it into 0).
            return x.replacing(with: 0, where: x .< 0)
        case .leakyRelu(let slope):
            return x.replacing(with: x * slope, where: x .< 0)
        case .tanh:
            return tanh16(x)
        case .sigmoid:
            return sigmoid16(x)
        case .abs:
            return abs16(x)
        }
    }

    /// The gradient through the activation, `dy ⊙ f'`, from `saved`: the activation's output
    /// when `savedIsOutput`, else its input. relu and leaky relu pass `dy` where the unit is
    /// positive and 0 (`slope·dy`) elsewhere — a select, so an Inf in `dy` does not leak into
    /// inactive units; tanh `dy·(1 − y²)`, sigmoid `dy·y(1 − y)`; modulus `dy·sign(x)`, 0 at
    /// 0 and NaN at NaN (it needs its input: its output has lost the sign).
    @inline(__always)
    func backward16(_ dy: F16, saved: F16, savedIsOutput: Bool) -> F16 {
        switch self {
        case .none:
            return dy
        case .relu:
            return F16().replacing(with: dy, where: saved .> 0)
        case .leakyRelu(let slope):
            // From the output, y > 0 ⇔ x > 0 when the slope is positive (what the planner assumes).
            return (dy * slope).replacing(with: dy, where: saved .> 0)
        case .tanh:
            let y = savedIsOutput ? saved : tanh16(saved)
            return dy * (1 - y * y)
        case .sigmoid:
            let y = savedIsOutput ? saved : sigmoid16(saved)
            return dy * (y * (1 - y))
        case .abs:
            precondition(!savedIsOutput, "modulus' derivative needs its input")
            var d = F16(repeating: .nan)
            d.replace(with: dy, where: saved .> 0)
            d.replace(with: -dy, where: saved .< 0)
            d.replace(with: 0, where: saved .== 0)
            return d
        }
    }

    /// The same on one scalar, through the vector code.
    func apply(_ x: Float) -> Float { apply16(F16(repeating: x))[0] }

    /// The plain definition with libm's functions: the reference the tests compare against.
    public func reference(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return x < 0 ? 0 : x
        case .leakyRelu(let slope): return x < 0 ? slope * x : x
        case .tanh: return Float(_tanh(Double(x)))
        case .sigmoid: return Float(1 / (1 + _exp(-Double(x))))
        case .abs: return Swift.abs(x)
        }
    }

    /// The plain derivative-times-gradient, from the activation's input `x`.
    public func backwardReference(dy: Float, x: Float) -> Float {
        switch self {
        case .none: return dy
        case .relu: return x > 0 ? dy : 0
        case .leakyRelu(let s): return x > 0 ? dy : s * dy
        case .tanh:
            let y = Float(_tanh(Double(x)))
            return dy * (1 - y * y)
        case .sigmoid:
            let y = Float(1 / (1 + _exp(-Double(x))))
            return dy * (y * (1 - y))
        case .abs: return x > 0 ? dy : x < 0 ? -dy : x == 0 ? 0 : .nan
        }
    }
}
