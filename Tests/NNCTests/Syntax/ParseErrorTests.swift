import Foundation
import Testing
@testable import NNC

/// Each kind of syntax error, as a small fixture in `Fixtures/syntax/errors/` whose expected
/// diagnostics are written at its end, one per line, after `#! ` — exact span, message, fix, notes.
/// NNC_RECORD=1 rewrites those lines (and fails the test, so recording is a deliberate act).
struct ParseErrorTests {
    static let marker = "#! "

    @Test(arguments: SyntaxFixtures.names("errors"))
    func fixture(name: String) throws {
        let url = SyntaxFixtures.url("errors", name)
        let file = try SyntaxFixtures.source("errors", name)
        let text = String(decoding: file.bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let expected = lines.filter { $0.hasPrefix(Self.marker) }.map { String($0.dropFirst(Self.marker.count)) }
        let actual = Parser.parse(file).diagnostics.map(SyntaxFixtures.line)
        if SyntaxFixtures.recording {
            var kept = lines.filter { !$0.hasPrefix(Self.marker) }.map(String.init)
            while kept.last == "" { kept.removeLast() }
            let rewritten = (kept + actual.map { Self.marker + $0 }).joined(separator: "\n") + "\n"
            try rewritten.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded the expectations of \(name); run again without NNC_RECORD=1")
            return
        }
        #expect(!expected.isEmpty, "\(name) has no '#! ' expectations")
        #expect(actual == expected)
    }

    @Test func unclosedBodyPointsAtTheOpener() {
        let (_, diagnostics) = SyntaxFixtures.parse("# m\n\nnet mnist {\n  dense 10\n")
        #expect(diagnostics.map(SyntaxFixtures.line) == [
            "4:11-4:11 error: expected '}' to close the body of 'net mnist' opened at 3:11 [fix: insert '}'] "
                + "[note 3:11-3:12: '{' opened here]",
        ])
    }

    @Test func keywordAsName() {
        let (unit, diagnostics) = SyntaxFixtures.parse("let net = 3")
        #expect(diagnostics.map(\.message) == ["'net' is a keyword and cannot be used as a name"])
        #expect(unit.declarations.count == 1, "the declaration is still parsed")
    }

    @Test func lexerAndParserDoNotBothComplainAboutOneMistake() {
        let (_, diagnostics) = SyntaxFixtures.parse("net n {\n  dense 10 $ 3\n  relu\n}")
        #expect(diagnostics.map(\.message) == ["unexpected character '$'"])
    }

    @Test func tooManyErrorsStops() {
        let text = String(repeating: "net n { dense 1 2 3 ) }\n", count: Parser.maxErrors * 2)
        let (_, diagnostics) = SyntaxFixtures.parse(text)
        #expect(diagnostics.count == Parser.maxErrors + 1)
        #expect(diagnostics.last?.message == "too many errors (\(Parser.maxErrors)); stopping here")
    }
}
