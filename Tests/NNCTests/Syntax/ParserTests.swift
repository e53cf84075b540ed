import Foundation
import Testing
@testable import NNC

/// The parser on every construct of the grammar: golden AST dumps of the `valid/` fixtures
/// (re-recorded only with NNC_RECORD=1, and a recording run fails), plus targeted checks.
struct ParserTests {
    @Test(arguments: SyntaxFixtures.names("valid"))
    func goldenDump(name: String) throws {
        let file = try SyntaxFixtures.source("valid", name)
        let (unit, diagnostics) = Parser.parse(file)
        #expect(diagnostics.map(SyntaxFixtures.line) == [], "\(name) should parse cleanly")
        let dump = ASTDump.dump(unit)
        let golden = SyntaxFixtures.url("valid", name).deletingPathExtension().appendingPathExtension("ast")
        if SyntaxFixtures.recording {
            try dump.write(to: golden, atomically: true, encoding: .utf8)
            Issue.record("recorded \(golden.lastPathComponent); run again without NNC_RECORD=1")
            return
        }
        let expected = try? String(contentsOf: golden, encoding: .utf8)
        #expect(expected != nil, "no golden file \(golden.lastPathComponent); record it with NNC_RECORD=1")
        #expect(dump == expected)
    }

    @Test func fixturesExist() {
        #expect(SyntaxFixtures.names("valid").count >= 3)
        #expect(SyntaxFixtures.names("errors").count >= 20)
    }

    @Test func examplesParseCleanly() throws {
        for url in SyntaxFixtures.examples() {
            let file = SourceFile(path: url.lastPathComponent, bytes: Array(try Data(contentsOf: url)))
            let (unit, diagnostics) = Parser.parse(file)
            #expect(diagnostics.filter(\.isError).map(\.description) == [], "\(url.lastPathComponent)")
            #expect(!unit.declarations.isEmpty)
        }
    }

    @Test func sampleHasTheExpectedShape() throws {
        let (unit, diagnostics) = Parser.parse(try SyntaxFixtures.source("valid", "mnist_mlp.net"))
        #expect(diagnostics.isEmpty)
        guard case let .net(name, body, _) = unit.declarations[2] else {
            Issue.record("third declaration should be the net")
            return
        }
        #expect(name.name == "mnist_mlp")
        #expect(body.map(\.name.name) == ["input", "repeat", "dense", "loss"])
        #expect(body[2].label?.name == "head")
        #expect(body[1].body?.first?.parenthesized == true)
        #expect(body[1].body?.first?.arguments.first?.value.kind == .name("width"))
    }

    @Test func precedenceAndAssociativity() {
        let (unit, _) = SyntaxFixtures.parse("let x = 1 - 2 - 3 * -4 / 5")
        guard case let .constant(_, value, _) = unit.declarations[0] else { Issue.record("no constant"); return }
        #expect(ASTDump.dump(value) == """
            Binary - @1:9-1:27
              Binary - @1:9-1:14
                Number 1 = 1.0 @1:9-1:10
                Number 2 = 2.0 @1:13-1:14
              Binary / @1:17-1:27
                Binary * @1:17-1:23
                  Number 3 = 3.0 @1:17-1:18
                  Unary - @1:21-1:23
                    Number 4 = 4.0 @1:22-1:23
                Number 5 = 5.0 @1:26-1:27

            """)
    }

    @Test func crlfParsesLikeLF() {
        let text = "let a = 1\nnet n {\n  dense a, init: normal(0.01)\n  relu\n}\ntrain { epochs: 2 }\n"
        let lf = SyntaxFixtures.parse(text)
        let crlf = SyntaxFixtures.parse(text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(crlf.diagnostics.isEmpty)
        #expect(ASTDump.dump(crlf.unit) == ASTDump.dump(lf.unit))
    }

    @Test func newlinesInsideBracketsAndAfterCommas() {
        let (unit, diagnostics) = SyntaxFixtures.parse("""
            net n {
              dense 10,
                init: normal(
                  0.01
                )
              input [
                1, 28,
                28
              ]
            }
            """)
        #expect(diagnostics.isEmpty)
        guard case let .net(_, body, _) = unit.declarations[0] else { Issue.record("no net"); return }
        #expect(body.count == 2)
        #expect(body[0].arguments.count == 2)
    }

    @Test func missingExpressionBecomesErrorNode() {
        let (unit, diagnostics) = SyntaxFixtures.parse("train { lr: , epochs: 3 }")
        #expect(diagnostics.map(\.message) == ["expected an expression after ':'"])
        guard case let .config(_, _, items, _) = unit.declarations[0] else { Issue.record("no config"); return }
        guard case let .entry(key, value, _) = items[0] else { Issue.record("no entry"); return }
        #expect(key.name == "lr")
        #expect(value.kind == .error)
        #expect(items.count == 2)
    }

    @Test func statementForms() {
        let (unit, diagnostics) = SyntaxFixtures.parse("""
            net n { relu; res(64); l: dense 3 { x }; spaced (1) }
            """)
        #expect(diagnostics.isEmpty)
        guard case let .net(_, body, _) = unit.declarations[0] else { Issue.record("no net"); return }
        #expect(body.map(\.parenthesized) == [false, true, false, true])
        #expect(body.map { $0.body?.count } == [nil, nil, 1, nil])
        #expect(body[2].label?.name == "l")
    }
}
