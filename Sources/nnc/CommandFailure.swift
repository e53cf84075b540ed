import NNC

/// A failure a command words itself: `nnc <command>: error: message`, then each note on a line
/// of its own, and the status.
struct CommandFailure: Error {
    let status: ExitCode
    let message: String
    var notes: [String] = []

    init(_ status: ExitCode, _ message: String, notes: [String] = []) {
        self.status = status
        self.message = message
        self.notes = notes
    }

    /// `error` with `context` before its message; it exits as `error` would.
    init(_ error: Error, context: String? = nil, notes: [String] = []) {
        self.init(ExitCode(for: error), context.map { "\($0): \(error)" } ?? "\(error)", notes: notes)
    }
}

/// Errors in a `.net` file (from the front end, against the data, or in lowering), rendered as
/// `nnc check` renders them: `file:line:col`, the line, a caret, then the count. Exits 65.
struct DiagnosticsError: Error {
    let file: SourceFile
    let diagnostics: [Diagnostic]
    /// Found past the front end's storage limit: counted in the last lines, not drawn.
    var omitted = OmittedDiagnostics()
    let color: Bool

    init(file: SourceFile, diagnostics: [Diagnostic], omitted: OmittedDiagnostics = OmittedDiagnostics(), color: Bool) {
        self.file = file
        self.diagnostics = diagnostics
        self.omitted = omitted
        self.color = color
    }

    var rendered: String {
        DiagnosticRenderer(file: file, color: color).render(diagnostics, omitted: omitted)
            + DiagnosticRenderer.summary(diagnostics, omitted: omitted) + "\n"
    }
}
