/// Shampoo's options (docs/ALGORITHMS.md "Shampoo") and their defaults, written here once: the
/// checker, the option table behind `nnc check --reference` and lowering all read them.
public struct ShampooOptions: Hashable, Sendable {
    /// The first-order rule whose step size, block by block, the Shampoo direction takes.
    public enum Graft: String, Hashable, Sendable, CaseIterable {
        /// The gradient itself: the step is as long as SGD's, so SGD's rate (0.1) carries over.
        case sgd
        /// G/(√(Σ G²) + ε), with its own running sum (Anil et al. 2020).
        case adagrad
        /// G/(√v̂ + ε), Adam's bias-corrected second moment without its first (momentum follows).
        case adam
    }

    /// Largest side of a block: a weight is split into blocks of at most this × this.
    public var blockSize: Int = 128
    /// Weight of the old statistics: L ← β₂·L + G Gᵀ; 1 keeps plain sums, as the original Shampoo.
    public var beta2: Double = 1
    /// Added to every eigenvalue before the root, relative to the statistic's largest: λ + ε·λ_max.
    public var epsilon: Double = 1e-6
    /// Compute the inverse fourth roots every this many steps …
    public var preconditionEvery: Int = 10
    /// … from this step (1-based); before it, and before a block's first roots, the step is the graft's.
    public var startStep: Int = 10
    /// AdaGrad, as Anil et al.: on the MNIST MLP's first epoch it gave 4.7 % test error where SGD
    /// grafting, which inherits SGD's slow start from small weights, gave 13.5 % (docs/ALGORITHMS.md).
    public var graft: Graft = .adagrad

    /// Adam grafting's second-moment decay and the ε of both adaptive grafts.
    public static let adamGraftBeta2 = 0.999
    public static let graftEpsilon = 1e-8

    public init() {}
}
