/// The `--help` of a command and its usage line, made from its declaration.
extension CommandSpec {
    /// Usage lines are wrapped at this width; a synopsis longer than two lines says `[options]`.
    static let width = 96

    /// Usage, what the command does, every option with its help, and the exit statuses.
    var help: String {
        var out = usage + "\n\n" + discussion + "\n\noptions:\n"
        let rows = options.map { option -> (String, String) in
            let names = (option.short.map { "\($0), " } ?? "") + option.name
            return (option.valueName.isEmpty ? names : names + " " + option.valueName, option.help)
        } + [("-h, --help", "show this help")]
        // Help starts in one column; a name longer than the cap overflows it by two spaces.
        let column = min(rows.map(\.0.count).max() ?? 0, 22) + 4
        for (left, text) in rows {
            let lead = "  " + left
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            out += lead + String(repeating: " ", count: max(column - lead.count, 2)) + lines[0] + "\n"
            for line in lines.dropFirst() { out += String(repeating: " ", count: column) + line + "\n" }
        }
        return out + "\nexit status: " + exitStatus + "\n"
    }

    /// `usage: nnc plan <model.net> [--batch N] …`, wrapped under the command; `[options]`
    /// stands for the optional ones when listing them would take more than two lines.
    var usage: String {
        let lead = "usage: nnc \(name) "
        let fixed = arguments.map { a in
            let name = a.name + (a.many ? "..." : "")
            return a.optional ? "[\(name)]" : name
        }
            + options.filter(\.required).map(synopsis)
        let optional = options.filter { !$0.required }.map { "[\(synopsis($0))]" + ($0.kind == .repeated ? "..." : "") }
        let lines = Self.wrap(fixed + optional, lead: lead)
        if lines.count <= 2 { return lines.joined(separator: "\n") }
        return Self.wrap(fixed + (optional.isEmpty ? [] : ["[options]"]), lead: lead).joined(separator: "\n")
    }

    /// `--phase forward|backward|update|all`, `-o FILE`, `--json`.
    private func synopsis(_ option: Option) -> String {
        let name = option.short ?? option.name
        if let choices = option.choices { return name + " " + choices.joined(separator: "|") }
        return option.valueName.isEmpty ? name : name + " " + option.valueName
    }

    /// Words after `lead`, broken before a word that would pass `width`, continuation lines
    /// indented under the first word.
    private static func wrap(_ words: [String], lead: String) -> [String] {
        var lines: [String] = []
        var line = lead
        for word in words {
            let hasWords = line.count > lead.count
            if hasWords && line.count + 1 + word.count > width {
                lines.append(line)
                line = String(repeating: " ", count: lead.count) + word
            } else {
                line += (hasWords ? " " : "") + word
            }
        }
        // A command without arguments or options (`nnc lsp`) ends its usage at its name.
        return lines + [line == lead ? String(lead.dropLast()) : line]
    }
}
