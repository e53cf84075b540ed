import Foundation
import NNC

/// `nnc report LOG... -o OUT.html|OUT.svg [--chart KIND] [--title T]`: training logs to an
/// HTML report, or one chart to an SVG file.
enum ReportCommand: Command {
    static let spec = CommandSpec(
        name: "report",
        abstract: "turn training logs into an HTML report or an SVG chart",
        discussion: """
            Turns training logs (nnc train --log run.jsonl) into one self-contained HTML page with
            loss and error curves, the gradient-energy profile across layers, conditioning and the
            operator-norm bound; several logs are overlaid. An .svg output holds a single chart.
            """,
        arguments: [Argument(name: "LOG", missing: "the training logs to report on", many: true)],
        options: [
            .value("--output", "FILE", "where to write: .html for the report, .svg for one chart", short: "-o",
                   required: true),
            .value("--chart", "KIND", "the chart for .svg output: \(charts.joined(separator: ", ")) (default loss)",
                   choices: charts),
            .value("--title", "TITLE", "the report's heading (default: the runs' labels)"),
        ],
        exitStatus: """
            0 written, 64 usage error, 65 a log is malformed or holds nothing for the chart asked for,
            66 a log is missing, 74 cannot write the output
            """)

    private static let charts = ReportChart.allCases.map(\.rawValue)

    static func run(_ arguments: ParsedArguments) throws {
        let output = arguments.value("--output")!
        let chart = arguments.value("--chart").flatMap(ReportChart.init(rawValue:))
        let title = arguments.value("--title")
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard ext == "html" || ext == "htm" || ext == "svg" else {
            throw CommandLineError.invalid("the output '\(output)' should end in .html or .svg")
        }
        if chart != nil && ext != "svg" { throw CommandLineError.invalid("--chart applies to .svg output only") }

        let runs = try arguments.positional.map { try RunLog.read(path: $0) }
        let page = ReportPage(title: title, runs: runs)
        let kind = chart ?? .loss
        guard let text = ext == "svg" ? page.svg(kind, title: title) : page.html() else {
            let hint = [.energy, .conditioning, .bound].contains(kind) ? "; train with --analyze to record it" : ""
            throw CommandFailure(.dataError, "the logs hold nothing for the '\(kind.rawValue)' chart\(hint)")
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandFailure(.ioError, "\(output): cannot write: \(error.localizedDescription)")
        }
    }
}
