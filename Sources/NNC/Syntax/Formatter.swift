/// The canonical layout of a `.net` file, as `nnc fmt` prints it.
///
/// Like gofmt, it keeps the author's line breaks and rewrites everything within and between
/// them: indentation (two spaces per `{`, continuation lines of a `(` or `[` aligned after it,
/// a statement continued after a trailing `,` two more), one space between tokens except where
/// punctuation binds (`f(x)`, `[1, 2]`, `a: 1`, `-4`), a binary operator spaced or tight as
/// written (`1/255`, `depth - 2`), two spaces before a trailing comment, at most one blank line
/// and none just inside a brace. Comments are kept verbatim. Since nothing but whitespace
/// changes, the formatted file parses to the same tree.
public enum Formatter {
    /// Spaces per level of `{`.
    public static let indentWidth = 2

    /// The file in the canonical layout, or nil when it has syntax errors (then the parser's
    /// diagnostics say why); warnings do not stop it.
    public static func format(_ file: SourceFile) -> (text: String?, diagnostics: [Diagnostic]) {
        let (unit, diagnostics) = Parser.parse(file)
        guard !diagnostics.hasErrors else { return (nil, diagnostics) }
        let (tokens, _) = Lexer.tokenize(file)
        var layout = Layout(file: file, tokens: tokens, statementNames: statementNames(unit))
        return (layout.run(), diagnostics)
    }

    /// Offsets of statement names written without parentheses: a `-` after one begins the first
    /// argument (`leaky_relu -0.5`), where after any other name it subtracts (`depth - 2`).
    private static func statementNames(_ unit: SourceUnit) -> Set<Int> {
        var offsets: Set<Int> = []
        func walk(_ statements: [Statement]) {
            for s in statements {
                if !s.parenthesized { offsets.insert(s.name.range.start.offset) }
                if let body = s.body { walk(body) }
            }
        }
        for declaration in unit.declarations {
            switch declaration {
            case .block(_, _, let body, _), .net(_, let body, _): walk(body)
            case .constant, .config: break
            }
        }
        return offsets
    }
}

/// One pass over the tokens, line by line, writing the canonical text.
private struct Layout {
    /// An open `(` or `[` whose contents continue on later lines.
    struct Group {
        /// The output column just after the opener.
        var column: Int
        /// Whether tokens follow the opener on its line: then later lines align under them.
        var trailing: Bool
        var lineIndent: Int
    }

    let file: SourceFile
    let tokensByLine: [[Token]]
    let statementNames: Set<Int>
    var out = ""
    /// True for a `{` of a `data`, `optimizer` or `train` block (or a section in one), where a
    /// `,` at the end of a line separates entries instead of continuing a statement.
    var braces: [Bool] = []
    var groups: [Group] = []
    var topLevelIsConfig = false
    var continued = false
    var blankPending = false
    var lastLineOpened = false

    init(file: SourceFile, tokens: [Token], statementNames: Set<Int>) {
        self.file = file
        self.statementNames = statementNames
        var lines = [[Token]](repeating: [], count: file.lineStarts.count + 1)
        for token in tokens where token.kind != .newline && token.kind != .endOfFile {
            lines[token.range.start.line].append(token)
        }
        tokensByLine = lines
    }

    mutating func run() -> String {
        for n in 1...file.lineStarts.count { line(n) }
        return out
    }

    private mutating func line(_ n: Int) {
        let tokens = tokensByLine[n]
        let comment = self.comment(n, after: tokens.last)
        if tokens.isEmpty && comment == nil {
            blankPending = !out.isEmpty
            return
        }
        let first = tokens.first?.kind
        if blankPending && !lastLineOpened && first != .rightBrace { out += "\n" }
        blankPending = false
        var text = String(repeating: " ", count: indent(first: first))
        var previous: Token?
        for (i, token) in tokens.enumerated() {
            if let previous { text += space(previous, token) }
            switch token.kind {
            case .leftParen, .leftBracket:
                groups.append(Group(column: text.unicodeScalars.count + 1, trailing: i < tokens.count - 1,
                                    lineIndent: leadingSpaces(text)))
            case .rightParen, .rightBracket:
                if !groups.isEmpty { groups.removeLast() }
            case .leftBrace:
                braces.append(braces.last ?? topLevelIsConfig)
            case .rightBrace:
                if !braces.isEmpty { braces.removeLast() }
            default:
                if token.kind.beginsDeclaration && braces.isEmpty && groups.isEmpty {
                    topLevelIsConfig = [.kwData, .kwOptimizer, .kwTrain].contains(token.kind)
                }
            }
            text += token.text
            previous = token
        }
        if let comment { text += (tokens.isEmpty ? "" : "  ") + comment }
        out += text + "\n"
        lastLineOpened = tokens.last?.kind == .leftBrace
        if !tokens.isEmpty {
            continued = groups.isEmpty && tokens.last!.kind == .comma && braces.last == false
        }
    }

    /// Where a line's first token goes: under its open group, else by its braces.
    private func indent(first: TokenKind?) -> Int {
        if let group = groups.last {
            if first == .rightParen || first == .rightBracket { return group.lineIndent }
            return group.trailing ? group.column : group.lineIndent + Formatter.indentWidth
        }
        let depth = braces.count - (first == .rightBrace ? 1 : 0)
        return max(0, depth) * Formatter.indentWidth + (continued ? Formatter.indentWidth : 0)
    }

    /// The `#` comment that ends line `n`, trailing spaces dropped: whatever follows the line's
    /// last token (a `#` inside a string is part of the token).
    private func comment(_ n: Int, after last: Token?) -> String? {
        let bytes = file.line(n)
        var i = last.map { $0.range.end.offset } ?? bytes.startIndex
        // The lexer's whitespace, CR included: a `#` after a lone `\r` still starts a comment.
        while i < bytes.endIndex, [0x20, 0x09, 0x0B, 0x0C, 0x0D].contains(bytes[i]) { i += 1 }
        guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "#") else { return nil }
        var end = bytes.endIndex
        while end > i, [0x20, 0x09, 0x0B, 0x0C, 0x0D].contains(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[i..<end], as: UTF8.self)
    }

    /// The space between two tokens of one line.
    private func space(_ a: Token, _ b: Token) -> String {
        switch b.kind {
        case .comma, .semicolon: return a.kind == .leftBrace ? " " : ""
        case .colon, .rightParen, .rightBracket: return ""
        case .leftParen where a.kind == .name: return ""
        case .rightBrace: return a.kind == .leftBrace ? "" : " "
        default: break
        }
        switch a.kind {
        case .leftParen, .leftBracket: return ""
        case .minus where isUnary(a): return ""
        default: break
        }
        if isBinary(b) { return spacedInSource(b) ? " " : "" }
        if isBinary(a) { return spacedInSource(a) ? " " : "" }
        return " "
    }

    private func isBinary(_ t: Token) -> Bool {
        switch t.kind {
        case .plus, .star, .slash: return true
        case .minus: return !isUnary(t)
        default: return false
        }
    }

    /// A `-` negates unless it follows an operand; a statement's name is not one.
    private func isUnary(_ minus: Token) -> Bool {
        guard let before = previousToken(minus) else { return true }
        switch before.kind {
        case .number, .string, .kwTrue, .kwFalse, .rightParen, .rightBracket: return false
        case .name: return statementNames.contains(before.range.start.offset)
        default: return true
        }
    }

    private func previousToken(_ t: Token) -> Token? {
        var line = t.range.start.line
        var candidates = tokensByLine[line].filter { $0.range.start.offset < t.range.start.offset }
        while candidates.isEmpty && line > 1 {
            line -= 1
            candidates = tokensByLine[line]
        }
        return candidates.last
    }

    /// Whether the source has a space on either side of an operator, between it and a token of
    /// its own line: the indentation before an operator that starts a line is the layout's, not
    /// the author's (counting it made `-1` on a continuation line `- 1` on a second pass).
    private func spacedInSource(_ op: Token) -> Bool {
        let bytes = file.bytes
        let line = tokensByLine[op.range.start.line]
        let first = line.first?.range.start.offset == op.range.start.offset
        let last = line.last?.range.start.offset == op.range.start.offset
        let before = op.range.start.offset - 1, after = op.range.end.offset
        return (!first && before >= 0 && (bytes[before] == 0x20 || bytes[before] == 0x09))
            || (!last && after < bytes.count && (bytes[after] == 0x20 || bytes[after] == 0x09))
    }

    private func leadingSpaces(_ text: String) -> Int { text.prefix { $0 == " " }.count }
}
