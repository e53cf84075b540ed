import Foundation
import NNC

/// `nnc check FILE`: parse and type-check a .net file; print its layer table, or its errors.
enum CheckCommand {
    static let help = """
        usage: nnc check <model.net> [--color auto|always|never] [--data DIR]

        Parses and type-checks a .net file. On success prints each layer with its output
        shape and parameter count; otherwise prints every error with its place and a fix.
        With --data it also reads the data block's files and checks the model against them
        (input size against the samples' features, output width against the classes).

        options:
          --color WHEN   colour diagnostics: auto (when stderr is a terminal), always, never
          --data DIR     read the data (searched in DIR, beside the model, then $NNC_DATA) and
                         check the model against it
          -h, --help     show this help

        exit status: 0 checked, 64 usage error, 65 errors in the file, 66 file missing or unreadable

        """

    struct Options {
        var path: String
        var color: Bool
        var dataDirectory: String?
    }

    /// Parses the command line; a message on a usage error, nil options for `--help`.
    static func parse(_ args: [String]) -> Result<Options?, CommandLineError> {
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
                guard i + 1 < args.count else { return .failure(CommandLineError("option '\(a)' needs a value")) }
                if a == "--color" { color = args[i + 1] } else { data = args[i + 1] }
                i += 2
                continue
            default:
                if a.hasPrefix("--color=") { color = String(a.dropFirst("--color=".count)) }
                else if a.hasPrefix("--data=") { data = String(a.dropFirst("--data=".count)) }
                else if a.hasPrefix("-") && a != "-" { return .failure(CommandLineError("unknown option '\(a)'")) }
                else if path != nil { return .failure(CommandLineError("only one file can be checked at a time")) }
                else { path = a }
            }
            i += 1
        }
        guard let path else { return .failure(CommandLineError("missing the .net file to check")) }
        let useColor: Bool
        switch color {
        case "auto": useColor = isatty(STDERR_FILENO) != 0
        case "always": useColor = true
        case "never": useColor = false
        default: return .failure(CommandLineError("'--color' must be auto, always or never, got '\(color)'"))
        }
        return .success(Options(path: path, color: useColor, dataDirectory: data))
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
        let (checked, code) = loadModel(options.path, command: "check", color: options.color)
        guard let model = checked else { return code }
        var dataLine = ""
        if let directory = options.dataDirectory {
            guard let spec = model.data else {
                writeError("nnc check: \(options.path) has no data block to check against; add data { train: … }\n")
                return .dataError
            }
            let data: TrainingData
            do {
                data = try TrainingData.load(spec, locator: .standard(dataDirectory: directory, modelFile: options.path))
            } catch {
                let (code, message) = describe(error)
                writeError("nnc check: \(message)\n")
                return code
            }
            let train = data.train
            guard checkData(model, path: options.path, classes: train.classCount, features: train.sampleSize,
                            color: options.color) else {
                return .dataError
            }
            dataLine = "data    \(train.count) training samples of \(train.sampleSize) features, \(train.classCount) classes: they fit\n"
        }
        print(ModelSummary(model).text + dataLine, terminator: "")
        return .success
    }
}
