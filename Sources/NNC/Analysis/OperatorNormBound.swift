import Foundation

/// The operator-norm upper bound (docs/ALGORITHMS.md, SGD2 paper's stability section):
/// `Π_i σ_max(W_i) · Π_j 1 / min_k √(d_jk + ε)` over the dense layers and RMS normalisations
/// of a chain. Biases do not enter an operator norm; ReLU, leaky ReLU (slope ≤ 1), modulus,
/// tanh and sigmoid are 1-Lipschitz, so they multiply the bound by at most 1.
enum OperatorNormBound {
    /// Whether the bound covers `model`: a chain of dense layers, RMS norms, 1-Lipschitz
    /// activations, flattens and dropouts. Convolutions (their reshaped kernel's σ_max is not
    /// the convolution's norm), batch and layer norms, pooling and residuals are not covered.
    static func applies(to model: Model) -> Bool {
        model.allLayers.allSatisfy { layer in
            switch layer.op {
            case .dense, .rmsNorm, .flatten, .dropout: return true
            case .activation(let a):
                switch a {
                case .relu, .tanh, .sigmoid, .modulus: return true
                case .leakyRelu(let slope): return abs(slope) <= 1
                default: return false
                }
            default: return false
            }
        }
    }

    /// min_k √(d̂_k + ε) of an RMS norm from its running `d` after `updates` updates: the
    /// reciprocal of its largest gain. The same correction and ε as the kernel (`rmsNormFactors`):
    /// d̂ = d / (1 − history^t) once t > 0, ε = relativeEpsilon · max d̂ + 1e-6 (`.corrected`) or
    /// relativeEpsilon · max(d + 1e-6) (`.running`).
    static func rmsNormMinFactor(d: [Float], updates: Int, history: Double, relativeEpsilon: Double,
                                 epsilonOf: RMSEpsilonBase = .corrected) -> Double? {
        guard !d.isEmpty else { return nil }
        let correction = updates > 0 ? 1 - pow(history, Double(updates)) : 1
        let corrected = d.map { Double($0) / correction }
        let largest = Double(d.max() ?? 0)
        let epsilon = epsilonOf == .running ? relativeEpsilon * (largest + 1e-6) : relativeEpsilon * (largest / correction) + 1e-6
        return ((corrected.min() ?? 0) + epsilon).squareRoot()
    }

    /// The bound from the weights' σ_max and the RMS norms' minimum factors.
    static func bound(sigmas: [Double], normMinFactors: [Double]) -> Double {
        sigmas.reduce(1, *) * normMinFactors.reduce(1) { $0 / $1 }
    }
}
