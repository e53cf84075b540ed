import Foundation

/// Options several commands take, declared once, and how they read.
extension Option {
    static let data = Option.value(
        "--data", "DIR", "look for data files here first (also: next to the .net file, $NNC_DATA, ./data)")
    static let threads = Option.value(
        "--threads", "N", """
            worker threads (default: the machine's \(ProcessInfo.processInfo.activeProcessorCount) cores);
            results are bit-identical for a given thread count
            """)
    static let color = Option.value(
        "--color", "WHEN", "colour diagnostics: auto (on a terminal), always, never", choices: ["auto", "always", "never"])
}

extension ParsedArguments {
    /// `--threads`, else every core.
    func threads() throws -> Int {
        try int("--threads", atLeast: 1) ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// `--color`: auto colours diagnostics when standard error is a terminal.
    func color() -> Bool {
        switch value("--color") ?? "auto" {
        case "always": return true
        case "never": return false
        default: return isatty(STDERR_FILENO) != 0
        }
    }

    /// The one `.net` file of a model command.
    var modelPath: String { positional[0] }
}
