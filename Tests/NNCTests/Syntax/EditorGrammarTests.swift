import Foundation
import Testing
@testable import NNC

/// grammar/nnc.tmLanguage.json, the editors' highlighting grammar, names exactly the words the
/// language has: the EBNF's keywords, the checker's layer statements, optimizer methods and
/// initialisers. A new layer or method without its word in the grammar fails here.
@Suite struct EditorGrammarTests {
    static func repository() throws -> [String: Any] {
        let url = TestPaths.repoRoot.appendingPathComponent("grammar/nnc.tmLanguage.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        #expect(json?["scopeName"] as? String == "source.nnc")
        return try #require(json?["repository"] as? [String: Any])
    }

    /// The words of a rule written `\b(a|b|c)\b`.
    static func words(_ rule: String, in repository: [String: Any]) throws -> Set<String> {
        let match = try #require((repository[rule] as? [String: Any])?["match"] as? String, "rule \(rule)")
        #expect(match.hasPrefix("\\b(") && match.hasSuffix(")\\b"), "\(rule): \(match)")
        return Set(match.dropFirst(3).dropLast(3).split(separator: "|").map(String.init))
    }

    @Test func wordListsMatchTheLanguage() throws {
        let r = try Self.repository()
        #expect(try Self.words("layer", in: r) == Set(LayerTable.keywords))
        #expect(try Self.words("method", in: r) == Set(OptimizerMethod.allCases.map(\.rawValue)))
        #expect(try Self.words("initializer", in: r) == Set(LayerTable.initializerChoices))
        // The EBNF's reserved words: the declarations' and the two constants.
        let ebnf = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("grammar/nnc.ebnf"), encoding: .utf8)
        let line = try #require(ebnf.split(separator: "\n").first { $0.hasPrefix("keyword ") })
        let reserved = Set(line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
        #expect(reserved.count == 8)
        #expect(try Self.words("declaration", in: r).union(Self.words("constant", in: r)) == reserved)
    }
}
