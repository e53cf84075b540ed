import Foundation
import Testing
@testable import NNC

/// The report in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
/// installs) parses the page, and every chart, line and hover target survives into its DOM;
/// a screenshot is taken. Skipped, with a message, where Chromium is missing.
@Suite struct ReportBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func chromiumParsesEveryChartOfTheReport() throws {
        guard let chromium = Self.chromium else {
            print("ReportBrowserTests: skipped, no Chromium (apt-get install chromium)")
            return
        }
        let dir = try CLI.temporaryFolder("nnc-browser")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html")
        let html = ReportPage(runs: try ReportFixtures.runs()).html()
        try Data(html.utf8).write(to: page)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.appendingPathComponent("profile").path)"]
        let dom = try runProcess(URL(fileURLWithPath: chromium), flags + ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0, "\(dom.stderr)")
        for element in ["<svg", "<path", "<circle", "<title>", "<figure"] {
            #expect(ReportFixtures.count(element, in: dom.stdout) == ReportFixtures.count(element, in: html), "\(element)")
        }
        let shot = dir.appendingPathComponent("report.png")
        let screenshot = try runProcess(URL(fileURLWithPath: chromium),
                                        flags + ["--window-size=1300,3000", "--screenshot=\(shot.path)", page.absoluteString])
        #expect(screenshot.status == 0, "\(screenshot.stderr)")
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 50_000, "a page of charts, not a blank one")
    }
}
