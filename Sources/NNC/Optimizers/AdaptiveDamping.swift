import Foundation

/// `damping: adaptive(λ₀, every: k, min: …, max: …)`: the Levenberg–Marquardt rule that K-FAC and
/// SGD2 share (Martens & Grosse 2015 §6.5; docs/ALGORITHMS.md "K-FAC" and "SGD2"). Each method
/// supplies its own quadratic model M(δ) of the loss; the rule compares the step's actual loss
/// change with M(δ) and moves λ.
public struct AdaptiveDamping: Hashable, Sendable {
    public static let defaultEvery = 5
    public static let defaultMinimum = 1e-6
    public static let defaultMaximum = 100.0
    /// Score every this many steps.
    public var every = defaultEvery
    /// λ is kept in [minimum, maximum].
    public var minimum = defaultMinimum
    public var maximum = defaultMaximum
    /// ω = (19/20)^every: λ's factor per adaptation.
    public var omega: Double { pow(19.0 / 20.0, Double(every)) }

    public init(every: Int = defaultEvery, minimum: Double = defaultMinimum, maximum: Double = defaultMaximum) {
        self.every = every
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Whether step `step` (1-based) is scored.
    public func scores(step: Int) -> Bool { step % max(every, 1) == 0 }

    /// λ after a step whose loss changed by `actual` where the model predicted `predicted`, with
    /// ρ = actual / predicted: ρ > 3/4 → ωλ; ρ < 1/4 → λ/ω; a model that predicts no decrease, or
    /// a ρ that is not finite (a loss that became nan), also asks for more damping.
    public func next(_ lambda: Double, actual: Double, predicted: Double) -> (lambda: Double, rho: Double) {
        let rho = actual / predicted
        if !(predicted < 0) || !rho.isFinite || rho < 0.25 { return (min(maximum, lambda / omega), rho) }
        if rho > 0.75 { return (max(minimum, lambda * omega), rho) }
        return (lambda, rho)
    }

    /// How the plan prints it, one word among the op's `key=value` pairs:
    /// `adaptive(start,every:k,min:…,max:…)`.
    public func described(start: Double) -> String {
        "adaptive(\(start),every:\(every),min:\(minimum),max:\(maximum))"
    }
}
