/// Collects the checker's diagnostics in order, once each.
///
/// While a block is being expanded the sink adds a note pointing at the use that expanded it,
/// so an error inside a block says which use caused it. The same error from the same place
/// (a bad line inside `repeat 50 { … }`) is reported once.
///
/// Only the first `storedLimit` diagnostics are kept; later ones are counted (`omitted`). A file
/// generated wrong repeats one mistake a million times, and keeping every one of them held most
/// of a gigabyte and most of the checker's time for a list of which a hundred are drawn.
final class DiagnosticSink {
    private(set) var diagnostics: [Diagnostic] = []
    /// What was found past `storedLimit`, once each like the rest.
    private(set) var omitted = OmittedDiagnostics()
    private var seen: Set<Key> = []
    /// Past the limit only a hash of each diagnostic is remembered, enough to count it once (two
    /// that collide in 64 bits count as one, which a count can afford).
    private var seenOmitted: Set<Int> = []
    /// Innermost last: the block uses being expanded.
    var context: [Diagnostic.Note] = []

    /// Diagnostics kept. Well above what the renderer draws (`DiagnosticRenderer.shownLimit`), so
    /// that the first hundred in source order are among them in any file a person wrote; past it,
    /// neither the message's fix ("did you mean", an edit-distance search) nor its value is made.
    static let storedLimit = 1000

    /// What makes two diagnostics the same one.
    private struct Key: Hashable {
        let severity: Severity
        let start: Int
        let end: Int
        let message: String
    }

    func error(_ message: String, at range: SourceRange, fix: @autoclosure () -> String? = nil,
               notes: [Diagnostic.Note] = []) {
        add(.error, message, at: range, fix: fix(), notes: notes)
    }

    func warning(_ message: String, at range: SourceRange, fix: @autoclosure () -> String? = nil) {
        add(.warning, message, at: range, fix: fix(), notes: [])
    }

    func add(_ diagnostic: Diagnostic) {
        add(diagnostic.severity, diagnostic.message, at: diagnostic.range, fix: diagnostic.fix, notes: diagnostic.notes)
    }

    private func add(_ severity: Severity, _ message: String, at range: SourceRange, fix: @autoclosure () -> String?,
                     notes: [Diagnostic.Note]) {
        let key = Key(severity: severity, start: range.start.offset, end: range.end.offset, message: message)
        guard diagnostics.count < Self.storedLimit else {
            guard !seen.contains(key), seenOmitted.insert(key.hashValue).inserted else { return }
            switch severity {
            case .error: omitted.errors += 1
            case .warning: omitted.warnings += 1
            case .note: break
            }
            return
        }
        guard seen.insert(key).inserted else { return }
        var d = Diagnostic(severity, message, at: range, fix: fix(), notes: notes)
        if let use = context.last { d.notes.append(use) }
        diagnostics.append(d)
    }
}
