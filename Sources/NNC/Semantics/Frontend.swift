/// The front end in one function: parse, then check; each stage a gate for what depends on it.
public enum Frontend {
    /// Parses and checks `file`. Returns the model only when there are no errors; the
    /// diagnostics (errors, warnings) come in source order of discovery, the first
    /// `DiagnosticSink.storedLimit` of the checker's kept and the rest counted in `omitted`.
    public static func checkCounting(_ file: SourceFile)
        -> (model: Model?, diagnostics: [Diagnostic], omitted: OmittedDiagnostics) {
        let (unit, parseDiagnostics) = Parser.parse(file)
        let (model, diagnostics, omitted) = ModelChecker.check(unit, parseDiagnostics: parseDiagnostics)
        return (parseDiagnostics.hasErrors ? nil : model, parseDiagnostics + diagnostics, omitted)
    }

    /// `checkCounting` for callers that need the diagnostics kept, not how many more there were.
    public static func check(_ file: SourceFile) -> (model: Model?, diagnostics: [Diagnostic]) {
        let (model, diagnostics, _) = checkCounting(file)
        return (model, diagnostics)
    }
}
