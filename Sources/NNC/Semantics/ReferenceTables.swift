/// The vocabulary tables of grammar/REFERENCE.md, rendered from `LayerTable` and `ConfigTable`
/// so the reference cannot drift from what the checker accepts (a test compares them).
enum ReferenceTables {
    /// One markdown table per net statement that has options, and one listing all statements.
    static var statements: String {
        var out = "| statement | does | first argument |\n|---|---|---|\n"
        for s in LayerTable.statements {
            let first = s.positional.map { p in
                "\(p.name): \(p.type.text)" + (p.defaultValue == .required ? "" : ", default \(p.defaultValue.text)")
                    + (p.bounds.map { ", \($0.symbolic)" } ?? "")
            } ?? "—"
            out += "| `\(s.keyword)`\(s.takesBody ? " `{ … }`" : "") | \(s.summary) | \(first) |\n"
        }
        for s in LayerTable.statements where !s.options.isEmpty {
            out += "\n`\(s.keyword)` options:\n\n" + table(s.options.map { ($0, nil) })
        }
        return out
    }

    static var data: String { table(ConfigTable.data.map { ($0.option, nil) }) }
    static var optimizer: String { table(ConfigTable.optimizer.map { ($0.option, $0.methods) }, methods: true) }
    static var layerOverride: String { table(ConfigTable.layerOverride.map { ($0.option, nil) }) }
    static var train: String { table(ConfigTable.train.map { ($0.option, nil) }) }

    private static func table(_ rows: [(OptionSpec, [OptimizerMethod]?)], methods: Bool = false) -> String {
        var out = "| option | type | default | range | meaning |" + (methods ? " methods |" : "") + "\n"
        out += "|---|---|---|---|---|" + (methods ? "---|" : "") + "\n"
        for (o, m) in rows {
            out += "| `\(o.name)` | \(o.type.text) | \(o.defaultValue.text) | \(o.bounds?.symbolic ?? "") | \(o.summary) |"
            if methods { out += " \(m.map { $0.map(\.rawValue).joined(separator: ", ") } ?? "all") |" }
            out += "\n"
        }
        return out
    }
}
