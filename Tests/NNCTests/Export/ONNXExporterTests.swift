import Foundation
import Testing
@testable import NNC

/// The exporter on small nets, read back from its bytes: the operators in order, names,
/// shapes and attributes, and its refusals. The numbers themselves are checked against
/// onnxruntime in ExportCommandTests.
@Suite struct ONNXExporterTests {
    static let small = """
        net small {
          input [1, 4, 4]
          conv 2, kernel: 3, padding: 1
          batchnorm
          relu
          maxout 2
          rmsnorm
          flatten
          dense 3
          loss cross_entropy
        }
        """

    private func model(_ text: String) throws -> Model {
        let (model, diagnostics) = Frontend.check(SourceFile(path: "small.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(model)
    }

    /// Distinct values for every tensor the model holds, `steps` 3 for RMS norms.
    private func tensors(_ model: Model) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for layer in model.allLayers {
            for p in layer.parameters { out["\(layer.name).\(p.name)"] = (0..<p.shape.count).map { Float($0 + 1) / 100 } }
            for s in layer.state { out["\(layer.name).\(s.name)"] = (0..<s.shape.count).map { _ in s.name == "steps" ? 3 : 0.5 } }
        }
        return out
    }

    @Test func smallNetReadsBackFromItsBytes() throws {
        let m = try model(Self.small)
        let values = tensors(m)
        let pre = Preprocessor(scale: 1.0 / 255, mean: [0.1], std: [1], groupSize: 16)
        let onnx = try ONNXExporter.export(m, preprocessor: pre, producerVersion: "test") { values[$0] ?? [] }
        let file = try DecodedMessage(onnx.encoded)
        #expect(file.int(1) == 8)
        #expect(try file.message(8)?.int(2) == 17)
        #expect(file.string(2) == "nnc")
        let graph = try #require(try file.message(7))
        #expect(graph.string(2) == "small")
        let nodes = try graph.messages(1)
        #expect(nodes.map { $0.string(4) } == ["Mul", "Add", "Conv", "BatchNormalization", "Relu", "Reshape", "ReduceMax",
                                               "Div", "Add", "Sqrt", "Reciprocal", "Mul", "Flatten", "Gemm", "Softmax"])
        // Each node reads what the one before it wrote, but for the RMS norm's factor, formed
        // from its constants beside the chain and multiplied in by its last node.
        for i in nodes.indices.dropFirst() where i != 7 && i != 11 {
            #expect(nodes[i].strings(1).first == nodes[i - 1].strings(2).first, "node \(i), \(nodes[i].string(4) ?? "")")
        }
        #expect(nodes[7].strings(1) == ["rmsnorm1.d", "rmsnorm1.correction"])
        #expect(nodes[11].strings(1) == ["maxout1.out", "rmsnorm1.factor"])
        #expect(nodes[0].strings(1).first == "input")
        #expect(nodes[13].strings(2) == ["logits"])
        #expect(nodes[14].strings(2) == ["probabilities"])
        let conv = nodes[2]
        #expect(conv.strings(1) == ["preprocess.out", "conv1.weight", "conv1.bias"])
        let attributes = try conv.messages(5)
        #expect(attributes.map { $0.string(1) } == ["kernel_shape", "strides", "pads"])
        #expect(try attributes.map { try $0.packedInts(8) } == [[3, 3], [1, 1], [1, 1, 1, 1]])
        #expect(try nodes[13].messages(5).first?.int(3) == 1, "Gemm's transB")
        // The input: float, batch symbolic, then the sample's shape.
        let input = try #require(try graph.message(11))
        #expect(input.string(1) == "input")
        let tensorType = try #require(try input.message(2)?.message(1))
        #expect(tensorType.int(1) == 1)
        let dims = try #require(try tensorType.message(2)).messages(1)
        #expect(dims.map { $0.string(2) } == ["N", nil, nil, nil])
        #expect(dims.map { $0.int(1) } == [nil, 1, 4, 4])
        #expect(try graph.messages(12).map { $0.string(1) } == ["logits", "probabilities"])
        // Initializers keep the checkpoint's names; maxout's target shape groups 2 channels in 1.
        let initializers = try graph.messages(5)
        let names = initializers.compactMap { $0.string(8) }
        for name in ["conv1.weight", "batchnorm1.mean", "batchnorm1.variance", "rmsnorm1.d", "dense1.weight", "preprocess.multiplier"] {
            #expect(names.contains(name), "no initializer \(name)")
        }
        let shape = try #require(initializers.first { $0.string(8) == "maxout1.shape" })
        #expect(shape.int(2) == 7)
        let raw = try #require(shape.fields.first { $0.number == 9 }?.bytes)
        #expect(raw.count == 40 && raw[8] == 1 && raw[16] == 2 && raw[24] == 4 && raw[32] == 4 && raw[0] == 0)
        let weight = try #require(initializers.first { $0.string(8) == "dense1.weight" })
        #expect(try weight.packedInts(1) == [3, 16])
    }

    /// The RMS norm's factor is formed in Float as the kernel forms it: d / (1 − 0.1³) + ε.
    @Test func rmsNormConstantsAreTheKernels() throws {
        let m = try model(Self.small)
        let values = tensors(m)
        let onnx = try ONNXExporter.export(m, preprocessor: nil, producerVersion: "test") { values[$0] ?? [] }
        func constant(_ name: String) throws -> [Float] {
            let t = try #require(onnx.graph.initializers.first { $0.name == name })
            return stride(from: 0, to: t.raw.count, by: 4).map { i in
                Float(bitPattern: UInt32(t.raw[i]) | UInt32(t.raw[i + 1]) << 8 | UInt32(t.raw[i + 2]) << 16 | UInt32(t.raw[i + 3]) << 24)
            }
        }
        let correction = Float(1 - pow(Double(Float(0.1)), 3))
        #expect(try constant("rmsnorm1.correction") == [correction])
        #expect(try constant("rmsnorm1.epsilon") == [Float(0.01) * (0.5 / correction) + 1e-6])
        #expect(try constant("rmsnorm1.d") == [0.5])
        #expect(onnx.graph.initializers.first { $0.name == "rmsnorm1.d" }?.dims == [1, 1, 1])
        // No preprocessing: the first node reads the input.
        #expect(onnx.graph.nodes.first?.opType == "Conv" && onnx.graph.nodes.first?.inputs.first == "input")
    }

    /// One multiplier for all values, one per channel, or one per value, as the statistics are grouped.
    @Test func preprocessingLayouts() throws {
        let m = try model("""
            net image {
              input [3, 2, 2]
              flatten
              dense 2
              loss mse
            }
            """)
        let values = tensors(m)
        func dims(_ p: Preprocessor) throws -> [[Int64]] {
            let onnx = try ONNXExporter.export(m, preprocessor: p, producerVersion: "test") { values[$0] ?? [] }
            return onnx.graph.initializers.filter { $0.name.hasPrefix("preprocess.") }.map(\.dims)
        }
        #expect(try dims(Preprocessor(scale: 2, mean: [1], std: [1], groupSize: 12)) == [[1], [1]])
        #expect(try dims(Preprocessor(scale: 2, mean: [1, 2, 3], std: [1, 2, 3], groupSize: 4)) == [[3, 1, 1], [3, 1, 1]])
        #expect(try dims(Preprocessor(scale: 1, mean: Array(repeating: 1, count: 12), std: Array(repeating: 2, count: 12),
                                      groupSize: 1)) == [[3, 2, 2], [3, 2, 2]])
        // Groups that are neither: written out per value, each group's value repeated.
        let pairs = Preprocessor(scale: 1, mean: [0, 1, 2, 3, 4, 5], std: Array(repeating: 1, count: 6), groupSize: 2)
        let onnx = try ONNXExporter.export(m, preprocessor: pairs, producerVersion: "test") { values[$0] ?? [] }
        let offset = try #require(onnx.graph.initializers.first { $0.name == "preprocess.offset" })
        #expect(offset.dims == [3, 2, 2])
        let floats = stride(from: 0, to: offset.raw.count, by: 4).map { i in
            Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(offset.raw[i + $1]) << (8 * UInt32($1)) })
        }
        #expect(floats == [0, 0, -1, -1, -2, -2, -3, -3, -4, -4, -5, -5])
        // Scale 1 and no centring: no node at all, and only a Mul for scale alone.
        #expect(try dims(Preprocessor(scale: 1, mean: [0], std: [1], groupSize: 12)).isEmpty)
        let scaled = try ONNXExporter.export(m, preprocessor: Preprocessor(scale: 2, mean: [0], std: [1], groupSize: 12),
                                             producerVersion: "test") { values[$0] ?? [] }
        #expect(scaled.graph.nodes.map(\.opType) == ["Mul", "Flatten", "Gemm"])
        // mse: the raw output, no softmax.
        #expect(scaled.graph.outputs.map(\.name) == ["output"])
        #expect(scaled.graph.nodes.last?.outputs == ["output"])
        #expect(throws: ExportError.preprocessing("its statistics are for samples of 24 values; the model's input [3, 2, 2] has 12")) {
            try ONNXExporter.export(m, preprocessor: Preprocessor(scale: 1, mean: [0, 0], std: [1, 1], groupSize: 12),
                                    producerVersion: "test") { values[$0] ?? [] }
        }
    }

    @Test func refusals() throws {
        let m = try model(Self.small)
        var values = tensors(m)
        values["dense1.weight"] = [1, 2]
        #expect(throws: ExportError.tensor("dense1.weight", count: 48)) {
            try ONNXExporter.export(m, preprocessor: nil, producerVersion: "test") { values[$0] ?? [] }
        }
        values = tensors(m)
        values["rmsnorm1.steps"] = [.nan]
        do {
            _ = try ONNXExporter.export(m, preprocessor: nil, producerVersion: "test") { values[$0] ?? [] }
            Issue.record("a NaN step count was exported")
        } catch let error as ExportError {
            let diagnostic = try #require(error.diagnostic)
            #expect(diagnostic.range.start.line == 7)
            #expect(diagnostic.message == "layer 'rmsnorm1' cannot be exported to ONNX: its step count 'rmsnorm1.steps' is nan, not a whole number from 0")
        }
        // 2.4 GB of weights: refused before any tensor is read, at the layer that holds them.
        let large = try model("""
            net large {
              input [60000]
              dense 10000
              loss mse
            }
            """)
        final class Reads: @unchecked Sendable { var count = 0 }
        let reads = Reads()
        do {
            _ = try ONNXExporter.export(large, preprocessor: nil, producerVersion: "test") { _ in reads.count += 1; return [] }
            Issue.record("a 2.4 GB model was exported")
        } catch let error as ExportError {
            let diagnostic = try #require(error.diagnostic)
            #expect(diagnostic.range.start.line == 3)
            #expect(diagnostic.message.contains("layer 'dense1' cannot be exported to ONNX: the model's weights take 2400040000 bytes"))
        }
        #expect(reads.count == 0)
    }
}
