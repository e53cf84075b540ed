/// Pass 1: the forward graph. Each layer becomes the ops that compute it, unfused — a dense
/// layer is a GEMM then a bias add, an activation its own op — so that fusion, not the layer
/// table, decides what shares a kernel. Flatten, and dropout outside training, are views: they
/// produce no op and the next layer reads the same buffer.
enum ForwardLowering {
    static func build(_ model: Model, batch: Int, mode: Plan.Mode) -> Graph {
        let g = Graph(batch: batch, mode: mode)
        g.input = g.tensor("input", .input, [batch] + model.inputShape.dims)
        let logits = lowerLayers(model.layers, from: g.input, g)
        g.logits = logits
        let classes = model.outputShape.count
        switch model.loss {
        case .crossEntropy: g.labels = g.tensor("labels", .labels, [batch], .int32)
        case .meanSquaredError: g.labels = g.tensor("labels", .labels, [batch, classes])
        }
        g.loss = g.tensor("loss", .loss, [1])
        let op = LossOp(kind: model.loss, batch: batch, classes: classes, logits: logits,
                        labels: g.labels, loss: g.loss, gradient: nil)
        g.emit("loss", layer: "loss", .forward, .loss(op))
        return g
    }

    private static func lowerLayers(_ layers: [Layer], from input: BufferID, _ g: Graph) -> BufferID {
        layers.reduce(input) { value, layer in
            let first = g.nodes.count
            let out = lowerLayer(layer, from: value, g)
            // Every value a layer computes needs a gradient when the layer has parameters or its
            // input needs one; a residual decides for its body's values layer by layer.
            if case .residual = layer.op { return out }
            if g.requiresGrad.contains(value) || !layer.parameters.isEmpty {
                for node in g.nodes[first...] {
                    for id in node.op.writes where g.tensors[id.rawValue].role == .activation {
                        g.requiresGrad.insert(id)
                    }
                }
            }
            return out
        }
    }

    /// (channels, positions per channel) of a per-sample shape: `[C, H, W]` or `[features]`.
    static func channelsAndSpatial(_ s: Shape) -> (Int, Int) {
        s.rank == 3 ? (s.dims[0], s.dims[1] * s.dims[2]) : (s.count, 1)
    }

    private static func lowerLayer(_ layer: Layer, from x: BufferID, _ g: Graph) -> BufferID {
        let B = g.batch, name = layer.name
        let outShape = [B] + layer.outputShape.dims
        let outCount = B * layer.outputShape.count
        func out(_ suffix: String = "out") -> BufferID { g.tensor("\(name).\(suffix)", .activation, outShape) }
        func emit(_ op: Op, _ kernel: String = "forward") { g.emit("\(name).\(kernel)", layer: name, .forward, op) }
        let (channels, spatial) = channelsAndSpatial(layer.inputShape)

        switch layer.op {
        case .dense(let units, let hasBias, _):
            let w = parameter(layer, 0, g)
            let z = hasBias ? out("matmul") : out()
            emit(.gemm(Gemm(m: B, n: units, k: layer.inputShape.count, transA: false, transB: true,
                            a: x, b: w, c: z)))
            var y = z, bias: BufferID? = nil
            if hasBias {
                let b = parameter(layer, 1, g)
                bias = b
                y = out()
                emit(.biasAdd(BiasAdd(batch: B, channels: units, spatial: 1, x: z, bias: b, y: y)), "bias_add")
            }
            g.linearLayers.append(LinearLayer(name: name, x: x, r: nil, weight: w, weightGrad: nil,
                                              bias: bias, biasGrad: nil))
            g.linearOutputs[name] = z
            return y

        case .conv(let filters, let kernel, let stride, let padding, let hasBias, _):
            let i = layer.inputShape.dims, o = layer.outputShape.dims
            let geometry = ConvGeometry(batch: B, channels: i[0], height: i[1], width: i[2], filters: filters,
                                        kernel: kernel, stride: stride, padding: padding,
                                        outHeight: o[1], outWidth: o[2])
            let w = parameter(layer, 0, g)
            let z = hasBias ? out("conv") : out()
            emit(.conv2d(Conv2D(geometry: geometry, x: x, weight: w, y: z,
                                columns: columns(geometry, "\(name).columns", g))))
            var y = z, bias: BufferID? = nil
            if hasBias {
                let b = parameter(layer, 1, g)
                bias = b
                y = out()
                emit(.biasAdd(BiasAdd(batch: B, channels: filters, spatial: o[1] * o[2], x: z, bias: b, y: y)),
                     "bias_add")
            }
            g.linearLayers.append(LinearLayer(name: name, x: x, r: nil, weight: w, weightGrad: nil,
                                              bias: bias, biasGrad: nil))
            g.linearOutputs[name] = z
            return y

        case .maxPool(let size, let stride, let padding), .avgPool(let size, let stride, let padding):
            let i = layer.inputShape.dims, o = layer.outputShape.dims
            let geometry = PoolGeometry(batch: B, channels: i[0], height: i[1], width: i[2], size: size,
                                        stride: stride, padding: padding, outHeight: o[1], outWidth: o[2])
            let kind: PoolKind
            if case .maxPool = layer.op { kind = .max } else { kind = .avg }
            let indices = kind == .max && g.training
                ? g.tensor("\(name).indices", .saved, outShape, .int32) : nil
            let y = out()
            emit(.pool(Pool(kind: kind, geometry: geometry, x: x, y: y, indices: indices)))
            return y

        case .globalAvgPool:
            let y = out()
            emit(.globalAvgPool(GlobalAvgPool(batch: B, channels: channels, spatial: spatial, x: x, y: y)))
            return y

        case .flatten:
            return x

        case .dropout(let rate):
            guard g.training else { return x }
            let mask = g.tensor("\(name).mask", .saved, outShape)
            let y = out()
            emit(.dropout(Dropout(count: outCount, rate: rate, x: x, mask: mask, y: y)))
            return y

        case .batchNorm(let affine, let momentum, let epsilon):
            let sizes = NormSizes(batch: B, channels: channels, spatial: spatial)
            let scale = affine ? parameter(layer, 0, g) : nil
            let shift = affine ? parameter(layer, 1, g) : nil
            let mean = runningStatistic(layer, 0, g), variance = runningStatistic(layer, 1, g)
            let savedMean = g.training ? g.tensor("\(name).batch_mean", .saved, [channels]) : nil
            let savedInvStd = g.training ? g.tensor("\(name).batch_inv_std", .saved, [channels]) : nil
            let y = out()
            emit(.batchNorm(BatchNorm(sizes: sizes, momentum: momentum, epsilon: epsilon, training: g.training,
                                      x: x, y: y, scale: scale, shift: shift, runningMean: mean,
                                      runningVariance: variance, savedMean: savedMean,
                                      savedInvStd: savedInvStd, epilogue: [])))
            return y

        case .rmsNorm(let history, let relativeEpsilon, let epsilonOf):
            let sizes = NormSizes(batch: B, channels: channels, spatial: spatial)
            let d = runningStatistic(layer, 0, g), steps = runningStatistic(layer, 1, g)
            let saved = g.training ? g.tensor("\(name).scale", .saved, [channels]) : nil
            let y = out()
            emit(.rmsNorm(RMSNorm(sizes: sizes, history: history, relativeEpsilon: relativeEpsilon, epsilonOf: epsilonOf,
                                  training: g.training, x: x, y: y, d: d, steps: steps,
                                  savedScale: saved, epilogue: [])))
            return y

        case .layerNorm(let affine, let epsilon):
            let sizes = NormSizes(batch: B, channels: channels, spatial: spatial)
            let scale = affine ? parameter(layer, 0, g) : nil
            let shift = affine ? parameter(layer, 1, g) : nil
            let savedMean = g.training ? g.tensor("\(name).sample_mean", .saved, [B]) : nil
            let savedInvStd = g.training ? g.tensor("\(name).sample_inv_std", .saved, [B]) : nil
            let y = out()
            emit(.layerNorm(LayerNorm(sizes: sizes, epsilon: epsilon, x: x, y: y, scale: scale, shift: shift,
                                      savedMean: savedMean, savedInvStd: savedInvStd, epilogue: [])))
            return y

        case .activation(let a):
            let y = out()
            if let f = ActivationFunction(a) {
                emit(.activation(ActivationOp(function: f, count: outCount, x: x, y: y)))
            } else {
                let slope = parameter(layer, 0, g)
                emit(.prelu(PReLU(batch: B, channels: channels, spatial: spatial, x: x, slope: slope, y: y)))
            }
            return y

        case .maxout(let k):
            let groups = channels / k
            let indices = g.training ? g.tensor("\(name).indices", .saved, outShape, .int32) : nil
            let y = out()
            emit(.maxout(Maxout(batch: B, groups: groups, k: k, spatial: spatial, x: x, y: y, indices: indices)))
            return y

        case .residual(let body):
            let bodyOut = lowerLayers(body, from: x, g)
            let y = out()
            emit(.add(Add(count: outCount, a: x, b: bodyOut, out: y)), "add")
            if g.requiresGrad.contains(bodyOut) { g.requiresGrad.insert(y) }
            return y
        }
    }

    /// im2col scratch for one sample, or nil for a 1×1 convolution that reads its input directly.
    static func columns(_ geometry: ConvGeometry, _ name: String, _ g: Graph) -> BufferID? {
        guard geometry.needsColumns else { return nil }
        return g.tensor(name, .workspace, [geometry.channels * geometry.kernel.h * geometry.kernel.w,
                                           geometry.outHeight * geometry.outWidth])
    }

    private static func parameter(_ layer: Layer, _ index: Int, _ g: Graph) -> BufferID {
        precondition(index < layer.parameters.count, "layer \(layer.name) lacks parameter \(index)")
        let spec = layer.parameters[index]
        let id = g.tensor("\(layer.name).\(spec.name)", .parameter, spec.shape.dims)
        g.parameters.append(TensorBinding(layer: layer.name, name: spec.name, buffer: id, gradient: nil,
                                          initialValue: nil))
        return id
    }

    private static func runningStatistic(_ layer: Layer, _ index: Int, _ g: Graph) -> BufferID {
        precondition(index < layer.state.count, "layer \(layer.name) lacks state \(index)")
        let spec = layer.state[index]
        let id = g.tensor("\(layer.name).\(spec.name)", .runningStatistic, spec.shape.dims)
        g.runningStatistics.append(TensorBinding(layer: layer.name, name: spec.name, buffer: id,
                                                 gradient: nil, initialValue: spec.initialValue))
        return id
    }
}
