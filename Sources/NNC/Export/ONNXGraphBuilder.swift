/// The graph under construction: nodes in order, initializers, and the trained tensors they
/// come from. Every value is named after the layer that computes it (`conv1.out`, as the
/// plan names its buffers) and every weight after its checkpoint tensor (`conv1.weight`), so
/// the ONNX file reads like `nnc plan` and the safetensors file.
struct ONNXGraphBuilder {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    /// A persistent tensor's values by checkpoint name; empty for a name it does not hold.
    let tensor: (String) -> [Float]

    init(tensor: @escaping (String) -> [Float]) {
        self.tensor = tensor
    }

    /// Appends `op` reading `inputs`; its one output is named `output`, which it returns.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], output: String, _ attributes: [ONNXAttribute] = []) -> String {
        nodes.append(ONNXNode(opType: op, name: output, inputs: inputs, outputs: [output], attributes: attributes))
        return output
    }

    /// A float initializer; returns its name.
    mutating func constant(_ name: String, _ dims: [Int], _ values: [Float]) -> String {
        initializers.append(.floats(name, dims, values))
        return name
    }

    /// An int64 initializer (a Reshape's target shape); returns its name.
    mutating func constant(_ name: String, _ dims: [Int], int64s values: [Int64]) -> String {
        initializers.append(.int64s(name, dims, values))
        return name
    }

    /// The values of the layer's trainable tensor `index` (`LayerOp`'s order), checked against its shape.
    func parameter(_ layer: Layer, _ index: Int) throws -> (name: String, values: [Float]) {
        precondition(index < layer.parameters.count, "layer \(layer.name) lacks parameter \(index)")
        return try values("\(layer.name).\(layer.parameters[index].name)", count: layer.parameters[index].shape.count)
    }

    /// The values of the layer's running statistic `index` (`LayerOp`'s order).
    func state(_ layer: Layer, _ index: Int) throws -> (name: String, values: [Float]) {
        precondition(index < layer.state.count, "layer \(layer.name) lacks state \(index)")
        return try values("\(layer.name).\(layer.state[index].name)", count: layer.state[index].shape.count)
    }

    /// A parameter or statistic as an initializer of its own name, reshaped to `dims`
    /// (a per-channel vector as [C, 1, 1] to broadcast over positions).
    mutating func weight(_ tensor: (name: String, values: [Float]), _ dims: [Int]) -> String {
        constant(tensor.name, dims, tensor.values)
    }

    private func values(_ name: String, count: Int) throws -> (name: String, values: [Float]) {
        let v = tensor(name)
        guard v.count == count else { throw ExportError.tensor(name, count: count) }
        return (name, v)
    }

    /// Renames the value `old` to `new` where the last node writes it (the net's output takes
    /// the name the file's users read); false when no node writes it last (a net of no nodes).
    mutating func renameLastOutput(_ old: String, to new: String) -> Bool {
        guard let last = nodes.indices.last, nodes[last].outputs == [old] else { return false }
        nodes[last].outputs = [new]
        nodes[last].name = new
        return true
    }
}
