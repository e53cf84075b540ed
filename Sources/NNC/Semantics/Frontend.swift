/// The front end in one function: parse, then check; each stage a gate for what depends on it.
public enum Frontend {
    /// Parses and checks `file`. Returns the model only when there are no errors; the
    /// diagnostics (errors, warnings) come in source order of discovery.
    public static func check(_ file: SourceFile) -> (model: Model?, diagnostics: [Diagnostic]) {
        let (unit, parseDiagnostics) = Parser.parse(file)
        let (model, diagnostics) = ModelChecker.check(unit, parseDiagnostics: parseDiagnostics)
        return (parseDiagnostics.hasErrors ? nil : model, parseDiagnostics + diagnostics)
    }
}
