import Foundation
import NNC

/// `nnc report LOG... -o OUT.html|OUT.svg [--chart KIND] [--title T]`: training logs to an
/// HTML report, or one chart to an SVG file.
enum ReportCommand {
    static let help = """
    usage: nnc report LOG... -o OUT.html|OUT.svg [--chart KIND] [--title TITLE]

    Turns training logs (nnc train --log run.jsonl) into one self-contained HTML page with
    loss and error curves, the gradient-energy profile across layers, conditioning and the
    operator-norm bound; several logs are overlaid. An .svg output holds a single chart.

    options:
      -o, --output FILE   where to write: .html for the report, .svg for one chart
      --chart KIND        the chart for .svg output: \(ReportChart.allCases.map(\.rawValue).joined(separator: ", ")) (default loss)
      --title TITLE       the report's heading (default: the runs' labels)
      -h, --help          show this help

    """

    static func run(_ args: [String]) -> ExitCode {
        var logs: [String] = []
        var output: String?
        var chart: ReportChart?
        var title: String?
        var index = 0
        func value(_ option: String) -> String? {
            index += 1
            return index < args.count ? args[index] : nil
        }
        while index < args.count {
            let arg = args[index]
            switch arg {
            case "-h", "--help":
                print(help, terminator: "")
                return .success
            case "-o", "--output":
                guard let v = value(arg) else { return usage("\(arg) needs a file name") }
                output = v
            case "--chart":
                guard let v = value(arg) else { return usage("--chart needs a chart name") }
                guard let kind = ReportChart(rawValue: v) else {
                    return usage("unknown chart '\(v)'; expected one of \(ReportChart.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                chart = kind
            case "--title":
                guard let v = value(arg) else { return usage("--title needs a title") }
                title = v
            default:
                if arg.hasPrefix("-") && arg != "-" { return usage("unknown option '\(arg)'") }
                logs.append(arg)
            }
            index += 1
        }
        guard !logs.isEmpty else { return usage("no log files given") }
        guard let output else { return usage("no output given; use -o report.html or -o chart.svg") }
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard ext == "html" || ext == "htm" || ext == "svg" else {
            return usage("output '\(output)' should end in .html or .svg")
        }
        if chart != nil && ext != "svg" { return usage("--chart applies to .svg output only") }

        var runs: [RunLog] = []
        for path in logs {
            do {
                runs.append(try RunLog.read(path: path))
            } catch let error as RunLogError {
                fail(error.description)
                if case .cannotRead = error { return .noInput }
                return .dataError
            } catch {
                fail("\(path): \(error)")
                return .dataError
            }
        }
        let page = ReportPage(title: title, runs: runs)
        let text = ext == "svg" ? page.svg(chart ?? .loss, title: title) : page.html()
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            fail("\(output): cannot write: \(error.localizedDescription)")
            return .ioError
        }
        return .success
    }

    private static func usage(_ message: String) -> ExitCode {
        fail("\(message)\n\n\(help)")
        return .usage
    }

    private static func fail(_ message: String) {
        FileHandle.standardError.write(Data("nnc report: \(message)\n".utf8))
    }
}
