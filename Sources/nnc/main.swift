import Foundation

/// The commands, in the order `nnc --help` lists them.
let driver = Driver(commands: [CheckCommand.self, PlanCommand.self, TrainCommand.self, TimeCommand.self,
                               EvalCommand.self, ExportCommand.self, FetchCommand.self, ReportCommand.self, TuneCommand.self,
                               FmtCommand.self, LspCommand.self])
// A data-parallel run's ranks leave together: one that failed stops the others.
exit(ParallelLaunch.end(driver.run(Array(CommandLine.arguments.dropFirst()))).rawValue)
