/// The ONNX messages nnc writes (onnx/onnx.proto, the field numbers there), as plain values
/// that encode themselves with `ProtobufWriter`. Only the fields nnc fills are here.
public struct ONNXModel: Equatable, Sendable {
    /// The IR version that goes with `opset` (ONNX's versioning table: opset 17 is IR 8).
    public var irVersion: Int64
    public var opset: Int64
    public var producerName: String
    public var producerVersion: String
    public var docString: String
    public var graph: ONNXGraph
    /// `metadata_props`: where the model came from, in a fixed order.
    public var metadata: [ONNXProperty]

    /// The serialised ModelProto: the bytes of a `.onnx` file.
    public var encoded: [UInt8] {
        var w = ProtobufWriter()
        w.int(1, irVersion)
        w.string(2, producerName)
        w.string(3, producerVersion)
        if !docString.isEmpty { w.string(6, docString) }
        w.message(7) { graph.encode(into: &$0) }
        // The default domain, "", is ai.onnx.
        w.message(8) { $0.int(2, opset) }
        for p in metadata {
            w.message(14) { $0.string(1, p.key); $0.string(2, p.value) }
        }
        return w.bytes
    }
}

/// StringStringEntryProto: one of a model's `metadata_props`.
public struct ONNXProperty: Equatable, Sendable {
    public var key: String
    public var value: String
}

/// GraphProto: nodes in topological order, the weights as initializers, inputs and outputs.
public struct ONNXGraph: Equatable, Sendable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    func encode(into w: inout ProtobufWriter) {
        for n in nodes { w.message(1) { n.encode(into: &$0) } }
        w.string(2, name)
        for t in initializers { w.message(5) { t.encode(into: &$0) } }
        for i in inputs { w.message(11) { i.encode(into: &$0) } }
        for o in outputs { w.message(12) { o.encode(into: &$0) } }
    }
}

/// NodeProto: one operator of the default domain.
public struct ONNXNode: Equatable, Sendable {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    func encode(into w: inout ProtobufWriter) {
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        w.string(3, name)
        w.string(4, opType)
        for a in attributes { w.message(5) { a.encode(into: &$0) } }
    }
}

/// AttributeProto of the kinds the exporter uses.
public struct ONNXAttribute: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case float(Float)
        case int(Int64)
        case ints([Int64])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    func encode(into w: inout ProtobufWriter) {
        w.string(1, name)
        // AttributeProto.AttributeType: FLOAT 1, INT 2, INTS 7; `type` is field 20.
        switch value {
        case .float(let f): w.float(2, f); w.int(20, 1)
        case .int(let i): w.int(3, i); w.int(20, 2)
        case .ints(let list): w.packedInts(8, list); w.int(20, 7)
        }
    }
}

/// TensorProto holding its values as little-endian `raw_data`.
public struct ONNXTensor: Equatable, Sendable {
    /// TensorProto.DataType: FLOAT 1, INT64 7.
    public enum ElementType: Int64, Sendable {
        case float = 1
        case int64 = 7
    }

    public var name: String
    public var dims: [Int64]
    public var elementType: ElementType
    public var raw: [UInt8]

    public static func floats(_ name: String, _ dims: [Int], _ values: [Float]) -> ONNXTensor {
        precondition(dims.reduce(1, *) == values.count, "tensor \(name): \(values.count) values for dims \(dims)")
        return ONNXTensor(name: name, dims: dims.map(Int64.init), elementType: .float, raw: RawData.floats(values))
    }

    public static func int64s(_ name: String, _ dims: [Int], _ values: [Int64]) -> ONNXTensor {
        precondition(dims.reduce(1, *) == values.count, "tensor \(name): \(values.count) values for dims \(dims)")
        return ONNXTensor(name: name, dims: dims.map(Int64.init), elementType: .int64, raw: RawData.int64s(values))
    }

    func encode(into w: inout ProtobufWriter) {
        w.packedInts(1, dims)
        w.int(2, elementType.rawValue)
        w.string(8, name)
        w.data(9, raw)
    }
}

/// ValueInfoProto of a float tensor; a nil dimension is symbolic, named `symbol` (the batch, "N").
public struct ONNXValueInfo: Equatable, Sendable {
    public var name: String
    public var dims: [Int?]
    public var symbol: String

    func encode(into w: inout ProtobufWriter) {
        w.string(1, name)
        // TypeProto { tensor_type: TypeProto.Tensor { elem_type: FLOAT, shape: TensorShapeProto } }
        w.message(2) { type in
            type.message(1) { tensor in
                tensor.int(1, ONNXTensor.ElementType.float.rawValue)
                tensor.message(2) { shape in
                    for d in dims {
                        shape.message(1) { dim in
                            if let d { dim.int(1, Int64(d)) } else { dim.string(2, symbol) }
                        }
                    }
                }
            }
        }
    }
}
