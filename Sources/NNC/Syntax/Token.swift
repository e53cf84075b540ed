/// The kinds of token the lexer produces: the terminals of `grammar/nnc.ebnf`, plus line ends,
/// the end of the file, and `invalid` for text the lexer could not read (already diagnosed).
public enum TokenKind: Hashable, Sendable, CaseIterable {
    case name, number, string
    case kwLet, kwBlock, kwNet, kwData, kwOptimizer, kwTrain, kwTrue, kwFalse
    case leftBrace, rightBrace, leftParen, rightParen, leftBracket, rightBracket
    case comma, colon, semicolon, equals, plus, minus, star, slash
    case newline, endOfFile, invalid

    /// The fixed spelling of a keyword or punctuation token; nil for tokens whose text varies.
    public var spelling: String? {
        switch self {
        case .kwLet: return "let"
        case .kwBlock: return "block"
        case .kwNet: return "net"
        case .kwData: return "data"
        case .kwOptimizer: return "optimizer"
        case .kwTrain: return "train"
        case .kwTrue: return "true"
        case .kwFalse: return "false"
        case .leftBrace: return "{"
        case .rightBrace: return "}"
        case .leftParen: return "("
        case .rightParen: return ")"
        case .leftBracket: return "["
        case .rightBracket: return "]"
        case .comma: return ","
        case .colon: return ":"
        case .semicolon: return ";"
        case .equals: return "="
        case .plus: return "+"
        case .minus: return "-"
        case .star: return "*"
        case .slash: return "/"
        case .name, .number, .string, .newline, .endOfFile, .invalid: return nil
        }
    }

    /// Reserved words, which cannot be used as names.
    public static let keywords: [String: TokenKind] = {
        var table: [String: TokenKind] = [:]
        for kind in allCases where kind.isKeyword { table[kind.spelling!] = kind }
        return table
    }()

    /// Whether this is one of the reserved words.
    public var isKeyword: Bool {
        switch self {
        case .kwLet, .kwBlock, .kwNet, .kwData, .kwOptimizer, .kwTrain, .kwTrue, .kwFalse: return true
        default: return false
        }
    }

    /// Keywords that begin a top-level declaration.
    public var beginsDeclaration: Bool {
        switch self {
        case .kwLet, .kwBlock, .kwNet, .kwData, .kwOptimizer, .kwTrain: return true
        default: return false
        }
    }

    /// Tokens that can begin an expression (and so an argument).
    public var beginsExpression: Bool {
        switch self {
        case .name, .number, .string, .kwTrue, .kwFalse, .leftParen, .leftBracket, .minus: return true
        default: return false
        }
    }
}

/// One token: its kind, where it is, its source text, and the value of a literal.
public struct Token: Hashable, Sendable {
    public var kind: TokenKind
    /// Where the token is; a token never spans lines.
    public var range: SourceRange
    /// The source text, decoded leniently (invalid UTF-8 becomes U+FFFD).
    public var text: String
    /// The value of a `number` token (0 when it could not be read; already diagnosed).
    public var number: Double = 0
    /// The value of a `string` token, escapes resolved.
    public var string: String = ""

    public init(kind: TokenKind, range: SourceRange, text: String) {
        self.kind = kind
        self.range = range
        self.text = text
    }

    /// How messages quote this token: `'dense'`, `'{'`, `end of line`, `end of file`.
    public var quoted: String {
        switch kind {
        case .newline: return "end of line"
        case .endOfFile: return "end of file"
        case .string: return text.count > 40 ? "string " + String(text.prefix(37)) + "…\"" : "string " + text
        default:
            return "'" + (text.count > 40 ? String(text.prefix(39)) + "…" : text) + "'"
        }
    }
}
