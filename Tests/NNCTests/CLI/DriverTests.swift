import Foundation
import Testing
@testable import nnc

/// `nnc` before a command: the version, the command list, and a mistyped command.
@Suite struct DriverTests {
    @Test func versionAsFlagAndCommand() throws {
        for word in ["--version", "version"] {
            let r = try CLI.run([word])
            #expect(r.status == 0)
            #expect(r.stdout == "nnc \(nnc.version)\n")
            #expect(r.stderr.isEmpty)
        }
    }

    @Test func mistypedCommandSuggestsTheClosest() throws {
        let r = try CLI.run(["trian", "examples/spirals.net"])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "nnc: error: unknown command 'trian'; did you mean 'train'?\nrun 'nnc --help' for the commands\n")
        let far = try CLI.run(["frobnicate"])
        #expect(far.status == 64)
        #expect(far.stderr == "nnc: error: unknown command 'frobnicate'\nrun 'nnc --help' for the commands\n")
        let flag = try CLI.run(["--verison"])
        #expect(flag.status == 64)
        #expect(flag.stderr.hasPrefix("nnc: error: unknown option '--verison'; did you mean '--version'?\n"))
    }

    @Test func noCommandPrintsTheListAndIsAUsageError() throws {
        let r = try CLI.run([])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("usage: nnc <command> [options] <model.net>\n"))
        #expect(try CLI.run(["--help"]).stdout == r.stderr)
    }

    @Test func helpCommandNamesACommand() throws {
        let viaHelp = try CLI.run(["help", "train"])
        #expect(viaHelp.status == 0)
        #expect(viaHelp.stdout == (try CLI.run(["train", "--help"])).stdout)
        #expect(try CLI.run(["help", "trian"]).status == 64)
    }
}
