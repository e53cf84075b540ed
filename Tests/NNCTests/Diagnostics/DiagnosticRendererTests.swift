import Testing
@testable import NNC

/// The exact text the renderer draws: header, echoed line, caret under the span, fix, notes.
struct DiagnosticRendererTests {
    private func file(_ text: String) -> SourceFile { SourceFile(path: "m.net", text: text) }

    private func at(_ line: Int, _ column: Int, _ offset: Int, width: Int = 1) -> SourceRange {
        SourceRange(start: SourceLocation(line: line, column: column, offset: offset),
                    end: SourceLocation(line: line, column: column + width, offset: offset + width))
    }

    @Test func errorWithFix() {
        let f = file("net a {\n  dense 10 init: normal(0.01)\n}\n")
        let (_, diagnostics) = Parser.parse(f)
        #expect(DiagnosticRenderer(file: f).render(diagnostics) == """
            m.net:2:11: error: expected ',' between arguments
              dense 10 init: normal(0.01)
                      ^
            fix: insert ','

            """)
    }

    /// A generated file with a thousand mistakes draws the first hundred and counts the rest;
    /// the summary still counts them all.
    @Test func aFloodOfDiagnosticsIsCut() {
        let text = "net n {\n  input [4]\n" + String(repeating: "  desne 4\n", count: 1000) + "  loss mse\n}\n"
        let f = file(text)
        let (_, diagnostics) = Frontend.check(f)
        #expect(diagnostics.count >= 1000)
        let rendered = DiagnosticRenderer(file: f).render(diagnostics)
        #expect(rendered.components(separatedBy: ": error: ").count - 1 == DiagnosticRenderer.shownLimit)
        #expect(rendered.hasSuffix("… and \(diagnostics.count - DiagnosticRenderer.shownLimit) more errors not shown\n"))
        #expect(rendered.hasPrefix("m.net:3:3: error:"), "the first ones in source order")
        #expect(DiagnosticRenderer(file: f).render(diagnostics, limit: .max).components(separatedBy: ": error: ").count - 1
                == diagnostics.count)
    }

    /// Diagnostics found but not kept are counted in the line after the drawn ones and in the
    /// summary, errors and warnings each in their own number.
    @Test func omittedDiagnosticsAreCounted() {
        let f = file("net a {\n}\n")
        let r = at(1, 1, 0)
        let kept: [Diagnostic] = [.error("a", at: r), .warning("b", at: r), .error("c", at: r)]
        let omitted = OmittedDiagnostics(errors: 1000, warnings: 1)
        let rendered = DiagnosticRenderer(file: f).render(kept, limit: 1, omitted: omitted)
        #expect(rendered.hasSuffix("\n… and 1001 more errors and 2 more warnings not shown\n"))
        #expect(DiagnosticRenderer(file: f).render(kept, omitted: omitted)
            .hasSuffix("\n… and 1000 more errors and 1 more warning not shown\n"))
        #expect(DiagnosticRenderer.summary(kept, omitted: omitted) == "1002 errors, 2 warnings")
        #expect(DiagnosticRenderer(file: f).render([.warning("b", at: r)], limit: 0) == "… and 1 more warning not shown\n")
    }

    @Test func spanIsUnderlinedAndNotesHaveTheirOwnLine() {
        let f = file("net mnist {\n  relu\n\ndata {\n}\n")
        let (_, diagnostics) = Parser.parse(f)
        #expect(DiagnosticRenderer(file: f).render(diagnostics) == """
            m.net:4:1: error: expected '}' to close the body of 'net mnist' opened at 1:11
            data {
            ^~~~
            fix: insert '}'
            m.net:1:11: note: '{' opened here
            net mnist {
                      ^

            """)
    }

    @Test func tabsAreKeptSoTheCaretAligns() {
        let f = file("net a {\n\t\tdense 10 init: 3\n}")
        let (_, diagnostics) = Parser.parse(f)
        let lines = DiagnosticRenderer(file: f).render(diagnostics).split(separator: "\n")
        #expect(lines[1] == "\t\tdense 10 init: 3")
        #expect(lines[2] == "\t\t        ^")
    }

    @Test func caretCountsTerminalColumnsOfWideAndCombiningCharacters() {
        // A string with CJK (2 columns each) and e + U+0301 (1 column in all) before the error.
        let f = file("let b = \"模型 e\u{301}\" @\n")
        let (_, diagnostics) = Parser.parse(f)
        let lines = DiagnosticRenderer(file: f).render(diagnostics).split(separator: "\n")
        // `let b = "` is 9 columns, 模型 4, ` e\u{301}" ` 4: 17 columns before the '@'.
        #expect(lines[2] == String(repeating: " ", count: 17) + "^")
    }

    @Test func caretUnderAWideCharacterCoversBothColumns() {
        let f = file("a 模")
        let rendered = DiagnosticRenderer(file: f).render(.error("wide", at: at(1, 3, 2, width: 3)))
        #expect(rendered.split(separator: "\n")[2] == "  ^~")
    }

    @Test func crlfLineIsEchoedWithoutTheCarriageReturn() {
        let f = file("let a = 1\r\nlet b = @\r\n")
        let (_, diagnostics) = Parser.parse(f)
        #expect(DiagnosticRenderer(file: f).render(diagnostics) == """
            m.net:2:9: error: unexpected character '@'
            let b = @
                    ^

            """)
    }

    @Test func missingTokenAtLineEndGetsOneCaretPastTheText() {
        let f = file("train {\n  lr:\n}")
        let (_, diagnostics) = Parser.parse(f)
        #expect(DiagnosticRenderer(file: f).render(diagnostics) == """
            m.net:2:6: error: expected an expression after ':'
              lr:
                 ^

            """)
    }

    @Test func bytesThatAreNotUTF8AreReplacedOneColumnEach() {
        let f = SourceFile(path: "m.net", bytes: Array("let a = ".utf8) + [0xFF, 0x1B] + Array(" é @".utf8))
        let d = Diagnostic.error("unexpected character '@'", at: at(1, 15, 14))
        #expect(DiagnosticRenderer(file: f).render(d) == """
            m.net:1:15: error: unexpected character '@'
            let a = \u{FFFD}\u{FFFD} é @
                         ^

            """)
    }

    @Test func multiLineSpanIsUnderlinedToTheEndOfItsFirstLine() {
        let f = file("abc def\nxyz")
        let range = SourceRange(start: SourceLocation(line: 1, column: 5, offset: 4),
                                end: SourceLocation(line: 2, column: 2, offset: 9))
        #expect(DiagnosticRenderer(file: f).render(.error("m", at: range)) == "m.net:1:5: error: m\nabc def\n    ^~~\n")
    }

    @Test func colourOnlyWhenAsked() {
        let f = file("let a = @")
        let (_, diagnostics) = Parser.parse(f)
        #expect(!DiagnosticRenderer(file: f, color: false).render(diagnostics).contains("\u{1B}"))
        let coloured = DiagnosticRenderer(file: f, color: true).render(diagnostics)
        #expect(coloured.contains("\u{1B}[1;31merror:\u{1B}[0m"))
        #expect(coloured.contains("let a = @\n"), "the source line itself is never coloured")
    }

    @Test func diagnosticsAreRenderedInSourceOrder() {
        let f = file("a\nb\nc\n")
        let rendered = DiagnosticRenderer(file: f).render([
            .error("third", at: at(3, 1, 4)), .warning("first", at: at(1, 1, 0)), .error("second", at: at(2, 1, 2)),
        ])
        let headers = rendered.split(separator: "\n").filter { $0.hasPrefix("m.net:") }
        #expect(headers == ["m.net:1:1: warning: first", "m.net:2:1: error: second", "m.net:3:1: error: third"])
    }

    @Test func diagnosticWithoutAPlace() {
        let rendered = DiagnosticRenderer(file: file("x")).render(.error("no data found", at: .none))
        #expect(rendered == "m.net: error: no data found\n")
    }

    @Test func longLinesAreWindowedAroundTheSpan() {
        let text = "let x = " + String(repeating: "1+", count: 500) + "@"
        let f = file(text)
        let (_, diagnostics) = Parser.parse(f)
        let lines = DiagnosticRenderer(file: f).render(diagnostics).split(separator: "\n")
        #expect(lines[1].hasPrefix("…"))
        #expect(lines[1].count <= DiagnosticRenderer.maxLineWidth + 2)
        let caret = lines[2].firstIndex(of: "^").map { lines[2].distance(from: lines[2].startIndex, to: $0) }
        let at = lines[1].firstIndex(of: "@").map { lines[1].distance(from: lines[1].startIndex, to: $0) }
        #expect(caret != nil && caret == at)
    }

    @Test func summary() {
        let r = at(1, 1, 0)
        #expect(DiagnosticRenderer.summary([]) == "no errors")
        #expect(DiagnosticRenderer.summary([.error("a", at: r)]) == "1 error")
        #expect(DiagnosticRenderer.summary([.error("a", at: r), .error("b", at: r), .warning("c", at: r)])
                == "2 errors, 1 warning")
        #expect(DiagnosticRenderer.summary([.warning("c", at: r), .warning("d", at: r)]) == "2 warnings")
    }
}
