import Foundation
import Testing
@testable import NNC

/// Nothing crashes or hangs the front end: thousands of seeded mutations of realistic files,
/// 10 000-deep nesting, a megabyte of garbage, the empty file. Each parse must also render,
/// and every diagnostic must point inside the file.
struct RobustnessTests {
    /// Generous: a parse of a few kilobytes takes well under a millisecond in release builds.
    static let perParseLimit: Duration = .seconds(1)
    /// A megabyte takes about half a second on an idle build machine (parse, dump and render);
    /// the margin is for a loaded one. Anything worse than linear would take hours.
    static let megabyteLimit: Duration = .seconds(30)

    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        var sources: [(String, [UInt8])] = []
        for folder in ["valid", "errors"] {
            for name in SyntaxFixtures.names(folder) {
                sources.append((name, try SyntaxFixtures.source(folder, name).bytes))
            }
        }
        for url in SyntaxFixtures.examples() {
            sources.append((url.lastPathComponent, Array(try Data(contentsOf: url))))
        }
        return sources
    }

    /// Parses, dumps and renders; checks time and that every location is inside the file.
    @discardableResult
    static func check(_ bytes: [UInt8], _ what: @autoclosure () -> String,
                      limit: Duration = perParseLimit) -> [Diagnostic] {
        let file = SourceFile(path: "fuzz.net", bytes: bytes)
        let clock = ContinuousClock()
        let start = clock.now
        let (unit, diagnostics) = Parser.parse(file)
        _ = ASTDump.dump(unit)
        _ = DiagnosticRenderer(file: file, color: true).render(diagnostics)
        let elapsed = clock.now - start
        #expect(elapsed < limit, "\(what()) took \(elapsed)")
        for d in diagnostics {
            let inside = [d.range] + d.notes.map(\.range)
            for r in inside {
                let ok = r.start.line >= 1 && r.start.column >= 1 && r.start.offset <= r.end.offset
                    && r.end.offset <= bytes.count && r.start.line <= file.lineStarts.count
                if !ok { Issue.record("\(what()): diagnostic outside the file: \(d) \(r)") }
            }
        }
        #expect(diagnostics.filter(\.isError).count <= Parser.maxErrors + 1)
        return diagnostics
    }

    enum Mutation: CaseIterable { case flipByte, truncate, deleteToken, swapTokens, insertGarbage, duplicateSpan }

    static func mutate(_ bytes: [UInt8], _ rng: inout Random) -> [UInt8] {
        var b = bytes
        func pick(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }
        let tokens = Array(Lexer.tokenize(SourceFile(path: "", bytes: b)).tokens.dropLast())
        switch Mutation.allCases[pick(Mutation.allCases.count)] {
        case .flipByte:
            if !b.isEmpty { b[pick(b.count)] ^= UInt8(1 << pick(8)) }
        case .truncate:
            b = Array(b.prefix(pick(b.count + 1)))
        case .deleteToken:
            if !tokens.isEmpty {
                let t = tokens[pick(tokens.count)]
                b.removeSubrange(t.range.start.offset..<t.range.end.offset)
            }
        case .swapTokens:
            if tokens.count >= 2 {
                let x = tokens[pick(tokens.count)], y = tokens[pick(tokens.count)]
                let (first, second) = x.range.start.offset <= y.range.start.offset ? (x, y) : (y, x)
                if first.range.end.offset <= second.range.start.offset {
                    let a = Array(b[first.range.start.offset..<first.range.end.offset])
                    let c = Array(b[second.range.start.offset..<second.range.end.offset])
                    b.replaceSubrange(second.range.start.offset..<second.range.end.offset, with: a)
                    b.replaceSubrange(first.range.start.offset..<first.range.end.offset, with: c)
                }
            }
        case .insertGarbage:
            let pieces: [[UInt8]] = [Array("{".utf8), Array("}".utf8), Array("(".utf8), Array(")".utf8),
                                     Array("[".utf8), Array("\"".utf8), Array("\n".utf8), Array(",".utf8),
                                     Array(":".utf8), Array("=".utf8), Array("-".utf8), Array("net".utf8),
                                     Array("let".utf8), [0x00], [0xFF], [0xE2, 0x80], Array("\r".utf8),
                                     Array("\t".utf8), Array("#".utf8), Array("1e".utf8), Array(".".utf8)]
            let piece = pieces[pick(pieces.count)]
            b.insert(contentsOf: piece, at: pick(b.count + 1))
        case .duplicateSpan:
            if !b.isEmpty {
                let lo = pick(b.count), hi = min(b.count, lo + pick(64))
                b.insert(contentsOf: Array(b[lo..<hi]), at: pick(b.count + 1))
            }
        }
        return b
    }

    @Test func thousandsOfMutationsNeverCrash() throws {
        let sources = try Self.seeds()
        #expect(sources.count >= 3)
        var rng = Random(seed: 20_261_123)
        // NNC_FUZZ_ROUNDS=200000 for a longer hunt; the default keeps the suite fast.
        let rounds = Int(ProcessInfo.processInfo.environment["NNC_FUZZ_ROUNDS"] ?? "") ?? 6000
        for round in 0..<rounds {
            let source = sources[round % sources.count]
            var bytes = source.bytes
            // Stack 1 to 4 mutations so some inputs are far from the original.
            for _ in 0...(rng.next() % 4) { bytes = Self.mutate(bytes, &rng) }
            Self.check(bytes, "round \(round) of \(source.name) (seed 20261123)")
        }
    }

    @Test(arguments: ["(", "[", "-", "f(", "{"])
    func tenThousandDeepNesting(opener: String) {
        let closer = ["(": ")", "[": "]", "-": "", "f(": ")", "{": "}"][opener]!
        let inner = String(repeating: opener, count: 10_000) + "1" + String(repeating: closer, count: 10_000)
        let text = opener == "{" ? "net n " + String(repeating: "{ repeat ", count: 10_000) + "relu"
            + String(repeating: " }", count: 10_000) : "let x = " + inner
        let diagnostics = Self.check(Array(text.utf8), "10 000 × \(opener)")
        #expect(diagnostics.map(\.message) == ["nesting is too deep (more than 256 levels)"])
    }

    @Test func deepButUnclosedNesting() {
        for opener in ["(", "[", "{", "-"] {
            let text = opener == "{" ? "net n " + String(repeating: "{ repeat ", count: 10_000)
                : "let x = " + String(repeating: opener, count: 10_000)
            let diagnostics = Self.check(Array(text.utf8), "10 000 unclosed \(opener)")
            #expect(diagnostics.first?.message == "nesting is too deep (more than 256 levels)")
            #expect(diagnostics.count <= 2, "\(diagnostics.map(\.description))")
        }
    }

    @Test func nestingJustBelowTheLimitIsFine() {
        let depth = Parser.maxDepth
        let text = "let x = " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        #expect(Self.check(Array(text.utf8), "\(depth) parentheses").isEmpty)
    }

    @Test func aMegabyteOfGarbage() {
        var rng = Random(seed: 7)
        let bytes = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        Self.check(bytes, "1 MB of random bytes", limit: Self.megabyteLimit)
        let printable = (0..<(1 << 20)).map { _ in UInt8(32 + rng.next() % 95) }
        Self.check(printable, "1 MB of random printable ASCII", limit: Self.megabyteLimit)
    }

    @Test func aMegabyteOfValidTextIsLinear() {
        let statement = "  dense 128, init: normal(0.01)\n  relu\n"
        let text = "net big {\n" + String(repeating: statement, count: (1 << 20) / statement.utf8.count) + "}\n"
        let diagnostics = Self.check(Array(text.utf8), "1 MB net", limit: Self.megabyteLimit)
        #expect(diagnostics.isEmpty)
    }

    @Test func longOperatorChainsAreBounded() {
        let text = "let x = " + String(repeating: "1+", count: 100_000) + "1"
        let diagnostics = Self.check(Array(text.utf8), "100 000 operators")
        #expect(diagnostics.map(\.message) == ["expression is too long (more than 1024 operators in a row)"])
    }

    @Test func emptyAndTinyFiles() {
        for text in ["", "\n", "\r\n", ";", "#", "\"", "{", "}", "let", "net", "\u{0}", "\t\t"] {
            Self.check(Array(text.utf8), "'\(text)'")
        }
        #expect(SyntaxFixtures.parse("").diagnostics.isEmpty)
        #expect(SyntaxFixtures.parse("").unit.declarations.isEmpty)
    }
}
