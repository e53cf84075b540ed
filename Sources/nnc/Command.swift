/// One `nnc` subcommand, in swift-argument-parser's shape: a declaration from which its parser,
/// its `--help` and its did-you-mean are made, and a `run` that either returns (exit 0) or
/// throws; `ExitCode(for:)` turns what it throws into the exit status.
protocol Command {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments) throws
}

/// Everything a command accepts and says about itself, declared once.
struct CommandSpec {
    var name: String
    /// One line, for `nnc --help`.
    var abstract: String
    /// The paragraph of `--help` under the usage line.
    var discussion: String
    var arguments: [Argument]
    var options: [Option]
    /// The statuses it exits with, the last line of `--help`: "0 checked, 64 usage error, …".
    var exitStatus: String

    /// The option called `name` (long or short), if the command has one.
    func option(named name: String) -> Option? {
        options.first { $0.name == name || $0.short == name }
    }
}

/// A positional argument: `<model.net>`, or `LOG...` when there may be several.
struct Argument {
    var name: String
    /// What the usage error says is missing: "the .net file to train".
    var missing: String
    var many = false
    /// The command can go without it (`nnc train --resume FILE` reads the model from FILE).
    var optional = false

    /// The `.net` file every model command takes.
    static func model(_ missing: String) -> Argument { Argument(name: "<model.net>", missing: missing) }
}

/// One option of a command: its names, the name of its value, its help and how it parses.
struct Option {
    enum Kind {
        /// `--json`: present or not.
        case flag
        /// `--batch N` or `--batch=N`; given twice, the last one counts.
        case value
        /// `--mirror URL`, as many times as wanted; every value is kept, in order.
        case repeated
    }

    var name: String
    var short: String?
    /// `N`, `FILE`; empty for a flag.
    var valueName: String
    /// The help line; a line break starts a continuation line, indented under the first.
    var help: String
    var kind: Kind
    /// The values it accepts, when there is a fixed set; checked while parsing.
    var choices: [String]?
    /// The command cannot run without it (`--weights FILE`).
    var required: Bool

    static func flag(_ name: String, _ help: String) -> Option {
        Option(name: name, valueName: "", help: help, kind: .flag, required: false)
    }

    static func value(_ name: String, _ valueName: String, _ help: String, short: String? = nil,
                      choices: [String]? = nil, required: Bool = false) -> Option {
        Option(name: name, short: short, valueName: valueName, help: help, kind: .value, choices: choices,
               required: required)
    }

    static func repeated(_ name: String, _ valueName: String, _ help: String) -> Option {
        Option(name: name, valueName: valueName, help: help, kind: .repeated, required: false)
    }
}
