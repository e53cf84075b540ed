/// Completion for the language server: the words that fit where the cursor is, each with its
/// documentation from the checker's own tables (`LayerTable`, `ConfigTable`, the ones
/// grammar/REFERENCE.md is written from).
struct CompletionItem: Equatable {
    /// The protocol's CompletionItemKind.
    enum Kind: Int { case function = 3, field = 5, variable = 6, property = 10, value = 12, keyword = 14, constant = 21 }

    var label: String
    var kind: Kind
    var detail: String
    /// Markdown.
    var documentation: String
    /// What is inserted, when it differs from the label (`init: `).
    var insertText: String?
}

enum EditorCompletion {
    /// What fits at `offset` of `document`: declaration keywords at the top level; in a `net`
    /// or `block` body the statements and blocks at a line's start, the statement's options after
    /// its first word, initialisers after `init:`; in `data`, `optimizer` and `train` their keys;
    /// optimizer methods after `optimizer`.
    static func items(_ document: EditorDocument, at offset: Int) -> [CompletionItem] {
        let before = document.tokens.filter { $0.range.end.offset < offset || ($0.range.end.offset == offset && !isWord($0)) }
        var depth = 0
        var declaration: TokenKind?
        for t in before {
            switch t.kind {
            case .leftBrace:
                depth += 1
            case .rightBrace:
                depth = max(0, depth - 1)
            default:
                if depth == 0 && t.kind.beginsDeclaration { declaration = t.kind }
            }
        }
        let line = before.filter { $0.kind != .newline && $0.range.start.line == lineOf(offset, document.file) }
        let lastSemicolon = line.lastIndex { $0.kind == .semicolon || $0.kind == .leftBrace }
        let statement = Array(line[(lastSemicolon.map { $0 + 1 } ?? 0)...])

        if depth == 0 {
            if statement.first?.kind == .kwOptimizer { return methods }
            return statement.isEmpty ? declarations : []
        }
        switch declaration {
        case .kwNet, .kwBlock:
            if let last = statement.last, last.kind == .colon, statement.count >= 2,
               statement[statement.count - 2].text == "init" {
                return initializers
            }
            // `label:` then the statement's name.
            let words = statement.count >= 2 && statement[1].kind == .colon ? Array(statement.dropFirst(2)) : statement
            guard let head = words.first else { return statements(document) }
            guard let spec = LayerTable.spec(head.text) else { return [] }
            return spec.options.map { option($0, insert: true) }
        case .kwData:
            return statement.contains { $0.kind == .colon } ? [] : ConfigTable.data.map { option($0.option, insert: true) }
        case .kwTrain:
            return statement.contains { $0.kind == .colon } ? [] : ConfigTable.train.map { option($0.option, insert: true) }
        case .kwOptimizer:
            if statement.contains(where: { $0.kind == .colon }) { return [] }
            // A section inside the optimizer block is a `layer NAME { … }` override.
            let keys = depth > 1 ? ConfigTable.layerOverride : ConfigTable.optimizer
            return keys.map { key in
                var item = option(key.option, insert: true)
                if let methods = key.methods { item.detail += " (" + methods.map(\.rawValue).joined(separator: ", ") + ")" }
                return item
            }
        default:
            return []
        }
    }

    private static func isWord(_ t: Token) -> Bool { t.kind == .name || t.kind.isKeyword }

    private static func lineOf(_ offset: Int, _ file: SourceFile) -> Int {
        var lo = 0, hi = file.lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if file.lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    static let declarations: [CompletionItem] = [
        ("let", "a constant: `let width = 128`"), ("block", "a parameterised group of statements: `block res(w) { … }`"),
        ("net", "the network: `net NAME { input […] … loss … }`"), ("data", "the data: `data { train: …, test: … }`"),
        ("optimizer", "the optimizer: `optimizer sgd2 { lr: 0.1 }`"), ("train", "the schedule: `train { batch: 128 }`"),
    ].map { CompletionItem(label: $0.0, kind: .keyword, detail: "declaration", documentation: $0.1) }

    static let methods: [CompletionItem] = OptimizerMethod.allCases.map {
        CompletionItem(label: $0.rawValue, kind: .value, detail: "optimizer method", documentation: "`optimizer \($0.rawValue) { … }`")
    }

    /// The initialisers of docs/ALGORITHMS.md, "Initialisation".
    static let initializers: [CompletionItem] = [
        ("normal(0.01)", "N(0, σ²) with the given σ"), ("uniform(0.05)", "U(−r, r) with the given r"),
        ("glorot_normal", "N(0, σ²), σ = √(2 / (n_in + n_out))"),
        ("glorot_uniform", "U(−r, r), r = √(6 / (n_in + n_out)); the default for `dense` and `conv`"),
        ("he_normal", "N(0, σ²), σ = √(4 / (n_in + n_out))"), ("he_uniform", "U(−r, r), r = √(12 / (n_in + n_out))"),
        ("zeros", "0"),
    ].map { CompletionItem(label: $0.0, kind: .value, detail: "initialiser", documentation: $0.1) }

    /// Every statement of `LayerTable` and the file's blocks.
    static func statements(_ document: EditorDocument) -> [CompletionItem] {
        var items = LayerTable.statements.map { spec in
            var doc = spec.summary
            if let p = spec.positional { doc += "\n\nfirst argument `\(p.name)`: \(p.type.text), \(p.defaultValue.text); \(p.summary)" }
            if !spec.options.isEmpty {
                doc += "\n\noptions:\n" + spec.options.map { "- `\($0.name)`: \($0.type.text), default \($0.defaultValue.text); \($0.summary)" }
                    .joined(separator: "\n")
            }
            return CompletionItem(label: spec.keyword, kind: .function, detail: "net statement", documentation: doc)
        }
        for case let .block(name, parameters, _, _) in document.unit.declarations {
            let signature = "\(name.name)(\(parameters.map(\.name).joined(separator: ", ")))"
            items.append(CompletionItem(label: name.name, kind: .function, detail: "block", documentation: "`block \(signature)`"))
        }
        return items
    }

    static func option(_ o: OptionSpec, insert: Bool) -> CompletionItem {
        var doc = "\(o.summary)\n\n\(o.type.text), default \(o.defaultValue.text)"
        if let bounds = o.bounds { doc += ", \(bounds.symbolic)" }
        return CompletionItem(label: o.name, kind: .property, detail: "option", documentation: doc,
                              insertText: insert ? o.name + ": " : nil)
    }
}
