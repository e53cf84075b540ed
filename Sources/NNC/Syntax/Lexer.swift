/// Turns the bytes of a source file into tokens.
///
/// Works on bytes, not `String`, so any input — binary, non-UTF-8, NUL bytes, CRLF — yields
/// tokens and diagnostics and never a crash. Each lexical mistake gives one diagnostic; a run of
/// unreadable characters gives one `invalid` token, which the parser skips without a second message.
public struct Lexer {
    /// Tokenizes a whole file; the last token is always `endOfFile`.
    public static func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        // A binary file (an executable, a data file given by mistake) read as text would echo
        // garbage as a hundred errors; one error at its first NUL byte says what happened.
        if let nul = file.bytes.prefix(binaryProbeLength).firstIndex(of: 0) {
            let line = file.bytes[..<nul].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let lineStart = file.bytes[..<nul].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let at = SourceLocation(line: line, column: nul - lineStart + 1, offset: nul)
            let end = SourceLocation(line: line, column: at.column + 1, offset: nul + 1)
            let eof = SourceLocation(line: file.lineStarts.count,
                                     column: file.bytes.count - file.lineStarts.last! + 1, offset: file.bytes.count)
            return ([Token(kind: .endOfFile, range: SourceRange(start: eof, end: eof), text: "")],
                    [.error(ParseMessage.notText, at: SourceRange(start: at, end: end), fix: ParseMessage.notTextFix)])
        }
        var lexer = Lexer(bytes: file.bytes)
        lexer.run()
        return (lexer.tokens, lexer.diagnostics)
    }

    /// A NUL byte this early marks a binary file, as git decides (text never holds one).
    static let binaryProbeLength = 8000

    private let bytes: [UInt8]
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    private var tokens: [Token] = []
    private var diagnostics: [Diagnostic] = []
    private var errorCount = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        tokens.reserveCapacity(bytes.count / 3 + 1)
    }

    private mutating func run() {
        while pos < bytes.count {
            let b = bytes[pos]
            switch b {
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C:  // space, tab, CR (of CRLF), vertical tab, form feed
                pos += 1
            case 0x0A:
                emit(.newline, from: pos, to: pos + 1)
                pos += 1
                line += 1
                lineStart = pos
            case UInt8(ascii: "#"):
                skipComment()
            case UInt8(ascii: "/") where pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "/"):
                // A C-style comment: said once, then read as a comment so nothing else follows from it.
                report(.error(ParseMessage.slashComment, at: range(pos, pos + 2), fix: ParseMessage.use("#")))
                skipComment()
            case _ where Self.isNameStart(b):
                lexName()
            case _ where Self.isDigit(b):
                lexNumber()
            case UInt8(ascii: ".") where pos + 1 < bytes.count && Self.isDigit(bytes[pos + 1]):
                lexNumber()
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                lexString()
            case 0xE2 where curlyQuoteLength(at: pos) > 0:
                lexString()
            default:
                if let kind = Self.punctuation[Int(b)] {
                    emit(kind, from: pos, to: pos + 1)
                    pos += 1
                } else {
                    lexUnexpected()
                }
            }
        }
        emit(.endOfFile, from: pos, to: pos)
    }

    // MARK: Tokens

    private mutating func lexName() {
        let start = pos
        while pos < bytes.count, Self.isNameContinue(bytes[pos]) { pos += 1 }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        emit(TokenKind.keywords[text] ?? .name, from: start, to: pos, text: text)
    }

    /// `digit { digit | "_" } [ "." digit { digit } ] [ ("e"|"E") ["+"|"-"] digit { digit } ]`,
    /// with targeted messages for `.5`, `1.`, `10x` and numbers too large for a Double.
    private mutating func lexNumber() {
        let start = pos
        var problem: (message: String, fix: String?)?
        if bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            skipDigits()
            let text = self.text(start, pos)
            problem = (ParseMessage.leadingDot(text), ParseMessage.write("0" + text))
        } else {
            while pos < bytes.count, Self.isDigit(bytes[pos]) || bytes[pos] == UInt8(ascii: "_") { pos += 1 }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                if pos + 1 < bytes.count, Self.isDigit(bytes[pos + 1]) {
                    pos += 1
                    skipDigits()
                } else {
                    pos += 1
                    let text = self.text(start, pos)
                    problem = (ParseMessage.missingFractionDigits(text), ParseMessage.write(text + "0"))
                }
            }
        }
        if problem == nil, pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            var p = pos + 1
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            if p < bytes.count, Self.isDigit(bytes[p]) {
                pos = p
                skipDigits()
            }
        }
        let valueEnd = pos
        // Letters or digits glued to a number (`10x`, `1e`, `0x1F`) make one bad token, not two.
        if pos < bytes.count, Self.isNameContinue(bytes[pos]) || bytes[pos] == UInt8(ascii: ".") {
            while pos < bytes.count, Self.isNameContinue(bytes[pos]) || bytes[pos] == UInt8(ascii: ".") { pos += 1 }
            if problem == nil { problem = (ParseMessage.invalidNumber(text(start, pos)), nil) }
        }
        let text = self.text(start, pos)
        var digits = String(decoding: bytes[start..<valueEnd].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        if digits.hasPrefix(".") { digits = "0" + digits }
        if digits.hasSuffix(".") { digits += "0" }
        var value = Double(digits) ?? 0
        if problem == nil, !value.isFinite {
            problem = (ParseMessage.numberTooLarge(text), nil)
            value = 0
        }
        if let problem {
            report(.error(problem.message, at: range(start, pos), fix: problem.fix))
        } else if value == 0, digits.contains(where: { $0 >= "1" && $0 <= "9" }),
                  let e = digits.firstIndex(where: { $0 == "e" || $0 == "E" }),
                  digits[..<e].contains(where: { $0 >= "1" && $0 <= "9" }) {
            report(.warning(ParseMessage.numberTooSmall(text), at: range(start, pos)))
        }
        var token = Token(kind: .number, range: range(start, pos), text: text)
        token.number = value
        tokens.append(token)
    }

    /// A string ends at its closing quote; a line end or the end of the file first means it is
    /// unterminated. Only the first problem in a string is reported.
    private mutating func lexString() {
        let start = pos
        let quote = bytes[pos]
        let curly = curlyQuoteLength(at: pos) > 0
        pos += curly ? 3 : 1
        var value: [UInt8] = []
        var reported = false
        var terminated = false
        /// The last ',' inside the string: its offset and how much of the value precedes it.
        var lastComma: (offset: Int, valueCount: Int)?
        while pos < bytes.count, bytes[pos] != 0x0A {
            let c = bytes[pos]
            if c == quote && !curly && !reported && closesTooEarly(at: pos) {
                // `idx("a.gz, "b.gz")`: this quote opens the next string, so the one begun at
                // `start` was never closed. Said there, and lexed as if closed before its last
                // comma (or here), so the rest of the line reads as written.
                let end = lastComma?.offset ?? pos
                if let comma = lastComma { value.removeSubrange(comma.valueCount...) }
                while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
                let shown = String(decoding: value, as: UTF8.self)
                report(.error(ParseMessage.unterminatedString, at: range(start, end),
                              fix: ParseMessage.insertQuote(after: shown)))
                pos = end
                var token = Token(kind: .string, range: range(start, end), text: text(start, end))
                token.string = shown
                tokens.append(token)
                return
            }
            if c == UInt8(ascii: ",") { lastComma = (pos, value.count) }
            // A string opened with a curly quote may be closed by either kind of quote.
            if curly && (c == UInt8(ascii: "\"") || curlyQuoteLength(at: pos) > 0) {
                pos += c == UInt8(ascii: "\"") ? 1 : 3
                terminated = true
                break
            }
            if c == quote && !curly {
                pos += 1
                terminated = true
                break
            }
            if c == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] != 0x0A {
                let e = bytes[pos + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): value.append(e)
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "t"): value.append(0x09)
                default:
                    let length = UTF8Bytes.scalarLength(bytes, pos + 1)
                    value.append(contentsOf: bytes[pos..<(pos + 1 + length)])
                    if !reported {
                        reported = true
                        let shown = "\\" + Self.display(bytes[(pos + 1)..<(pos + 1 + length)])
                        report(.error(ParseMessage.invalidEscape(shown), at: range(pos, pos + 1 + length),
                                      fix: ParseMessage.escapeBackslash))
                    }
                    pos += 1 + length
                    continue
                }
                pos += 2
                continue
            }
            value.append(c)
            pos += 1
        }
        if !terminated {
            var end = pos
            if end > start + 1, bytes[end - 1] == 0x0D { end -= 1 }
            if !reported { report(.error(ParseMessage.unterminatedString, at: range(start, end), fix: ParseMessage.insertQuote)) }
            reported = true
        }
        if quote == UInt8(ascii: "'"), !reported {
            report(.error(ParseMessage.singleQuotedString, at: range(start, pos), fix: ParseMessage.useDoubleQuotes))
        }
        if curly, !reported {
            report(.error(ParseMessage.curlyQuotedString, at: range(start, pos), fix: ParseMessage.useDoubleQuotes))
        }
        var token = Token(kind: .string, range: range(start, pos), text: text(start, pos))
        token.string = String(decoding: value, as: UTF8.self)
        tokens.append(token)
    }

    /// Whether the quote at `i` is glued to what follows it (`"b.gz`, `"/data`): then it opens
    /// a string rather than closes one, since nothing may follow a string without a space,
    /// operator or separator.
    private func closesTooEarly(at i: Int) -> Bool {
        guard i + 1 < bytes.count else { return false }
        let next = bytes[i + 1]
        return Self.isNameStart(next) || Self.isDigit(next) || next == UInt8(ascii: ".") || next == UInt8(ascii: "/")
            || next == UInt8(ascii: "~") || next == UInt8(ascii: "\\")
    }

    /// Groups a run of characters that begin no token into one `invalid` token and one message.
    private mutating func lexUnexpected() {
        let start = pos
        var count = 0
        var sawInvalidUTF8 = false
        while pos < bytes.count, !beginsToken(at: pos) {
            let length = UTF8Bytes.scalarLength(bytes, pos)
            if length == 1, bytes[pos] >= 0x80 { sawInvalidUTF8 = true }
            pos += length
            count += 1
        }
        emit(.invalid, from: start, to: pos)
        if errorCount > Parser.maxErrors { return }
        let shown = Self.display(bytes[start..<pos], limit: 24)
        let message = sawInvalidUTF8 ? ParseMessage.invalidUTF8(shown, count: count)
                                     : ParseMessage.unexpectedCharacter(shown, count: count)
        let fix = count == 1 ? Self.confusableFix(String(decoding: bytes[start..<pos], as: UTF8.self)) : nil
        report(.error(message, at: range(start, pos), fix: fix))
    }

    private func beginsToken(at i: Int) -> Bool {
        let b = bytes[i]
        if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "#") { return true }
        if Self.isNameStart(b) || Self.isDigit(b) || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { return true }
        if curlyQuoteLength(at: i) > 0 { return true }
        if b == UInt8(ascii: "."), i + 1 < bytes.count, Self.isDigit(bytes[i + 1]) { return true }
        return Self.punctuation[Int(b)] != nil
    }

    // MARK: Helpers

    /// 3 when a curly double quote (U+201C or U+201D, pasted from a document) starts at `i`.
    private func curlyQuoteLength(at i: Int) -> Int {
        guard i + 2 < bytes.count, bytes[i] == 0xE2, bytes[i + 1] == 0x80,
              bytes[i + 2] == 0x9C || bytes[i + 2] == 0x9D else { return 0 }
        return 3
    }

    private mutating func skipComment() {
        while pos < bytes.count, bytes[pos] != 0x0A { pos += 1 }
    }

    private mutating func skipDigits() {
        while pos < bytes.count, Self.isDigit(bytes[pos]) { pos += 1 }
    }

    private mutating func emit(_ kind: TokenKind, from start: Int, to end: Int, text: String? = nil) {
        let text = text ?? kind.spelling ?? (kind == .newline ? "\n" : self.text(start, end))
        tokens.append(Token(kind: kind, range: range(start, end), text: text))
    }

    /// Keeps the first errors only: the parser shows no more than `Parser.maxErrors`, and the
    /// lexer's are the earliest in the file of any it could show, so later ones are never seen.
    private mutating func report(_ diagnostic: Diagnostic) {
        if diagnostic.isError {
            errorCount += 1
            if errorCount > Parser.maxErrors + 1 { return }
        }
        diagnostics.append(diagnostic)
    }

    /// A range within the current line (tokens never span lines).
    private func range(_ start: Int, _ end: Int) -> SourceRange {
        SourceRange(start: SourceLocation(line: line, column: start - lineStart + 1, offset: start),
                    end: SourceLocation(line: line, column: end - lineStart + 1, offset: end))
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The one-byte punctuation tokens, indexed by byte.
    private static let punctuation: [TokenKind?] = {
        var table = [TokenKind?](repeating: nil, count: 256)
        for kind in TokenKind.allCases where !kind.isKeyword {
            if let s = kind.spelling { table[Int(s.utf8.first!)] = kind }
        }
        return table
    }()
}
