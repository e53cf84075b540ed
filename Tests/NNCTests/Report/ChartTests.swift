import Foundation
import Testing
@testable import NNC

@Suite struct ChartTests {
    private func chart(_ series: [ChartSeries], yScale: ChartScale? = nil) -> LineChart {
        LineChart(title: "T", xLabel: "epoch", yLabel: "loss", series: series, yScale: yScale)
    }

    @Test func theCheckerRejectsBrokenMarkup() {
        #expect(ReportFixtures.xmlProblem("<svg><g></g></svg>") == nil)
        #expect(ReportFixtures.xmlProblem("<svg><g></svg>") != nil)
        #expect(ReportFixtures.xmlProblem("<svg><text>a & b</text></svg>") != nil)
    }

    @Test func svgIsWellFormedWithSeriesAndLegend() {
        let svg = chart([
            ChartSeries(name: "sgd train", xs: [1, 2, 3], ys: [2.3, 1.1, 0.5], color: "#4e79a7"),
            ChartSeries(name: "sgd2 train", xs: [1, 2, 3], ys: [2.0, 0.6, 0.2], color: "#e15759", stroke: .dashed),
        ]).svg()
        #expect(ReportFixtures.xmlProblem(svg) == nil)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">sgd train</text>"))
        #expect(svg.contains(">sgd2 train</text>"))
        #expect(ReportFixtures.count("<path ", in: svg) == 2)
        #expect(svg.contains("stroke-dasharray=\"6 3\""))
        #expect(svg.contains(">epoch</text>") && svg.contains(">loss</text>"))
        #expect(ReportFixtures.count("r=\"2.6\"", in: svg) == 6 + 2, "three markers per short series plus two in the legend")
    }

    @Test func logAxisIsChosenForValuesSpanningDecades() {
        let svg = chart([ChartSeries(name: "r", xs: [1, 2, 3], ys: [1e-6, 1e-4, 1e-2], color: "#000000")]).svg()
        #expect(svg.contains(">10⁻⁶</text>"))
        #expect(svg.contains(">10⁻²</text>"))
        #expect(ChartLayout(chart: chart([ChartSeries(name: "r", xs: [1, 2], ys: [1, 1e3], color: "#000")])).yAxis.scale == .log)
        #expect(ChartLayout(chart: chart([ChartSeries(name: "r", xs: [1, 2], ys: [1, 9], color: "#000")])).yAxis.scale == .linear)
    }

    @Test func nonFiniteValuesBreakTheLine() throws {
        let series = ChartSeries(name: "g", xs: [1, 2, 3, 4, 5, 6], ys: [1, 2, .nan, 3, 4, .infinity], color: "#000", markers: false)
        let svg = chart([series]).svg()
        #expect(ReportFixtures.xmlProblem(svg) == nil)
        let afterPath = try #require(svg.components(separatedBy: "<path d=\"").dropFirst().first)
        #expect(afterPath.prefix { $0 != "\"" }.filter { $0 == "M" }.count == 2, "two pieces: 1–2 and 4–5")
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }

    @Test func nonPositiveValuesAreGapsOnALogAxis() {
        let svg = chart([ChartSeries(name: "g", xs: [1, 2, 3], ys: [1, 0, 100], color: "#000", markers: false)], yScale: .log).svg()
        #expect(!svg.contains("<path "), "no two neighbours are drawable, so no line")
        #expect(ReportFixtures.count("r=\"2.6\"", in: svg) == 2, "isolated points still show as dots")
    }

    @Test func emptyAndSinglePointSeriesDoNotCrash() {
        let empty = chart([ChartSeries(name: "nothing", xs: [], ys: [], color: "#000")]).svg()
        #expect(ReportFixtures.xmlProblem(empty) == nil)
        #expect(empty.contains(">no data</text>"))
        let none = chart([]).svg()
        #expect(ReportFixtures.xmlProblem(none) == nil)
        let single = chart([ChartSeries(name: "one", xs: [3], ys: [0.25], color: "#000")]).svg()
        #expect(ReportFixtures.xmlProblem(single) == nil)
        #expect(!single.contains(">no data</text>"))
        #expect(ReportFixtures.count("r=\"2.6\"", in: single) == 2)
    }

    @Test func textIsEscaped() {
        let svg = LineChart(title: "a < b & \"c\"", xLabel: "x", yLabel: "y",
                            series: [ChartSeries(name: "<run>", xs: [1], ys: [1], color: "#000")]).svg()
        #expect(ReportFixtures.xmlProblem(svg) == nil)
        #expect(svg.contains("&lt;run&gt;"))
    }

    @Test func wideLegendsMoveUnderThePlotAndGrowTheChart() {
        let many = (1...24).map { ChartSeries(name: "a rather long series name \($0)", xs: [1, 2], ys: [1, 2], color: "#000") }
        let layout = ChartLayout(chart: chart(many))
        #expect(!layout.legendBeside)
        #expect(layout.height > 340)
        #expect(layout.right > 500)
        let few = ChartLayout(chart: chart(Array(many.prefix(2))))
        #expect(few.legendBeside)
        #expect(few.height == 340)
        let svg = chart(many).svg()
        #expect(ReportFixtures.xmlProblem(svg) == nil)
        #expect(svg.contains("height=\"\(svgNumber(layout.height))\""))
    }

    @Test func longLegendNamesAreShortened() {
        let name = String(repeating: "x", count: 50)
        let svg = chart([ChartSeries(name: name, xs: [1, 2], ys: [1, 2], color: "#000")]).svg()
        #expect(svg.contains(">" + String(repeating: "x", count: 29) + "…</text>"))
        #expect(svg.contains("<title>\(name)</title>"), "the full name stays as a tooltip")
    }

    @Test func stackedDocumentIsOneWellFormedSVG() {
        let a = chart([ChartSeries(name: "a", xs: [1, 2], ys: [1, 2], color: "#000")])
        let doc = LineChart.document([a, a, a])
        #expect(ReportFixtures.xmlProblem(doc) == nil)
        #expect(ReportFixtures.count("<svg", in: doc) == 4)
        #expect(ReportFixtures.count("xmlns=", in: doc) == 1)
        #expect(ReportFixtures.xmlProblem(LineChart.document([])) == nil)
    }
}
