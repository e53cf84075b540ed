import Foundation

/// Where a `LineChart`'s parts go, and the SVG for each part. Margins are sized from the
/// labels themselves, so tick labels and legend entries are never clipped.
struct ChartLayout {
    let chart: LineChart
    let entries: [ChartSeries]
    let xAxis: ChartAxis
    let yAxis: ChartAxis
    /// The plot area.
    let left: Double, right: Double, top: Double, bottom: Double
    /// The whole chart's height: the requested one plus any legend rows under the plot.
    let height: Double
    let legendBeside: Bool
    let legendColumns: Int
    let entryWidth: Double

    init(chart: LineChart) {
        self.chart = chart
        let glyph = LineChart.glyph
        entries = chart.series.filter { $0.inLegend && !$0.name.isEmpty && $0.hasData }
        yAxis = ChartAxis(values: chart.series.flatMap(\.ys) + chart.yAlsoCovers, scale: chart.yScale, maxTicks: 6)
        let widestTick = Double(yAxis.labels.map(\.count).max() ?? 1) * glyph
        left = 24 + widestTick + 8
        top = chart.title.isEmpty ? 12 : 32
        let widestEntry = entries.map { min($0.name.count, LineChart.maxLegendCharacters) }.max() ?? 0
        entryWidth = 30 + Double(widestEntry) * glyph
        let plotHeight = chart.height - top - 46
        let rows = max(1, Int(plotHeight / LineChart.legendRow))
        let columnsBeside = max(1, (entries.count + rows - 1) / rows)
        let widthBeside = Double(columnsBeside) * entryWidth + 8
        if entries.isEmpty {
            legendBeside = true
            legendColumns = 0
            right = chart.width - 16
            height = chart.height
        } else if widthBeside <= chart.width * 0.42 {
            legendBeside = true
            legendColumns = columnsBeside
            right = chart.width - widthBeside - 12
            height = chart.height
        } else {
            legendBeside = false
            legendColumns = max(1, Int((chart.width - left - 8) / entryWidth))
            right = chart.width - 16
            let legendRows = (entries.count + legendColumns - 1) / legendColumns
            height = chart.height + Double(legendRows) * LineChart.legendRow + 8
        }
        bottom = chart.height - 46
        if let names = chart.xCategories {
            xAxis = ChartAxis(categories: names, length: right - left, characterWidth: glyph)
        } else {
            xAxis = ChartAxis(values: chart.series.flatMap(\.xs), scale: chart.xScale, maxTicks: 7, integers: chart.xIntegers)
        }
    }

    func px(_ x: Double) -> Double? { xAxis.fraction(x).map { left + $0 * (right - left) } }
    func py(_ y: Double) -> Double? { yAxis.fraction(y).map { bottom - $0 * (bottom - top) } }

    /// Grid, axes, ticks, tick labels, axis labels and title.
    func frame() -> String {
        var out = "<g stroke-width=\"1\" fill=\"none\">\n"
        // Half-pixel offsets keep one-pixel lines sharp.
        for x in xAxis.minorTicks.compactMap(px) { out += line(crisp(x), top, crisp(x), bottom, "#f0f0f0") }
        for y in yAxis.minorTicks.compactMap(py) { out += line(left, crisp(y), right, crisp(y), "#f0f0f0") }
        for x in xAxis.ticks.compactMap(px) { out += line(crisp(x), top, crisp(x), bottom, "#dcdcdc") }
        for y in yAxis.ticks.compactMap(py) { out += line(left, crisp(y), right, crisp(y), "#dcdcdc") }
        out += "<rect x=\"\(svgNumber(crisp(left)))\" y=\"\(svgNumber(crisp(top)))\" width=\"\(svgNumber(right - left))\""
            + " height=\"\(svgNumber(bottom - top))\" stroke=\"#888888\"/>\n"
        for x in xAxis.ticks.compactMap(px) { out += line(crisp(x), bottom, crisp(x), bottom + 4, "#888888") }
        for y in yAxis.ticks.compactMap(py) { out += line(left - 4, crisp(y), left, crisp(y), "#888888") }
        out += "</g>\n<g fill=\"#333333\">\n"
        for (tick, label) in zip(xAxis.ticks, xAxis.labels) {
            guard let x = px(tick) else { continue }
            out += text(label, x, bottom + 17, anchor: "middle")
        }
        for (tick, label) in zip(yAxis.ticks, yAxis.labels) {
            guard let y = py(tick) else { continue }
            out += text(label, left - 7, y + 4, anchor: "end")
        }
        out += text(chart.xLabel, (left + right) / 2, bottom + 36, anchor: "middle")
        let middle = (top + bottom) / 2
        out += "<text x=\"14\" y=\"\(svgNumber(middle))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(svgNumber(middle)))\">"
            + "\(xmlEscape(chart.yLabel))</text>\n"
        if !chart.title.isEmpty {
            out += "<text x=\"\(svgNumber(left))\" y=\"20\" font-size=\"13\" font-weight=\"bold\" fill=\"#222222\">"
                + "\(xmlEscape(chart.title))</text>\n"
        }
        if !chart.series.contains(where: { s in zip(s.xs, s.ys).contains { px($0.0) != nil && py($0.1) != nil } }) {
            out += text("no data", (left + right) / 2, middle, anchor: "middle", color: "#999999")
        }
        return out + "</g>\n"
    }

    /// One path per series, broken at points that cannot be drawn; dots for short series
    /// and for points isolated between gaps.
    func lines() -> String {
        var out = ""
        for series in chart.series {
            var segments: [[(Double, Double)]] = [[]]
            for (x, y) in zip(series.xs, series.ys) {
                if let sx = px(x), let sy = py(y) {
                    segments[segments.count - 1].append((sx, sy))
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            let path = segments.filter { $0.count > 1 }.map { segment in
                "M" + segment.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: "L")
            }.joined()
            var attributes = "fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"\(svgNumber(series.width))\""
                + " stroke-linejoin=\"round\" stroke-linecap=\"round\""
            if let dash = dash(series.stroke) { attributes += " stroke-dasharray=\"\(dash)\"" }
            if series.opacity < 1 { attributes += " opacity=\"\(svgNumber(series.opacity))\"" }
            out += "<g><title>\(xmlEscape(series.name))</title>\n"
            if !path.isEmpty { out += "<path d=\"\(path)\" \(attributes)/>\n" }
            let dots = series.showsMarkers ? segments.flatMap { $0 } : segments.filter { $0.count == 1 }.flatMap { $0 }
            for (x, y) in dots { out += marker(x, y, series.color) }
            if series.inLegend { out += hoverTargets(series) }
            out += "</g>\n"
        }
        return out
    }

    /// Legend entries in columns beside the plot, or in rows under it when that is too wide.
    func legend() -> String {
        guard !entries.isEmpty else { return "" }
        var out = "<g fill=\"#333333\">\n"
        let rows = legendBeside ? (entries.count + legendColumns - 1) / legendColumns : 0
        for (index, series) in entries.enumerated() {
            let (column, row) = legendBeside ? (index / rows, index % rows) : (index % legendColumns, index / legendColumns)
            let x = (legendBeside ? right + 14 : left) + Double(column) * entryWidth
            let y = (legendBeside ? top + 4 : bottom + 52) + Double(row) * LineChart.legendRow
            var attributes = "stroke=\"\(series.color)\" stroke-width=\"\(svgNumber(max(series.width, 1.5)))\""
            if let dash = dash(series.stroke) { attributes += " stroke-dasharray=\"\(dash)\"" }
            out += "<line x1=\"\(svgNumber(x))\" y1=\"\(svgNumber(y + 8))\" x2=\"\(svgNumber(x + 20))\" y2=\"\(svgNumber(y + 8))\" \(attributes)/>\n"
            if series.showsMarkers { out += marker(x + 10, y + 8, series.color) }
            var name = series.name
            if name.count > LineChart.maxLegendCharacters {
                name = String(name.prefix(LineChart.maxLegendCharacters - 1)) + "…"
            }
            out += text(name, x + 26, y + 12, anchor: "start")
        }
        return out + "</g>\n"
    }

    /// An invisible dot on each point whose title a browser shows on hover: the series and
    /// the point's values, without a script.
    private func hoverTargets(_ series: ChartSeries) -> String {
        var out = ""
        for (x, y) in zip(series.xs, series.ys) {
            guard let sx = px(x), let sy = py(y) else { continue }
            let place = chart.xCategories.flatMap { names in Int(exactly: x).flatMap { names.indices.contains($0 - 1) ? names[$0 - 1] : nil } }
                ?? "\(chart.xLabel) \(Self.value(x))"
            out += "<circle cx=\"\(svgNumber(sx))\" cy=\"\(svgNumber(sy))\" r=\"4\" fill=\"transparent\">"
                + "<title>\(xmlEscape(series.name)): \(xmlEscape(place)), \(xmlEscape(chart.yLabel)) \(Self.value(y))</title></circle>\n"
        }
        return out
    }

    /// A value to four significant digits.
    static func value(_ v: Double) -> String { String(format: "%.4g", v) }

    private func crisp(_ v: Double) -> Double { v.rounded(.down) + 0.5 }

    private func dash(_ stroke: ChartSeries.Stroke) -> String? {
        switch stroke {
        case .solid: return nil
        case .dashed: return "6 3"
        case .dotted: return "1.5 3"
        }
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String) -> String {
        "<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" stroke=\"\(color)\"/>\n"
    }

    private func marker(_ x: Double, _ y: Double, _ color: String) -> String {
        "<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"2.6\" fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"0.8\"/>\n"
    }

    private func text(_ s: String, _ x: Double, _ y: Double, anchor: String, color: String? = nil) -> String {
        let fill = color.map { " fill=\"\($0)\"" } ?? ""
        return "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\"\(fill)>\(xmlEscape(s))</text>\n"
    }
}
