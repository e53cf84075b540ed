/// Why a model could not be exported. A refusal that belongs to a layer carries where the
/// layer was written, so the command line draws it as `nnc check` draws its errors.
public enum ExportError: Error, Equatable, CustomStringConvertible {
    /// The layer `layer`, written at `range`, cannot be exported as it is.
    case layer(String, message: String, range: SourceRange)
    /// The weights hold no tensor `name` of `count` values (the checkpoint was checked against
    /// the model before, so this is a caller's mistake, not the user's).
    case tensor(String, count: Int)
    /// The preprocessing statistics do not fit the model's input.
    case preprocessing(String)

    public var description: String {
        switch self {
        case let .layer(name, message, range):
            return "\(range.start): layer '\(name)': \(message)"
        case let .tensor(name, count):
            return "the weights hold no tensor '\(name)' of \(count) values"
        case let .preprocessing(detail):
            return "the preprocessing cannot be exported: \(detail)"
        }
    }

    /// The error at its layer in the `.net` file, for layer refusals.
    public var diagnostic: Diagnostic? {
        guard case let .layer(name, message, range) = self else { return nil }
        return .error("layer '\(name)' cannot be exported to ONNX: \(message)", at: range)
    }
}
