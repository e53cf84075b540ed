/// What can go wrong while a session builds or runs its plans. A compiler bug is a precondition
/// failure; these are the failures a user can meet (a model the runtime cannot run yet, data
/// of the wrong size, a training run that diverged).
public enum RuntimeError: Error, Equatable, CustomStringConvertible {
    /// The loss of step `step` was NaN or infinite; `layer` and `buffer` name where the first
    /// non-finite value was found (empty when none could be located).
    case nonFinite(step: Int, layer: String, buffer: String)
    /// An op, or an option of one, that the kernels do not implement.
    case unsupported(String)
    /// An input, label array or tensor whose size does not match the plan.
    case shapeMismatch(String)
    /// Lowering refused the model; its diagnostics keep their places in the file, so a front
    /// end can render them as `nnc check` does.
    case lowering([Diagnostic])
    /// A tensor name that the session does not hold.
    case unknownTensor(String)
    /// SGD2's damped covariance was not positive definite (NaN or infinite inputs).
    case notPositiveDefinite(layer: String)

    public var description: String {
        switch self {
        case .nonFinite(let step, let layer, let buffer):
            if layer.isEmpty { return "the loss became non-finite at step \(step)" }
            return "the loss became non-finite at step \(step); first non-finite values in '\(buffer)' of layer '\(layer)'"
        case .unsupported(let what): return "not supported by the runtime: \(what)"
        case .shapeMismatch(let what): return "size mismatch: \(what)"
        case .lowering(let diagnostics):
            return "the model could not be lowered: " + diagnostics.map(\.message).joined(separator: "; ")
        case .unknownTensor(let name): return "no tensor named '\(name)'"
        case .notPositiveDefinite(let layer):
            return "SGD2: the damped input covariance of layer '\(layer)' is not positive definite"
        }
    }
}
