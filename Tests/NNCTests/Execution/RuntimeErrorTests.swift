import Testing
@testable import NNC

/// A session lowering refuses reports lowering's diagnostics as values: with their place in the
/// file, so the command line renders them as `nnc check` does.
@Suite struct RuntimeErrorTests {
    static let text = """
        net tiny {
          input [2]
          dense 3
          loss cross_entropy
        }
        train { batch: 4, epochs: 1 }
        """

    @Test func loweringKeepsTheDiagnosticsPlace() throws {
        let file = SourceFile(path: "tiny.net", text: Self.text)
        let model = try #require(Frontend.check(file).model)
        // The file's batch passes the checker; a batch of 0 can only come from a caller.
        let error = try #require(throws: RuntimeError.self) {
            try Session(model: model, batch: 0, evalBatch: 4, threads: 1)
        }
        guard case .lowering(let diagnostics) = error else { Issue.record("expected .lowering, got \(error)"); return }
        #expect(diagnostics.map(\.description) == ["6:1: error: batch must be a positive integer, got 0"])
        #expect(error.description == "the model could not be lowered: batch must be a positive integer, got 0")
        #expect(DiagnosticRenderer(file: file).render(diagnostics) == """
            tiny.net:6:1: error: batch must be a positive integer, got 0
            train { batch: 4, epochs: 1 }
            ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~

            """)
    }
}
