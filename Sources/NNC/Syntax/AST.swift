/// The syntax tree of a `.net` file, exactly as written: no names resolved, no shapes known.
/// Every node carries the source range it came from, for diagnostics in later stages.

/// A name as written, with its place.
public struct Identifier: Hashable, Sendable {
    public var name: String
    public var range: SourceRange
    public init(_ name: String, _ range: SourceRange) {
        self.name = name
        self.range = range
    }
}

public enum UnaryOperator: String, Sendable { case negate = "-" }
public enum BinaryOperator: String, Sendable { case add = "+", subtract = "-", multiply = "*", divide = "/" }

/// A value expression: `128`, `1/255`, `width * 2`, `normal(0.01)`, `[1, 28, 28]`, `"train.gz"`.
public struct Expr: Hashable, Sendable {
    public indirect enum Kind: Hashable, Sendable {
        /// A numeric literal; `text` is kept so `3` and `3.0` can be told apart.
        case number(Double, text: String)
        case string(String)
        case bool(Bool)
        /// A bare name: a constant, a block parameter, or a symbol such as `relu` or `mean`.
        case name(String)
        case call(Identifier, [Argument])
        case list([Expr])
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// Stands where the parser found no valid expression (already diagnosed).
        case error
    }
    public var kind: Kind
    public var range: SourceRange
    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// `value` or `label: value` in an argument list.
public struct Argument: Hashable, Sendable {
    public var label: Identifier?
    public var value: Expr
    public var range: SourceRange
    public init(label: Identifier?, value: Expr, range: SourceRange) {
        self.label = label
        self.value = value
        self.range = range
    }
}

/// One line of a `net` or `block` body: `[label:] name [args] [{ body }]`.
///
/// Layers (`dense 128, init: normal(0.01)`), structure (`repeat 2 { … }`, `residual { … }`),
/// `input [784]`, `loss cross_entropy` and block uses (`res(64)`) all share this form;
/// the checker decides what each name means.
public struct Statement: Hashable, Sendable {
    public var label: Identifier?
    public var name: Identifier
    public var arguments: [Argument]
    /// True when the arguments were written in parentheses: `res(64)`.
    public var parenthesized: Bool
    public var body: [Statement]?
    public var range: SourceRange
    public init(label: Identifier?, name: Identifier, arguments: [Argument], parenthesized: Bool,
                body: [Statement]?, range: SourceRange) {
        self.label = label
        self.name = name
        self.arguments = arguments
        self.parenthesized = parenthesized
        self.body = body
        self.range = range
    }
}

/// An entry of a `data`, `optimizer` or `train` block: `key: value`, or a nested section
/// such as `layer head { lr_scale: 0.1 }`.
public enum ConfigItem: Hashable, Sendable {
    case entry(key: Identifier, value: Expr, range: SourceRange)
    case section(keyword: Identifier, name: Identifier?, items: [ConfigItem], range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .entry(_, _, let r), .section(_, _, _, let r): return r
        }
    }
}

/// A top-level declaration of a file.
public enum Declaration: Hashable, Sendable {
    /// `let width = 20`
    case constant(name: Identifier, value: Expr, range: SourceRange)
    /// `block res(w) { … }`
    case block(name: Identifier, parameters: [Identifier], body: [Statement], range: SourceRange)
    /// `net mnist_mlp { … }`
    case net(name: Identifier, body: [Statement], range: SourceRange)
    /// `data { … }`, `optimizer sgd2 { … }`, `train { … }`: `keyword [name] { items }`.
    case config(keyword: Identifier, name: Identifier?, items: [ConfigItem], range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .constant(_, _, let r), .block(_, _, _, let r), .net(_, _, let r), .config(_, _, _, let r):
            return r
        }
    }
}

/// A parsed file: its declarations in order.
public struct SourceUnit: Hashable, Sendable {
    public var declarations: [Declaration]
    public init(declarations: [Declaration]) { self.declarations = declarations }
}
