import NNC

/// A mistake on the command line: printed as `nnc <command>: error: …` with the usage line, and
/// the command exits 64. Every usage message is worded here.
enum CommandLineError: Error, Equatable {
    /// A command, option or name that is not one of `candidates`; the message suggests the
    /// closest one, or lists them all when `listed`.
    case unknown(_ kind: String, _ name: String, candidates: [String], listed: Bool = false)
    case missingValue(option: String, valueName: String)
    case flagWithValue(String)
    /// `expected` completes "'--batch' needs …": "a whole number of at least 1".
    case invalidValue(option: String, value: String, expected: String, choices: [String] = [])
    /// `what` completes "missing …": "the .net file to train", "--weights FILE".
    case missing(String)
    case unexpectedArgument(String)
    /// A command's own rule, in its words.
    case invalid(String)

    var message: String {
        switch self {
        case let .unknown(kind, name, candidates, listed):
            if let near = Suggestions.closest(to: name, among: candidates) { return "unknown \(kind) '\(name)'; did you mean '\(near)'?" }
            return "unknown \(kind) '\(name)'" + (listed ? "; expected \(Self.alternatives(candidates))" : "")
        case let .missingValue(option, valueName):
            return "option '\(option)' needs a value (\(option) \(valueName))"
        case let .flagWithValue(option):
            return "option '\(option)' takes no value"
        case let .invalidValue(option, value, expected, choices):
            let near = Suggestions.closest(to: value, among: choices).map { "; did you mean '\($0)'?" } ?? ""
            return "'\(option)' needs \(expected), got '\(value)'" + near
        case let .missing(what):
            return "missing \(what)"
        case let .unexpectedArgument(argument):
            return "unexpected argument '\(argument)'"
        case let .invalid(message):
            return message
        }
    }

    /// `'--phase' needs forward, backward, update or all, got …`, with did-you-mean.
    static func notAChoice(option: String, value: String, choices: [String]) -> CommandLineError {
        .invalidValue(option: option, value: value, expected: alternatives(choices), choices: choices)
    }

    /// "a, b or c".
    static func alternatives(_ choices: [String]) -> String {
        choices.count < 2 ? choices.joined() : choices.dropLast().joined(separator: ", ") + " or " + choices.last!
    }
}
