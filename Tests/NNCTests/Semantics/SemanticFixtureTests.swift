import Foundation
import Testing
@testable import NNC

/// Every file in Fixtures/semantics carries its expected diagnostics as comments
/// (`dense 0  # error@4:9: …`); the front end must produce exactly those, fixes and notes
/// included — nothing missing, nothing extra.
@Suite struct SemanticFixtureTests {
    static let names: [String] = {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: SemanticSupport.fixtures.path)) ?? []
        return all.filter { $0.hasSuffix(".net") }.sorted()
    }()

    @Test func fixturesExist() {
        #expect(Self.names.count >= 10)
    }

    @Test(arguments: names)
    func diagnosticsMatchExpectations(_ name: String) throws {
        let url = SemanticSupport.fixtures.appendingPathComponent(name)
        let bytes = Array(try Data(contentsOf: url))
        let text = String(decoding: bytes, as: UTF8.self)
        let expected = SemanticSupport.expectations(in: text).sorted()
        let (model, diagnostics) = Frontend.check(SourceFile(path: name, bytes: bytes))
        let actual = diagnostics.flatMap(SemanticSupport.expectationLines).sorted()
        #expect(!expected.isEmpty, "\(name) states no expectations")
        let missing = expected.filter { !actual.contains($0) }
        let extra = actual.filter { !expected.contains($0) }
        #expect(missing.isEmpty && extra.isEmpty && actual.count == expected.count,
                "\(name)\nmissing:\n  \(missing.joined(separator: "\n  "))\nextra:\n  \(extra.joined(separator: "\n  "))")
        // A file with errors yields no model; a file with only warnings does.
        #expect((model == nil) == diagnostics.hasErrors, "\(name): model present despite errors or missing without")
    }
}
