import Foundation
import Testing
@testable import NNC

/// Runs the built `nnc report` and the Chromium render script; each test skips with a message
/// when what it needs (the executable beside the test bundle, chromium on PATH) is missing.
@Suite struct ReportCommandTests {
    /// The `nnc` executable SwiftPM built next to this test bundle.
    static var nnc: URL? {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for folder in [bundle.deletingLastPathComponent(), bundle.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("nnc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func exitCodesAndOutputs() throws {
        guard let nnc = Self.nnc else {
            print("nnc executable not found beside the test bundle; skipping the command-line test")
            return
        }
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("r.html").path
        let svg = folder.appendingPathComponent("r.svg").path
        let bad = folder.appendingPathComponent("bad.jsonl").path
        try "{\"type\":\"run\"}\nnot json\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let logs = [ReportFixtures.sgdPath, ReportFixtures.sgd2Path]

        #expect(try Self.run(nnc, ["report"] + logs + ["-o", html]).status == 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<h2>Operator-norm bound</h2>"))
        #expect(try Self.run(nnc, ["report"] + logs + ["-o", svg, "--chart", "energy", "--title", "E"]).status == 0)
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("Gradient energy"))

        #expect(try Self.run(nnc, ["report", "--help"]).status == 0)
        #expect(try Self.run(nnc, ["report", "-o", html]).status == 64)
        #expect(try Self.run(nnc, ["report"] + logs).status == 64)
        #expect(try Self.run(nnc, ["report"] + logs + ["-o", "r.png"]).status == 64)
        #expect(try Self.run(nnc, ["report"] + logs + ["-o", svg, "--chart", "pie"]).status == 64)
        #expect(try Self.run(nnc, ["report"] + logs + ["-o", html, "--chart", "loss"]).status == 64)
        let missing = try Self.run(nnc, ["report", folder.appendingPathComponent("none.jsonl").path, "-o", html])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("none.jsonl: cannot read: no such file"))
        let malformed = try Self.run(nnc, ["report", bad, "-o", html])
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("bad.jsonl:2: not valid JSON"))
        let unwritable = folder.appendingPathComponent("no/such/dir/r.html").path
        #expect(try Self.run(nnc, ["report"] + logs + ["-o", unwritable]).status == 74)
    }

    @Test func chromiumDrawsTheReport() throws {
        let which = try Self.run(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "command -v chromium && command -v python3"])
        guard which.status == 0 else {
            print("chromium or python3 not on PATH; skipping the browser render (Debian: apt-get install chromium)")
            return
        }
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("report.html")
        try ReportPage(runs: try ReportFixtures.runs()).html().write(to: html, atomically: true, encoding: .utf8)
        let script = TestPaths.repoRoot.appendingPathComponent("scripts/render-report.sh")
        let result = try Self.run(URL(fileURLWithPath: "/bin/bash"), [script.path, html.path, folder.appendingPathComponent("report.png").path, "1200,1200"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
