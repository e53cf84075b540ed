import Foundation
import Testing

/// `nnc check` run as a user runs it: the built binary, its stdout, stderr and exit status.
@Suite struct CheckCommandTests {
    @Test func cleanFilePrintsTheTable() throws {
        let path = TestPaths.examples.appendingPathComponent("mnist_mlp.net").path
        let r = try CLI.run(["check", path])
        #expect(r.status == 0)
        #expect(r.stderr == "")
        #expect(r.stdout.hasPrefix("net mnist_mlp\nlayer "))
        #expect(r.stdout.contains("dense1  dense 128      [128]   100,480\n"))
        #expect(r.stdout.contains("total   5 layers               118,282\nmemory  about "))
    }

    @Test func dataOptionChecksTheModelAgainstTheData() throws {
        let spirals = try String(contentsOf: TestPaths.examples.appendingPathComponent("spirals.net"), encoding: .utf8)
        let examples = TestPaths.examples.path
        // Without --data nothing is read; with it, the data agree with the shipped model.
        let good = try CLI.temporaryNet(spirals)
        defer { try? FileManager.default.removeItem(at: good) }
        #expect(try CLI.run(["check", good.path]).status == 0)
        let fits = try CLI.run(["check", good.path, "--data", examples])
        #expect(fits.status == 0)
        #expect(fits.stdout.contains("data    1500 training samples of 2 features, 3 classes: they fit\nmemory  about "))
        // The output layer is one class short of the data: only --data can tell.
        let bad = try CLI.temporaryNet(spirals.replacingOccurrences(of: "dense 3\n", with: "dense 2\n"))
        defer { try? FileManager.default.removeItem(at: bad) }
        #expect(try CLI.run(["check", bad.path]).status == 0)
        let mismatch = try CLI.run(["check", bad.path, "--data", examples])
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains("error:"))
        #expect(mismatch.stderr.contains("3"))
        // Missing data files name what was looked for.
        let missing = try CLI.run(["check", good.path, "--data", "/nonexistent-nnc-data"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("spirals.csv"))
    }

    /// A data file that is not there is a mistake in the .net file: drawn at the data block
    /// entry that names it, with the nearest file that is there, then the places looked in.
    /// `train` reads its data the same way and says the same.
    @Test func missingDataFileIsLocatedWithTheNearestName() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("mnist"), withIntermediateDirectories: true)
        try Data([1]).write(to: folder.appendingPathComponent("mnist/train-images-idx3-ubyte.gz"))
        let net = folder.appendingPathComponent("m.net")
        try Data("""
            net m { input [784]; dense 10; loss cross_entropy }
            data {
              train: idx("mnsit/train-images.gz", "mnist/train-labels.gz")
            }

            """.utf8).write(to: net)
        let environment = ProcessInfo.processInfo.environment.merging(["NNC_DATA": ""]) { $1 }
        let expected = """
            \(net.path):3:10: error: cannot find data file 'mnsit/train-images.gz'
              train: idx("mnsit/train-images.gz", "mnist/train-labels.gz")
                     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
            fix: did you mean 'mnist/train-images-idx3-ubyte.gz'?
            looked in:
              \(folder.path)/mnsit/train-images.gz (next to the .net file)
              \(folder.path)/mnsit/train-images (next to the .net file)

            """
        let check = try CLI.run(["check", net.path, "--data", folder.path, "--color", "never"], environment: environment)
        #expect(check.status == 66)
        #expect(check.stderr.hasPrefix(expected.replacingOccurrences(of: "(next to the .net file)", with: "(--data)")))
        #expect(check.stderr.hasSuffix("(default data directory)\n1 error\n"))
        let train = try CLI.run(["train", net.path, "--color", "never"], environment: environment)
        #expect(train.status == 66)
        #expect(train.stderr.hasPrefix(expected))
    }

    /// A binary file given as the model is one located error, not a screenful of garbage.
    @Test func binaryFileIsOneError() throws {
        let url = try CLI.temporaryNet("")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + Array(repeating: 0xFF, count: 3000)).write(to: url)
        let r = try CLI.run(["check", url.path, "--color", "never"])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("\(url.path):1:8: error: not a UTF-8 text file"))
        #expect(r.stderr.hasSuffix("\n1 error\n"))
        #expect(r.stderr.components(separatedBy: "\n").count == 6)
    }

    @Test func badFileGetsRenderedDiagnosticsAndStatus65() throws {
        let url = try CLI.temporaryNet("net bad {\n  input [784]\n  desne 10\n  loss cross_entropy\n}\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try CLI.run(["check", url.path, "--color", "never"])
        #expect(r.status == 65)
        #expect(r.stdout == "")
        #expect(r.stderr == """
            \(url.path):3:3: error: unknown layer 'desne'
              desne 10
              ^~~~~
            fix: did you mean 'dense'?
            1 error

            """)
    }

    /// A generated file with a mistake on each of its 100 000 lines (the flood printed
    /// 9.5 MB): the first hundred drawn, one line counting the rest, then the summary of all.
    @Test func aFloodOfErrorsIsDrawnAsAHundredAndACount() throws {
        let url = try CLI.temporaryNet("net flood {\n  input 4\n" + String(repeating: "  desne 4\n", count: 100_000) + "  dense 2\n}\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try CLI.run(["check", url.path, "--color", "never"])
        #expect(r.status == 65)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.filter { $0.hasPrefix(url.path + ":") && $0.contains(": error: ") }.count == 100)
        #expect(lines.suffix(3) == ["… and 99901 more errors not shown", "100001 errors", ""])
        #expect(r.stderr.utf8.count < 20_000)
    }

    /// One renderer for every command that reads a model: the same located errors and exit 65.
    @Test func everyModelCommandRendersTheFilesErrorsAsCheckDoes() throws {
        let url = try CLI.temporaryNet("net bad {\n  input [784]\n  desne 10\n  loss cross_entropy\n}\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let check = try CLI.run(["check", url.path, "--color", "never"])
        #expect(check.stderr.hasPrefix("\(url.path):3:3: error: unknown layer 'desne'\n"))
        for command in [["plan"], ["train"], ["time"], ["eval", "--weights", "w.safetensors"]] {
            let r = try CLI.run(command + [url.path, "--color", "never"])
            #expect(r.status == 65, "\(command)")
            #expect(r.stderr == check.stderr, "\(command)")
        }
    }

    @Test func missingFileIs66() throws {
        let r = try CLI.run(["check", "/nonexistent/model.net"])
        #expect(r.status == 66)
        #expect(r.stdout == "")
        #expect(r.stderr == "nnc check: error: cannot read '/nonexistent/model.net': no such file\n")
    }

    @Test func usageErrorsAre64() throws {
        let none = try CLI.run(["check"])
        #expect(none.status == 64)
        #expect(none.stderr == """
            nnc check: error: missing the .net file to check
            usage: nnc check <model.net> [--color auto|always|never] [--data DIR]
            run 'nnc check --help' for the options

            """)
        let badColor = try CLI.run(["check", "a.net", "--color", "sometimes"])
        #expect(badColor.status == 64)
        #expect(badColor.stderr.hasPrefix("nnc check: error: '--color' needs auto, always or never, got 'sometimes'\n"))
        let unknown = try CLI.run(["check", "--fast", "a.net"])
        #expect(unknown.status == 64 && unknown.stderr.hasPrefix("nnc check: error: unknown option '--fast'\n"))
        let two = try CLI.run(["check", "a.net", "b.net"])
        #expect(two.status == 64 && two.stderr.hasPrefix("nnc check: error: unexpected argument 'b.net'\n"))
        let help = try CLI.run(["check", "--help"])
        #expect(help.status == 0 && help.stdout.hasPrefix("usage: nnc check <model.net>"))
    }
}
