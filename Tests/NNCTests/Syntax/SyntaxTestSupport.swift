import Foundation
@testable import NNC

/// Fixture files and golden output for the syntax tests, found from this file's own path.
enum SyntaxFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/syntax")
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Golden files are rewritten only when this is set, and a recording run fails its test.
    static var recording: Bool { ProcessInfo.processInfo.environment["NNC_RECORD"] == "1" }

    /// The `.net` files of a fixture folder, sorted, as names without the folder.
    static func names(_ folder: String) -> [String] {
        let url = root.appendingPathComponent(folder)
        let all = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return all.filter { $0.hasSuffix(".net") }.sorted()
    }

    static func url(_ folder: String, _ name: String) -> URL {
        root.appendingPathComponent(folder).appendingPathComponent(name)
    }

    static func source(_ folder: String, _ name: String) throws -> SourceFile {
        let url = url(folder, name)
        return SourceFile(path: url.lastPathComponent, bytes: Array(try Data(contentsOf: url)))
    }

    /// The `.net` files in `examples/`, if the examples exist yet.
    static func examples() -> [URL] {
        let dir = repoRoot.appendingPathComponent("examples")
        let all = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return all.filter { $0.hasSuffix(".net") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func parse(_ text: String) -> (unit: SourceUnit, diagnostics: [Diagnostic]) {
        Parser.parse(SourceFile(path: "test.net", text: text))
    }

    /// One diagnostic as one line, with its exact span, fix and notes:
    /// `3:11-3:11 error: expected ',' between arguments [fix: insert ',']`.
    static func line(_ d: Diagnostic) -> String {
        var s = "\(d.range.start)-\(d.range.end) \(d.severity.rawValue): \(d.message)"
        if let fix = d.fix { s += " [fix: \(fix)]" }
        for note in d.notes { s += " [note \(note.range.start)-\(note.range.end): \(note.message)]" }
        return s
    }
}
