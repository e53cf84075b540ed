/// A stable, indented text dump of a syntax tree, every node with its `@line:col-line:col` range.
///
/// Used as golden files by the parser tests and by `nnc` for debugging; one node per line,
/// two spaces of indentation per level, so diffs point at the node that changed.
public enum ASTDump {
    public static func dump(_ unit: SourceUnit) -> String {
        var out = "SourceUnit\n"
        for declaration in unit.declarations { dump(declaration, 1, &out) }
        return out
    }

    public static func dump(_ declaration: Declaration) -> String {
        var out = ""
        dump(declaration, 0, &out)
        return out
    }

    public static func dump(_ expr: Expr) -> String {
        var out = ""
        dump(expr, 0, &out)
        return out
    }

    private static func line(_ out: inout String, _ level: Int, _ text: String, _ range: SourceRange) {
        out += String(repeating: "  ", count: level) + text + " " + range.description + "\n"
    }

    private static func name(_ id: Identifier) -> String { "'\(id.name)'" }

    private static func dump(_ declaration: Declaration, _ level: Int, _ out: inout String) {
        switch declaration {
        case let .constant(n, value, range):
            line(&out, level, "Constant \(name(n))", range)
            dump(value, level + 1, &out)
        case let .block(n, parameters, body, range):
            line(&out, level, "Block \(name(n))", range)
            for p in parameters { line(&out, level + 1, "Parameter \(name(p))", p.range) }
            for s in body { dump(s, level + 1, &out) }
        case let .net(n, body, range):
            line(&out, level, "Net \(name(n))", range)
            for s in body { dump(s, level + 1, &out) }
        case let .config(keyword, n, items, range):
            line(&out, level, "Config \(name(keyword))" + (n.map { " " + name($0) } ?? ""), range)
            for item in items { dump(item, level + 1, &out) }
        }
    }

    private static func dump(_ statement: Statement, _ level: Int, _ out: inout String) {
        var head = "Statement"
        if let label = statement.label { head += " label=\(name(label))" }
        head += " \(name(statement.name))"
        if statement.parenthesized { head += " parenthesized" }
        line(&out, level, head, statement.range)
        for argument in statement.arguments { dump(argument, level + 1, &out) }
        if let body = statement.body {
            out += String(repeating: "  ", count: level + 1) + "Body\n"
            for s in body { dump(s, level + 2, &out) }
        }
    }

    private static func dump(_ item: ConfigItem, _ level: Int, _ out: inout String) {
        switch item {
        case let .entry(key, value, range):
            line(&out, level, "Entry \(name(key))", range)
            dump(value, level + 1, &out)
        case let .section(keyword, n, items, range):
            line(&out, level, "Section \(name(keyword))" + (n.map { " " + name($0) } ?? ""), range)
            for item in items { dump(item, level + 1, &out) }
        }
    }

    private static func dump(_ argument: Argument, _ level: Int, _ out: inout String) {
        line(&out, level, "Argument" + (argument.label.map { " label=\(name($0))" } ?? ""), argument.range)
        dump(argument.value, level + 1, &out)
    }

    private static func dump(_ expr: Expr, _ level: Int, _ out: inout String) {
        switch expr.kind {
        case let .number(value, text):
            line(&out, level, "Number \(text) = \(value)", expr.range)
        case let .string(s):
            line(&out, level, "String \(quote(s))", expr.range)
        case let .bool(b):
            line(&out, level, "Bool \(b)", expr.range)
        case let .name(n):
            line(&out, level, "Name '\(n)'", expr.range)
        case let .call(callee, arguments):
            line(&out, level, "Call \(name(callee))", expr.range)
            for a in arguments { dump(a, level + 1, &out) }
        case let .list(elements):
            line(&out, level, "List", expr.range)
            for e in elements { dump(e, level + 1, &out) }
        case let .unary(op, operand):
            line(&out, level, "Unary \(op.rawValue)", expr.range)
            dump(operand, level + 1, &out)
        case let .binary(op, l, r):
            line(&out, level, "Binary \(op.rawValue)", expr.range)
            dump(l, level + 1, &out)
            dump(r, level + 1, &out)
        case .error:
            line(&out, level, "Error", expr.range)
        }
    }

    /// A string as a double-quoted literal with `\n`, `\t`, `\"` and `\\` escaped.
    private static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
