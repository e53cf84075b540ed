import Foundation
import Testing
@testable import NNC

@Suite struct RunLogTests {
    /// The committed fixtures are the generator's output; NNC_RECORD_FIXTURES=1 rewrites them
    /// (and fails, so a recording run is never mistaken for a passing one).
    @Test func fixturesMatchTheirGenerator() throws {
        let pairs = [(ReportFixtures.sgdPath, SyntheticLog.sgd), (ReportFixtures.sgd2Path, SyntheticLog.sgd2)]
        if ProcessInfo.processInfo.environment["NNC_RECORD_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: ReportFixtures.folder, withIntermediateDirectories: true)
            for (path, log) in pairs { try log.text().write(toFile: path, atomically: true, encoding: .utf8) }
            Issue.record("re-recorded the report fixtures; run again without NNC_RECORD_FIXTURES")
            return
        }
        for (path, log) in pairs {
            #expect(try String(contentsOfFile: path, encoding: .utf8) == log.text(), "\(path) is stale")
        }
    }

    @Test func readsEveryRecordOfAFixture() throws {
        let log = try RunLog.read(path: ReportFixtures.sgdPath)
        #expect(log.header.model == "mlp10")
        #expect(log.header.optimizer == "sgd")
        #expect(log.header.lr == 0.05)
        #expect(log.header.batch == 600)
        #expect(log.header.layers == (1...10).map { "fc\($0)" })
        #expect(log.label == "mlp10/sgd")
        #expect(log.steps.count == 500)
        #expect(log.epochs.map(\.epoch) == [1, 2, 3, 4, 5])
        #expect(log.analyses.count == 10)
        #expect(log.analyses[0].layers.count == 10)
        #expect(log.analyses[0].layers[9].name == "fc10")
        #expect(log.analyses[9].operatorNormBound.map { abs($0 - 1230.6) < 0.1 } == true)
        #expect(log.end?.status == "completed")
        #expect(log.stepsPerEpoch == 100)
        let best = try #require(log.bestTestError)
        #expect(best == log.epochs.compactMap(\.testError).min())
    }

    /// A log `nnc train examples/spirals.net --epochs 3 --log …` wrote, kept as the trainer's
    /// word on the format (it adds `checkpoint` records and sample counts the reader skips).
    @Test func readsALogTheTrainerWrote() throws {
        let path = ReportFixtures.folder.appendingPathComponent("spirals-adam.jsonl").path
        let log = try RunLog.read(path: path)
        #expect(log.label == "spirals/adam")
        #expect(log.steps.count == 3 * 46)
        #expect(log.epochs.map(\.epoch) == [1, 2, 3])
        #expect(log.stepsPerEpoch == 46)
        #expect(log.epochs.allSatisfy { $0.testError != nil && $0.trainLoss != nil })
        #expect(log.end?.status == "completed")
        let html = ReportPage(runs: [log]).html()
        #expect(ReportFixtures.xmlProblem(html) == nil)
        #expect(html.contains(">spirals/adam test</text>"))
    }

    /// K-FAC's `damping` records: adaptive damping's λ (no layer) is a line on a log axis, a
    /// layer's raised λ a series of its own; a log without them draws no damping chart.
    @Test func dampingRecordsBecomeTheDampingChart() throws {
        let text = """
        {"type":"run","model":"m","optimizer":"kfac","steps_per_epoch":10}
        {"type":"damping","epoch":1,"step":5,"damping":0.0077,"outcome":"adapted","rho":1.7}
        {"type":"damping","epoch":1,"step":10,"damping":0.0059,"outcome":"adapted"}
        {"type":"damping","epoch":2,"step":12,"layer":"dense1","damping":10,"outcome":"raised"}
        {"type":"damping","epoch":2,"step":15,"damping":0.0001,"outcome":"adapted","rho":0.8}
        """
        let log = try RunLog.parse(text, source: "kfac.jsonl")
        #expect(log.damping.map(\.step) == [5, 10, 12, 15])
        #expect(log.damping.map(\.layer) == [nil, nil, "dense1", nil])
        let chart = ReportCharts(runs: [log]).damping()
        #expect(chart.series.map(\.name) == ["m/kfac", "m/kfac: raised for a layer"])
        #expect(chart.series[0].xs == [0.5, 1.0, 1.5])
        let page = ReportPage(runs: [log])
        let svg = try #require(page.svg(.damping))
        #expect(svg.contains(">10⁻²</text>") || svg.contains(">10⁻³</text>"), "a log axis")
        #expect(page.html().contains("Curvature damping"))
        let plain = try RunLog.parse("{\"type\":\"run\",\"model\":\"m\"}", source: "plain.jsonl")
        #expect(ReportPage(runs: [plain]).svg(.damping) == nil)
        #expect(!ReportPage(runs: [plain]).html().contains("Curvature damping"))
    }

    @Test func nonFiniteStringsAndNullsAndUnknownsAreTolerated() throws {
        let text = """
        {"type":"run","model":"m","optimizer":"sgd","seed":18446744073709551615,"future_field":{"x":[1,2]}}
        {"type":"lr_search","candidates":[{"lr":0.1,"loss":2}],"chosen":0.1}
        {"type":"gpu_stats","anything":"goes"}

        {"type":"step","epoch":1,"step":1,"loss":"nan","seconds":null}
        {"type":"step","epoch":1,"step":2,"loss":"inf"}
        {"type":"step","epoch":1,"step":3,"loss":"-inf","extra":true}
        {"type":"analysis","epoch":1,"step":3,"layers":[{"name":"a","residual_rms":"nan","note":"text","sigma_max":2}],"operator_norm_bound":"inf"}
        """
        let log = try RunLog.parse(text, source: "t.jsonl")
        #expect(log.steps.count == 3)
        #expect(log.steps[0].loss.isNaN)
        #expect(log.steps[0].seconds == nil)
        #expect(log.steps[1].loss == .infinity)
        #expect(log.steps[2].loss == -.infinity)
        let layer = try #require(log.analyses.first?.layers.first)
        #expect(layer["residual_rms"]?.isNaN == true)
        #expect(layer["sigma_max"] == 2)
        #expect(layer["note"] == nil)
        #expect(log.analyses[0].operatorNormBound == .infinity)
        #expect(log.end == nil)
    }

    @Test(arguments: [
        ("{\"type\":\"run\"}\n{\"type\":\"step\",\"step\":1,\"loss\":0.5\n", 2, "not valid JSON"),
        ("{\"type\":\"run\"}\n\n[1,2,3]\n", 3, "expected a JSON object"),
        ("{\"model\":\"m\"}\n", 1, "record has no 'type'"),
        ("{\"type\":7}\n", 1, "field 'type' should be a string"),
        ("{\"type\":\"step\",\"step\":1,\"loss\":\"low\"}\n", 1, "field 'loss' should be a number, found \"low\""),
        ("{\"type\":\"step\",\"step\":1.5,\"loss\":1}\n", 1, "field 'step' should be a whole number"),
        ("{\"type\":\"step\",\"loss\":1}\n", 1, "record has no 'step'"),
        ("{\"type\":\"epoch\",\"step\":1}\n", 1, "record has no 'epoch'"),
        ("{\"type\":\"analysis\",\"layers\":[1]}\n", 1, "should be an array of objects"),
        ("{\"type\":\"run\",\"layers\":\"fc1\"}\n", 1, "field 'layers' should be an array of strings"),
    ])
    func malformedLinesNameFileAndLine(text: String, line: Int, detail: String) throws {
        let error = try #require(throws: RunLogError.self) { try RunLog.parse(text, source: "bad.jsonl") }
        guard case let .malformed(file, errorLine, message) = error else {
            Issue.record("expected .malformed, got \(error)")
            return
        }
        #expect(file == "bad.jsonl")
        #expect(errorLine == line)
        #expect(message.contains(detail), "\(message)")
        #expect(error.description.hasPrefix("bad.jsonl:\(line): "))
    }

    @Test func emptyAndMissingFiles() throws {
        #expect(throws: RunLogError.empty(file: "e.jsonl")) { try RunLog.parse("\n  \n", source: "e.jsonl") }
        let missing = "/nonexistent/run.jsonl"
        #expect(throws: RunLogError.cannotRead(file: missing, reason: "no such file")) { try RunLog.read(path: missing) }
    }

    @Test func labelFallsBackToModelAndOptimizerThenFileName() throws {
        let named = try RunLog.parse(#"{"type":"run","model":"m","optimizer":"adam","label":"mine"}"#, source: "x/a.jsonl")
        #expect(named.label == "mine")
        let unnamed = try RunLog.parse(#"{"type":"run","model":"m","optimizer":"adam"}"#, source: "x/a.jsonl")
        #expect(unnamed.label == "m/adam")
        let bare = try RunLog.parse(#"{"type":"step","step":1,"loss":1}"#, source: "x/run-3.jsonl")
        #expect(bare.label == "run-3")
    }

    @Test func stepsPerEpochAndTimeAreInferredWhenAbsent() throws {
        let text = """
        {"type":"run","model":"m"}
        {"type":"epoch","epoch":1,"step":40,"seconds":1.5,"test_error":0.2}
        {"type":"epoch","epoch":2,"step":80,"seconds":2.5,"test_error":0.1}
        """
        let log = try RunLog.parse(text, source: "t.jsonl")
        #expect(log.stepsPerEpoch == 40)
        #expect(log.seconds == 4)
        #expect(log.bestTestError == 0.1)
    }
}
