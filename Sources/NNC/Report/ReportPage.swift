import Foundation

/// The training report: one self-contained HTML page (inline CSS and SVG, no scripts, no
/// links to anything), or a single chart as a standalone SVG file.
public struct ReportPage {
    public var title: String
    public var runs: [RunLog]

    /// A report on `runs`; the title defaults to the runs' labels.
    public init(title: String? = nil, runs: [RunLog]) {
        self.runs = runs
        self.title = title ?? "Training report: " + ReportCharts(runs: runs).labels.joined(separator: ", ")
    }

    /// One kind of chart as a standalone SVG document; kinds drawn once per run (conditioning)
    /// are stacked vertically. A `title` replaces a single chart's own, or heads each of several.
    /// Nil when the logs hold nothing for it to draw.
    public func svg(_ kind: ReportChart, title: String? = nil) -> String? {
        var charts = ReportCharts(runs: runs).charts(kind).filter(\.hasData)
        guard !charts.isEmpty else { return nil }
        if let title {
            for i in charts.indices { charts[i].title = charts.count == 1 ? title : "\(title): \(charts[i].title)" }
        }
        return LineChart.document(charts)
    }

    public func html() -> String {
        let charts = ReportCharts(runs: runs)
        let analysed = runs.contains { !$0.analyses.isEmpty }
        var body = "<h1>\(xmlEscape(title))</h1>\n"
        body += "<p class=\"meta\">From " + runs.map { "<code>\(xmlEscape($0.source))</code>" }.joined(separator: ", ") + ".</p>\n"
        body += "<h2>Runs</h2>\n" + summaryTable(labels: charts.labels)
        body += section("Loss and test error", charts.loss(), charts.error())
        // Shampoo's `roots_kept` records are not λ: a Shampoo run draws no damping chart.
        if runs.contains(where: { $0.damping.contains { $0.outcome != "roots_kept" } }) {
            body += section("Curvature damping", [charts.damping()])
        }
        if analysed {
            body += section("Gradient energy across layers", charts.energy())
            body += section("Conditioning per layer", charts.conditioning())
            body += section("Operator-norm bound", [charts.bound()])
        } else {
            body += "<h2>Layer analysis</h2>\n<p class=\"note\">These logs hold no analysis records; "
                + "train with <code>--analyze</code> for gradient energy, conditioning and the operator-norm bound.</p>\n"
        }
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
            + "<title>\(xmlEscape(title))</title>\n<style>\n\(Self.style)</style>\n</head>\n<body>\n"
            + body + "</body>\n</html>\n"
    }

    private func section(_ heading: String, _ charts: LineChart...) -> String {
        section(heading, charts)
    }

    /// The charts that have data, each with a caption when its lines break; a note instead
    /// when none has.
    private func section(_ heading: String, _ charts: [LineChart]) -> String {
        var out = "<h2>\(xmlEscape(heading))</h2>\n"
        let drawn = charts.filter(\.hasData)
        guard !drawn.isEmpty else { return out + "<p class=\"note\">Nothing in these logs to draw here.</p>\n" }
        out += "<div class=\"charts\">\n"
        for chart in drawn {
            out += "<figure>\n" + chart.svg(namespace: false)
            if let note = chart.gapNote { out += "<figcaption>\(xmlEscape(note))</figcaption>\n" }
            out += "</figure>\n"
        }
        return out + "</div>\n"
    }

    private func summaryTable(labels: [String]) -> String {
        let headings = ["run", "model", "optimizer", "lr", "batch", "epochs", "final test error",
                        "best test error", "time", "status"]
        var out = "<table>\n<thead><tr>" + headings.enumerated().map { index, heading in
            index < 3 ? "<th class=\"text\">\(heading)</th>" : "<th>\(heading)</th>"
        }.joined() + "</tr></thead>\n<tbody>\n"
        for (index, run) in runs.enumerated() {
            let header = run.header
            let done = run.epochs.map(\.epoch).max() ?? 0
            let epochs = header.epochs.map { done == $0 ? "\($0)" : "\(done) / \($0)" } ?? "\(done)"
            let finalError = run.epochs.last(where: { $0.testError != nil })?.testError
            let status = run.end?.status ?? "no end record"
            var statusCell = xmlEscape(status)
            if let message = run.end?.message { statusCell += ": " + xmlEscape(message) }
            let statusClass = status == "completed" ? "" : " class=\"warn\""
            let swatch = "<span class=\"swatch\" style=\"background:\(ChartPalette.run(index))\"></span>"
            out += "<tr><td class=\"text\">\(swatch)\(xmlEscape(labels[index]))</td>"
                + "<td class=\"text\">\(xmlEscape(header.model ?? "–"))</td>"
                + "<td class=\"text\">\(xmlEscape(header.optimizer ?? "–"))</td>"
                + "<td>\(Self.rates(header.lr, run.epochs.last?.lr))</td>"
                + "<td>\(header.batch.map(String.init) ?? "–")</td>"
                + "<td>\(epochs)</td>"
                + "<td>\(Self.percent(finalError))</td><td>\(Self.percent(run.bestTestError))</td>"
                + "<td>\(Self.duration(run.seconds))</td><td\(statusClass)>\(statusCell)</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// The initial learning rate, and the last epoch's when a search or schedule changed it.
    static func rates(_ initial: Double?, _ last: Double?) -> String {
        guard let initial else { return last.map { String(format: "%g", $0) } ?? "–" }
        guard let last, last != initial else { return String(format: "%g", initial) }
        return String(format: "%g → %g", initial, last)
    }

    static func percent(_ fraction: Double?) -> String {
        guard let fraction else { return "–" }
        return fraction.isFinite ? String(format: "%.2f %%", fraction * 100) : "\(fraction)"
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        // A log may claim any duration; beyond a million hours whole seconds would not fit an Int.
        if seconds >= 3600e6 { return String(format: "%.3g h", seconds / 3600) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// Paper-like: dark text on white, hairline rules, charts two abreast on a wide screen.
    static let style = """
    body { font: 14px/1.45 Helvetica, Arial, "DejaVu Sans", sans-serif; color: #222; background: #fff;
           max-width: 1160px; margin: 24px auto; padding: 0 20px; }
    h1 { font-size: 22px; font-weight: 600; margin: 0 0 4px; }
    h2 { font-size: 16px; font-weight: 600; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
    p.meta { color: #666; font-size: 12px; margin: 0 0 8px; }
    p.note { color: #555; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
    table { border-collapse: collapse; font-size: 13px; }
    th, td { padding: 5px 12px; text-align: right; white-space: nowrap; border-bottom: 1px solid #e6e6e6; }
    th { font-weight: 600; color: #444; border-bottom: 1px solid #999; }
    th.text, td.text { text-align: left; }
    td.warn { color: #b3261e; }
    .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 7px; border-radius: 2px; }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px 20px; }
    figure { margin: 0; }
    figcaption { color: #666; font-size: 12px; margin-top: 2px; }
    svg { max-width: 100%; height: auto; }

    """
}
