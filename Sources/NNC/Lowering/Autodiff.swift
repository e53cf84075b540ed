/// Pass 2: the backward graph, derived at compile time. Walks the forward ops in reverse and
/// applies each op's rule: the gradient of its output (summed over its readers) gives the
/// gradients of its inputs and parameters. Gradients that merely pass through (a bias add, a
/// residual's skip) reuse the same buffer instead of copying it. Only values that depend on a
/// parameter get a gradient, so the first layer computes no gradient for the input batch.
struct Autodiff {
    private let g: Graph
    /// Per forward value, the buffers whose sum is its gradient.
    private var contributions: [BufferID: [BufferID]] = [:]
    /// How many forward ops read each value: one reader's contribution is the gradient itself.
    private var readers: [BufferID: Int] = [:]
    private var parameterGradients: [BufferID: BufferID] = [:]

    static func differentiate(_ g: Graph) {
        var pass = Autodiff(g: g)
        pass.run()
    }

    private init(g: Graph) {
        self.g = g
        for node in g.nodes { for id in node.op.reads { readers[id, default: 0] += 1 } }
    }

    private mutating func run() {
        for node in g.nodes.reversed() { differentiate(node) }
        for i in g.parameters.indices { g.parameters[i].gradient = parameterGradients[g.parameters[i].buffer] }
        for i in g.linearLayers.indices {
            let l = g.linearLayers[i]
            g.linearLayers[i].weightGrad = parameterGradients[l.weight]
            g.linearLayers[i].biasGrad = l.bias.flatMap { parameterGradients[$0] }
            g.linearLayers[i].r = g.linearOutputs[l.name].flatMap { contributions[$0]?.first }
        }
    }

    /// The gradient of `value`, summing its contributions with `add` ops when it has several.
    private mutating func gradient(of value: BufferID) -> BufferID? {
        guard let parts = contributions[value], !parts.isEmpty else { return nil }
        var sum = parts[0]
        for (i, part) in parts.enumerated().dropFirst() {
            let name = i == parts.count - 1 ? "\(g.name(value)).grad" : "\(g.name(value)).grad.partial\(i)"
            let out = g.tensor(name, .activationGradient, g.shape(value))
            g.emit("\(g.name(value)).grad_sum\(i)", layer: layerOf(value), .backward,
                   .add(Add(count: g.count(value), a: sum, b: part, out: out)))
            sum = out
        }
        contributions[value] = [sum]
        return sum
    }

    private func layerOf(_ value: BufferID) -> String {
        String(g.name(value).split(separator: ".").first ?? "")
    }

    /// A fresh buffer for `layer`'s contribution to the gradient of `value`, or nil when `value`
    /// needs no gradient.
    private mutating func contribution(to value: BufferID, from layer: String) -> BufferID? {
        guard g.requiresGrad.contains(value) else { return nil }
        let name = readers[value, default: 1] > 1 ? "\(g.name(value)).grad.from.\(layer)" : "\(g.name(value)).grad"
        let id = g.tensor(name, .activationGradient, g.shape(value))
        contributions[value, default: []].append(id)
        return id
    }

    private mutating func passThrough(_ grad: BufferID, to value: BufferID) {
        if g.requiresGrad.contains(value) { contributions[value, default: []].append(grad) }
    }

    private mutating func parameterGradient(_ p: BufferID) -> BufferID {
        let id = g.tensor("\(g.name(p)).grad", .gradient, g.shape(p))
        parameterGradients[p] = id
        return id
    }

    private mutating func differentiate(_ node: Graph.Node) {
        let layer = node.layer
        func emit(_ kernel: String, _ op: Op) { g.emit("\(layer).\(kernel)", layer: layer, .backward, op) }
        if case .loss(var p) = node.op {
            guard g.requiresGrad.contains(p.logits) else { return }
            let grad = g.tensor("\(g.name(p.logits)).grad", .activationGradient, g.shape(p.logits))
            p.gradient = grad
            contributions[p.logits] = [grad]
            emit("backward", .lossBackward(p))
            return
        }
        guard let out = node.op.writes.last, let dy = gradient(of: out) else { return }
        switch node.op {
        case .gemm(let p):
            precondition(!p.transA && p.transB, "only the dense forward GEMM is differentiated")
            // dW (n, k) = dYᵀ·X, dX (m, k) = dY·W.
            emit("backward_weights", .gemm(Gemm(m: p.n, n: p.k, k: p.m, transA: true, transB: false,
                                                a: dy, b: p.a, c: parameterGradient(p.b))))
            if let dx = contribution(to: p.a, from: layer) {
                emit("backward_data", .gemm(Gemm(m: p.m, n: p.k, k: p.n, transA: false, transB: false,
                                                 a: dy, b: p.b, c: dx)))
            }
        case .conv2d(let p):
            emit("backward_weights", .conv2dBackwardWeights(Conv2DBackwardWeights(
                geometry: p.geometry, dy: dy, x: p.x, weightGrad: parameterGradient(p.weight))))
            if let dx = contribution(to: p.x, from: layer) {
                emit("backward_data", .conv2dBackwardData(Conv2DBackwardData(
                    geometry: p.geometry, dy: dy, weight: p.weight, dx: dx,
                    columns: ForwardLowering.columns(p.geometry, "\(layer).columns.backward_data", g))))
            }
        case .biasAdd(let p):
            emit("bias_gradient", .biasGradient(BiasGradient(batch: p.batch, channels: p.channels,
                                                              spatial: p.spatial, dy: dy,
                                                              biasGrad: parameterGradient(p.bias))))
            passThrough(dy, to: p.x)
        case .add(let p):
            passThrough(dy, to: p.a)
            passThrough(dy, to: p.b)
        case .activation(let p):
            guard let dx = contribution(to: p.x, from: layer) else { return }
            let fromOutput = p.function.derivativeFromOutput
            emit("backward", .activationBackward(ActivationBackward(
                function: p.function, count: p.count, dy: dy, saved: fromOutput ? p.y : p.x, dx: dx,
                savedIsOutput: fromOutput)))
        case .prelu(let p):
            emit("backward", .preluBackward(PReLUBackward(
                batch: p.batch, channels: p.channels, spatial: p.spatial, dy: dy, x: p.x, slope: p.slope,
                dx: contribution(to: p.x, from: layer), slopeGrad: parameterGradient(p.slope))))
        case .pool(let p):
            guard let dx = contribution(to: p.x, from: layer) else { return }
            emit("backward", .poolBackward(PoolBackward(kind: p.kind, geometry: p.geometry, dy: dy, dx: dx,
                                                        indices: p.indices)))
        case .globalAvgPool(let p):
            guard let dx = contribution(to: p.x, from: layer) else { return }
            emit("backward", .globalAvgPoolBackward(GlobalAvgPoolBackward(
                batch: p.batch, channels: p.channels, spatial: p.spatial, dy: dy, dx: dx)))
        case .dropout(let p):
            guard let dx = contribution(to: p.x, from: layer) else { return }
            emit("backward", .dropoutBackward(DropoutBackward(count: p.count, dy: dy, mask: p.mask, dx: dx)))
        case .batchNorm(let p):
            guard let mean = p.savedMean, let invStd = p.savedInvStd else { return }
            emit("backward", .batchNormBackward(BatchNormBackward(
                sizes: p.sizes, dy: dy, x: p.x, scale: p.scale, savedMean: mean, savedInvStd: invStd,
                dx: contribution(to: p.x, from: layer), scaleGrad: p.scale.map { parameterGradient($0) },
                shiftGrad: p.shift.map { parameterGradient($0) })))
        case .rmsNorm(let p):
            guard let scale = p.savedScale, let dx = contribution(to: p.x, from: layer) else { return }
            emit("backward", .rmsNormBackward(RMSNormBackward(sizes: p.sizes, dy: dy, savedScale: scale, dx: dx)))
        case .layerNorm(let p):
            guard let mean = p.savedMean, let invStd = p.savedInvStd else { return }
            emit("backward", .layerNormBackward(LayerNormBackward(
                sizes: p.sizes, dy: dy, x: p.x, scale: p.scale, savedMean: mean, savedInvStd: invStd,
                dx: contribution(to: p.x, from: layer), scaleGrad: p.scale.map { parameterGradient($0) },
                shiftGrad: p.shift.map { parameterGradient($0) })))
        case .maxout(let p):
            guard let indices = p.indices, let dx = contribution(to: p.x, from: layer) else { return }
            emit("backward", .maxoutBackward(MaxoutBackward(batch: p.batch, groups: p.groups, k: p.k,
                                                            spatial: p.spatial, dy: dy, indices: indices, dx: dx)))
        case .loss, .lossBackward, .conv2dBackwardData, .conv2dBackwardWeights, .biasGradient,
             .activationBackward, .preluBackward, .poolBackward, .globalAvgPoolBackward, .dropoutBackward,
             .batchNormBackward, .rmsNormBackward, .layerNormBackward, .maxoutBackward, .sgdUpdate,
             .adagradUpdate, .rmspropUpdate, .adamUpdate, .sgd2Precondition, .scaleAmend,
             .kfacPrecondition, .kfacClip, .kfacDiagonal, .shampooPrecondition, .shampooGraft:
            preconditionFailure("\(node.op.kind) is not a forward op")
        }
    }
}
