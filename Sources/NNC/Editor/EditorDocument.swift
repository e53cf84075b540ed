/// One open `.net` file as the language server sees it: checked once per version, then asked
/// about places in it (what is here, where is it defined).
struct EditorDocument {
    let uri: String
    let file: SourceFile
    let tokens: [Token]
    let unit: SourceUnit
    /// The checked model; nil while the file has errors.
    let model: Model?
    /// What `nnc check` reports, in its order.
    let diagnostics: [Diagnostic]

    /// The largest file checked, 1 MiB, as `nnc check` reads no more: the checker's memory grows
    /// with a file of mistakes about a hundred times faster than the file (Fuzz/README.md).
    static let sizeLimit = 1 << 20
    static let tooLarge = "the file is larger than 1 MiB, the most nnc reads of a .net file; use 'repeat' and 'let' to shorten it"

    init(uri: String, text: String) {
        self.uri = uri
        file = SourceFile(path: uri, text: text)
        guard file.bytes.count <= Self.sizeLimit else {
            let start = SourceLocation(line: 1, column: 1, offset: 0)
            tokens = []
            unit = SourceUnit(declarations: [])
            model = nil
            diagnostics = [.error(Self.tooLarge, at: SourceRange(start: start, end: start))]
            return
        }
        tokens = Lexer.tokenize(file).tokens
        unit = Parser.parse(file).unit
        (model, diagnostics) = Frontend.check(file)
    }

    var isTooLarge: Bool { file.bytes.count > Self.sizeLimit }

    /// The name or keyword token at `offset`, touching it from either side.
    func word(at offset: Int) -> Token? {
        tokens.first { t in
            (t.kind == .name || t.kind.isKeyword) && t.range.start.offset <= offset && offset <= t.range.end.offset
        }
    }

    // MARK: Definitions

    /// What a name can stand for: a block's parameter, a constant, a block, a label.
    enum Definition: Equatable {
        case parameter(Identifier, block: String)
        case constant(Identifier, value: Expr)
        case block(Identifier, parameters: [Identifier])
        case label(Identifier, statement: Statement)

        var identifier: Identifier {
            switch self {
            case .parameter(let id, _), .constant(let id, _), .block(let id, _), .label(let id, _): return id
            }
        }
    }

    /// Where the name at `offset` is defined; parameters of the block around it come first,
    /// then constants, blocks and labels.
    func definition(at offset: Int) -> Definition? {
        guard let token = word(at: offset), token.kind == .name else { return nil }
        let name = token.text
        var constant: Definition?, block: Definition?, label: Definition?
        func labels(_ statements: [Statement]) {
            for s in statements {
                if label == nil, let l = s.label, l.name == name { label = .label(l, statement: s) }
                if let body = s.body { labels(body) }
            }
        }
        for declaration in unit.declarations {
            switch declaration {
            case let .constant(id, value, _) where id.name == name:
                if constant == nil { constant = .constant(id, value: value) }
            case let .block(id, parameters, body, range):
                if range.start.offset <= offset && offset <= range.end.offset,
                   let p = parameters.first(where: { $0.name == name }) {
                    return .parameter(p, block: id.name)
                }
                if id.name == name, block == nil { block = .block(id, parameters: parameters) }
                labels(body)
            case let .net(_, body, _):
                labels(body)
            default:
                break
            }
        }
        return constant ?? block ?? label
    }

    /// The definition's one-line description: `let width = 128`, `block layer(w)`.
    func describe(_ definition: Definition) -> String {
        switch definition {
        case let .parameter(id, block): return "parameter `\(id.name)` of block `\(block)`"
        case let .constant(id, value): return "`let \(id.name) = \(file.text(value.range))`"
        case let .block(id, parameters):
            return "`block \(id.name)(\(parameters.map(\.name).joined(separator: ", ")))`"
        case let .label(_, statement): return "label: `\(file.text(statement.range).prefix { $0 != "\n" && $0 != "{" })`"
        }
    }

    // MARK: Hover

    /// Markdown for the place at `offset`: the layers its statement makes (name, op, output
    /// shape, parameters), what the keyword does, what the name stands for; nil when nothing.
    func hover(at offset: Int) -> (text: String, range: SourceRange)? {
        guard let token = word(at: offset) else { return nil }
        var parts: [String] = []
        if let model {
            let here = model.allLayers.filter { $0.range.start.offset <= offset && offset <= $0.range.end.offset }
            // The innermost statement: a residual's range holds its body's.
            if let size = here.map({ $0.range.end.offset - $0.range.start.offset }).min() {
                let layers = here.filter { $0.range.end.offset - $0.range.start.offset == size }
                let lines = layers.prefix(8).map { l in
                    "**\(l.name)** `\(ModelSummary.describe(l.op))` → `\(l.outputShape)`, "
                        + "\(ModelSummary.grouped(l.parameterCount)) parameter\(l.parameterCount == 1 ? "" : "s")"
                }
                parts.append(lines.joined(separator: "  \n")
                             + (layers.count > 8 ? "  \n…and \(layers.count - 8) more copies" : ""))
            }
        }
        if let spec = LayerTable.spec(token.text), isStatementName(token) {
            parts.append("`\(spec.keyword)`: \(spec.summary)")
        }
        if let definition = definition(at: offset), definition.identifier.range != token.range {
            parts.append(describe(definition))
        }
        return parts.isEmpty ? nil : (parts.joined(separator: "\n\n"), token.range)
    }

    /// Whether a token is the name of a statement in a body (not an argument or a key).
    private func isStatementName(_ token: Token) -> Bool {
        var found = false
        func walk(_ statements: [Statement]) {
            for s in statements {
                if s.name.range == token.range { found = true }
                if let body = s.body { walk(body) }
            }
        }
        for declaration in unit.declarations {
            if case .net(_, let body, _) = declaration { walk(body) }
            if case .block(_, _, let body, _) = declaration { walk(body) }
        }
        return found
    }
}
