import Testing
@testable import NNC

@Suite struct EvaluatorTests {
    /// The value of `let x = <text>` as the checker sees it through `dense x`'s neighbour:
    /// evaluated directly with a fresh evaluator.
    static func evaluate(_ text: String, constants: [String: String] = [:]) -> (Value?, [Diagnostic]) {
        let sink = DiagnosticSink()
        let evaluator = Evaluator(sink: sink)
        for (name, value) in constants.sorted(by: { $0.key < $1.key }) {
            let unit = Parser.parse(SourceFile(path: "c.net", text: "let \(name) = \(value)")).unit
            if case .constant(let id, let expr, _)? = unit.declarations.first { _ = evaluator.define(id, expr) }
        }
        let unit = Parser.parse(SourceFile(path: "t.net", text: "let x = \(text)")).unit
        guard case .constant(_, let expr, _)? = unit.declarations.first else { return (nil, []) }
        let v = evaluator.evaluate(expr, in: [:])
        return (v, sink.diagnostics)
    }

    @Test func integersStayIntegersUnlessDivisionIsInexact() {
        #expect(Self.evaluate("2 + 3 * 4").0?.kind == .int(14))
        #expect(Self.evaluate("12 / 4").0?.kind == .int(3))
        #expect(Self.evaluate("1 / 4").0?.kind == .real(0.25))
        #expect(Self.evaluate("1.0 * 3").0?.kind == .real(3))
        #expect(Self.evaluate("-(2 - 5)").0?.kind == .int(3))
        #expect(Self.evaluate("1_000").0?.kind == .int(1000))
    }

    @Test func constantsInAnyOrderAndSymbols() {
        #expect(Self.evaluate("w * 2", constants: ["w": "h + 1", "h": "9"]).0?.kind == .int(20))
        #expect(Self.evaluate("relu").0?.kind == .symbol("relu"))
        if case .list(let items)? = Self.evaluate("[1, w]", constants: ["w": "2"]).0?.kind {
            #expect(items.map(\.kind) == [.int(1), .int(2)])
        } else {
            Issue.record("a list of constants evaluates to a list")
        }
    }

    @Test func overflowAndDivisionByZeroAreDiagnosed() {
        let cases = ["9223372036854775807 + 1": "arithmetic overflow",
                     "-9223372036854775807 - 2": "arithmetic overflow",
                     "4611686018427387904 * 2": "arithmetic overflow",
                     "1e300 * 1e300": "arithmetic overflow",
                     "1 / 0": "division by zero",
                     "1.5 / 0": "division by zero",
                     "\"a\" + 1": "'+' needs numbers, got the string \"a\"",
                     "nope * 2": "unknown constant 'nope'"]
        for (text, message) in cases {
            let (v, d) = Self.evaluate(text)
            #expect(v == nil, "\(text)")
            #expect(d.map(\.message) == [message], "\(text)")
        }
    }

    @Test func selfReferenceIsAnErrorOnce() {
        let (v, d) = Self.evaluate("a", constants: ["a": "b + 1", "b": "a * 2"])
        #expect(v == nil)
        #expect(d.count == 1 && d[0].message.contains("defined in terms of itself"))
    }
}

@Suite struct SuggestionsTests {
    @Test func closeNamesAreSuggestedFarOnesAreNot() {
        let words = LayerTable.keywords
        #expect(Suggestions.closest(to: "desne", among: words) == "dense")
        #expect(Suggestions.closest(to: "maxpol", among: words) == "maxpool")
        #expect(Suggestions.closest(to: "batchnrom", among: words) == "batchnorm")
        #expect(Suggestions.closest(to: "Dense", among: words) == "dense")
        #expect(Suggestions.closest(to: "xyz", among: words) == nil)
        #expect(Suggestions.closest(to: "dense", among: words) == nil)
        #expect(Suggestions.distance("kitten", "sitting") == 3)
        #expect(Suggestions.distance("ab", "ba") == 1)
    }
}
