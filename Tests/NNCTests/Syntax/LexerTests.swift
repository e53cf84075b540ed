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
        let file = SourceFile(path: "t.net", bytes: [0x61, 0x20, 0xFF, 0xFE, 0x20, 0x01, 0x0A, 0x62])
        let (tokens, diagnostics) = Lexer.tokenize(file)
        #expect(tokens.map(\.kind) == [.name, .invalid, .invalid, .newline, .name, .endOfFile])
        #expect(diagnostics.map(SyntaxFixtures.line) == [
            "1:3-1:5 error: unexpected bytes '\\xFF\\xFE' (the file is not valid UTF-8 here)",
            "1:6-1:7 error: unexpected character '\\u{1}'",
        ])
    }

    /// A binary file (here the start of an ELF executable) or UTF-16 text is one error at its
    /// first NUL byte, not a hundred about the garbage it reads as.
    @Test func binaryFileIsOneErrorAtItsFirstNUL() {
        let notText = "error: not a UTF-8 text file: it holds a NUL byte (is it binary, or UTF-16?) "
            + "[fix: give nnc the .net file; data files are named in its 'data' block]"
        let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x0A, 0xFF, 0x03, 0x00, 0x3E]
            + Array("}{ dense desne ((".utf8)
        let (tokens, diagnostics) = Lexer.tokenize(SourceFile(path: "t.net", bytes: elf))
        #expect(tokens.map(\.kind) == [.endOfFile])
        #expect(diagnostics.map(SyntaxFixtures.line) == ["1:8-1:9 " + notText])
        let utf16 = Array("net n {\n".utf16).flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
        #expect(Lexer.tokenize(SourceFile(path: "t.net", bytes: utf16)).diagnostics.map(SyntaxFixtures.line)
                == ["1:2-1:3 " + notText])
        // Past the first 8000 bytes a NUL is one more bad character, as git decides.
        let late = Array(String(repeating: "# text\n", count: 1200).utf8) + [0x00]
        #expect(Lexer.tokenize(SourceFile(path: "t.net", bytes: late)).diagnostics.map(\.message)
                == ["unexpected character '\\u{0}'"])
    }

    /// A string missing its closing quote, closed by the opening quote of the next one on the
    /// line: reported at its own opening quote, and the rest of the line read as meant.
    @Test func stringClosedByTheNextStringsQuote() {
        let (tokens, diagnostics) = lex("idx(\"mnist/a.gz, \"mnist/b.gz\")")
        #expect(tokens.map(\.kind) == [.name, .leftParen, .string, .comma, .string, .rightParen, .endOfFile])
        #expect(tokens.filter { $0.kind == .string }.map(\.string) == ["mnist/a.gz", "mnist/b.gz"])
        #expect(diagnostics.map(SyntaxFixtures.line) ==
                ["1:5-1:16 error: unterminated string [fix: insert '\"' after 'mnist/a.gz']"])
        let noComma = lex("idx(\"a.gz \"b.gz\")")
        #expect(noComma.tokens.map(\.kind) == [.name, .leftParen, .string, .string, .rightParen, .endOfFile])
        #expect(noComma.diagnostics.map(SyntaxFixtures.line) ==
                ["1:5-1:11 error: unterminated string [fix: insert '\"' after 'a.gz']"])
        // A string followed by a space, a separator or an operator is closed where it says.
        #expect(lex("f(\"a\", \"b\") + \"c\" \"d\"").diagnostics.isEmpty)
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
