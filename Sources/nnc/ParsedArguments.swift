/// A command line read against a command's declaration: the positional arguments in order and
/// the options' values. Options take `--name value` or `--name=value`; `-h` or `--help`
/// anywhere asks for the help and stops the reading there.
///
/// Parsing checks what the declaration says (known names, values present, choices, required
/// options, how many arguments); the typed accessors check the rest (`int`, `positiveDouble`).
/// Asking for an option the command does not declare is a bug in nnc, not a usage error.
struct ParsedArguments {
    let spec: CommandSpec
    private(set) var positional: [String] = []
    /// Every value given, by the option's long name; a flag holds one empty value.
    private var given: [String: [String]] = [:]
    private(set) var help = false

    init(_ arguments: [String], for spec: CommandSpec) throws {
        self.spec = spec
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if argument == "-h" || argument == "--help" {
                help = true
                return
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                positional.append(argument)
                continue
            }
            var name = argument
            var inline: String?
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                name = String(argument[..<eq])
                inline = String(argument[argument.index(after: eq)...])
            }
            guard let option = spec.option(named: name) else {
                let names = spec.options.flatMap { [$0.name] + ($0.short.map { [$0] } ?? []) } + ["--help"]
                throw CommandLineError.unknown("option", name, candidates: names)
            }
            if option.kind == .flag {
                guard inline == nil else { throw CommandLineError.flagWithValue(name) }
                given[option.name] = [""]
                continue
            }
            var value: String
            if let inline {
                value = inline
            } else {
                guard i < arguments.count else { throw CommandLineError.missingValue(option: name, valueName: option.valueName) }
                value = arguments[i]
                i += 1
            }
            if let choices = option.choices {
                guard let choice = choices.first(where: { $0 == value.lowercased() }) else {
                    throw CommandLineError.notAChoice(option: name, value: value, choices: choices)
                }
                value = choice
            }
            given[option.name] = option.kind == .repeated ? given[option.name, default: []] + [value] : [value]
        }
        try checkCompleteness()
    }

    /// Every declared argument present (a `many` one at least once), no extra ones, and every
    /// required option given.
    private func checkCompleteness() throws {
        if positional.count < spec.arguments.count, !spec.arguments[positional.count].optional {
            throw CommandLineError.missing(spec.arguments[positional.count].missing)
        }
        if spec.arguments.last?.many != true, positional.count > spec.arguments.count {
            throw CommandLineError.unexpectedArgument(positional[spec.arguments.count])
        }
        for option in spec.options where option.required && given[option.name] == nil {
            throw CommandLineError.missing("\(option.short ?? option.name) \(option.valueName)")
        }
    }

    private func declared(_ name: String, _ kinds: Set<Option.Kind>) -> Option {
        guard let option = spec.option(named: name), kinds.contains(option.kind) else {
            preconditionFailure("nnc \(spec.name) reads '\(name)' but does not declare it as \(kinds)")
        }
        return option
    }

    func flag(_ name: String) -> Bool {
        given[declared(name, [.flag]).name] != nil
    }

    /// The value of a `.value` option (a choice comes back as declared), or nil when not given.
    func value(_ name: String) -> String? {
        given[declared(name, [.value]).name]?.last
    }

    /// Every value of a `.repeated` option, in the order given.
    func values(_ name: String) -> [String] {
        given[declared(name, [.repeated]).name] ?? []
    }

    func int(_ name: String, atLeast minimum: Int) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let v = Int(text), v >= minimum else {
            throw CommandLineError.invalidValue(option: name, value: text, expected: "a whole number of at least \(minimum)")
        }
        return v
    }

    func positiveDouble(_ name: String) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let v = Double(text), v.isFinite, v > 0 else {
            throw CommandLineError.invalidValue(option: name, value: text, expected: "a positive number")
        }
        return v
    }
}
