import Foundation
import Testing
@testable import NNC

/// `Formatter`: the canonical layout is a fixed point, changes nothing but whitespace, keeps the
/// parse, and the examples are kept in it.
@Suite struct FormatterTests {
    /// Every `.net` file the repository ships that parses: the examples and the fixtures.
    static let files: [URL] = {
        var urls = SyntaxFixtures.examples()
        for folder in ["syntax/valid", "syntax/errors", "semantics"] {
            let dir = TestPaths.fixtures.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            urls += names.filter { $0.hasSuffix(".net") }.sorted().map { dir.appendingPathComponent($0) }
        }
        return urls.filter { url in
            guard let data = try? Data(contentsOf: url) else { return false }
            return !Parser.parse(SourceFile(path: url.path, bytes: Array(data))).diagnostics.hasErrors
        }
    }()

    static func format(_ text: String) -> String? {
        Formatter.format(SourceFile(path: "test.net", text: text)).text
    }

    /// A dump with the `@line:col-line:col` ranges removed: the tree itself.
    static func shape(_ text: String) -> String {
        ASTDump.dump(Parser.parse(SourceFile(path: "test.net", text: text)).unit)
            .replacing(#/ @\d+:\d+-\d+:\d+/#, with: "")
    }

    @Test func theFixturesParse() {
        // The fixtures below are most of what the other tests run on; an empty list would pass them all.
        #expect(Self.files.count >= 40, "only \(Self.files.count) files parse")
    }

    @Test(arguments: files)
    func idempotentAndFaithful(_ url: URL) throws {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let once = try #require(Self.format(text), "\(url.lastPathComponent) did not format")
        #expect(Self.format(once) == once, "\(url.lastPathComponent): formatting twice changes it")
        #expect(Self.shape(once) == Self.shape(text), "\(url.lastPathComponent): the formatted file parses differently")
        // Only whitespace changes, so every comment and token survives as written.
        #expect(once.filter { !$0.isWhitespace } == text.filter { !$0.isWhitespace }, "\(url.lastPathComponent)")
    }

    @Test(arguments: SyntaxFixtures.examples())
    func examplesAreInTheLayout(_ url: URL) throws {
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        #expect(Self.format(text) == text, "\(url.lastPathComponent) is not formatted: run nnc fmt -w examples/*.net")
    }

    /// The lexer takes a lone CR for whitespace, so a `#` after one starts a comment, which the
    /// layout must keep (fuzz-fmt: `\r#1t` came out empty).
    @Test func aCommentAfterALoneCarriageReturnIsKept() {
        #expect(Self.format("\r#1t") == "#1t\n")
        #expect(Self.format("let a = 1\r# note\n") == "let a = 1  # note\n")
        #expect(Self.format("let a = 1 \r\t# note\r\n") == "let a = 1  # note\n")
    }

    /// An operator that starts a continuation line keeps the spacing its author gave it after it,
    /// not the indentation before it: `-1` there stays `-1` on every pass (fuzz-fmt found `- 1` on
    /// the second).
    @Test func anOperatorStartingALineIsSpacedOnlyByItsAuthor() throws {
        let source = "optimizer sgd2 {\n  damping: adaptive(1, every: d  # c\n-1)\n}\n"
        let once = try #require(Self.format(source))
        #expect(once.contains("\n                    -1)"), "\(once)")
        #expect(Self.format(once) == once)
        let spaced = try #require(Self.format("optimizer sgd2 {\n  damping: adaptive(1, every: d\n- 1)\n}\n"))
        #expect(spaced.contains("- 1)") && Self.format(spaced) == spaced, "\(spaced)")
    }

    @Test func messyInputGetsTheLayout() {
        let messy = """
            # header

            let   w=16   # width
            let r = 1/255
            let d = depth -  2
            let n = -  4


            block   b ( c ) {

                conv c,kernel : 3 ,padding:same
               leaky_relu -0.5
            \tres (c)   {relu}
            dense 10,
            init: normal( 0.01 )

            }
            net m { input [ 784 ] ;  repeat  2 {  b(w)  }
                loss cross_entropy }
            data {
              train: idx("a.gz",
               "b.gz")
              test: idx(
              "c.gz", "d.gz"
                   )
            }
            optimizer sgd { lr: 0.1 , momentum:0.9
            # kept
            }

            """
        let expected = """
            # header

            let w = 16  # width
            let r = 1/255
            let d = depth - 2
            let n = -4

            block b(c) {
              conv c, kernel: 3, padding: same
              leaky_relu -0.5
              res(c) { relu }
              dense 10,
                init: normal(0.01)
            }
            net m { input [784]; repeat 2 { b(w) }
              loss cross_entropy }
            data {
              train: idx("a.gz",
                         "b.gz")
              test: idx(
                "c.gz", "d.gz"
              )
            }
            optimizer sgd { lr: 0.1, momentum: 0.9
              # kept
            }

            """
        #expect(Self.format(messy) == expected)
        #expect(Self.shape(messy) == Self.shape(expected))
    }

    /// In a `data`, `optimizer` or `train` block a trailing `,` separates entries: the next
    /// line is an entry of its own, not a continuation.
    @Test func configEntriesAfterATrailingCommaAreNotContinuations() {
        #expect(Self.format("train {\n  batch: 1,\n      epochs: 2\n}\n") == "train {\n  batch: 1,\n  epochs: 2\n}\n")
    }

    @Test func crlfTabsAndTrailingSpacesAreNormalised() {
        #expect(Self.format("net m {\r\n\tinput [1]   \r\n\tloss mse # c  \r\n}") == "net m {\n  input [1]\n  loss mse  # c\n}\n")
    }

    @Test func emptyAndCommentOnlyFiles() {
        #expect(Self.format("") == "")
        #expect(Self.format("\n\n") == "")
        #expect(Self.format("  # only a comment\n\n\n") == "# only a comment\n")
    }

    @Test func aHashInAStringIsNotAComment() {
        #expect(Self.format("data {  train: csv(\"a#b.csv\")   # real\n}\n") == "data { train: csv(\"a#b.csv\")  # real\n}\n")
    }

    @Test func syntaxErrorsGiveNoTextAndTheParsersDiagnostics() {
        let file = SourceFile(path: "bad.net", text: "net m {\n  dense 10,,\n}\n")
        let (text, diagnostics) = Formatter.format(file)
        #expect(text == nil)
        #expect(diagnostics.hasErrors)
        #expect(diagnostics == Parser.parse(file).diagnostics)
    }
}
