import Foundation

/// What a curvature method did about a preconditioner it could not use as configured, for the log
/// (`damping` records, docs/LOG.md): K-FAC's damping raised, adapted or given up on, SGD2's
/// adapted, Shampoo's roots that could not be computed.
public struct CurvatureEvent: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable {
        /// Inverted with a larger λ than configured (`damping` holds it).
        case raised
        /// Not invertible even at the largest λ tried: the layer takes its plain gradient until
        /// the next inversion.
        case failed
        /// A factor held a non-finite entry: it is formed afresh from the next batch that
        /// forms factors, and the layer takes its plain gradient until then.
        case nonFinite = "non_finite"
        /// The preconditioned gradient had a non-finite entry: the plain gradient was used.
        case nonFiniteStep = "non_finite_step"
        /// Adaptive damping moved λ (for every layer; `rho` is the step's reduction ratio).
        case adapted
        /// Shampoo: a block's inverse fourth roots could not be computed (a statistic zero or
        /// not finite, or QL did not converge); it keeps its previous roots, or takes the graft's
        /// step while it has none. `damping` holds the relative ε.
        case rootsKept = "roots_kept"

        /// One line for the terminal; `damping` as the reporter formats numbers.
        public func explanation(damping: String) -> String {
            switch self {
            case .raised: return "its factors needed damping \(damping) to be inverted"
            case .failed: return "its factors could not be inverted even with damping \(damping); plain gradient until the next inversion"
            case .nonFinite: return "a factor held nan or inf; factors formed afresh, plain gradient until then"
            case .nonFiniteStep: return "the preconditioned gradient held nan or inf; plain gradient this step"
            case .adapted: return "adaptive damping set λ to \(damping)"
            case .rootsKept: return "the inverse fourth roots of a block or more could not be computed (ε \(damping)); those keep their previous roots, or the graft's step"
            }
        }

        /// The method the outcome belongs to, as the terminal names it.
        public var method: String { self == .rootsKept ? "Shampoo" : "K-FAC" }
    }
    public var step: Int
    /// Empty for `adapted`, which concerns every layer.
    public var layer: String
    public var damping: Double
    public var outcome: Outcome
    /// `adapted`: ρ, the actual over the predicted loss change of the step.
    public var rho: Double? = nil
}
