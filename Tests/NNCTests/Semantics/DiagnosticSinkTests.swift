import Testing
@testable import NNC

/// The checker keeps the first `DiagnosticSink.storedLimit` diagnostics and counts the rest, each
/// once, so a generated file with a mistake on every line costs a count, not a list.
@Suite struct DiagnosticSinkTests {
    private func net(_ lines: String, count: Int, tail: String = "") -> SourceFile {
        SourceFile(path: "flood.net", text: "net n {\n  input [4]\n" + String(repeating: lines, count: count) + tail
                   + "  dense 2\n  loss cross_entropy\n}\n")
    }

    @Test func pastTheLimitDiagnosticsAreCountedNotKept() {
        let (model, diagnostics, omitted) = Frontend.checkCounting(net("  desne 4\n", count: 20_000))
        #expect(model == nil)
        #expect(diagnostics.count == DiagnosticSink.storedLimit)
        #expect(omitted == OmittedDiagnostics(errors: 20_000 - DiagnosticSink.storedLimit, warnings: 0))
        #expect(DiagnosticRenderer.summary(diagnostics, omitted: omitted) == "20000 errors")
        // The kept ones are the first found, each with its fix while there are few.
        #expect(diagnostics.first?.description == "3:3: error: unknown layer 'desne'")
        #expect(diagnostics.first?.fix == "did you mean 'dense'?")
    }

    /// A mistake inside a block is one mistake however often the block is used, before the
    /// limit and after it.
    @Test func repeatsOfOneMistakeCountOnceBeyondTheLimit() {
        let file = SourceFile(path: "flood.net", text: "block b() {\n  relu 3\n}\nnet n {\n  input [4]\n"
            + String(repeating: "  desne 4\n", count: 1_500) + "  repeat 50 { b() }\n  b()\n  dense 2\n  loss cross_entropy\n}\n")
        let (_, diagnostics, omitted) = Frontend.checkCounting(file)
        #expect(diagnostics.count == DiagnosticSink.storedLimit)
        #expect(omitted.errors == 1_500 - DiagnosticSink.storedLimit + 1)
    }

    /// Warnings past the limit are counted too, and leave the model as kept warnings do.
    @Test func omittedWarningsLeaveTheModel() {
        let blocks = (0..<1_200).map { "block unused\($0)() {\n  relu\n}\n" }.joined()
        let file = SourceFile(path: "w.net", text: blocks + "net n {\n  input [4]\n  dense 2\n  loss cross_entropy\n}\n")
        let (model, diagnostics, omitted) = Frontend.checkCounting(file)
        #expect(model != nil)
        #expect(diagnostics.count == DiagnosticSink.storedLimit)
        #expect(omitted == OmittedDiagnostics(errors: 0, warnings: 200))
    }
}
