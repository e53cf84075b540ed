import Foundation
import Testing
@testable import NNC

/// grammar/REFERENCE.md holds the vocabulary tables exactly as `LayerTable` and `ConfigTable`
/// render them, so the reference says what the checker accepts. `NNC_RECORD=1` rewrites the
/// tables between their `<!-- table:NAME -->` and `<!-- end -->` markers (and fails the run).
@Suite struct ReferenceTests {
    static let tables: [(String, String)] = [
        ("statements", ReferenceTables.statements), ("data", ReferenceTables.data),
        ("optimizer", ReferenceTables.optimizer), ("layer", ReferenceTables.layerOverride),
        ("train", ReferenceTables.train),
    ]

    @Test func referenceHoldsTheTables() throws {
        let url = TestPaths.repoRoot.appendingPathComponent("grammar/REFERENCE.md")
        var text = try String(contentsOf: url, encoding: .utf8)
        if ProcessInfo.processInfo.environment["NNC_RECORD"] == "1" {
            for (name, table) in Self.tables {
                let open = "<!-- table:\(name) -->\n"
                guard let start = text.range(of: open),
                      let end = text.range(of: "<!-- end -->", range: start.upperBound..<text.endIndex) else { continue }
                text.replaceSubrange(start.upperBound..<end.lowerBound, with: table)
            }
            try text.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded grammar/REFERENCE.md; run again without NNC_RECORD")
            return
        }
        for (name, table) in Self.tables {
            #expect(text.contains("<!-- table:\(name) -->\n" + table + "<!-- end -->"),
                    "REFERENCE.md lacks the current '\(name)' table:\n\(table)")
        }
    }
}
