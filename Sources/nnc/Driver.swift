import Foundation
import NNC

/// Runs one command line: finds the command, parses its options against its declaration, runs
/// it, and turns what it threw into a message and an exit status, the same way for every command.
struct Driver {
    let commands: [any Command.Type]

    /// The words `nnc` answers besides the commands.
    static let builtins = ["help", "version", "--help", "-h", "--version"]

    func run(_ arguments: [String]) -> ExitCode {
        guard let first = arguments.first else {
            writeError(usage)
            return .usage
        }
        switch first {
        case "-h", "--help", "help":
            if arguments.count > 1 {
                guard let command = command(arguments[1]) else { return fail(unknownCommand(arguments[1]), in: nil) }
                print(command.spec.help, terminator: "")
            } else {
                print(usage, terminator: "")
            }
            return .success
        case "--version", "version":
            print("nnc \(version)")
            return .success
        default:
            break
        }
        guard let command = command(first) else { return fail(unknownCommand(first), in: nil) }
        var parsed: ParsedArguments?
        do {
            parsed = try ParsedArguments(Array(arguments.dropFirst()), for: command.spec)
            if parsed!.help {
                print(command.spec.help, terminator: "")
                return .success
            }
            try command.run(parsed!)
            return .success
        } catch {
            if let located = locatedInModel(error, parsed) { writeError(located); return ExitCode(for: error) }
            return fail(error, in: command.spec)
        }
    }

    /// A data error that a data block entry caused (a file not found), drawn at that entry of
    /// the model file as `nnc check` draws its errors; nil when it has no place there.
    private func locatedInModel(_ error: Error, _ parsed: ParsedArguments?) -> String? {
        // `train --resume FILE` names no model file (its copy is in the checkpoint): no place to draw.
        guard let e = error as? DataError, let diagnostic = e.diagnostic, let parsed,
              parsed.spec.arguments.first?.name == Argument.model("").name,
              let path = parsed.positional.first,
              let bytes = try? ModelFile.contents(of: path) else { return nil }
        let color = parsed.spec.option(named: "--color") != nil && parsed.color()
        let renderer = DiagnosticRenderer(file: SourceFile(path: path, bytes: bytes), color: color)
        return renderer.render(diagnostic) + e.lookedIn + DiagnosticRenderer.summary([diagnostic]) + "\n"
    }

    /// `nnc --help`: every command with its abstract.
    var usage: String {
        var s = "usage: nnc <command> [options] <model.net>\n       nnc --version\n\ncommands:\n"
        for c in commands { s += "  " + c.spec.name.padding(toLength: 8, withPad: " ", startingAt: 0) + c.spec.abstract + "\n" }
        return s + "\n'nnc <command> --help' describes a command's options.\n\n" + Self.exitStatus
    }

    /// Every status nnc exits with (`ExitCode`); each command's help lists the ones it uses.
    static let exitStatus = """
        exit status: 0 success, 1 a file not formatted (fmt --check), 64 usage error, 65 errors in
        the input (a .net file, data, a checkpoint, a log), 66 an input missing, 70 training or a
        step failed, 74 an output could not be written

        """

    private func command(_ name: String) -> (any Command.Type)? {
        commands.first { $0.spec.name == name }
    }

    private func unknownCommand(_ name: String) -> CommandLineError {
        let names = commands.map { $0.spec.name } + Self.builtins
        return name.hasPrefix("-") ? .unknown("option", name, candidates: Self.builtins) : .unknown("command", name, candidates: names)
    }

    /// Prints `error` as `nnc <command>: error: …` (usage errors with the usage line, diagnostics
    /// as `nnc check` draws them) and returns its status.
    private func fail(_ error: Error, in spec: CommandSpec?) -> ExitCode {
        let who = spec.map { "nnc \($0.name)" } ?? "nnc"
        switch error {
        case let e as DiagnosticsError:
            writeError(e.rendered)
        case let e as CommandLineError:
            let hint = spec.map { "\($0.usage)\nrun 'nnc \($0.name) --help' for the options\n" } ?? "run 'nnc --help' for the commands\n"
            writeError("\(who): error: \(e.message)\n" + hint)
        case let e as CommandFailure:
            writeError("\(who): error: \(e.message)\n" + e.notes.map { "\(who): \($0)\n" }.joined())
        default:
            writeError("\(who): error: \(error)\n")
        }
        return ExitCode(for: error)
    }
}

func writeError(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}
