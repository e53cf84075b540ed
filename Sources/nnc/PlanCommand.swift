import Foundation
import NNC

/// `nnc plan FILE`: lower a checked model and print the kernels of one step, or its JSON.
enum PlanCommand {
    static let help = """
        usage: nnc plan <model.net> [--batch N] [--phase forward|backward|update|all] [--json]
                        [--mode train|eval] [--train-size N] [--color auto|always|never]

        Lowers the model to the plan one training step executes and prints its kernels in order:
        the ops each fused, inputs and outputs with shapes and arena offsets, FLOPs, bytes read
        and written, arithmetic intensity; then the totals. docs/PLAN.md describes both forms.

        options:
          --batch N         batch size (default: the file's train { batch })
          --phase P         list only the kernels of one phase (default all; totals stay whole)
          --json            print the plan as JSON (format in docs/PLAN.md)
          --mode M          train (forward, backward, update) or eval (forward only); default train
          --train-size N    training-set size, for the FLOPs per epoch
          --color WHEN      colour diagnostics: auto, always, never
          -h, --help        show this help

        exit status: 0 printed, 64 usage error, 65 errors in the file, 66 file missing or unreadable

        """

    struct Options {
        var path: String
        var batch: Int?
        var phases: Set<Phase> = Set(Phase.allCases)
        var json = false
        var mode: Plan.Mode = .train
        var trainingSetSize: Int?
        var color = false
    }

    /// The options, nil for `--help`, or a usage message.
    static func parse(_ args: [String]) -> Result<Options?, CommandLineError> {
        var path: String?
        var options = Options(path: "")
        var color = "auto"
        var i = 0
        func positive(_ name: String, _ text: String) -> Result<Int, CommandLineError> {
            guard let n = Int(text), n > 0 else {
                return .failure(CommandLineError("\(name) must be a positive integer, got '\(text)'"))
            }
            return .success(n)
        }
        while i < args.count {
            var a = args[i]
            var value: String?
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                value = String(a[a.index(after: eq)...])
                a = String(a[..<eq])
            }
            let takesValue = ["--batch", "--phase", "--mode", "--train-size", "--color"].contains(a)
            if takesValue && value == nil {
                guard i + 1 < args.count else { return .failure(CommandLineError("option '\(a)' needs a value")) }
                value = args[i + 1]
                i += 1
            }
            switch a {
            case "-h", "--help": return .success(nil)
            case "--json": options.json = true
            case "--batch":
                switch positive("--batch", value!) {
                case .success(let n): options.batch = n
                case .failure(let e): return .failure(e)
                }
            case "--train-size":
                switch positive("--train-size", value!) {
                case .success(let n): options.trainingSetSize = n
                case .failure(let e): return .failure(e)
                }
            case "--phase":
                if value == "all" { options.phases = Set(Phase.allCases) }
                else if let p = Phase(rawValue: value!) { options.phases = [p] }
                else { return .failure(CommandLineError("unknown phase '\(value!)' (expected forward, backward, update or all)")) }
            case "--mode":
                guard let m = Plan.Mode(rawValue: value!) else {
                    return .failure(CommandLineError("unknown mode '\(value!)' (expected train or eval)"))
                }
                options.mode = m
            case "--color": color = value!
            default:
                if a.hasPrefix("-") && a != "-" { return .failure(CommandLineError("unknown option '\(a)'")) }
                if path != nil { return .failure(CommandLineError("only one file can be planned at a time")) }
                path = a
            }
            i += 1
        }
        guard let path else { return .failure(CommandLineError("missing the .net file to plan")) }
        options.path = path
        switch color {
        case "auto": options.color = isatty(STDERR_FILENO) != 0
        case "always": options.color = true
        case "never": options.color = false
        default: return .failure(CommandLineError("'--color' must be auto, always or never, got '\(color)'"))
        }
        if options.mode == .eval && !options.phases.contains(.forward) {
            return .failure(CommandLineError("an eval plan has only a forward phase"))
        }
        return .success(options)
    }

    static func run(_ args: [String]) -> ExitCode {
        let options: Options
        switch parse(args) {
        case .failure(let e):
            writeError("nnc plan: \(e.message)\n\n" + help)
            return .usage
        case .success(nil):
            print(help, terminator: "")
            return .success
        case .success(let o?):
            options = o
        }
        let (checked, code) = loadModel(options.path, command: "plan", color: options.color)
        guard let model = checked else { return code }
        let (lowered, problems) = Lowering.lower(model, batch: options.batch ?? model.training.batch,
                                                 mode: options.mode, trainingSetSize: options.trainingSetSize)
        guard let plan = lowered else {
            renderDiagnostics(problems, path: options.path, color: options.color)
            return .dataError
        }
        let phases = options.mode == .eval ? [.forward] : options.phases
        print(options.json ? PlanJSON.encode(plan, phases: phases) : PlanPrinter.text(plan, phases: phases),
              terminator: "")
        return .success
    }
}
