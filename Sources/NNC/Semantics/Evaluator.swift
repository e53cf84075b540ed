/// Evaluates expressions: folds arithmetic (integers stay integers unless a division is
/// inexact), substitutes constants (`let width = 20`, evaluated on first use, in any order)
/// and block parameters, and reports overflow, division by zero and self-referring constants.
final class Evaluator {
    /// Deeper expressions are refused rather than risk the stack.
    static let maxDepth = 200

    let sink: DiagnosticSink
    private var definitions: [String: (name: Identifier, value: Expr)] = [:]
    private var cache: [String: Value?] = [:]
    private var evaluating: [String] = []
    /// Names of the block parameters in scope, for "did you mean".
    var scopeNames: [String] = []

    init(sink: DiagnosticSink) { self.sink = sink }

    /// Registers a `let`; returns false (and reports) when the name is taken.
    func define(_ name: Identifier, _ value: Expr) -> Bool {
        if let first = definitions[name.name] {
            sink.error(CheckMessage.duplicateConstant(name.name), at: name.range,
                       notes: [.init(message: CheckMessage.firstDefinedHere, range: first.name.range)])
            return false
        }
        definitions[name.name] = (name, value)
        return true
    }

    var constantNames: [String] { definitions.keys.sorted() }

    /// Evaluates every constant once, so that a bad unused constant is still reported.
    func evaluateAllConstants() {
        for (name, def) in definitions.sorted(by: { $0.value.name.range.start < $1.value.name.range.start }) {
            _ = constant(name, at: def.name.range, depth: 0)
        }
    }

    /// The value of `e` with `scope` (block parameters) bound; nil after a reported error.
    func evaluate(_ e: Expr, in scope: [String: Value], depth: Int = 0) -> Value? {
        if depth > Evaluator.maxDepth {
            sink.error(CheckMessage.expressionTooDeep(Evaluator.maxDepth), at: e.range)
            return nil
        }
        switch e.kind {
        case .error:
            return nil
        case .number(let x, let text):
            return number(x, text: text, at: e.range)
        case .string(let s):
            return Value(.string(s), e.range)
        case .bool(let b):
            return Value(.bool(b), e.range)
        case .name(let n):
            if let v = scope[n] { return Value(v.kind, e.range) }
            if definitions[n] != nil { return constant(n, at: e.range, depth: depth) }
            return Value(.symbol(n), e.range)
        case .call(let f, let args):
            var values: [ValueArgument] = []
            var failed = false
            for a in args {
                if let v = evaluate(a.value, in: scope, depth: depth + 1) {
                    values.append(ValueArgument(label: a.label, value: v))
                } else { failed = true }
            }
            return failed ? nil : Value(.call(f, values), e.range)
        case .list(let items):
            var values: [Value] = []
            var failed = false
            for item in items {
                if let v = evaluate(item, in: scope, depth: depth + 1) { values.append(v) } else { failed = true }
            }
            return failed ? nil : Value(.list(values), e.range)
        case .unary(_, let operand):
            guard let v = evaluate(operand, in: scope, depth: depth + 1) else { return nil }
            return negate(v, at: e.range)
        case .binary(let op, let lhs, let rhs):
            let a = evaluate(lhs, in: scope, depth: depth + 1)
            let b = evaluate(rhs, in: scope, depth: depth + 1)
            guard let a, let b else { return nil }
            return arithmetic(op, a, b, at: e.range)
        }
    }

    /// A constant's value, evaluated on first use. Its expression continues the user's
    /// depth, so a long chain of constants is bounded like a deep expression.
    private func constant(_ name: String, at use: SourceRange, depth: Int) -> Value? {
        guard let def = definitions[name] else { return nil }
        if let cached = cache[name] { return cached.map { Value($0.kind, use) } }
        if evaluating.contains(name) {
            sink.error(CheckMessage.constantCycle(name), at: use,
                       notes: [.init(message: CheckMessage.definedHere(name), range: def.name.range)])
            return nil
        }
        evaluating.append(name)
        // Constants see no block parameters: they are evaluated once, for the whole file.
        let saved = scopeNames
        scopeNames = []
        let v = evaluate(def.value, in: [:], depth: depth + 1)
        scopeNames = saved
        evaluating.removeLast()
        cache[name] = .some(v)
        return v.map { Value($0.kind, use) }
    }

    private func number(_ x: Double, text: String, at range: SourceRange) -> Value? {
        let digits = text.filter { $0 != "_" }
        let isInteger = !digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        if isInteger {
            guard let n = Int(digits) else {
                sink.error(CheckMessage.integerTooLarge(text), at: range)
                return nil
            }
            return Value(.int(n), range)
        }
        // The lexer reports literals too large for a Double; they are not reported twice.
        let value = Double(digits) ?? x
        guard value.isFinite else { return nil }
        return Value(.real(value), range)
    }

    private func negate(_ v: Value, at range: SourceRange) -> Value? {
        switch v.kind {
        case .int(let n):
            let (r, overflow) = (0 as Int).subtractingReportingOverflow(n)
            if overflow { sink.error(CheckMessage.arithmeticOverflow, at: range); return nil }
            return Value(.int(r), range)
        case .real(let x):
            return Value(.real(-x), range)
        default:
            reportNotNumber(v, op: "-")
            return nil
        }
    }

    private func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value, at range: SourceRange) -> Value? {
        guard a.number != nil else { reportNotNumber(a, op: op.rawValue); return nil }
        guard b.number != nil else { reportNotNumber(b, op: op.rawValue); return nil }
        if case .int(let x) = a.kind, case .int(let y) = b.kind {
            let result: (Int, Bool)
            switch op {
            case .add: result = x.addingReportingOverflow(y)
            case .subtract: result = x.subtractingReportingOverflow(y)
            case .multiply: result = x.multipliedReportingOverflow(by: y)
            case .divide:
                if y == 0 { sink.error(CheckMessage.divisionByZero, at: b.range); return nil }
                let (q, overflow) = x.dividedReportingOverflow(by: y)
                if !overflow && x % y != 0 { return Value(.real(Double(x) / Double(y)), range) }
                result = (q, overflow)
            }
            if result.1 { sink.error(CheckMessage.arithmeticOverflow, at: range); return nil }
            return Value(.int(result.0), range)
        }
        let x = a.number!, y = b.number!
        let r: Double
        switch op {
        case .add: r = x + y
        case .subtract: r = x - y
        case .multiply: r = x * y
        case .divide:
            if y == 0 { sink.error(CheckMessage.divisionByZero, at: b.range); return nil }
            r = x / y
        }
        guard r.isFinite else { sink.error(CheckMessage.arithmeticOverflow, at: range); return nil }
        return Value(.real(r), range)
    }

    private func reportNotNumber(_ v: Value, op: String) {
        if case .symbol(let name) = v.kind {
            reportUnknownName(name, at: v.range)
        } else {
            sink.error(CheckMessage.operatorNeedsNumbers(op, got: v.quoted), at: v.range)
        }
    }

    /// A bare name used where a value was needed but bound to nothing: a `let` (or, inside a
    /// block, a parameter) that does not exist.
    func reportUnknownName(_ name: String, at range: SourceRange) {
        sink.error(CheckMessage.unknownConstant(name, inBlock: !scopeNames.isEmpty), at: range,
                   fix: Suggestions.fix(for: name, among: scopeNames + constantNames)
                        ?? CheckMessage.defineConstant(name))
    }
}
