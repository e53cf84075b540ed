import Foundation
import NNC

/// One `nnc` subcommand: a name, a one-line abstract, and a `run` that maps a result to an exit code.
struct Subcommand {
    let name: String
    let abstract: String
    let run: ([String]) -> ExitCode
}

let subcommands: [Subcommand] = [
    Subcommand(name: "check", abstract: "parse and type-check a .net file; print its layers and shapes",
               run: CheckCommand.run),
    Subcommand(name: "plan", abstract: "print the lowered execution plan: kernels, shapes, FLOPs, arena",
               run: PlanCommand.run),
    Subcommand(name: "train", abstract: "train a model: progress, JSON-lines log, safetensors checkpoints", run: TrainCommand.run),
    Subcommand(name: "time", abstract: "time a training step kernel by kernel: ms, GFLOP/s, share, per phase", run: TimeCommand.run),
    Subcommand(name: "eval", abstract: "test loss, error and confusion matrix of a checkpoint", run: EvalCommand.run),
    Subcommand(name: "fetch", abstract: "download mnist, fashion-mnist or cifar10 and verify checksums", run: FetchCommand.run),
    Subcommand(name: "report", abstract: "turn training logs into an HTML report or an SVG chart", run: ReportCommand.run),
]

func usage() -> String {
    var s = "usage: nnc <command> [options] <model.net>\n\ncommands:\n"
    for c in subcommands { s += "  " + c.name.padding(toLength: 8, withPad: " ", startingAt: 0) + c.abstract + "\n" }
    s += "\n'nnc <command> --help' describes a command's options.\n"
    return s
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let first = arguments.first else {
    FileHandle.standardError.write(Data(usage().utf8))
    exit(ExitCode.usage.rawValue)
}
if first == "--help" || first == "-h" || first == "help" {
    print(usage(), terminator: "")
    exit(ExitCode.success.rawValue)
}
guard let command = subcommands.first(where: { $0.name == first }) else {
    FileHandle.standardError.write(Data("nnc: unknown command '\(first)'\n\n\(usage())".utf8))
    exit(ExitCode.usage.rawValue)
}
exit(command.run(Array(arguments.dropFirst())).rawValue)
