import Foundation
import NNC

/// `nnc check FILE`: parse and type-check a .net file; print its layer table, or its errors.
enum CheckCommand: Command {
    static let spec = CommandSpec(
        name: "check",
        abstract: "parse and type-check a .net file; print its layers and shapes",
        discussion: """
            Parses and type-checks a .net file. On success prints each layer with its output
            shape and parameter count; otherwise prints every error with its place and a fix.
            With --data it also reads the data block's files and checks the model against them
            (input size against the samples' features, output width against the classes).
            """,
        arguments: [.model("the .net file to check")],
        options: [
            .color,
            .value("--data", "DIR", """
                read the data (searched in DIR, beside the model, then $NNC_DATA) and
                check the model against it
                """),
        ],
        exitStatus: """
            0 checked, 64 usage error, 65 errors in the file (or, with --data, in the data or
            against it), 66 the file or a data file missing or unreadable
            """)

    static func run(_ arguments: ParsedArguments) throws {
        let file = try ModelFile(arguments.modelPath, color: arguments.color())
        let model = file.model
        var dataLine = "", dataBytes = 0
        if let directory = arguments.value("--data") {
            guard let spec = model.data else {
                throw CommandFailure(.dataError, "\(file.path) has no data block to check against; add data { train: … }")
            }
            let data = try TrainingData.load(spec, locator: .standard(dataDirectory: directory, modelFile: file.path))
            try file.check(against: data.train)
            try TrainingBatch.check(model.training.batch, fits: data)
            dataBytes = data.memoryBytes
            dataLine = "data    \(counted(data.train.count, "training sample")) of \(counted(data.train.sampleSize, "feature")), "
                + "\(counted(data.train.classCount, "class")): they fit\n"
        }
        // What `nnc train` will allocate, so a model too large for the machine shows here first.
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let memory = try file.plans(model, batch: model.training.batch, evalBatch: TrainingBatch.evalBatch(training: model.training.batch)).memory(threads: threads)
        let total = memory.total + dataBytes
        let memoryLine = "memory  about \(Units.bytes(total)) to train at batch \(model.training.batch) on \(counted(threads, "thread")) (\(MemoryCheck.describe(memory))"
            + (dataBytes > 0 ? ", data \(Units.bytes(dataBytes))" : "") + ")"
            + (SystemMemory.available().map { total > $0 ? ": more than the \(Units.bytes($0)) available here" : "" } ?? "") + "\n"
        print(ModelSummary(model).text + dataLine + memoryLine, terminator: "")
    }
}
