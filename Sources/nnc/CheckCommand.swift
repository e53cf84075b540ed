import Foundation
import NNC

/// `nnc check FILE`: parse and type-check a .net file; print its layer table, or its errors.
enum CheckCommand {
    static let help = """
        usage: nnc check <model.net> [--color auto|always|never] [--data DIR]

        Parses and type-checks a .net file. On success prints each layer with its output
        shape and parameter count; otherwise prints every error with its place and a fix.

        options:
          --color WHEN   colour diagnostics: auto (when stderr is a terminal), always, never
          --data DIR     the data directory (accepted for symmetry with 'train'; check reads no data)
          -h, --help     show this help

        exit status: 0 checked, 64 usage error, 65 errors in the file, 66 file missing or unreadable

        """

    struct Options {
        var path: String
        var color: Bool
        var dataDirectory: String?
    }

    /// Parses the command line; a message on a usage error, nil options for `--help`.
    static func parse(_ args: [String]) -> Result<Options?, UsageError> {
        var path: String?
        var color = "auto"
        var data: String?
        var i = 0
        while i < args.count {
            let a = args[i]
            switch a {
            case "-h", "--help":
                return .success(nil)
            case "--color", "--data":
                guard i + 1 < args.count else { return .failure(UsageError("option '\(a)' needs a value")) }
                if a == "--color" { color = args[i + 1] } else { data = args[i + 1] }
                i += 2
                continue
            default:
                if a.hasPrefix("--color=") { color = String(a.dropFirst("--color=".count)) }
                else if a.hasPrefix("--data=") { data = String(a.dropFirst("--data=".count)) }
                else if a.hasPrefix("-") && a != "-" { return .failure(UsageError("unknown option '\(a)'")) }
                else if path != nil { return .failure(UsageError("only one file can be checked at a time")) }
                else { path = a }
            }
            i += 1
        }
        guard let path else { return .failure(UsageError("missing the .net file to check")) }
        let useColor: Bool
        switch color {
        case "auto": useColor = isatty(STDERR_FILENO) != 0
        case "always": useColor = true
        case "never": useColor = false
        default: return .failure(UsageError("'--color' must be auto, always or never, got '\(color)'"))
        }
        return .success(Options(path: path, color: useColor, dataDirectory: data))
    }

    struct UsageError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static func run(_ args: [String]) -> ExitCode {
        let options: Options
        switch parse(args) {
        case .failure(let e):
            writeError("nnc check: \(e.message)\n\n" + help)
            return .usage
        case .success(nil):
            print(help, terminator: "")
            return .success
        case .success(let o?):
            options = o
        }
        guard let data = FileManager.default.contents(atPath: options.path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: options.path, isDirectory: &isDirectory)
            let why = !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
            writeError("nnc check: cannot read '\(options.path)': \(why)\n")
            return .noInput
        }
        let file = SourceFile(path: options.path, bytes: [UInt8](data))
        let (model, diagnostics) = Frontend.check(file)
        let renderer = DiagnosticRenderer(file: file, color: options.color)
        if !diagnostics.isEmpty { writeError(renderer.render(diagnostics)) }
        guard let model, !diagnostics.hasErrors else {
            writeError(DiagnosticRenderer.summary(diagnostics) + "\n")
            return .dataError
        }
        print(ModelSummary(model).text, terminator: "")
        return .success
    }

    private static func writeError(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
