import Foundation

/// One line on a chart. Non-finite points (and non-positive ones on a log axis) leave gaps.
struct ChartSeries {
    enum Stroke: Equatable { case solid, dashed, dotted }

    var name: String
    var xs: [Double]
    var ys: [Double]
    var color: String
    var stroke: Stroke = .solid
    var width: Double = 1.5
    var opacity: Double = 1
    /// Dots at the points; by default only for short series, where the points matter.
    var markers: Bool? = nil
    var inLegend = true

    var showsMarkers: Bool { markers ?? (xs.count <= 25) }
    /// Whether any point can be drawn: a series without one has no place in a legend.
    var hasData: Bool { zip(xs, ys).contains { $0.0.isFinite && $0.1.isFinite } }
    /// Whether a value is missing between drawn ones: the line breaks there, which a
    /// caption explains.
    var hasGaps: Bool {
        let drawn = ys.indices.filter { xs[$0].isFinite && ys[$0].isFinite }
        guard let first = drawn.first, let last = drawn.last else { return false }
        return drawn.count < last - first + 1
    }
}

/// A line chart drawn as SVG: grey grid, labelled axes, a legend beside (or under) the plot.
/// The y axis turns logarithmic by itself when the data span two decades.
struct LineChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var series: [ChartSeries]
    var xScale: ChartScale? = .linear
    /// Nil chooses linear or log from the data.
    var yScale: ChartScale? = nil
    /// Values the y axis covers besides the data: charts meant to be compared share a range.
    var yAlsoCovers: [Double] = []
    /// Names for x = 1, 2, …, n (layers, first to last) instead of numeric ticks.
    var xCategories: [String]? = nil
    /// Ticks on whole numbers only (epochs, steps): no epoch 1.5.
    var xIntegers = false
    var width: Double = 560
    var height: Double = 340

    /// Width of one 12px glyph, estimated generously so labels are never crowded.
    static let glyph = 7.0
    static let legendRow = 16.0
    static let maxLegendCharacters = 30

    /// Whether any series has a point to draw.
    var hasData: Bool { series.contains(where: \.hasData) }

    /// What the page says under the chart about lines that break.
    var gapNote: String? {
        series.contains(where: \.hasGaps) ? "A line breaks where a value is missing: not recorded at that point, or not "
            + "finite (a condition number of a factor with a zero eigenvalue, say), or not positive on a log axis." : nil
    }

    /// The chart as an `<svg>` element, placed at (`x`, `y`) when nested. Inline in HTML it
    /// needs no namespace (the HTML parser supplies it), so the page names no URL at all.
    func svg(x: Double? = nil, y: Double? = nil, namespace: Bool = true) -> String {
        let layout = ChartLayout(chart: self)
        var out = namespace ? "<svg xmlns=\"http://www.w3.org/2000/svg\"" : "<svg"
        if let x, let y { out += " x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\"" }
        out += " width=\"\(svgNumber(width))\" height=\"\(svgNumber(layout.height))\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(layout.height))\""
        out += " font-family=\"Helvetica, Arial, 'DejaVu Sans', sans-serif\" font-size=\"12\">\n"
        out += "<title>\(xmlEscape(title))</title>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        out += layout.frame()
        out += layout.lines()
        out += layout.legend()
        out += "</svg>\n"
        return out
    }

    /// Several charts stacked vertically in one standalone SVG document.
    static func document(_ charts: [LineChart], gap: Double = 12) -> String {
        let width = charts.map(\.width).max() ?? 560
        var y = 0.0
        var body = ""
        for chart in charts {
            body += chart.svg(x: 0, y: y, namespace: false)
            y += ChartLayout(chart: chart).height + gap
        }
        let height = max(y - gap, 1)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\""
            + " viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\">\n" + body + "</svg>\n"
    }
}

/// Coordinates with one decimal: enough for a screen, short in the file. A coordinate far off
/// any screen (a point a hostile log puts 10³⁰⁰ plot widths away) is pinned to ±10⁶, where it
/// is still off the chart, instead of trapping on its way to an Int.
func svgNumber(_ value: Double) -> String {
    let pinned = value.isNaN ? 0 : min(max(value, -1e6), 1e6)
    let rounded = (pinned * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}

/// Text made safe for XML element content and attribute values.
func xmlEscape(_ text: String) -> String {
    var out = ""
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}
