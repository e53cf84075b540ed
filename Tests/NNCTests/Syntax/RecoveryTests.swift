import Testing
@testable import NNC

/// After a mistake the parser reports once and carries on: independent mistakes each give
/// exactly one diagnostic, and what follows a mistake still reaches the tree.
struct RecoveryTests {
    /// Snippets with exactly one mistake each, every one a whole declaration.
    static let oneMistakeEach = [
        "net a {\n  dense 10 init: normal(0.01)\n}",
        "net b {\n  dense 3)\n  relu\n}",
        "optimizer sgd {\n  lr = 0.1\n}",
        "train {\n  batch 500\n}",
        "let c = 3 @ 4",
        "data {\n  train: idx(\"x.gz)\n}",
        "net d {\n  input [1 28, 28]\n}",
        "let e = (1 + 2",
        "net f {\n  128\n  relu\n}",
        "let g: 4",
        "net h {\n  dense 10, init=normal(0.01)\n}",
        "let net = 5",
        "block r {\n  relu\n}",
        "train { lr: 0.1 momentum: 0.9 }",
        "let big = 1e999",
        "net i {\n  head:\n  relu\n}",
        "nett j {\n  relu\n}",
        "let k = -",
        "net l {\n  let w = 3\n  relu\n}",
        "}",
    ]

    @Test func threeMistakesThreeDiagnostics() throws {
        let (_, diagnostics) = Parser.parse(try SyntaxFixtures.source("errors", "three_mistakes.net"))
        #expect(diagnostics.count == 3)
        #expect(diagnostics.map(\.range.start.line) == [5, 7, 11])
    }

    @Test(arguments: oneMistakeEach)
    func eachSnippetAloneGivesOneDiagnostic(snippet: String) {
        let (_, diagnostics) = SyntaxFixtures.parse(snippet)
        #expect(diagnostics.count == 1, "\(snippet): \(diagnostics.map(\.description))")
    }

    @Test func allMistakesInOneFileAreEachReportedOnce() {
        let text = Self.oneMistakeEach.joined(separator: "\n\nlet ok = 1\n\n")
        let (unit, diagnostics) = SyntaxFixtures.parse(text)
        #expect(diagnostics.count == Self.oneMistakeEach.count, "\(diagnostics.map(\.description))")
        let oks = unit.declarations.filter {
            if case let .constant(name, _, _) = $0 { return name.name == "ok" }
            return false
        }
        #expect(oks.count == Self.oneMistakeEach.count - 1, "every declaration after a mistake is parsed")
    }

    @Test func statementsAfterAnErrorAreKept() {
        let (unit, diagnostics) = SyntaxFixtures.parse("net n {\n  dense 3 * * 2\n  relu\n  softmax\n}")
        #expect(diagnostics.count == 1)
        guard case let .net(_, body, _) = unit.declarations[0] else { Issue.record("no net"); return }
        #expect(body.map(\.name.name).suffix(2) == ["relu", "softmax"])
    }

    @Test func nestedUnclosedBodiesAtEndGiveOneError() {
        let (_, diagnostics) = SyntaxFixtures.parse("net n {\n  repeat 2 {\n    residual {\n      relu\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].message == "expected '}' to close the body of 'residual' opened at 3:14")
        #expect(diagnostics[0].notes.map(\.range.start.description) == ["3:14"])
    }

    @Test func missingBraceBeforeNextDeclarationKeepsTheNextDeclaration() {
        let (unit, diagnostics) = SyntaxFixtures.parse("net n {\n  relu\n\nnet m {\n  relu\n}\n")
        #expect(diagnostics.map(\.message) == ["expected '}' to close the body of 'net n' opened at 1:7"])
        #expect(unit.declarations.count == 2)
    }
}
