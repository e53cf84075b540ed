import Foundation
import Testing

/// `scripts/compare-optimizers.sh` reads its command line like nnc does: `--help` is help, not
/// an output folder, and an unknown option is a usage error. Nothing here trains.
@Suite struct CompareOptimizersScriptTests {
    static let script = TestPaths.repoRoot.appendingPathComponent("scripts/compare-optimizers.sh")

    func run(_ arguments: [String], in folder: URL) throws -> ProcessOutput {
        // NNC points nowhere, so a mistake here could never start a run.
        try runProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", "cd \"$0\" && exec bash \"$@\"", folder.path,
                                                           Self.script.path] + arguments,
                       environment: ["PATH": "/usr/bin:/bin", "NNC": "/nonexistent/nnc"])
    }

    @Test func helpPrintsTheUsageAndMakesNothing() throws {
        let folder = try CLI.temporaryFolder("nnc-compare")
        defer { try? FileManager.default.removeItem(at: folder) }
        for flag in ["--help", "-h"] {
            let r = try run([flag], in: folder)
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("usage: scripts/compare-optimizers.sh [OUT_DIR] [EPOCHS]\n"))
            #expect(r.stdout.contains("exit status:"))
            #expect(r.stderr == "")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
    }

    @Test func unknownOptionsAndBadArgumentsAreUsageErrors() throws {
        let folder = try CLI.temporaryFolder("nnc-compare")
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [["--out", "x"], ["out", "--epochs=2"], ["a", "2", "c"], ["out", "two"], ["out", "0"]] {
            let r = try run(arguments, in: folder)
            #expect(r.status == 64, "\(arguments)")
            #expect(r.stderr.hasPrefix("compare-optimizers: "), "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("usage: scripts/compare-optimizers.sh"), "\(arguments)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
        // Past its arguments the script looks for nnc, and says so when it is missing.
        #expect(try run(["out", "2"], in: folder).status == 69)
    }
}
