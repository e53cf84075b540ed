import Foundation
import Testing

/// `nnc fmt` run as a user runs it: printing, `--check` for CI, `-w`, and files it must not touch.
@Suite struct FmtCommandTests {
    static let messy = "net m {\ninput [4]\n     loss mse\n}\n"
    static let tidy = "net m {\n  input [4]\n  loss mse\n}\n"

    @Test func printsTheLayout() throws {
        let file = try CLI.temporaryNet(Self.messy)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["fmt", file.path])
        #expect(r.status == 0)
        #expect(r.stdout == Self.tidy)
        #expect(r.stderr == "")
        #expect(try String(contentsOf: file, encoding: .utf8) == Self.messy, "printing must not rewrite")
    }

    @Test func checkNamesTheFilesNotInTheLayout() throws {
        let messy = try CLI.temporaryNet(Self.messy), tidy = try CLI.temporaryNet(Self.tidy)
        defer { for f in [messy, tidy] { try? FileManager.default.removeItem(at: f) } }
        let r = try CLI.run(["fmt", "--check", tidy.path, messy.path])
        #expect(r.status == 1)
        #expect(r.stdout == messy.path + "\n")
        #expect(r.stderr.contains("1 file is not in the canonical layout"))
        let clean = try CLI.run(["fmt", "--check", tidy.path])
        #expect(clean.status == 0)
        #expect(clean.stdout == "")
    }

    @Test func theExamplesPassTheCheck() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: TestPaths.examples.path)
            .filter { $0.hasSuffix(".net") }.map { TestPaths.examples.appendingPathComponent($0).path }
        let r = try CLI.run(["fmt", "--check"] + examples)
        #expect(r.status == 0, "\(r.stdout)")
    }

    @Test func writeRewritesInPlace() throws {
        let file = try CLI.temporaryNet(Self.messy)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CLI.run(["fmt", "-w", file.path])
        #expect(r.status == 0)
        #expect(r.stdout == "")
        #expect(try String(contentsOf: file, encoding: .utf8) == Self.tidy)
    }

    @Test func syntaxErrorsArePrintedAndTheFileIsLeftAlone() throws {
        let broken = "net m {\n  dense 10,,\n}\n"
        let file = try CLI.temporaryNet(broken)
        defer { try? FileManager.default.removeItem(at: file) }
        for flags in [[], ["-w"], ["--check"]] {
            let r = try CLI.run(["fmt"] + flags + [file.path])
            #expect(r.status == 65, "\(flags)")
            #expect(r.stdout == "")
            #expect(r.stderr.contains("\(file.path):2:"), "\(flags): \(r.stderr)")
            #expect(r.stderr.contains("error: expected"))
            #expect(try String(contentsOf: file, encoding: .utf8) == broken)
        }
    }

    @Test func usageAndMissingFiles() throws {
        let file = try CLI.temporaryNet(Self.tidy)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try CLI.run(["fmt", "--check", "-w", file.path]).status == 64)
        #expect(try CLI.run(["fmt"]).status == 64)
        let missing = try CLI.run(["fmt", "/nonexistent/nnc-fmt.net"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no such file"))
    }
}
