import Foundation
import FuzzSupport
import NNC

// A training log as `nnc report` reads it (UTF-8, then JSON lines), then drawn: the HTML
// report and each SVG chart, whose axes and scales take whatever numbers the log holds.
fuzz { bytes in
    guard let text = String(bytes: bytes, encoding: .utf8),
          let log = try? RunLog.parse(text, source: "run.jsonl") else { return }
    let page = ReportPage(runs: [log, log])
    _ = page.html()
    for chart in ReportChart.allCases { _ = page.svg(chart) }
}
