/// Reading evaluated values as the types options expect, reporting a precise error otherwise.
/// `what` names the thing being read in messages: `'momentum'`, `the width of 'dense'`.
extension Evaluator {
    func int(_ v: Value, _ what: String, _ bounds: Bounds? = nil) -> Int? {
        switch v.kind {
        case .int(let n):
            if let b = bounds, let req = b.violation(Double(n)) {
                report(CheckMessage.outOfRange(what, requirement: req, got: v.quoted), v)
                return nil
            }
            return n
        case .real(let x) where x == x.rounded() && abs(x) < 1e15:
            report(CheckMessage.expected(what, "an integer", got: v.quoted), v,
                   fix: CheckMessage.writeAsInteger(Int(x)))
            return nil
        default:
            valueMismatch(v, what, "an integer")
            return nil
        }
    }

    func real(_ v: Value, _ what: String, _ bounds: Bounds? = nil) -> Double? {
        guard let x = v.number else { valueMismatch(v, what, "a number"); return nil }
        if let b = bounds, let req = b.violation(x) {
            report(CheckMessage.outOfRange(what, requirement: req, got: v.quoted), v)
            return nil
        }
        return x
    }

    func bool(_ v: Value, _ what: String) -> Bool? {
        if case .bool(let b) = v.kind { return b }
        mismatch(v, what, "'true' or 'false'")
        return nil
    }

    func string(_ v: Value, _ what: String) -> String? {
        if case .string(let s) = v.kind { return s }
        mismatch(v, what, "a string in double quotes")
        return nil
    }

    /// One of a fixed set of names, such as `cross_entropy` or `same`.
    func symbol(_ v: Value, _ what: String, among choices: [String]) -> String? {
        if case .symbol(let s) = v.kind {
            if choices.contains(s) { return s }
            report(CheckMessage.unknownChoice(s, for: what, choices: choices), v,
                   fix: Suggestions.fix(for: s, among: choices))
            return nil
        }
        mismatch(v, what, CheckMessage.oneOf(choices))
        return nil
    }

    /// A single size or an `[h, w]` pair.
    func size2(_ v: Value, _ what: String, _ bounds: Bounds) -> Size2? {
        if case .list(let items) = v.kind {
            guard items.count == 2 else {
                report(CheckMessage.expected(what, "a size or an [height, width] pair",
                                             got: v.quoted), v)
                return nil
            }
            let h = int(items[0], what, bounds), w = int(items[1], what, bounds)
            guard let h, let w else { return nil }
            return Size2(h, w)
        }
        if case .int = v.kind {
            return int(v, what, bounds).map { Size2(square: $0) }
        }
        valueMismatch(v, what, "a size or an [height, width] pair")
        return nil
    }

    /// The error for a value of the wrong type where no bare name is ever right (a number, a
    /// size, a shape): a name there can only be a constant, so one not defined is said to be that.
    func valueMismatch(_ v: Value, _ what: String, _ expected: String) {
        if case .symbol(let name) = v.kind {
            reportUnknownName(name, at: v.range)
        } else {
            mismatch(v, what, expected)
        }
    }

    /// The error for a value of the wrong type; for a misspelt constant, the likely name.
    func mismatch(_ v: Value, _ what: String, _ expected: String) {
        var fix: String?
        if case .symbol(let name) = v.kind {
            fix = Suggestions.fix(for: name, among: scopeNames + constantNames)
        }
        report(CheckMessage.expected(what, expected, got: v.quoted), v, fix: fix)
    }

    private func report(_ message: String, _ v: Value, fix: String? = nil) {
        sink.error(message, at: v.range, fix: fix)
    }
}
