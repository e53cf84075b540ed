import Foundation
import Testing

/// Usage errors read the same on every command: `nnc <command>: error: …`, the usage line, a
/// pointer to `--help`, and exit 64; a mistyped option or value gets the closest declared one.
@Suite struct ParsedArgumentsTests {
    static let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path

    /// Each command with arguments it would otherwise accept (no file is read before the options are).
    static let valid: [String: [String]] = [
        "check": [spirals], "plan": [spirals], "train": [spirals], "time": [spirals],
        "eval": [spirals, "--weights", "w.safetensors"], "export": [spirals, "--weights", "w.safetensors", "-o", "m.onnx"],
        "fetch": ["mnist"], "report": ["run.jsonl", "-o", "r.html"],
        "tune": ["--dry-run"], "fmt": [spirals], "lsp": [],
    ]

    static func expectUsageError(_ r: ProcessOutput, _ command: String, _ message: String,
                                 sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(r.status == 64, sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "nnc \(command): error: \(message)", sourceLocation: sourceLocation)
        #expect(lines.count >= 4 && (lines[1].hasPrefix("usage: nnc \(command) ") || lines[1] == "usage: nnc \(command)"),
                "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasSuffix("\nrun 'nnc \(command) --help' for the options\n"), sourceLocation: sourceLocation)
    }

    @Test(arguments: HelpTextTests.commands)
    func unknownOptionIsAUsageError(_ command: String) throws {
        let r = try CLI.run([command] + Self.valid[command]! + ["--bogus"])
        Self.expectUsageError(r, command, "unknown option '--bogus'")
    }

    /// `nnc lsp` takes no argument: without one it serves standard input; `nnc tune` none at all.
    @Test(arguments: HelpTextTests.commands.filter { $0 != "lsp" && $0 != "tune" })
    func missingArgumentIsAUsageError(_ command: String) throws {
        let missing = ["check": "the .net file to check", "plan": "the .net file to plan", "train": "the .net file to train (or --resume FILE)",
                       "time": "the .net file to time", "eval": "the .net file to evaluate", "export": "the .net file to export", "fetch": "a dataset to fetch",
                       "report": "the training logs to report on", "fmt": "the .net files to format"]
        Self.expectUsageError(try CLI.run([command]), command, "missing \(missing[command]!)")
    }

    @Test func mistypedOptionSuggestsTheClosest() throws {
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--epoch", "3"]), "train",
                              "unknown option '--epoch'; did you mean '--epochs'?")
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--analyse"]), "train",
                              "unknown option '--analyse'; did you mean '--analyze'?")
        Self.expectUsageError(try CLI.run(["check", Self.spirals, "--colour", "never"]), "check",
                              "unknown option '--colour'; did you mean '--color'?")
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--optimizer", "adma"]), "train",
                              "'--optimizer' needs sgd, adagrad, rmsprop, adam, sgd2, sa_sgd, kfac or shampoo, got 'adma'; did you mean 'adam'?")
        Self.expectUsageError(try CLI.run(["fetch", "mnsit"]), "fetch", "unknown dataset 'mnsit'; did you mean 'mnist'?")
    }

    @Test func valuesAreChecked() throws {
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--epochs", "0"]), "train",
                              "'--epochs' needs a whole number of at least 1, got '0'")
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--lr", "fast"]), "train",
                              "'--lr' needs a positive number, got 'fast'")
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--seed", "-1"]), "train",
                              "'--seed' needs a whole number from 0, got '-1'")
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--log"]), "train",
                              "option '--log' needs a value (--log FILE)")
        Self.expectUsageError(try CLI.run(["eval", Self.spirals]), "eval", "missing --weights FILE")
        Self.expectUsageError(try CLI.run(["report", "run.jsonl"]), "report", "missing -o FILE")
        Self.expectUsageError(try CLI.run(["fetch", "imagenet"]), "fetch",
                              "unknown dataset 'imagenet'; expected mnist, fashion-mnist or cifar10")
        Self.expectUsageError(try CLI.run(["train", Self.spirals, "--resume", "a", "--init", "b"]), "train",
                              "--resume and --init exclude each other: --resume continues a run, --init starts a new one from weights")
    }

    /// `--mirror` may be given several times; each is tried in turn and the error names them all.
    @Test func repeatedOptionKeepsEveryValue() throws {
        let dir = try CLI.temporaryFolder("nnc-fetch-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["fetch", "mnist", "--data", dir.path, "--mirror", "http://127.0.0.1:9/a/", "--mirror=http://127.0.0.1:9/b/"])
        #expect(r.status == 74)
        #expect(r.stderr.contains("127.0.0.1:9/a/") && r.stderr.contains("127.0.0.1:9/b/"), "\(r.stderr)")
    }
}
