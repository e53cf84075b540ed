/// What the optimizer's `layer NAME { … }` overrides may name.
///
/// When the net checked, the layers are known exactly, with their parameters. When it did
/// not, its names are only partly known (a failed layer gets no name, a `repeat` after an error
/// stops early), so the overrides are checked against what the source shows instead: the
/// labels written, and automatic names (`dense3`) of keywords it uses. That still catches a
/// misspelt name in the same pass as the net's errors, without calling a real layer unknown.
struct OverrideTargets {
    private enum Known {
        /// Every layer's name, and whether it has parameters an override could change.
        case exact([String: Bool], order: [String])
        /// Labels and layer keywords written in the net and the blocks; `anyKeyword` when a
        /// statement names no known layer, so its automatic name cannot be told.
        case written(labels: Set<String>, keywords: Set<String>, anyKeyword: Bool)
    }
    private let known: Known

    /// The checked layers, residual bodies included.
    init(layers: [Layer]) {
        var parameters: [String: Bool] = [:]
        var order: [String] = []
        func walk(_ ls: [Layer]) {
            for l in ls {
                parameters[l.name] = !l.parameters.isEmpty
                order.append(l.name)
                if case .residual(let body) = l.op { walk(body) }
            }
        }
        walk(layers)
        known = .exact(parameters, order: order)
    }

    /// The statements of a net that did not check, and of every block (a block use that
    /// failed was never expanded). One walk over the source, so linear in its size.
    init(statements: [[Statement]], blockNames: Set<String>) {
        var labels: Set<String> = [], keywords: Set<String> = [], anyKeyword = false
        var stack = statements.flatMap { $0 }
        while let s = stack.popLast() {
            if let label = s.label { labels.insert(label.name) }
            let name = s.name.name
            if LayerTable.spec(name) != nil { keywords.insert(name) }
            else if !blockNames.contains(name) { anyKeyword = true }
            stack += s.body ?? []
        }
        known = .written(labels: labels, keywords: keywords, anyKeyword: anyKeyword)
    }

    /// Whether a layer may have this name.
    func contains(_ name: String) -> Bool {
        switch known {
        case .exact(let parameters, _):
            return parameters[name] != nil
        case .written(let labels, let keywords, let anyKeyword):
            if labels.contains(name) { return true }
            // `dense12` is the name of a keyword followed by a count from 1.
            let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.last != "0" else { return false }
            let keyword = String(name.dropLast(digits.count))
            return keywords.contains(keyword) || anyKeyword && LayerTable.spec(keyword) != nil
        }
    }

    /// False only for a layer known to have no parameters (`flatten1`, `relu2`, a residual).
    func hasParameters(_ name: String) -> Bool {
        if case .exact(let parameters, _) = known { return parameters[name] ?? true }
        return true
    }

    /// The names to suggest for a misspelt one.
    var names: [String] {
        switch known {
        case .exact(_, let order): return order
        case .written(let labels, _, _): return labels.sorted()
        }
    }

    /// The layers with parameters, for the fix of an override that names one without.
    var layersWithParameters: [String] {
        if case .exact(let parameters, let order) = known { return order.filter { parameters[$0] == true } }
        return []
    }
}
