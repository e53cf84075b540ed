/// Collects the checker's diagnostics in order, once each.
///
/// While a block is being expanded the sink adds a note pointing at the use that expanded it,
/// so an error inside a block says which use caused it. The same error from the same place
/// (a bad line inside `repeat 50 { … }`) is reported once.
final class DiagnosticSink {
    private(set) var diagnostics: [Diagnostic] = []
    private var seen: Set<String> = []
    /// Innermost last: the block uses being expanded.
    var context: [Diagnostic.Note] = []

    var errorCount: Int { diagnostics.filter(\.isError).count }

    /// Past this many diagnostics a fix is no longer worked out: nobody reads the ten
    /// thousandth "did you mean", and in a generated file of a million misspelt lines the
    /// suggestions were most of the checker's time.
    static let fixLimit = 1000

    func error(_ message: String, at range: SourceRange, fix: @autoclosure () -> String? = nil,
               notes: [Diagnostic.Note] = []) {
        add(.error(message, at: range, fix: diagnostics.count < Self.fixLimit ? fix() : nil, notes: notes))
    }

    func warning(_ message: String, at range: SourceRange, fix: @autoclosure () -> String? = nil) {
        add(.warning(message, at: range, fix: diagnostics.count < Self.fixLimit ? fix() : nil))
    }

    func add(_ diagnostic: Diagnostic) {
        let key = "\(diagnostic.severity.rawValue)|\(diagnostic.range.start.offset)|\(diagnostic.range.end.offset)|\(diagnostic.message)"
        guard seen.insert(key).inserted else { return }
        var d = diagnostic
        if let use = context.last { d.notes.append(use) }
        diagnostics.append(d)
    }
}
