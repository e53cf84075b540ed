import Foundation
import NNC
import NNCSystem

/// `nnc fmt FILE... [--check | -w]`: print .net files in the canonical layout, check that they
/// are in it, or rewrite them into it.
enum FmtCommand: Command {
    static let spec = CommandSpec(
        name: "fmt",
        abstract: "print .net files in the canonical layout (or check, or rewrite them)",
        discussion: """
            Prints each .net file in the canonical layout: the line breaks as written, two spaces
            per level of braces, continuation lines aligned after their '(' or '[', one space
            between tokens, comments kept. Formatting twice changes nothing, and the formatted
            file parses as the original. A file with syntax errors is never rewritten: its errors
            are printed as 'nnc check' prints them.
            """,
        arguments: [Argument(name: "FILE", missing: "the .net files to format", many: true)],
        options: [
            .flag("--check", "print nothing but the names of files not in the layout; exit 1 if any"),
            Option(name: "--write", short: "-w", valueName: "", help: "rewrite files not in the layout, in place",
                   kind: .flag, required: false),
            .color,
        ],
        exitStatus: """
            0 formatted, 1 with --check a file not in the layout, 64 usage error, 65 syntax
            errors in a file, 66 a file missing or unreadable, 74 cannot rewrite a file
            """)

    static func run(_ arguments: ParsedArguments) throws {
        let check = arguments.flag("--check"), write = arguments.flag("--write")
        if check && write { throw CommandLineError.invalid("--check and --write exclude each other") }
        var unformatted: [String] = []
        var broken: [String] = []
        var unreadable: CommandFailure?
        for path in arguments.positional {
            let bytes: [UInt8]
            do {
                bytes = try ModelFile.contents(of: path)
            } catch let failure as CommandFailure {
                // The other files are still formatted; the first unreadable one decides the status.
                writeError("nnc fmt: error: \(failure.message)\n")
                unreadable = unreadable ?? failure
                continue
            }
            let source = SourceFile(path: path, bytes: bytes)
            let (text, diagnostics) = Formatter.format(source)
            guard let text else {
                writeError(DiagnosticsError(file: source, diagnostics: diagnostics, color: arguments.color()).rendered)
                broken.append(path)
                continue
            }
            let changed = Array(text.utf8) != bytes
            if check {
                if changed {
                    print(path)
                    unformatted.append(path)
                }
            } else if write {
                guard changed else { continue }
                do {
                    try AtomicFile.write(Array(text.utf8), to: URL(fileURLWithPath: path))
                } catch let failure as AtomicFile.Failure {
                    throw CommandFailure(.ioError, "cannot rewrite '\(path)': \(failure.reason)")
                }
            } else {
                print(text, terminator: "")
            }
        }
        if let unreadable { throw unreadable }
        if !broken.isEmpty {
            throw CommandFailure(.dataError, "not formatted, syntax errors: \(broken.joined(separator: ", "))")
        }
        if !unformatted.isEmpty {
            throw CommandFailure(.notFormatted, "\(unformatted.count == 1 ? "1 file is" : "\(unformatted.count) files are") "
                                 + "not in the canonical layout; 'nnc fmt -w' rewrites them")
        }
    }
}
