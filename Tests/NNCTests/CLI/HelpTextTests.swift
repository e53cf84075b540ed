import Foundation
import Testing

/// Every command's `--help`, as `nnc` prints it, pinned in Fixtures/help (the text comes from
/// each command's one declaration of its options). Re-record with `NNC_RECORD=1`: a recording
/// run rewrites the files and fails, so a change is deliberate.
@Suite struct HelpTextTests {
    static let commands = ["check", "plan", "train", "time", "eval", "fetch", "report"]
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
