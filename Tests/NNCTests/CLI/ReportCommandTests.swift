import Foundation
import Testing
@testable import NNC

/// Runs the built `nnc report`: exit codes, messages and the files it writes.
@Suite struct ReportCommandTests {
    @Test func exitCodesAndOutputs() throws {
        let folder = try CLI.temporaryFolder("nnc-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("r.html").path
        let svg = folder.appendingPathComponent("r.svg").path
        let bad = folder.appendingPathComponent("bad.jsonl").path
        try "{\"type\":\"run\"}\nnot json\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let logs = [ReportFixtures.sgdPath, ReportFixtures.sgd2Path]

        #expect(try CLI.run(["report"] + logs + ["-o", html]).status == 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<h2>Operator-norm bound</h2>"))
        #expect(try CLI.run(["report"] + logs + ["-o", svg, "--chart", "energy", "--title", "E"]).status == 0)
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("Gradient energy"))

        #expect(try CLI.run(["report", "--help"]).status == 0)
        #expect(try CLI.run(["report", "-o", html]).status == 64)
        #expect(try CLI.run(["report"] + logs).status == 64)
        #expect(try CLI.run(["report"] + logs + ["-o", "r.png"]).status == 64)
        #expect(try CLI.run(["report"] + logs + ["-o", svg, "--chart", "pie"]).status == 64)
        #expect(try CLI.run(["report"] + logs + ["-o", html, "--chart", "loss"]).status == 64)
        let missing = try CLI.run(["report", folder.appendingPathComponent("none.jsonl").path, "-o", html])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("none.jsonl: cannot read: no such file"))
        let malformed = try CLI.run(["report", bad, "-o", html])
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("bad.jsonl:2: not valid JSON"))
        let unwritable = folder.appendingPathComponent("no/such/dir/r.html").path
        #expect(try CLI.run(["report"] + logs + ["-o", unwritable]).status == 74)
    }
}
