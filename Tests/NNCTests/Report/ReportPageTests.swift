import Foundation
import Testing
@testable import NNC

@Suite struct ReportPageTests {
    @Test func pageIsSelfContainedAndWellFormed() throws {
        let html = ReportPage(runs: try ReportFixtures.runs()).html()
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<link") && !html.contains("@import") && !html.contains("url("))
        // Written as XHTML-compatible markup, so the whole page checks as XML.
        #expect(ReportFixtures.xmlProblem(html) == nil)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
    }

    @Test func pageHasTheSummaryAndEveryChart() throws {
        let runs = try ReportFixtures.runs()
        let html = ReportPage(runs: runs).html()
        #expect(html.contains("<title>Training report: mlp10/sgd, mlp10/sgd2</title>"))
        for heading in ["Loss and test error", "Gradient energy across layers", "Conditioning per layer", "Operator-norm bound"] {
            #expect(html.contains("<h2>\(heading)</h2>"), "\(heading)")
        }
        // Loss, error, residual and gradient energy, five conditioning charts per run (A, S and
        // A ⊗ S, the general condition numbers of A and S), bound.
        #expect(ReportFixtures.count("<svg", in: html) == 2 + 2 + 5 * 2 + 1)
        #expect(html.contains(">mlp10/sgd2 · epoch 5</text>"))
        #expect(html.contains(">fc10</text>"))
        let best = try #require(runs[1].bestTestError)
        #expect(html.contains(ReportPage.percent(best)))
        #expect(ReportFixtures.count("<tr><td", in: html) == 2)
        #expect(html.contains("<td>0.05</td><td>600</td><td>5</td>"))
    }

    @Test func eachChartKindIsAStandaloneSVG() throws {
        let page = ReportPage(runs: try ReportFixtures.runs())
        // The fixtures are SGD and SGD2 runs: no K-FAC damping (RunLogTests draws that chart).
        #expect(page.svg(.damping) == nil)
        for kind in ReportChart.allCases where kind != .damping {
            let svg = try #require(page.svg(kind), "\(kind)")
            #expect(ReportFixtures.xmlProblem(svg) == nil, "\(kind)")
            #expect(svg.hasPrefix("<?xml"), "\(kind)")
        }
        #expect(page.svg(.loss)!.contains(">mlp10/sgd test</text>"))
        #expect(page.svg(.bound)!.contains(">10³</text>"), "the bound spans 0.27…1230, so a log axis")
        #expect(ReportFixtures.count("<title>Conditioning", in: page.svg(.conditioning)!) == 6)
        #expect(page.svg(.loss, title: "SGD vs SGD2")!.contains(">SGD vs SGD2</text>"))
        #expect(ReportFixtures.count("<title>Run 7: Conditioning", in: page.svg(.conditioning, title: "Run 7")!) == 6)
    }

    /// Issue 21: each factor's general condition number λ1/λk per layer over epochs, one chart
    /// per run, the runs' charts next to each other (two abreast on the page) on one y range.
    @Test func generalConditionNumbersAreChartedPerRunSideBySide() throws {
        let runs = try ReportFixtures.runs()
        let charts = ReportCharts(runs: runs).conditioning()
        #expect(charts.map(\.title) == [
            "Conditioning of A = E[x xᵀ]: mlp10/sgd", "Conditioning of A = E[x xᵀ]: mlp10/sgd2",
            "General conditioning of A = E[x xᵀ]: mlp10/sgd", "General conditioning of A = E[x xᵀ]: mlp10/sgd2",
            "Conditioning of S = E[δ δᵀ]: mlp10/sgd", "Conditioning of S = E[δ δᵀ]: mlp10/sgd2",
            "General conditioning of S = E[δ δᵀ]: mlp10/sgd", "General conditioning of S = E[δ δᵀ]: mlp10/sgd2",
            "Conditioning of A ⊗ S: mlp10/sgd", "Conditioning of A ⊗ S: mlp10/sgd2"])
        for (offset, field) in [(2, "input_general_condition"), (6, "output_general_condition")] {
            let all = runs.flatMap { $0.analyses.flatMap { $0.layers.compactMap { $0[field] } } }
            for (index, run) in runs.enumerated() {
                let chart = charts[offset + index]
                #expect(chart.yLabel == "general condition number λ1/λk")
                #expect(chart.xLabel == "epoch")
                #expect(chart.series.map(\.name) == run.header.layers, "one line per layer")
                // fc3's line is fc3's logged values, at each record's time in epochs.
                let fc3 = chart.series[2]
                #expect(fc3.ys == run.analyses.map { $0.layers[2][field]! })
                #expect(fc3.xs == run.analyses.map { Double($0.step) / Double(run.stepsPerEpoch!) })
                #expect(chart.yAlsoCovers == [all.min()!, all.max()!], "both runs on one range")
            }
        }
        let svg = try #require(ReportPage(runs: runs).svg(.conditioning))
        #expect(ReportFixtures.count("<title>General conditioning of S = E[δ δᵀ]", in: svg) == 2)
        #expect(svg.contains(">general condition number λ1/λk</text>"))
    }

    @Test func logsWithoutAnalysisOrTestSetStillReport() throws {
        let text = """
        {"type":"run","model":"m","optimizer":"adam","epochs":3}
        {"type":"step","epoch":1,"step":1,"loss":2.0}
        {"type":"epoch","epoch":1,"step":1,"train_loss":2.0}
        {"type":"end","status":"failed","message":"loss is nan at step 2","seconds":0.5}
        """
        let html = ReportPage(title: "Just <one>", runs: [try RunLog.parse(text, source: "a.jsonl")]).html()
        #expect(ReportFixtures.xmlProblem(html) == nil)
        #expect(html.contains("<h1>Just &lt;one&gt;</h1>"))
        #expect(html.contains("train with <code>--analyze</code>"))
        #expect(html.contains("failed: loss is nan at step 2"))
        #expect(html.contains("<td>1 / 3</td>"))
        // The error chart has nothing to show: it is left out with a note, not drawn empty.
        #expect(!html.contains(">no data</text>"))
        #expect(!html.contains("<title>Test error</title>"))
        // Asked for as SVG, a chart with nothing to draw is nil (the command exits 65).
        let page = ReportPage(runs: [try RunLog.parse(text, source: "a.jsonl")])
        #expect(page.svg(.energy) == nil && page.svg(.error) == nil && page.svg(.loss) != nil)
    }

    /// Issue 15's report defects: a run without analysis beside one with it gets no empty
    /// conditioning chart and no legend entries; epoch ticks are whole; step losses are
    /// smoothed over a faint raw line; every point carries its values for hovering; a line
    /// that breaks is explained.
    @Test func onlySeriesWithDataAreDrawnAndEveryPointHasItsValues() throws {
        let analysed = try ReportFixtures.runs()[0]
        let plain = try RunLog.parse("""
            {"type":"run","model":"m","optimizer":"sgd","epochs":3,"steps_per_epoch":2,"label":"plain"}
            {"type":"step","epoch":1,"step":1,"loss":2.0}
            {"type":"step","epoch":1,"step":2,"loss":1.0}
            {"type":"epoch","epoch":1,"step":2,"train_loss":1.5,"test_error":0.5}
            {"type":"step","epoch":2,"step":3,"loss":1.5}
            {"type":"step","epoch":2,"step":4,"loss":0.5}
            {"type":"epoch","epoch":2,"step":4,"train_loss":1.0,"test_error":0.25}
            """, source: "b.jsonl")
        let page = ReportPage(runs: [analysed, plain])
        let conditioning = try #require(page.svg(.conditioning))
        #expect(!conditioning.contains("plain"), "a run without analysis gets no conditioning chart")
        let bound = try #require(page.svg(.bound))
        #expect(!bound.contains(">plain</text>"), "no legend entry for a run with no line")
        let error = try #require(page.svg(.error))
        #expect(!error.contains(">1.5</text>") && !error.contains(">2.5</text>"))
        let loss = try #require(page.svg(.loss))
        #expect(loss.contains("opacity=\"0.3\""), "the raw step losses are faint")
        #expect(loss.contains("<title>plain test: epoch 2, error (%) 25</title>") || error.contains("<title>plain test: epoch 2, error (%) 25</title>"))
        #expect(ReportCharts.smooth([1, 3], window: 2) == [1, 7.0 / 3])
        let html = page.html()
        #expect(ReportFixtures.xmlProblem(html) == nil)
        #expect(!html.contains(">no data</text>"))
        let gap = LineChart(title: "t", xLabel: "epoch", yLabel: "y",
                            series: [ChartSeries(name: "s", xs: [1, 2, 3], ys: [1, .nan, 2], color: "#000")])
        #expect(gap.gapNote != nil)
        #expect(LineChart(title: "t", xLabel: "epoch", yLabel: "y",
                          series: [ChartSeries(name: "s", xs: [1, 2, 3], ys: [.nan, 1, 2], color: "#000")]).gapNote == nil)
    }

    @Test func sharedLabelsAreMadeDistinct() throws {
        let run = try RunLog.read(path: ReportFixtures.sgdPath)
        let charts = ReportCharts(runs: [run, run])
        #expect(charts.labels == ["mlp10/sgd", "mlp10/sgd (2)"])
    }

    @Test func energyProfileShowsTheLastRecordOfEachEpoch() throws {
        let runs = try ReportFixtures.runs()
        let energy = try #require(ReportCharts(runs: runs).energy().first)
        #expect(energy.series.count == 2 * 5)
        #expect(energy.xCategories == (1...10).map { "fc\($0)" })
        let last = try #require(energy.series.last)
        #expect(last.ys == runs[1].analyses[9].layers.map { $0["residual_rms"]! })
    }

    @Test func spreadAndThinKeepEnds() {
        #expect(ReportCharts.spread(Array(1...20), upTo: 6).first == 1)
        #expect(ReportCharts.spread(Array(1...20), upTo: 6).last == 20)
        #expect(ReportCharts.spread(Array(1...20), upTo: 6).count == 6)
        let (xs, ys) = ReportCharts.thin((1...1000).map(Double.init), [Double](repeating: 2, count: 1000), to: 400)
        #expect(xs.count <= 400 && xs.last == 1000)
        #expect(ys.allSatisfy { $0 == 2 })
        let (_, gaps) = ReportCharts.thin((1...10).map(Double.init), [1, 1, .nan, .nan, 3, 3, 3, 3, 3, 3], to: 5)
        #expect(gaps[1].isNaN && gaps[0] == 1)
    }

    // The fuzzer's two findings as whole logs: each must still make a page and every chart.
    @Test func hostileNumbersStillReport() throws {
        let logs = ["{\"type\":\"step\",\"step\":1,\"loss\":-1e308}\n{\"type\":\"step\",\"step\":2,\"loss\":1e308}\n",
                    "{\"type\":\"step\",\"step\":1,\"loss\":1}\n{\"type\":\"end\",\"seconds\":1e155}\n",
                    // CI's fuzz run: an epoch at step 2 222 222 222 224 puts a marker ~10³⁰⁸ pixels out.
                    "{\"type\":\"run\",\"model\":\"m\"}\n{\"type\":\"analysis\",\"epoch\":1,\"step\":2,\"operator_norm_bound\":3.5,"
                        + "\"layers\":[{\"name\":\"d\",\"input_condition\":10,\"output_condition\":\"inf\"}]}\n"
                        + "{\"type\":\"epoch\",\"epoch\":2,\"step\":2222222222224,\"train_loss\":0.5,\"test_error\":0.2}\n",
                    // The second round's: a subnormal condition number trapped labelling a NaN tick.
                    "{\"type\":\"run\",\"model\":\"m\"}\n{\"type\":\"analysis\",\"epoch\":1,\"step\":2,\"operator_norm_bound\":3.5,"
                        + "\"layers\":[{\"name\":\"d\",\"input_condition\":10},"
                        + "{\"name\":\"e\",\"input_condition\":3,\"product_condition\":125e-324}]}\n"]
        for text in logs {
            let page = ReportPage(runs: [try RunLog.parse(text, source: "hostile.jsonl")])
            #expect(ReportFixtures.xmlProblem(page.html()) == nil)
            for chart in ReportChart.allCases { if let svg = page.svg(chart) { #expect(ReportFixtures.xmlProblem(svg) == nil) } }
        }
    }

    @Test func durationsAndPercentages() {
        #expect(ReportPage.duration(12.34) == "12.3 s")
        #expect(ReportPage.duration(125) == "2 min 05 s")
        #expect(ReportPage.duration(7260) == "2 h 01 min")
        #expect(ReportPage.duration(nil) == "–")
        // Found by Fuzz/fuzz-runlog: a log's `"seconds": 1e155` trapped converting to Int.
        #expect(ReportPage.duration(1e155) == "2.78e+151 h")
        #expect(ReportPage.duration(3599e6) == "999722 h 13 min")
        #expect(ReportPage.percent(0.0123) == "1.23 %")
    }
}
