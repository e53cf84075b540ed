import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import NNC

/// Shared helpers for the report tests: the committed fixture logs and an XML well-formedness check.
enum ReportFixtures {
    static let folder = TestPaths.fixtures.appendingPathComponent("report")
    static let sgdPath = folder.appendingPathComponent("sgd.jsonl").path
    static let sgd2Path = folder.appendingPathComponent("sgd2.jsonl").path

    /// The SGD and SGD2 fixture runs, read through the real reader.
    static func runs() throws -> [RunLog] {
        [try RunLog.read(path: sgdPath), try RunLog.read(path: sgd2Path)]
    }

    /// Nil when `text` is well-formed XML, else the parser's complaint. XMLDocument on Linux
    /// silently repairs broken markup, so this uses XMLParser and its error instead.
    static func xmlProblem(_ text: String) -> String? {
        let parser = XMLParser(data: Data(text.utf8))
        let ok = parser.parse()
        if let error = parser.parserError { return "line \(parser.lineNumber): \(error)" }
        return ok ? nil : "the parser stopped"
    }

    /// How many times `needle` occurs in `text`.
    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
