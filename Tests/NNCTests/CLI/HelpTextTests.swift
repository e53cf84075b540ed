import Foundation
import Testing

/// Every command's `--help`, as `nnc` prints it, pinned in Fixtures/help (the text comes from
/// each command's one declaration of its options). Re-record with `NNC_RECORD=1`: a recording
/// run rewrites the files and fails, so a change is deliberate.
@Suite struct HelpTextTests {
    static let commands = ["check", "plan", "train", "time", "eval", "export", "fetch", "report", "tune", "fmt", "lsp"]
    static let folder = TestPaths.fixtures.appendingPathComponent("help")

    @Test(arguments: commands)
    func commandHelpMatchesGolden(_ command: String) throws {
        let r = try CLI.run([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        try compare(r.stdout, golden: "\(command).txt")
        #expect(try CLI.run([command, "-h"]).stdout == r.stdout)
    }

    @Test func commandListMatchesGolden() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        try compare(r.stdout, golden: "nnc.txt")
    }

    /// `nnc --help` and every command's help end with the statuses it exits with, from 0 to
    /// the usage error, so a script can tell what went wrong.
    @Test func everyHelpListsTheExitStatuses() throws {
        for arguments in [["--help"], ["help"]] + Self.commands.map({ [$0, "--help"] }) {
            let help = try CLI.run(arguments).stdout
            let statuses = try #require(help.range(of: "\nexit status: "), "\(arguments) lists no exit status")
            let listed = help[statuses.upperBound...]
            #expect(listed.hasPrefix("0 ") && listed.contains("64 usage error"), "\(arguments)")
        }
    }

    /// The README's table of commands has a row for every command `nnc --help` lists.
    @Test func readmeNamesEveryCommand() throws {
        let readme = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for command in Self.commands {
            #expect(readme.contains("| `nnc \(command)"), "README has no row for nnc \(command)")
        }
    }

    /// The README's table of commands shows every option each command's help lists (but
    /// `--color`, which the sentence under the table names once for all).
    @Test func readmeShowsEveryOption() throws {
        let readme = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        // `nnc lsp` takes no options; its row is checked by `readmeNamesEveryCommand`.
        for command in Self.commands where command != "lsp" {
            let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `nnc \(command) ") }.joined(separator: "\n")
            #expect(!rows.isEmpty, "README has no row for nnc \(command)")
            let help = try CLI.run([command, "--help"]).stdout
            // `  -o, --output FILE  help…`: the names, long and short, before the value's.
            let options = help.split(separator: "\n").compactMap { line -> [String]? in
                guard line.hasPrefix("  -") else { return nil }
                let names = line.split(separator: " ").prefix { $0.hasPrefix("-") }.map { String($0.filter { $0 != "," }) }
                return names.contains("--help") || names.contains("--color") ? nil : names
            }
            #expect(!options.isEmpty)
            for names in options {
                #expect(names.contains { rows.contains($0 + " ") || rows.contains($0 + "]") || rows.contains($0 + "`") },
                        "README's nnc \(command) lacks \(names.joined(separator: ", "))")
            }
        }
    }

    /// The thread count's default names this machine's cores; the golden says `<cores>`.
    private func compare(_ output: String, golden: String) throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let actual = output.replacingOccurrences(of: "the machine's \(cores) cores", with: "the machine's <cores> cores")
        let url = Self.folder.appendingPathComponent(golden)
        if ProcessInfo.processInfo.environment["NNC_RECORD"] == "1" {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(golden); run again without NNC_RECORD=1")
            return
        }
        let expected = try #require(try? String(contentsOf: url, encoding: .utf8),
                                    "missing golden \(golden): record it with NNC_RECORD=1")
        #expect(actual == expected, "\(golden) differs from nnc's output")
    }
}
