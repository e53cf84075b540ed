/// What an expression evaluates to: numbers folded, constants and block parameters substituted.
/// Bare names that are not bound stay symbols (`relu`, `mean`, `same`); the option reading them
/// decides whether the symbol means something.
struct Value: Hashable, Sendable {
    indirect enum Kind: Hashable, Sendable {
        case int(Int)
        case real(Double)
        case string(String)
        case bool(Bool)
        case symbol(String)
        case call(Identifier, [ValueArgument])
        case list([Value])
    }

    var kind: Kind
    /// Where the expression was written (for a constant, the place it is used).
    var range: SourceRange

    init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// The number, when it is one.
    var number: Double? {
        switch kind {
        case .int(let n): return Double(n)
        case .real(let x): return x
        default: return nil
        }
    }

    /// The value as a message quotes it: `0.5`, `'relu'`, `the string "a"`.
    var quoted: String {
        switch kind {
        case .int(let n): return String(n)
        // `2.0`, not `2`: a message about an integer option must show why 2.0 is not one.
        case .real(let x): return x == x.rounded() && abs(x) < 1e15 ? "\(Int(x)).0" : String(x)
        case .string(let s): return "the string \"\(s)\""
        case .bool(let b): return String(b)
        case .symbol(let s): return "'\(s)'"
        case .call(let f, _): return "'\(f.name)(…)'"
        case .list(let items): return "a list of \(items.count)"
        }
    }

    /// Shortest faithful text of a real: `0.5`, `1e-05`.
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return String(x)
    }
}

/// A `label: value` argument of a call value such as `csv("a.csv", label: 0)`.
struct ValueArgument: Hashable, Sendable {
    var label: Identifier?
    var value: Value
}
