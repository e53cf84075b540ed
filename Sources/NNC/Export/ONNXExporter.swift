import Foundation

/// A checked model and its trained tensors → the inference graph as an ONNX model (README,
/// "Exporting to ONNX"). Each layer becomes the operators that compute what nnc's eval plan
/// computes: batch norm with its running statistics, RMS norm with its running `d`, dropout
/// as nothing. The preprocessing comes first, so the graph takes the values the data file holds.
public enum ONNXExporter {
    /// Opset 17: the first with LayerNormalization; ReduceMax still takes its axes as an attribute.
    public static let opset: Int64 = 17
    /// The IR version of opset 17 (ONNX's docs/Versioning.md).
    static let irVersion: Int64 = 8
    /// The graph's input and outputs.
    public static let inputName = "input", logitsName = "logits", probabilitiesName = "probabilities",
                      outputName = "output"
    /// The batch dimension, symbolic.
    static let batch = "N"
    /// Protobuf refuses messages of 2 GiB or more; the weights must leave room for the rest.
    static let maxWeightBytes = Int(Int32.max) - (1 << 20)

    /// The model's ONNX graph. `tensor` gives a persistent tensor's values by checkpoint name
    /// (`dense1.weight`, `bn1.mean`); `preprocessor` is the map the weights were trained with
    /// (nil: the model takes the values as they are).
    public static func export(_ model: Model, preprocessor: Preprocessor?, producerVersion: String,
                              tensor: @escaping (String) -> [Float]) throws -> ONNXModel {
        try checkSize(model)
        var g = ONNXGraphBuilder(tensor: tensor)
        var x = inputName
        if let preprocessor { x = try preprocessing(preprocessor, input: model.inputShape, x, &g) }
        // The checker gives every loss a flat output: [N, classes].
        x = try lower(model.layers, from: x, &g)
        let classes = model.outputShape.count
        let out = model.loss == .crossEntropy ? logitsName : outputName
        if !g.renameLastOutput(x, to: out) { g.node("Identity", [x], output: out) }
        var outputs = [ONNXValueInfo(name: out, dims: [nil, classes], symbol: batch)]
        if model.loss == .crossEntropy {
            g.node("Softmax", [out], output: probabilitiesName, [ONNXAttribute("axis", .int(1))])
            outputs.append(ONNXValueInfo(name: probabilitiesName, dims: [nil, classes], symbol: batch))
        }
        let graph = ONNXGraph(name: model.name, nodes: g.nodes, initializers: g.initializers,
                              inputs: [ONNXValueInfo(name: inputName, dims: [nil] + model.inputShape.dims, symbol: batch)],
                              outputs: outputs)
        return ONNXModel(irVersion: irVersion, opset: opset, producerName: "nnc", producerVersion: producerVersion,
                         docString: "\(model.name) exported by nnc: '\(inputName)' takes the sample values as the data file "
                             + "holds them (the preprocessing is the graph's first nodes)",
                         graph: graph,
                         metadata: [ONNXProperty(key: "nnc.model", value: model.name),
                                    ONNXProperty(key: "nnc.loss", value: model.loss.keyword)])
    }

    /// The weights must fit one protobuf message; the refusal names the largest layer.
    private static func checkSize(_ model: Model) throws {
        let layers = model.allLayers.map { l -> (Layer, Int) in
            var values = (l.parameters.map(\.shape.count) + l.state.map(\.shape.count)).reduce(0, +)
            // Layer norm's scale and shift are written out per position (see `lower`).
            if case .layerNorm = l.op { values = 2 * l.inputShape.count }
            return (l, values * 4)
        }
        let total = layers.reduce(0) { $0 + $1.1 }
        guard total > maxWeightBytes, let (largest, bytes) = layers.max(by: { $0.1 < $1.1 }) else { return }
        throw ExportError.layer(largest.name, message: "the model's weights take \(total) bytes, more than the 2 GiB one ONNX "
                                + "file holds without external data (which nnc does not write); this layer holds \(bytes)",
                                range: largest.range)
    }

    /// `x · (scale / std) + (−mean / std)` per group of values, the multiplier and offset
    /// `Batcher` applies, so the graph's first values are the network's inputs to the bit.
    private static func preprocessing(_ p: Preprocessor, input shape: Shape, _ x: String,
                                      _ g: inout ONNXGraphBuilder) throws -> String {
        let groups = p.mean.count
        let (values, overflow) = groups.multipliedReportingOverflow(by: p.groupSize)
        guard !overflow, values == shape.count else {
            throw ExportError.preprocessing("its statistics are for samples of \(overflow ? "too many" : String(values)) values; "
                                            + "the model's input \(shape) has \(shape.count)")
        }
        // One value for all, one per channel of an image, else one per input value.
        let dims: [Int]
        var layout: ([Float]) -> [Float] = { $0 }
        if groups == 1 {
            dims = [1]
        } else if shape.rank == 3 && groups == shape.dims[0] {
            dims = [groups, 1, 1]
        } else {
            dims = shape.dims
            layout = { perGroup in perGroup.flatMap { Array(repeating: $0, count: p.groupSize) } }
        }
        var y = x
        if p.multiplier.contains(where: { $0 != 1 }) {
            y = g.node("Mul", [y, g.constant("preprocess.multiplier", dims, layout(p.multiplier))], output: "preprocess.scaled")
        }
        if p.offset.contains(where: { $0 != 0 }) {
            y = g.node("Add", [y, g.constant("preprocess.offset", dims, layout(p.offset))], output: "preprocess.out")
        }
        return y
    }

    private static func lower(_ layers: [Layer], from input: String, _ g: inout ONNXGraphBuilder) throws -> String {
        var x = input
        for layer in layers { x = try lower(layer, x, &g) }
        return x
    }

    /// The nodes of one layer reading `x`; returns the layer's output value.
    private static func lower(_ layer: Layer, _ x: String, _ g: inout ONNXGraphBuilder) throws -> String {
        let name = layer.name, out = "\(layer.name).out"
        let shape = layer.inputShape
        let channels = shape.dims.first ?? 0
        // A per-channel vector broadcast over an image's positions, or one per feature.
        let perChannel = shape.rank == 3 ? [channels, 1, 1] : [channels]
        func window(_ k: Size2, _ s: Size2, _ p: Size2) -> [ONNXAttribute] {
            [ONNXAttribute("kernel_shape", .ints([k.h, k.w].map(Int64.init))),
             ONNXAttribute("strides", .ints([s.h, s.w].map(Int64.init))),
             ONNXAttribute("pads", .ints([p.h, p.w, p.h, p.w].map(Int64.init)))]
        }
        switch layer.op {
        case .dense(let units, let bias, _):
            // nnc's weight is [out, in], y = x·Wᵀ + b: Gemm with transB.
            var inputs = [x, g.weight(try g.parameter(layer, 0), [units, shape.count])]
            if bias { inputs.append(g.weight(try g.parameter(layer, 1), [units])) }
            return g.node("Gemm", inputs, output: out, [ONNXAttribute("transB", .int(1))])

        case .conv(let filters, let k, let s, let p, let bias, _):
            var inputs = [x, g.weight(try g.parameter(layer, 0), [filters, channels, k.h, k.w])]
            if bias { inputs.append(g.weight(try g.parameter(layer, 1), [filters])) }
            return g.node("Conv", inputs, output: out, window(k, s, p))

        case .maxPool(let k, let s, let p):
            // Padding never wins in either: ONNX pads MaxPool with −∞.
            return g.node("MaxPool", [x], output: out, window(k, s, p))

        case .avgPool(let k, let s, let p):
            // nnc divides every window by its full size, padding counted as zeros.
            return g.node("AveragePool", [x], output: out, window(k, s, p) + [ONNXAttribute("count_include_pad", .int(1))])

        case .globalAvgPool:
            let pooled = g.node("GlobalAveragePool", [x], output: "\(name).pooled")
            return g.node("Flatten", [pooled], output: out, [ONNXAttribute("axis", .int(1))])

        case .flatten:
            return shape.rank == 1 ? x : g.node("Flatten", [x], output: out, [ONNXAttribute("axis", .int(1))])

        case .dropout:
            return x

        case .batchNorm(let affine, _, let epsilon):
            // Evaluation normalises with the running statistics; without affine, scale 1 and shift 0.
            let scale = try affine ? g.weight(g.parameter(layer, 0), [channels])
                : g.constant("\(name).scale", [channels], Array(repeating: 1, count: channels))
            let shift = try affine ? g.weight(g.parameter(layer, 1), [channels])
                : g.constant("\(name).shift", [channels], Array(repeating: 0, count: channels))
            let mean = g.weight(try g.state(layer, 0), [channels]), variance = g.weight(try g.state(layer, 1), [channels])
            return g.node("BatchNormalization", [x, scale, shift, mean, variance], output: out,
                          [ONNXAttribute("epsilon", .float(Float(epsilon)))])

        case .layerNorm(let affine, let epsilon):
            // Statistics over all of a sample's values (axis 1 on); the per-channel scale and shift
            // written out per position, since onnxruntime wants them the normalised shape.
            let positions = shape.count / max(channels, 1)
            func expanded(_ perChannel: [Float]) -> [Float] { perChannel.flatMap { Array(repeating: $0, count: positions) } }
            let scale = try affine ? g.parameter(layer, 0).values : Array(repeating: 1, count: channels)
            let shift = try affine ? g.parameter(layer, 1).values : Array(repeating: 0, count: channels)
            let inputs = [x, g.constant("\(name).scale", shape.dims, expanded(scale)),
                          g.constant("\(name).shift", shape.dims, expanded(shift))]
            return g.node("LayerNormalization", inputs, output: out,
                          [ONNXAttribute("axis", .int(1)), ONNXAttribute("epsilon", .float(Float(epsilon)))])

        case .rmsNorm(let history, let relativeEpsilon, let epsilonOf):
            return try rmsNorm(layer, x, history: history, relativeEpsilon: relativeEpsilon, epsilonOf: epsilonOf,
                               perChannel: perChannel, &g)

        case .activation(let a):
            switch a {
            case .relu: return g.node("Relu", [x], output: out)
            case .leakyRelu(let slope):
                return g.node("LeakyRelu", [x], output: out, [ONNXAttribute("alpha", .float(Float(slope)))])
            case .prelu:
                return g.node("PRelu", [x, g.weight(try g.parameter(layer, 0), perChannel)], output: out)
            case .tanh: return g.node("Tanh", [x], output: out)
            case .sigmoid: return g.node("Sigmoid", [x], output: out)
            case .modulus: return g.node("Abs", [x], output: out)
            }

        case .maxout(let k):
            // Groups of k consecutive channels: [N, C, …] → [N, C/k, k, …], the maximum over axis 2.
            let target = [0, Int64(channels / k), Int64(k)] + shape.dims.dropFirst().map(Int64.init)
            let grouped = g.node("Reshape", [x, g.constant("\(name).shape", [target.count], int64s: target)],
                                 output: "\(name).grouped")
            return g.node("ReduceMax", [grouped], output: out,
                          [ONNXAttribute("axes", .ints([2])), ONNXAttribute("keepdims", .int(0))])

        case .residual(let body):
            let bodyOut = try lower(body, from: x, &g)
            return g.node("Add", [x, bodyOut], output: out)
        }
    }

    /// docs/ALGORITHMS.md "RMS normalisation" at evaluation: `y = x · 1/√(d / c + ε)` with the
    /// running `d`, the warm-up correction `c = 1 − historyᵗ` after `t` updates and ε as nnc's
    /// kernel (`rmsNormFactors`) forms them, in Float in the same order, so the factors are its own.
    private static func rmsNorm(_ layer: Layer, _ x: String, history: Double, relativeEpsilon: Double,
                                epsilonOf: RMSEpsilonBase, perChannel: [Int], _ g: inout ONNXGraphBuilder) throws -> String {
        let name = layer.name
        let d = try g.state(layer, 0), steps = try g.state(layer, 1).values[0]
        // `Checkpoint.load` refuses such a count; a model given tensors otherwise is checked here.
        guard Checkpoint.isStepCount(steps) else {
            throw ExportError.layer(name, message: "its step count '\(layer.name).steps' is \(steps), not a whole number from 0",
                                    range: layer.range)
        }
        let updates = Int(steps)
        // As the kernel takes them: Float options, the correction from their Double values.
        let h = Float(history), e = Float(relativeEpsilon)
        let correction: Float = updates > 0 ? Float(1 - pow(Double(h), Double(updates))) : 1
        var largest: Float = 0
        for v in d.values { largest = max(largest, v) }
        let epsilon: Float = epsilonOf == .running ? e * (largest + 1e-6) : e * (largest / correction) + 1e-6
        let corrected = g.node("Div", [g.weight(d, perChannel), g.constant("\(name).correction", [1], [correction])],
                               output: "\(name).corrected")
        let shifted = g.node("Add", [corrected, g.constant("\(name).epsilon", [1], [epsilon])], output: "\(name).shifted")
        let root = g.node("Sqrt", [shifted], output: "\(name).root")
        let factor = g.node("Reciprocal", [root], output: "\(name).factor")
        return g.node("Mul", [x, factor], output: "\(name).out")
    }
}
