import Foundation

/// K-FAC's options (docs/ALGORITHMS.md "K-FAC") and their defaults, written here once: the
/// checker, the option table behind `nnc check --reference` and lowering all read them.
public struct KFACOptions: Hashable, Sendable {
    /// Tikhonov damping λ of the Kronecker-factored Fisher, split over the two factors by
    /// Martens & Grosse's π-adjustment: A + π√λ·I and G + (√λ/π)·I.
    public var damping: Double = 0.01
    /// Weight of the old factor in the exponential moving averages of A and G.
    public var factorDecay: Double = 0.95
    /// Form A and G from the batch every this many steps.
    public var factorEvery: Int = 10
    /// Invert the damped factors every this many steps (a multiple of `factorEvery` is natural).
    public var inverseEvery: Int = 100
    /// Scale the preconditioned step so that its squared Fisher norm, lr²·Σ⟨V, ∇⟩, stays at most
    /// this (Ba et al.'s KL clipping, as kfac-pytorch does); nil turns it off.
    public var klClip: Double? = 1e-3
    /// Whose gradients form G: the batch's own labels, or labels drawn from the model.
    public var fisher: Fisher = .empirical
    /// Where the block says `fisher`, for the checker's cross-block error.
    public var fisherRange: SourceRange?

    public enum Fisher: String, Hashable, Sendable, CaseIterable {
        /// G from the gradients of the batch's labels (the empirical Fisher).
        case empirical
        /// G from the gradients of labels drawn from the model's softmax, one per sample, on the
        /// steps that form the factors (the true Fisher, as kfac-jax samples it): one more
        /// backward pass on those steps.
        case sampled
    }

    /// How the damped factors are inverted, both in Double.
    public var inverse: Inverse = .cholesky

    public enum Inverse: String, Hashable, Sendable, CaseIterable {
        /// Cholesky, then the identity's columns solved by substitution: ~1.7·n³ flops in SIMD
        /// panels, split over the threads; can fail on a factor that round-off left indefinite,
        /// and is then retried with more damping.
        case cholesky
        /// Q·diag(1/(λ⁺ + δ))·Qᵀ by Householder and QL: ~10·n³ flops; exists for every δ > 0.
        case eigen
    }

    /// `damping: adaptive(…)`: λ starts at `damping` and follows the Levenberg–Marquardt rule
    /// every `every` steps (Martens & Grosse §6.5, as docs/ALGORITHMS.md "K-FAC" states it); nil
    /// keeps it fixed.
    public var adaptive: AdaptiveDamping?

    /// How many times a factorisation that fails is retried, each with ten times the damping.
    public static let dampingRetries = 6

    public init() {}
}
