/// A statement's (or config call's) arguments matched to its `StatementSpec`: the first
/// unlabelled argument is the positional one, the rest must be labelled known options.
/// Typed getters read a given value or the option's default; any error marks `failed`.
final class Arguments {
    let spec: StatementSpec
    private let evaluator: Evaluator
    private var values: [String: Value] = [:]
    /// Where the statement (or call) was written: defaults and missing values point here.
    let range: SourceRange
    private(set) var failed = false

    /// Matches `arguments` (already evaluated) to `spec`, reporting unknown, duplicate,
    /// surplus and missing ones.
    /// `incomplete` says some arguments failed to evaluate (already reported): a missing
    /// positional argument is then not reported again.
    init(_ arguments: [ValueArgument], spec: StatementSpec, at range: SourceRange, evaluator: Evaluator,
         incomplete: Bool = false) {
        self.spec = spec
        self.evaluator = evaluator
        self.range = range
        let sink = evaluator.sink
        var firstRange: [String: SourceRange] = [:]
        var positionalUsed = false
        for a in arguments {
            let name: String
            let nameRange: SourceRange
            if let label = a.label {
                guard let option = spec.option(label.name) else {
                    let known = spec.allOptions.map(\.name)
                    sink.error(known.isEmpty ? CheckMessage.takesNoOptions(spec.keyword)
                                             : CheckMessage.unknownOption(label.name, of: spec.keyword),
                               at: label.range, fix: Suggestions.fix(for: label.name, among: known))
                    failed = true
                    continue
                }
                name = option.name
                nameRange = label.range
            } else {
                guard let p = spec.positional, !positionalUsed else {
                    sink.error(spec.positional == nil ? CheckMessage.takesNoArguments(spec.keyword)
                                                      : CheckMessage.tooManyArguments(spec.keyword),
                               at: a.value.range,
                               fix: spec.options.isEmpty ? nil : CheckMessage.labelOptions(spec.options.map(\.name)))
                    failed = true
                    continue
                }
                positionalUsed = true
                name = p.name
                nameRange = a.value.range
            }
            if let first = firstRange[name] {
                sink.error(CheckMessage.duplicateOption(name), at: nameRange,
                           notes: [.init(message: CheckMessage.firstGivenHere, range: first)])
                failed = true
                continue
            }
            firstRange[name] = nameRange
            values[name] = a.value
        }
        if incomplete { failed = true }
        if let p = spec.positional, p.defaultValue == .required, values[p.name] == nil, !incomplete {
            sink.error(CheckMessage.missingPositional(spec.keyword, p.name), at: range,
                       fix: CheckMessage.writeFor(spec.keyword, p))
            failed = true
        }
    }

    /// Whether the option was written.
    func has(_ name: String) -> Bool { values[name] != nil }

    /// The written value, else the default (placed at the statement), else nil.
    func value(_ name: String) -> Value? {
        if let v = values[name] { return v }
        if case .value(let k)? = spec.option(name)?.defaultValue { return Value(k, range) }
        return nil
    }

    private func read<T>(_ name: String, _ body: (Value, String, Bounds?) -> T?) -> T? {
        guard let option = spec.option(name) else { preconditionFailure("no option '\(name)' in the table") }
        guard let v = value(name) else { return nil }
        let result = body(v, spec.phrase(option), option.bounds)
        if result == nil { failed = true }
        return result
    }

    func int(_ name: String) -> Int? { read(name) { evaluator.int($0, $1, $2) } }
    func real(_ name: String) -> Double? { read(name) { evaluator.real($0, $1, $2) } }
    func bool(_ name: String) -> Bool? { read(name) { v, what, _ in evaluator.bool(v, what) } }
    func string(_ name: String) -> String? { read(name) { v, what, _ in evaluator.string(v, what) } }
    func size(_ name: String) -> Size2? { read(name) { evaluator.size2($0, $1, $2 ?? .size) } }

    func choice(_ name: String) -> String? {
        guard case .choice(let choices)? = spec.option(name)?.type else { preconditionFailure("'\(name)' is no choice") }
        return read(name) { v, what, _ in evaluator.symbol(v, what, among: choices) }
    }

    /// `k`, `[ph, pw]` or `same` (nil size in `.same`).
    func padding(_ name: String) -> Padding? {
        read(name) { v, what, bounds in
            if case .symbol("same") = v.kind { return .same }
            if case .symbol = v.kind {
                return evaluator.symbol(v, what, among: ["same"]).map { _ in .same }
            }
            return evaluator.size2(v, what, bounds ?? .count).map { .explicit($0) }
        }
    }

    func initializer(_ name: String) -> Initializer? {
        read(name) { v, what, _ in InitializerReader.read(v, what, evaluator) }
    }
}

enum Padding: Hashable {
    case explicit(Size2)
    /// Keep the size at stride 1: `(k - 1) / 2` on each side; the kernel must be odd.
    case same
}

/// `normal(0.01)`, `uniform(0.05)`, `glorot_uniform`, `he_normal`, …
enum InitializerReader {
    static func read(_ v: Value, _ what: String, _ evaluator: Evaluator) -> Initializer? {
        let sink = evaluator.sink
        switch v.kind {
        case .symbol(let s):
            switch s {
            case "glorot_normal": return .glorotNormal
            case "glorot_uniform": return .glorotUniform
            case "he_normal": return .heNormal
            case "he_uniform": return .heUniform
            case "zeros": return .zeros
            case "normal", "uniform":
                sink.error(CheckMessage.initializerNeedsArgument(s), at: v.range,
                           fix: CheckMessage.writeInitializer(s))
                return nil
            default:
                _ = evaluator.symbol(v, what, among: LayerTable.initializerChoices)
                return nil
            }
        case .call(let f, let args):
            guard f.name == "normal" || f.name == "uniform" else {
                sink.error(CheckMessage.unknownChoice(f.name, for: what, choices: LayerTable.initializerChoices),
                           at: f.range, fix: Suggestions.fix(for: f.name, among: ["normal", "uniform"]))
                return nil
            }
            let isNormal = f.name == "normal"
            let param = isNormal ? "std" : "limit"
            let spec = StatementSpec(f.name, "", positional: .init(param, .real, .required, "", bounds: .greaterThan(0)))
            let a = Arguments(args, spec: spec, at: v.range, evaluator: evaluator)
            guard let x = a.real(param), !a.failed else { return nil }
            return isNormal ? .normal(std: x) : .uniform(limit: x)
        default:
            evaluator.mismatch(v, what, "an initialiser such as 'normal(0.01)' or 'he_normal'")
            return nil
        }
    }
}
