import Foundation
import NNC

/// `nnc plan FILE`: lower a checked model and print the kernels of one step, or its JSON.
enum PlanCommand: Command {
    static let spec = CommandSpec(
        name: "plan",
        abstract: "print the lowered execution plan: kernels, shapes, FLOPs, arena",
        discussion: """
            Lowers the model to the plan one training step executes and prints its kernels in order:
            the ops each fused, inputs and outputs with shapes and arena offsets, FLOPs, bytes read
            and written, arithmetic intensity; then the totals. docs/PLAN.md describes both forms.
            """,
        arguments: [.model("the .net file to plan")],
        options: [
            .value("--batch", "N", "batch size (default: the file's train { batch })"),
            .value("--phase", "P", "list only the kernels of one phase (default all; totals stay whole)",
                   choices: Phase.allCases.map(\.rawValue) + ["all"]),
            .flag("--json", "print the plan as JSON (format in docs/PLAN.md)"),
            .value("--mode", "M", "train (forward, backward, update) or eval (forward only); default train",
                   choices: ["train", "eval"]),
            .value("--train-size", "N", "training-set size, for the FLOPs per epoch"),
            .value("--ranks", "N", """
                plan one of N data-parallel ranks (mpirun -np N nnc train): each runs
                the batch ÷ N, and the plan ends with what a step sends between them
                """),
            .color,
        ],
        exitStatus: "0 printed, 64 usage error, 65 errors in the file, 66 file missing or unreadable")

    static func run(_ arguments: ParsedArguments) throws {
        let batch = try arguments.int("--batch", atLeast: 1)
        let trainingSetSize = try arguments.int("--train-size", atLeast: 1)
        let mode = arguments.value("--mode").flatMap(Plan.Mode.init(rawValue:)) ?? .train
        let phases = arguments.value("--phase").flatMap(Phase.init(rawValue:)).map { Set([$0]) } ?? Set(Phase.allCases)
        if mode == .eval && !phases.contains(.forward) {
            throw CommandLineError.invalid("an eval plan has only a forward phase")
        }
        let ranks = try arguments.int("--ranks", atLeast: 1) ?? 1
        let file = try ModelFile(arguments.modelPath, color: arguments.color())
        let global = batch ?? file.model.training.batch
        guard global % ranks == 0 else {
            throw CommandLineError.invalid("the batch of \(global) does not split evenly over \(ranks) ranks")
        }
        let (lowered, problems) = Lowering.lower(file.model, batch: global / ranks, mode: mode,
                                                 trainingSetSize: trainingSetSize.map { $0 / ranks }, ranks: ranks)
        guard let plan = lowered else { throw DiagnosticsError(file: file.source, diagnostics: problems, color: file.color) }
        let shown = mode == .eval ? [.forward] : phases
        if arguments.flag("--json") {
            print(PlanJSON.encode(plan, phases: shown), terminator: "")
            return
        }
        print(PlanPrinter.text(plan, phases: shown), terminator: "")
        // A training run holds this plan beside the eval plan and the workspace: its whole size.
        if mode == .train {
            let model = file.model, threads = ProcessInfo.processInfo.activeProcessorCount
            let memory = try file.plans(model, batch: plan.batch, evalBatch: TrainingBatch.evalBatch(training: plan.batch),
                                        ranks: ranks).memory(threads: threads)
            print("  " + "memory to train".padding(toLength: 22, withPad: " ", startingAt: 0)
                  + "about \(Units.bytes(memory.total)) on \(threads) thread\(threads == 1 ? "" : "s") (\(MemoryCheck.describe(memory)))")
        }
        if ranks > 1 && mode == .train { print(trafficLines(CollectiveTraffic(plan, ranks: ranks), global: global)) }
    }

    /// What a data-parallel step sends, after the totals (docs/DISTRIBUTED.md).
    static func trafficLines(_ t: CollectiveTraffic, global: Int) -> String {
        func line(_ label: String, _ text: String) -> String {
            "  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + text
        }
        var lines = ["", "data parallel",
                     line("ranks", "\(t.ranks), each running \(global / t.ranks) of every batch of \(global)"),
                     line("fused buffer", "\(Units.grouped(t.fusedValues)) float32 (\(Units.bytes(t.fusedBytes))): "
                          + "\(Units.grouped(t.gradientValues)) gradients, \(Units.grouped(t.statisticValues)) running statistics, "
                          + "the loss; one allreduce a step")]
        for f in t.factors {
            lines.append(line("factors " + f.layer, "\(Units.bytes(f.bytes)) averaged every \(f.every) step\(f.every == 1 ? "" : "s")"))
        }
        lines.append(line("sent per step", "\(Units.bytes(Int(t.bytesPerStep.rounded()))) by each rank (ring allreduce: "
                          + "2(N−1)/N of what is reduced; factors spread over their steps)"))
        return lines.joined(separator: "\n")
    }
}
