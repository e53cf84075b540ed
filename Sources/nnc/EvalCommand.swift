import Foundation
import NNC

/// `nnc eval FILE --weights CHECKPOINT`: test loss, error and confusion matrix of saved weights.
enum EvalCommand {
    static let help = """
        usage: nnc eval <model.net> --weights FILE [options]

        Loads the weights (and running statistics) from a checkpoint written by 'nnc train' and
        reports the loss, the error and the confusion matrix on the file's test set, with the
        preprocessing statistics saved in the checkpoint.

        options:
          --weights FILE   the checkpoint (safetensors) to evaluate
          --batch N        samples per forward pass (default: the file's batch, at least 256)
        \(CommonOptions.help)
          -h, --help       show this help

        exit status: 0 evaluated, 64 usage error, 65 errors in the file, the data or the
        checkpoint (names or shapes that do not match the model), 66 a file is missing

        """

    static func run(_ args: [String]) -> ExitCode {
        let parsed: ParsedArguments
        let common: CommonOptions
        let batch: Int?
        do {
            parsed = try ParsedArguments(args, valued: CommonOptions.valued.union(["--weights", "--batch"]))
            if parsed.help {
                print(help, terminator: "")
                return .success
            }
            common = try CommonOptions(parsed)
            batch = try parsed.int("--batch", atLeast: 1)
            guard parsed.positional.count == 1 else {
                throw CommandLineError(parsed.positional.isEmpty ? "missing the .net file" : "only one .net file can be evaluated at a time")
            }
            guard parsed.values["--weights"] != nil else { throw CommandLineError("missing --weights FILE") }
        } catch let e as CommandLineError {
            writeError("nnc eval: \(e.message)\nrun 'nnc eval --help' for the options\n")
            return .usage
        } catch {
            return .usage
        }
        let path = parsed.positional[0]
        let loaded = loadModel(path, command: "eval", color: common.color)
        guard let checked = loaded.model else { return loaded.code }
        let model = checked
        guard let spec = model.data, spec.test != nil else {
            writeError("nnc eval: \(path) names no test set; add data { test: … }\n")
            return .dataError
        }
        do {
            let file = try Checkpoint.read(URL(fileURLWithPath: parsed.values["--weights"]!))
            let locator = DataLocator.standard(dataDirectory: common.dataDirectory, modelFile: path)
            let classes = model.outputShape.count
            guard let test = try TrainingData.loadTest(spec, locator: locator, classCount: classes) else { return .dataError }
            guard checkData(model, path: path, classes: test.classCount, features: test.sampleSize, color: common.color) else {
                return .dataError
            }
            // The statistics the weights were trained with; refit from the training set only for files without them.
            let preprocessor = try Preprocessor(metadata: file.metadata)
                ?? TrainingData.load(spec, locator: locator).preprocessor
            // Statistics saved from differently shaped data would index past the samples.
            guard preprocessor.fits(test) else {
                writeError("nnc eval: the preprocessing statistics in \(parsed.values["--weights"]!) were computed on samples of another size than the test set's \(test.sampleSize) features\n")
                return .dataError
            }
            let evalBatch = batch ?? max(model.training.batch, 256)
            let session = try Session(model: model, batch: model.training.batch, evalBatch: evalBatch, threads: common.threads)
            session.initialize(seed: model.training.seed)
            try Checkpoint.load(file, into: session, optimizerState: false)
            let result = try Evaluation.run(session, dataset: test, preprocessor: preprocessor, confusion: true)
            print("\(model.name) on \(result.count) test samples: loss \(String(format: "%.4f", result.loss)), error \(String(format: "%.2f", result.error * 100))% (\(Int((Double(result.count) * result.error).rounded())) wrong)")
            if let matrix = result.confusion { print(confusionTable(matrix, names: test.classNames), terminator: "") }
            return .success
        } catch {
            let (code, message) = describe(error)
            writeError("nnc eval: \(message)\n")
            return code
        }
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
