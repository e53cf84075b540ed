import Foundation
import NNC
import NNCSystem

/// `nnc export FILE --weights CHECKPOINT -o MODEL.onnx`: the inference graph as an ONNX file.
enum ExportCommand: Command {
    static let spec = CommandSpec(
        name: "export",
        abstract: "write a checkpoint's inference graph as an ONNX model",
        discussion: """
            Writes the model with the weights and running statistics of a checkpoint written by
            'nnc train' as an ONNX file (opset \(ONNXExporter.opset), the batch dimension named N), replacing the output
            atomically. The preprocessing saved in the checkpoint (scale, centring, standardisation)
            is the graph's first nodes: the input '\(ONNXExporter.inputName)' takes the sample values as 'nnc eval' reads
            them from the data file (pixels 0 to 255, a CSV's values as written), as float32. The
            outputs are '\(ONNXExporter.logitsName)' and '\(ONNXExporter.probabilitiesName)' (their softmax) for cross_entropy, '\(ONNXExporter.outputName)' for
            mse. Dropout exports as nothing.
            """,
        arguments: [.model("the .net file to export")],
        options: [
            .value("--weights", "FILE", "the checkpoint (safetensors) to export", required: true),
            .value("--output", "FILE", "the .onnx file to write", short: "-o", required: true),
            .data, .color,
        ],
        exitStatus: """
            0 written, 64 usage error, 65 errors in the file or the checkpoint (names or shapes
            that do not match the model) or a layer that cannot be exported, 66 a file is missing,
            69 not enough memory, 74 cannot write the output
            """)

    static func run(_ arguments: ParsedArguments) throws {
        let weights = arguments.value("--weights")!
        let output = URL(fileURLWithPath: arguments.value("--output")!)
        let file = try ModelFile(arguments.modelPath, color: arguments.color())
        let model = file.model
        // Checked before the work, so a mistyped folder costs nothing.
        let folder = output.deletingLastPathComponent()
        guard PathKind.of(folder.path) == .directory else {
            throw CommandFailure(.ioError, "cannot write '\(output.path)': no folder '\(folder.path)'")
        }
        guard PathKind.of(output.path) != .directory else {
            throw CommandFailure(.ioError, "cannot write '\(output.path)': it is a folder")
        }
        let checkpoint = try Checkpoint.read(URL(fileURLWithPath: weights))
        let preprocessor = try preprocessing(of: checkpoint, for: file, data: arguments.value("--data"))
        // Loaded as 'nnc eval' loads it: every name and shape checked against the model.
        let session = try file.session(model, batch: 1, evalBatch: 1, threads: 1)
        session.initialize(seed: model.training.seed)
        try Checkpoint.load(checkpoint, into: session, optimizerState: false)
        let onnx: ONNXModel
        do {
            onnx = try ONNXExporter.export(model, preprocessor: preprocessor, producerVersion: version, tensor: session.read)
        } catch let error as ExportError {
            if let diagnostic = error.diagnostic {
                throw DiagnosticsError(file: file.source, diagnostics: [diagnostic], color: file.color)
            }
            throw CommandFailure(.dataError, "\(error)")
        }
        do {
            try AtomicFile.write(onnx.encoded, to: output)
        } catch let failure as AtomicFile.Failure {
            throw CommandFailure(.ioError, "cannot write '\(output.path)': \(failure.reason)")
        }
        let outputs = onnx.graph.outputs.map { "'\($0.name)'" }.joined(separator: " and ")
        print("\(model.name): \(counted(onnx.graph.nodes.count, "node")), \(counted(model.parameterCount, "parameter")), "
              + "opset \(ONNXExporter.opset), input '\(ONNXExporter.inputName)' [N, \(model.inputShape.dims.map(String.init).joined(separator: ", "))] "
              + "of raw sample values, outputs \(outputs) → \(output.path)")
    }

    /// The statistics the weights were trained with, as 'nnc eval' finds them: the checkpoint's,
    /// else refitted on the training set; none for a model without data.
    private static func preprocessing(of checkpoint: SafetensorsFile, for file: ModelFile, data: String?) throws -> Preprocessor? {
        do {
            if let saved = try Preprocessor(metadata: checkpoint.metadata) { return saved }
        } catch let error as DataError {
            throw CheckpointError.badMetadata(file: checkpoint.file, detail: "\(error)")
        }
        guard let spec = file.model.data else { return nil }
        let locator = DataLocator.standard(dataDirectory: data, modelFile: file.path)
        return try TrainingData.load(spec, locator: locator).preprocessor
    }
}
