import Foundation
import Testing
@testable import NNC

/// The report as a browser draws it: Chromium renders the page through scripts/render-report.sh;
/// skips with a message when chromium or python3 is not on PATH.
@Suite struct ReportRenderTests {
    @Test func chromiumDrawsTheReport() throws {
        let which = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "command -v chromium && command -v python3"])
        guard which.status == 0 else {
            print("chromium or python3 not on PATH; skipping the browser render (Debian: apt-get install chromium)")
            return
        }
        let folder = try CLI.temporaryFolder("nnc-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("report.html")
        try ReportPage(runs: try ReportFixtures.runs()).html().write(to: html, atomically: true, encoding: .utf8)
        let script = TestPaths.repoRoot.appendingPathComponent("scripts/render-report.sh")
        let result = try runProcess(URL(fileURLWithPath: "/bin/bash"), [script.path, html.path, folder.appendingPathComponent("report.png").path, "1200,1200"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
