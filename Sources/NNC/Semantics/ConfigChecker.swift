/// Checks the `data`, `optimizer` and `train` blocks against `ConfigTable`: known keys only,
/// each once, of the right type and range, optimizer keys only for methods they apply to,
/// and per-layer overrides naming layers that exist.
struct ConfigChecker {
    let evaluator: Evaluator
    var sink: DiagnosticSink { evaluator.sink }

    /// The written entries of one block, evaluated; `failed` after any reported error.
    final class Entries {
        var values: [String: Value] = [:]
        var keys: [String: Identifier] = [:]
        /// Each written key's bounds, from the row of the block's method.
        var bounds: [String: Bounds?] = [:]
        var sections: [(keyword: Identifier, name: Identifier?, items: [ConfigItem], range: SourceRange)] = []
        var failed = false
    }

    /// Collects `items` against `table`, reporting unknown and repeated keys. `method`
    /// restricts optimizer keys; `allowsSections` lets `layer NAME { … }` through.
    func entries(_ items: [ConfigItem], _ table: [ConfigTable.Key], block: String,
                 method: OptimizerMethod? = nil, allowsSections: Bool = false) -> Entries {
        let e = Entries()
        let names = table.map(\.option.name)
        for item in items {
            switch item {
            case .section(let keyword, let name, let sub, let range):
                if allowsSections && keyword.name == "layer" {
                    e.sections.append((keyword, name, sub, range))
                } else {
                    sink.error(CheckMessage.unknownSection(keyword.name, in: block), at: keyword.range,
                               fix: allowsSections ? Suggestions.fix(for: keyword.name, among: ["layer"]) : nil)
                    e.failed = true
                }
            case .entry(let key, let expr, _):
                // A name may have one row per group of methods (`beta2`): the method's row, else the first.
                let rows = table.filter { $0.option.name == key.name }
                guard let spec = rows.first(where: { r in method.map { r.methods?.contains($0) ?? true } ?? true })
                        ?? rows.first else {
                    sink.error(CheckMessage.unknownKey(key.name, in: block), at: key.range,
                               fix: Suggestions.fix(for: key.name, among: names))
                    e.failed = true
                    continue
                }
                if let first = e.keys[key.name] {
                    sink.error(CheckMessage.duplicateOption(key.name), at: key.range,
                               notes: [.init(message: CheckMessage.firstGivenHere, range: first.range)])
                    e.failed = true
                    continue
                }
                e.keys[key.name] = key
                e.bounds[key.name] = spec.option.bounds
                if let method, let methods = spec.methods, !methods.contains(method) {
                    let all = rows.flatMap { $0.methods ?? [] }
                    sink.error(CheckMessage.keyNotForMethod(key.name, method.rawValue), at: key.range,
                               fix: CheckMessage.keyAppliesTo(all.map(\.rawValue)))
                    e.failed = true
                    continue
                }
                guard let v = evaluator.evaluate(expr, in: [:]) else { e.failed = true; continue }
                e.values[key.name] = v
            }
        }
        return e
    }

    func phrase(_ key: String, _ block: String) -> String { "'\(key)' of '\(block)'" }

    /// Reads a typed entry through `read`; nil when absent or wrong (then `e.failed`).
    func read<T>(_ e: Entries, _ key: String, _ table: [ConfigTable.Key], _ block: String,
                 _ body: (Value, String, Bounds?) -> T?) -> T? {
        guard let v = e.values[key] else { return nil }
        let bounds = e.bounds[key] ?? table.first { $0.option.name == key }?.option.bounds
        let result = body(v, phrase(key, block), bounds)
        if result == nil { e.failed = true }
        return result
    }

    /// `f(…)` or a bare `f` (all defaults) matched to a small spec; nil for other values.
    func call(_ v: Value, _ spec: StatementSpec) -> Arguments? {
        switch v.kind {
        case .call(let f, let args) where f.name == spec.keyword:
            return Arguments(args, spec: spec, at: v.range, evaluator: evaluator)
        case .symbol(let s) where s == spec.keyword:
            return Arguments([], spec: spec, at: v.range, evaluator: evaluator)
        default:
            return nil
        }
    }

    /// The called or named function of a value: `step` for `step(…)` and for `step`.
    func head(_ v: Value) -> (name: String, range: SourceRange)? {
        switch v.kind {
        case .call(let f, _): return (f.name, f.range)
        case .symbol(let s): return (s, v.range)
        default: return nil
        }
    }
}
