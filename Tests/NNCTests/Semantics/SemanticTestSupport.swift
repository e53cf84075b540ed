import Foundation
@testable import NNC

/// Helpers for the semantic tests: checking text, and reading the expectations that
/// fixtures carry inline as comments.
enum SemanticSupport {
    static let fixtures = TestPaths.fixtures.appendingPathComponent("semantics")

    static func check(_ text: String, path: String = "test.net") -> (model: Model?, diagnostics: [Diagnostic]) {
        Frontend.check(SourceFile(path: path, text: text))
    }

    /// The model of `text`, or nil; for tests that expect a clean file.
    static func model(_ text: String) -> Model? {
        let (model, diagnostics) = check(text)
        return diagnostics.hasErrors ? nil : model
    }

    /// Messages only (`3:9: error: …`), for tests that assert a single diagnostic.
    static func messages(_ text: String) -> [String] {
        check(text).diagnostics.map(\.description)
    }

    /// A diagnostic as the lines a fixture writes for it: `error@4:9: message`, then
    /// `fix@4:9: …` when it has a fix, then `note@L:C: …` for each note.
    static func expectationLines(_ d: Diagnostic) -> [String] {
        let at = "\(d.range.start.line):\(d.range.start.column)"
        var lines = ["\(d.severity.rawValue)@\(at): \(d.message)"]
        if let fix = d.fix { lines.append("fix@\(at): \(fix)") }
        for n in d.notes { lines.append("note@\(n.range.start.line):\(n.range.start.column): \(n.message)") }
        return lines
    }

    private static let kinds = ["error", "warning", "note", "fix"]

    /// The expectations written in `text`'s comments: every `kind@L:C: text` runs to the next
    /// expectation on its line or to the end of the line.
    static func expectations(in text: String) -> [String] {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let hash = line.firstIndex(of: "#") else { continue }
            let comment = String(line[hash...])
            var starts: [String.Index] = []
            for kind in kinds {
                var search = comment.startIndex
                while let r = comment.range(of: kind + "@", range: search..<comment.endIndex) {
                    // Only at a word start, so `error@` inside a message is not taken.
                    if r.lowerBound == comment.startIndex || !comment[comment.index(before: r.lowerBound)].isLetter {
                        starts.append(r.lowerBound)
                    }
                    search = r.upperBound
                }
            }
            starts.sort()
            for (i, s) in starts.enumerated() {
                let end = i + 1 < starts.count ? starts[i + 1] : comment.endIndex
                var item = String(comment[s..<end])
                while item.last == " " || item.last == "#" { item.removeLast() }
                out.append(item)
            }
        }
        return out
    }
}
