import Foundation
import NNC

/// `nnc eval FILE --weights CHECKPOINT`: test loss, error and confusion matrix of saved weights.
enum EvalCommand: Command {
    static let spec = CommandSpec(
        name: "eval",
        abstract: "test loss, error and confusion matrix of a checkpoint",
        discussion: """
            Loads the weights (and running statistics) from a checkpoint written by 'nnc train' and
            reports the loss, the error and the confusion matrix on the file's test set, with the
            preprocessing statistics saved in the checkpoint.
            """,
        arguments: [.model("the .net file to evaluate")],
        options: [
            .value("--weights", "FILE", "the checkpoint (safetensors) to evaluate", required: true),
            .value("--batch", "N", "samples per forward pass (default: the file's batch, at least 256)"),
            .data, .threads, .color,
        ],
        exitStatus: """
            0 evaluated, 64 usage error, 65 errors in the file, the data or the
            checkpoint (names or shapes that do not match the model), 66 a file is missing
            """)

    static func run(_ arguments: ParsedArguments) throws {
        let threads = try arguments.threads()
        let batch = try arguments.int("--batch", atLeast: 1)
        let weights = arguments.value("--weights")!
        let file = try ModelFile(arguments.modelPath, color: arguments.color())
        let model = file.model
        guard let spec = model.data, spec.test != nil else {
            throw CommandFailure(.dataError, "\(file.path) names no test set; add data { test: … }")
        }
        let checkpoint = try Checkpoint.read(URL(fileURLWithPath: weights))
        let locator = DataLocator.standard(dataDirectory: arguments.value("--data"), modelFile: file.path)
        // Not nil: the spec names a test set.
        let test = try TrainingData.loadTest(spec, locator: locator, classCount: model.outputShape.count)!
        try file.check(against: test)
        // The statistics the weights were trained with; refit from the training set only for files without them.
        let saved: Preprocessor?
        do {
            saved = try Preprocessor(metadata: checkpoint.metadata)
        } catch let error as DataError {
            throw CheckpointError.badMetadata(file: weights, detail: "\(error)")
        }
        let preprocessor = try saved ?? TrainingData.load(spec, locator: locator).preprocessor
        // Statistics saved from differently shaped data would index past the samples.
        guard preprocessor.fits(test) else {
            throw CommandFailure(.dataError, "the preprocessing statistics in \(weights) were computed on samples of another size than the test set's \(test.sampleSize) features")
        }
        let session = try file.session(model, batch: model.training.batch, evalBatch: batch ?? max(model.training.batch, 256),
                                       threads: threads)
        session.initialize(seed: model.training.seed)
        try Checkpoint.load(checkpoint, into: session, optimizerState: false)
        let result = try Evaluation.run(session, dataset: test, preprocessor: preprocessor, confusion: true)
        print("\(model.name) on \(counted(result.count, "test sample")): loss \(String(format: "%.4f", result.loss)), error \(String(format: "%.2f", result.error * 100))% (\(Int((Double(result.count) * result.error).rounded())) wrong)")
        if let matrix = result.confusion { print(confusionTable(matrix, names: test.classNames), terminator: "") }
    }

    /// Rows are true classes, columns predictions, with per-class error at the right.
    static func confusionTable(_ matrix: [[Int]], names: [String]?) -> String {
        let classes = matrix.count
        let labels = (0..<classes).map { names?.indices.contains($0) == true ? names![$0] : String($0) }
        let width = max(matrix.flatMap { $0 }.map { String($0).count }.max() ?? 1, labels.map(\.count).max() ?? 1, 4)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(width - s.count, 0)) + s }
        var out = "confusion matrix (rows: true class, columns: predicted)\n"
        out += cell("") + " " + labels.map(cell).joined(separator: " ") + "   error\n"
        for (i, row) in matrix.enumerated() {
            let total = row.reduce(0, +)
            let error = total > 0 ? Double(total - row[i]) / Double(total) * 100 : 0
            out += cell(labels[i]) + " " + row.map { cell(String($0)) }.joined(separator: " ") + String(format: "  %5.1f%%", error) + "\n"
        }
        return out
    }
}
