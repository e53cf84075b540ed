/// How bad a diagnostic is.
public enum Severity: String, Sendable {
    case error, warning, note
}

/// One message about the input: what is wrong, where, and how to fix it when that is likely.
///
/// Stages return diagnostics as values; rendering them (`DiagnosticRenderer`) is separate.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public var severity: Severity
    /// Lower-case, source text quoted: `unknown layer 'desne'`.
    public var message: String
    public var range: SourceRange
    /// A suggested fix, phrased as an instruction: `did you mean 'dense'?`.
    public var fix: String?
    /// Further locations that explain the error (e.g. the first definition of a duplicate).
    public var notes: [Note]

    public struct Note: Hashable, Sendable {
        public var message: String
        public var range: SourceRange
        public init(message: String, range: SourceRange) {
            self.message = message
            self.range = range
        }
    }

    public init(_ severity: Severity = .error, _ message: String, at range: SourceRange,
                fix: String? = nil, notes: [Note] = []) {
        self.severity = severity
        self.message = message
        self.range = range
        self.fix = fix
        self.notes = notes
    }

    public static func error(_ message: String, at range: SourceRange, fix: String? = nil,
                             notes: [Note] = []) -> Diagnostic {
        Diagnostic(.error, message, at: range, fix: fix, notes: notes)
    }

    public static func warning(_ message: String, at range: SourceRange, fix: String? = nil) -> Diagnostic {
        Diagnostic(.warning, message, at: range, fix: fix)
    }

    public var isError: Bool { severity == .error }
    /// `line:col: error: message` — the form tests assert on.
    public var description: String { "\(range.start): \(severity.rawValue): \(message)" }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.isError } }
}

/// Diagnostics a stage found past its storage limit, counted by severity instead of kept: a
/// generated file with a million mistakes needs its first hundred drawn and the number of the
/// rest, not a million values in memory.
public struct OmittedDiagnostics: Equatable, Sendable {
    public var errors = 0
    public var warnings = 0

    public init(errors: Int = 0, warnings: Int = 0) {
        self.errors = errors
        self.warnings = warnings
    }

    public var total: Int { errors + warnings }

    /// Adds one diagnostic to the tally (a note counts as neither).
    public mutating func count(_ diagnostic: Diagnostic) {
        switch diagnostic.severity {
        case .error: errors += 1
        case .warning: warnings += 1
        case .note: break
        }
    }
}
