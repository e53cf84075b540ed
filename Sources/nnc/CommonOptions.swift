import Foundation
import NNC

/// A mistake on the command line; the command prints it with its help and exits 64.
struct CommandLineError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The command line split into positional arguments, options with values and bare flags.
/// Options take `--name value` or `--name=value`.
struct ParsedArguments {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []
    var help = false

    init(_ args: [String], valued: Set<String>, flags known: Set<String> = []) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            i += 1
            if a == "-h" || a == "--help" { help = true; continue }
            guard a.hasPrefix("-"), a != "-" else { positional.append(a); continue }
            var name = a
            var inline: String?
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            if known.contains(name), inline == nil {
                flags.insert(name)
            } else if valued.contains(name) {
                if let inline { values[name] = inline; continue }
                guard i < args.count else { throw CommandLineError("option '\(name)' needs a value") }
                values[name] = args[i]
                i += 1
            } else {
                throw CommandLineError("unknown option '\(name)'")
            }
        }
    }

    func int(_ name: String, atLeast minimum: Int) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let v = Int(text), v >= minimum else { throw CommandLineError("'\(name)' needs a whole number of at least \(minimum), got '\(text)'") }
        return v
    }

    func positiveDouble(_ name: String) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let v = Double(text), v.isFinite, v > 0 else { throw CommandLineError("'\(name)' needs a positive number, got '\(text)'") }
        return v
    }
}

/// The options every data-reading command shares: where data lives, threads, colour.
struct CommonOptions {
    static let valued: Set<String> = ["--data", "--threads", "--color"]
    static let help = """
          --data DIR       look for data files here first (also: next to the .net file, $NNC_DATA, ./data)
          --threads N      worker threads (default: the machine's \(ProcessInfo.processInfo.activeProcessorCount) cores);
                           results are bit-identical for a given thread count
          --color WHEN     colour diagnostics: auto (on a terminal), always, never
        """

    var dataDirectory: String?
    var threads: Int
    var color: Bool

    init(_ parsed: ParsedArguments) throws {
        dataDirectory = parsed.values["--data"]
        threads = try parsed.int("--threads", atLeast: 1) ?? ProcessInfo.processInfo.activeProcessorCount
        switch parsed.values["--color"] ?? "auto" {
        case "auto": color = isatty(STDERR_FILENO) != 0
        case "always": color = true
        case "never": color = false
        case let other: throw CommandLineError("'--color' must be auto, always or never, got '\(other)'")
        }
    }

    /// The training overrides `--epochs`, `--lr`, `--batch`, `--optimizer`, `--seed`.
    static let overrideOptions: Set<String> = ["--epochs", "--lr", "--batch", "--optimizer", "--seed"]
    static let overrideHelp = """
          --epochs N       train for N epochs instead of the file's count
          --lr RATE        initial learning rate
          --batch N        batch size
          --optimizer M    \(OptimizerMethod.allCases.map(\.rawValue).joined(separator: ", ")) (the method's defaults, the file's weight decay)
          --seed N         seed for initialisation, shuffling and dropout
        """

    static func overrides(_ parsed: ParsedArguments) throws -> TrainingOverrides {
        var o = TrainingOverrides()
        o.epochs = try parsed.int("--epochs", atLeast: 1)
        o.batch = try parsed.int("--batch", atLeast: 1)
        o.learningRate = try parsed.positiveDouble("--lr")
        if let text = parsed.values["--seed"] {
            guard let seed = UInt64(text) else { throw CommandLineError("'--seed' needs a whole number from 0, got '\(text)'") }
            o.seed = seed
        }
        if let text = parsed.values["--optimizer"] {
            guard let method = OptimizerMethod(rawValue: text.lowercased()) else {
                throw CommandLineError("unknown optimizer '\(text)'; expected one of \(OptimizerMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            o.optimizer = method
        }
        return o
    }
}

/// Reads and checks a `.net` file, printing diagnostics the way `nnc check` does.
/// Returns the model, or nil and the exit code to stop with.
func loadModel(_ path: String, command: String, color: Bool) -> (model: Model?, code: ExitCode) {
    guard let data = FileManager.default.contents(atPath: path) else {
        let kind = PathKind.of(path)
        let why = kind == .missing ? "no such file" : kind == .directory ? "it is a directory" : "permission denied"
        writeError("nnc \(command): cannot read '\(path)': \(why)\n")
        return (nil, .noInput)
    }
    let file = SourceFile(path: path, bytes: [UInt8](data))
    let (model, diagnostics) = Frontend.check(file)
    let renderer = DiagnosticRenderer(file: file, color: color)
    if !diagnostics.isEmpty { writeError(renderer.render(diagnostics)) }
    guard let model, !diagnostics.hasErrors else {
        writeError(DiagnosticRenderer.summary(diagnostics) + "\n")
        return (nil, .dataError)
    }
    return (model, .success)
}

/// Prints the data-agreement diagnostics (features vs input, classes vs output); false if any is an error.
func checkData(_ model: Model, path: String, classes: Int, features: Int, color: Bool) -> Bool {
    let diagnostics = ModelChecker.checkAgainstData(model, classes: classes, features: features)
    guard !diagnostics.isEmpty else { return true }
    renderDiagnostics(diagnostics, path: path, color: color)
    return !diagnostics.hasErrors
}

/// Prints diagnostics found after checking (against data, or in lowering) against the file
/// they point into, with the summary line.
func renderDiagnostics(_ diagnostics: [Diagnostic], path: String, color: Bool) {
    guard let data = FileManager.default.contents(atPath: path) else { return }
    let file = SourceFile(path: path, bytes: [UInt8](data))
    writeError(DiagnosticRenderer(file: file, color: color).render(diagnostics))
    writeError(DiagnosticRenderer.summary(diagnostics) + "\n")
}

/// The exit status and message for an error reading data or a checkpoint.
func describe(_ error: Error) -> (ExitCode, String) {
    switch error {
    case let e as DataError:
        switch e {
        case .notFound, .cannotRead: return (.noInput, e.description)
        default: return (.dataError, e.description)
        }
    case let e as CheckpointError:
        if case .cannotRead = e { return (.noInput, e.description) }
        return (.dataError, e.description)
    case let e as CheckpointMismatch:
        return (.dataError, e.description)
    case let e as TrainingFailure:
        switch e {
        case .nonFinite: return (.failure, e.description)
        case .data: return (.dataError, e.description)
        case .checkpoint: return (.ioError, e.description)
        }
    default:
        return (.failure, "\(error)")
    }
}

func writeError(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}
