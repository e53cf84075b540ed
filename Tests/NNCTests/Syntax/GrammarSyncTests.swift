import Foundation
import Testing
@testable import NNC

/// grammar/nnc.ebnf and the lexer agree: every quoted terminal of the grammar is a keyword or
/// punctuation token of the lexer, and every fixed-spelling token appears in the grammar.
struct GrammarSyncTests {
    static func grammarTerminals() throws -> Set<String> {
        let url = SyntaxFixtures.repoRoot.appendingPathComponent("grammar/nnc.ebnf")
        var text = try String(contentsOf: url, encoding: .utf8)
        // Drop (* comments *), which quote characters of the lexical notes.
        while let open = text.range(of: "(*"), let close = text.range(of: "*)", range: open.upperBound..<text.endIndex) {
            text.removeSubrange(open.lowerBound..<close.upperBound)
        }
        var terminals: Set<String> = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            let after = rest.index(after: open)
            guard let close = rest[after...].firstIndex(of: "\"") else { break }
            terminals.insert(String(rest[after..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return terminals
    }

    @Test func everyGrammarTerminalIsAToken() throws {
        let terminals = try Self.grammarTerminals()
        let spellings = Set(TokenKind.allCases.compactMap(\.spelling))
        #expect(terminals.count > 20, "the grammar was read")
        #expect(terminals.subtracting(spellings) == [], "terminals in the grammar the lexer does not know")
        #expect(spellings.subtracting(terminals) == [], "tokens the lexer knows that the grammar lacks")
    }

    @Test func keywordsMatchTheGrammarsReservedList() throws {
        let url = SyntaxFixtures.repoRoot.appendingPathComponent("grammar/nnc.ebnf")
        let text = try String(contentsOf: url, encoding: .utf8)
        let line = text.split(separator: "\n").first { $0.contains("Keywords are reserved") }
        let listed = line.map { $0.split(separator: ":").last!.split(separator: " ")
            .map { $0.trimmingCharacters(in: .punctuationCharacters) }.filter { !$0.isEmpty } } ?? []
        #expect(Set(listed) == Set(TokenKind.keywords.keys))
    }

    @Test func namedTerminalsAreTokenKinds() throws {
        let url = SyntaxFixtures.repoRoot.appendingPathComponent("grammar/nnc.ebnf")
        let text = try String(contentsOf: url, encoding: .utf8)
        for (terminal, kind) in [("NAME", TokenKind.name), ("NUMBER", .number), ("STRING", .string),
                                 ("NEWLINE", .newline)] {
            #expect(text.contains(terminal), "\(terminal) for \(kind)")
        }
    }
}
