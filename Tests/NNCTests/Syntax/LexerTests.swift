import Testing
@testable import NNC

struct LexerTests {
    private func lex(_ text: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        Lexer.tokenize(SourceFile(path: "t.net", text: text))
    }

    private func kinds(_ text: String) -> [TokenKind] { lex(text).tokens.map(\.kind) }

    @Test func emptyFileIsJustEndOfFile() {
        let (tokens, diagnostics) = lex("")
        #expect(tokens.map(\.kind) == [.endOfFile])
        #expect(tokens[0].range.start == SourceLocation(line: 1, column: 1, offset: 0))
        #expect(diagnostics.isEmpty)
    }

    @Test func statementTokens() {
        #expect(kinds("head: dense 10, init: normal(0.01) # comment\n") ==
                [.name, .colon, .name, .number, .comma, .name, .colon, .name, .leftParen, .number, .rightParen,
                 .newline, .endOfFile])
    }

    @Test func everyPunctuationAndKeyword() {
        let spelled = TokenKind.allCases.compactMap(\.spelling)
        let (tokens, diagnostics) = lex(spelled.joined(separator: " "))
        #expect(diagnostics.isEmpty)
        #expect(tokens.dropLast().map(\.kind) == TokenKind.allCases.filter { $0.spelling != nil })
    }

    @Test func keywordsAreWholeWords() {
        #expect(kinds("net nets _net net_ Net train trainer") ==
                [.kwNet, .name, .name, .name, .name, .kwTrain, .name, .endOfFile])
    }

    @Test func locationsAreOneBasedBytesWithTabsAndCRLF() {
        let tokens = lex("a\r\n\tbb c").tokens
        #expect(tokens.map(\.kind) == [.name, .newline, .name, .name, .endOfFile])
        #expect("\(tokens[0].range)" == "@1:1-1:2")
        #expect("\(tokens[2].range)" == "@2:2-2:4")
        #expect("\(tokens[3].range)" == "@2:5-2:6")
        #expect(tokens[3].range.start.offset == 7)
    }

    @Test(arguments: [("0", 0.0), ("128", 128), ("0.5", 0.5), ("1e-4", 1e-4), ("1_000", 1000),
                      ("2.5E+2", 250), ("1_000.25e-2", 10.0025), ("7e1", 70)])
    func numbers(text: String, value: Double) {
        let (tokens, diagnostics) = lex(text)
        #expect(diagnostics.isEmpty)
        #expect(tokens[0].kind == .number)
        #expect(tokens[0].number == value)
        #expect(tokens[0].text == text)
    }

    @Test func stringEscapes() {
        let (tokens, diagnostics) = lex(#""a\tb\nc\"d\\e" "#)
        #expect(diagnostics.isEmpty)
        #expect(tokens[0].kind == .string)
        #expect(tokens[0].string == "a\tb\nc\"d\\e")
        #expect(tokens[0].text == #""a\tb\nc\"d\\e""#)
    }

    @Test func unterminatedStringStopsAtLineEnd() {
        let (tokens, diagnostics) = lex("\"abc\r\nrelu")
        #expect(tokens.map(\.kind) == [.string, .newline, .name, .endOfFile])
        #expect(diagnostics.map(SyntaxFixtures.line) ==
                ["1:1-1:5 error: unterminated string [fix: insert '\"' at the end of the string]"])
    }

    @Test func runOfUnexpectedCharactersIsOneTokenAndOneMessage() {
        let (tokens, diagnostics) = lex("a @$% b")
        #expect(tokens.map(\.kind) == [.name, .invalid, .name, .endOfFile])
        #expect(diagnostics.map(SyntaxFixtures.line) == ["1:3-1:6 error: unexpected characters '@$%'"])
    }

    @Test func bytesThatAreNotUTF8() {
        let file = SourceFile(path: "t.net", bytes: [0x61, 0x20, 0xFF, 0xFE, 0x20, 0x00, 0x0A, 0x62])
        let (tokens, diagnostics) = Lexer.tokenize(file)
        #expect(tokens.map(\.kind) == [.name, .invalid, .invalid, .newline, .name, .endOfFile])
        #expect(diagnostics.map(SyntaxFixtures.line) == [
            "1:3-1:5 error: unexpected bytes '\\xFF\\xFE' (the file is not valid UTF-8 here)",
            "1:6-1:7 error: unexpected character '\\u{0}'",
        ])
    }

    @Test func confusablesGetAFix() {
        let (_, diagnostics) = lex("a \u{2212} b \u{00D7} c")
        #expect(diagnostics.map(\.fix) == ["use '-'", "use '*'"])
    }

    @Test func commentsRunToLineEnd() {
        #expect(kinds("# only a comment\n#another") == [.newline, .endOfFile])
    }

    @Test func numberGluedToLettersIsOneBadToken() {
        let (tokens, diagnostics) = lex("10x 1e")
        #expect(tokens.map(\.kind) == [.number, .number, .endOfFile])
        #expect(diagnostics.map(\.message) == ["'10x' is not a valid number", "'1e' is not a valid number"])
    }
}
