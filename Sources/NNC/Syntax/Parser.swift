/// A recursive-descent parser for `grammar/nnc.ebnf`, with error recovery.
///
/// After a mistake the parser reports once, stops reporting (panic mode, as in clox), skips to the
/// next statement or entry boundary — a newline, a `;`, or the `}` that closes the current body —
/// and carries on, so each independent mistake in a file gives one diagnostic. Mistakes with an
/// obvious repair (a missing `,`, `=` for `:`, a keyword used as a name) are reported and parsed
/// as if repaired, without skipping anything.
///
/// The parser's functions live in three files: this one (the token cursor, reporting and
/// recovery), `Parser+Declarations.swift` and `Parser+Expressions.swift`.
public struct Parser {
    /// Deepest allowed nesting of `()`, `[]`, `{}` and unary minus together.
    public static let maxDepth = 256
    /// Longest allowed chain of binary operators (`1+1+…`), which would make a tree as deep.
    public static let maxOperators = 1024
    /// Errors reported before the parser gives up reporting more.
    public static let maxErrors = 100

    /// Parses a whole file. Never fails: the tree holds whatever could be read, with
    /// `Expr.error` where an expression was missing, and the diagnostics say what went wrong.
    public static func parse(_ file: SourceFile) -> (unit: SourceUnit, diagnostics: [Diagnostic]) {
        let (tokens, lexerDiagnostics) = Lexer.tokenize(file)
        var parser = Parser(tokens: tokens)
        parser.linesWithLexerErrors = Set(lexerDiagnostics.filter(\.isError).map(\.range.start.line))
        let unit = parser.parseFile()
        var all = (lexerDiagnostics + parser.diagnostics).enumerated().sorted {
            ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
        }.map(\.element)
        var errors = 0
        if let cut = all.firstIndex(where: { d in
            if d.isError { errors += 1 }
            return errors > maxErrors
        }) {
            let at = all[cut].range
            all.removeSubrange(cut...)
            all.append(.error(ParseMessage.tooManyErrors(maxErrors), at: at))
        }
        return (unit, all)
    }

    let tokens: [Token]
    var index = 0
    var diagnostics: [Diagnostic] = []
    /// Set by an error that needs a skip to the next boundary; reports are dropped meanwhile.
    var panicking = false
    var lastErrorOffset = -1
    /// Lines the lexer already reported on: the parser stays quiet there, since its complaint
    /// would only be the consequence of the lexer's.
    var linesWithLexerErrors: Set<Int> = []
    /// Current nesting of `()`, `[]`, `{}` and unary minus, bounded by `maxDepth`.
    var depth = 0
    /// Binary operators in the expression chains being parsed, bounded by `maxOperators`.
    var pendingOperators = 0
    /// Open `(` and `[` since the last `{`: inside them newlines are not separators.
    var groupDepth = 0
    /// The end of the last consumed token that was not a newline.
    var lastEnd = SourceLocation(line: 1, column: 1, offset: 0)
    /// Index of the last consumed token that was not a newline, or -1.
    var lastIndex = -1
    var lastToken: Token? { lastIndex >= 0 ? tokens[lastIndex] : nil }
    var reportedUnclosedAtEnd = false

    init(tokens: [Token]) {
        precondition(tokens.last?.kind == .endOfFile, "the lexer always ends with endOfFile")
        self.tokens = tokens
    }

    // MARK: Token cursor

    var current: Token { _read { yield tokens[index] } }
    var kind: TokenKind { tokens[index].kind }

    /// The kind of the token `n` places ahead, not skipping newlines.
    func peek(_ n: Int = 1) -> TokenKind { tokens[min(index + n, tokens.count - 1)].kind }

    /// Consumes the current token. Newlines after it are skipped inside `()`/`[]` and after ','.
    @discardableResult
    mutating func advance() -> Token {
        let consumed = index
        let kind = tokens[consumed].kind
        if kind != .newline {
            lastEnd = tokens[consumed].range.end
            lastIndex = consumed
        }
        if index < tokens.count - 1 { index += 1 }
        if groupDepth > 0 || kind == .comma { skipNewlines() }
        return tokens[consumed]
    }

    mutating func skipNewlines() {
        while tokens[index].kind == .newline { index += 1 }
    }

    mutating func skipSeparators(commas: Bool = false) {
        while kind == .newline || kind == .semicolon || (commas && kind == .comma) { index += 1 }
    }

    /// Whether the current token is on the same line as the last one consumed.
    var onSameLine: Bool { current.range.start.line == lastEnd.line && kind != .newline && kind != .endOfFile }

    /// Where a missing token should have been: the current token when it is on the same line,
    /// otherwise the point right after the last token.
    var expectedRange: SourceRange {
        onSameLine ? current.range : SourceRange(start: lastEnd, end: lastEnd)
    }

    /// The point right after the last token, where a missing `,` or `:` belongs.
    var afterLast: SourceRange { SourceRange(start: lastEnd, end: lastEnd) }

    var lastText: String { lastIndex >= 0 ? tokens[lastIndex].text : "" }

    /// The start of a declaration keyword in column 1 is taken as the end of an unclosed body.
    func isDeclarationAtLineStart(_ i: Int) -> Bool {
        tokens[i].kind.beginsDeclaration && tokens[i].range.start.column == 1
            && tokens[min(i + 1, tokens.count - 1)].kind != .colon
    }

    // MARK: Reporting

    /// Records an error unless the parser is already recovering from one. A `recoverable`
    /// error has been repaired in place; any other starts panic mode.
    mutating func report(_ diagnostic: Diagnostic, recoverable: Bool = false) {
        defer { if !recoverable { panicking = true } }
        if panicking || current.kind == .invalid && !recoverable { return }
        if linesWithLexerErrors.contains(diagnostic.range.start.line) { return }
        if diagnostic.range.start.offset == lastErrorOffset { return }
        lastErrorOffset = diagnostic.range.start.offset
        diagnostics.append(diagnostic)
    }

    mutating func error(_ message: String, at range: SourceRange, fix: String? = nil,
                        notes: [Diagnostic.Note] = [], recoverable: Bool = false) {
        report(.error(message, at: range, fix: fix, notes: notes), recoverable: recoverable)
    }

    /// Reports a keyword used where a name belongs, and returns it as a name so parsing goes on.
    mutating func keywordAsName() -> Identifier {
        let token = advance()
        error(ParseMessage.keywordAsName(token.text), at: token.range,
              fix: ParseMessage.renameKeyword(token.text), recoverable: true)
        return Identifier(token.text, token.range)
    }

    // MARK: Recovery

    /// Skips to the next boundary at the current level: a newline or `;` outside brackets, the
    /// `}` that closes the current body (not consumed), or a declaration keyword in column 1.
    /// In a config body a `,` outside brackets is a boundary too. Then leaves panic mode.
    mutating func synchronize(atCommas: Bool = false) {
        defer { panicking = false }
        var groups = 0
        var braces = 0
        while true {
            let token = tokens[index]
            switch token.kind {
            case .endOfFile:
                return
            case .newline, .semicolon:
                if braces == 0 && (groups == 0 || !continuesGroup(at: index)) { return }
            case .comma where atCommas && groups == 0 && braces == 0:
                return
            case .leftParen, .leftBracket:
                groups += 1
            case .rightParen, .rightBracket:
                groups = max(0, groups - 1)
            case .leftBrace:
                braces += 1
                groups = 0
            case .rightBrace:
                if braces == 0 { return }
                braces -= 1
                groups = 0
            default:
                if braces == 0 && isDeclarationAtLineStart(index) && index > 0
                    && tokens[index - 1].kind == .newline { return }
            }
            if token.kind != .newline {
                lastEnd = token.range.end
                lastIndex = index
            }
            index += 1
        }
    }

    /// Inside an unclosed `(` or `[`, a newline continues the group only when the line before
    /// ends with a separator or operator, or the next line starts with a closer or a separator.
    private func continuesGroup(at i: Int) -> Bool {
        if tokens[i].kind == .semicolon { return false }
        let before = i > 0 ? tokens[i - 1].kind : .newline
        var j = i
        while tokens[j].kind == .newline, j < tokens.count - 1 { j += 1 }
        let after = tokens[j].kind
        let openers: Set<TokenKind> = [.comma, .leftParen, .leftBracket, .plus, .minus, .star, .slash, .colon, .equals]
        let closers: Set<TokenKind> = [.rightParen, .rightBracket, .comma, .plus, .star, .slash]
        return openers.contains(before) || closers.contains(after)
    }

    /// After a missing `)` or `]` is reported on a later line, steps back so the newline that
    /// was skipped inside the group still ends the statement.
    mutating func rewindToNewline() {
        while index > 0, tokens[index - 1].kind == .newline { index -= 1 }
    }

    /// Enters one nesting level; on passing `maxDepth`, reports once, skips to the next
    /// boundary, and returns false.
    mutating func enterNesting() -> Bool {
        depth += 1
        if depth <= Self.maxDepth { return true }
        depth -= 1
        error(ParseMessage.nestingTooDeep, at: current.range)
        synchronize()
        // Whatever is unclosed at the end is part of the same mistake.
        if kind == .endOfFile { reportedUnclosedAtEnd = true }
        panicking = true
        return false
    }

    mutating func leaveNesting() { depth -= 1 }

    /// A small edit distance, to suggest a keyword for a misspelled one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }
}
