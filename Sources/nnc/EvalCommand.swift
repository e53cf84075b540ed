import Foundation
import NNC

/// `nnc eval FILE --weights CHECKPOINT`: test loss, error and confusion matrix of saved weights.
enum EvalCommand: Command {
    static let spec = CommandSpec(
        name: "eval",
        abstract: "test loss, error and confusion matrix of a checkpoint",
        discussion: """
            Loads the weights (and running statistics) from a checkpoint written by 'nnc train' and
            reports the loss, the error, the confusion matrix and each class's precision, recall
            and F1 on the file's test set, with the preprocessing statistics saved in the
            checkpoint.
            """,
        arguments: [.model("the .net file to evaluate")],
        options: [
            .value("--weights", "FILE", "the checkpoint (safetensors) to evaluate", required: true),
            .value("--batch", "N", "samples per forward pass (default: the file's batch, at least 256)"),
            .flag("--normalize", "print the confusion matrix as percentages of each true class"),
            .value("--predictions", "FILE", "write each test sample's true and predicted class as CSV"),
            .flag("--logits", """
                add each sample's logits (the network's outputs before the loss, as
                Float32 written to round-trip) to the --predictions rows
                """),
            .data, .threads, .color,
        ],
        exitStatus: """
            0 evaluated, 64 usage error, 65 errors in the file, the data or the
            checkpoint (names or shapes that do not match the model), 66 a file is missing,
            69 not enough memory
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
        // Only the eval plan runs; the train plan holds the weights, whatever its batch.
        let session = try file.session(model, batch: 1, evalBatch: batch ?? TrainingBatch.evalBatch(training: model.training.batch),
                                       threads: threads)
        session.initialize(seed: model.training.seed)
        try Checkpoint.load(checkpoint, into: session, optimizerState: false)
        let predictionsPath = arguments.value("--predictions")
        let withLogits = arguments.flag("--logits")
        if withLogits && predictionsPath == nil {
            throw CommandLineError.invalid("--logits adds columns to the --predictions file: give --predictions FILE too")
        }
        // Opened before the work, so a bad path costs nothing.
        let predictionsFile = try predictionsPath.map { path -> FileHandle in
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw CommandFailure(.ioError, "cannot write the predictions '\(path)'")
            }
            return handle
        }
        defer { try? predictionsFile?.close() }
        let result = try Evaluation.run(session, dataset: test, preprocessor: preprocessor, confusion: true,
                                        predictions: predictionsFile != nil, logits: withLogits)
        print("\(model.name) on \(counted(result.count, "test sample")): loss \(String(format: "%.4f", result.loss)), error \(String(format: "%.2f", result.error * 100))% (\(Int((Double(result.count) * result.error).rounded())) wrong)")
        if let matrix = result.confusion {
            print(confusionTable(matrix, names: test.classNames, normalized: arguments.flag("--normalize")), terminator: "")
            print(metricsTable(ClassMetrics.perClass(matrix), names: test.classNames), terminator: "")
        }
        if let predictionsFile, let predictionsPath, let predicted = result.predictions {
            let classes = model.outputShape.count
            var csv = "index,label,predicted,correct"
            if withLogits { csv += (0..<classes).map { ",logit_\($0)" }.joined() }
            csv += "\n"
            for (i, p) in predicted.enumerated() {
                csv += "\(i),\(className(Int(test.labels[i]), test.classNames)),\(className(Int(p), test.classNames)),\(test.labels[i] == p ? 1 : 0)"
                if let logits = result.logits {
                    for v in logits[(i * classes)..<((i + 1) * classes)] { csv += ",\(v)" }
                }
                csv += "\n"
            }
            do {
                try predictionsFile.write(contentsOf: Data(csv.utf8))
            } catch {
                throw CommandFailure(.ioError, "writing the predictions '\(predictionsPath)' failed: \(error.localizedDescription)")
            }
            print("predictions: \(predictionsPath)")
        }
    }

    private static func className(_ c: Int, _ names: [String]?) -> String {
        names?.indices.contains(c) == true ? names![c] : String(c)
    }

    /// Per class: precision, recall, F1 and support, then their unweighted (macro) means.
    static func metricsTable(_ metrics: [ClassMetrics], names: [String]?) -> String {
        let labels = metrics.indices.map { className($0, names) }
        let width = max(labels.map(\.count).max() ?? 1, 5)
        func cell(_ s: String, _ w: Int = 9) -> String { String(repeating: " ", count: max(w - s.count, 0)) + s }
        func value(_ v: Double?) -> String { cell(v.map { String(format: "%.4f", $0) } ?? "–") }
        var out = cell("class", width) + " " + ["precision", "recall", "f1"].map { cell($0) }.joined(separator: " ") + cell("support", 10) + "\n"
        for (i, m) in metrics.enumerated() {
            out += cell(labels[i], width) + " " + value(m.precision) + " " + value(m.recall) + " " + value(m.f1) + cell(String(m.support), 10) + "\n"
        }
        func mean(_ values: [Double?]) -> Double? {
            let known = values.compactMap { $0 }
            return known.isEmpty ? nil : known.reduce(0, +) / Double(known.count)
        }
        out += cell("macro", width) + " " + value(mean(metrics.map(\.precision))) + " " + value(mean(metrics.map(\.recall)))
            + " " + value(mean(metrics.map(\.f1))) + cell(String(metrics.reduce(0) { $0 + $1.support }), 10) + "\n"
        return out
    }

    /// Rows are true classes, columns predictions, with per-class error at the right.
    /// `normalized` prints each row as percentages of its true class.
    static func confusionTable(_ matrix: [[Int]], names: [String]?, normalized: Bool = false) -> String {
        let classes = matrix.count
        let labels = (0..<classes).map { className($0, names) }
        let cells: [[String]] = matrix.map { row in
            let total = row.reduce(0, +)
            return row.map { normalized ? String(format: "%.1f", total > 0 ? Double($0) / Double(total) * 100 : 0) : String($0) }
        }
        let width = max(cells.flatMap { $0 }.map(\.count).max() ?? 1, labels.map(\.count).max() ?? 1, 4)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(width - s.count, 0)) + s }
        var out = "confusion matrix (rows: true class, columns: predicted\(normalized ? ", % of the row" : ""))\n"
        out += cell("") + " " + labels.map(cell).joined(separator: " ") + "   error\n"
        for (i, row) in matrix.enumerated() {
            let total = row.reduce(0, +)
            let error = total > 0 ? Double(total - row[i]) / Double(total) * 100 : 0
            out += cell(labels[i]) + " " + cells[i].map(cell).joined(separator: " ") + String(format: "  %5.1f%%", error) + "\n"
        }
        return out
    }
}
