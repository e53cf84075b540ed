/// Pass 3: the optimizer's step as ops of the plan. Every parameter gets one update kernel of its
/// method's family, reading weight, gradient and state once; SGD2 first corrects each linear
/// layer's gradient with its input batch X (which keeps X alive until then), and scale-amended
/// SGD first rescales every linear layer's gradient. Hyperparameters common to all parameters
/// stay in the model's `OptimizerSpec`; per-parameter learning-rate scale and weight decay
/// (after the `layer NAME { … }` overrides) are resolved here.
enum UpdateLowering {
    static func lower(_ g: Graph, model: Model) {
        let spec = model.optimizer
        let family: OptimizerMethod
        switch spec.method {
        case .sgd2: family = spec.sgd2?.base ?? .sgd
        case .saSGD: family = .sgd
        default: family = spec.method
        }
        let layers = model.allLayers
        let specs = Dictionary(layers.flatMap { l in l.parameters.map { ("\(l.name).\($0.name)", $0) } },
                               uniquingKeysWith: { a, _ in a })
        func decay(_ binding: TensorBinding) -> Double {
            guard specs["\(binding.layer).\(binding.name)"]?.decays == true else { return 0 }
            return override(binding.layer, spec)?.weightDecay ?? spec.weightDecay
        }

        var amended: Set<BufferID> = []
        if spec.method == .saSGD {
            let blocks = g.linearLayers.reversed().compactMap { l -> ScaleBlock? in
                guard let wg = l.weightGrad, let binding = g.parameters.first(where: { $0.buffer == l.weight })
                else { return nil }
                let shape = g.shape(l.weight)
                // A conv reads an interior input pixel once per tap: (k_h·k_w)/(s_h·s_w) (ScaleAmendWalk.swift).
                var taps = 1.0
                if spec.convHessian == .taps, case .conv(_, let k, let s, _, _, _)? = layers.first(where: { $0.name == l.name })?.op {
                    taps = Double(k.h * k.w) / Double(s.h * s.w)
                }
                return ScaleBlock(layer: l.name, rows: shape[0], cols: shape.dropFirst().reduce(1, *), inputTaps: taps,
                                  weightDecay: decay(binding), weight: l.weight, weightGrad: wg, biasGrad: l.biasGrad)
            }
            if !blocks.isEmpty {
                g.emit("optimizer.scale_amend", layer: "optimizer", .update, .scaleAmend(ScaleAmend(blocks: blocks)))
                amended = Set(blocks.map(\.weight))
            }
        }

        for layer in layers {
            if spec.method == .sgd2, let options = spec.sgd2,
               let linear = g.linearLayers.first(where: { $0.name == layer.name }) {
                precondition(linear, layer, options, g)
            }
            for binding in g.parameters where binding.layer == layer.name {
                guard let grad = binding.gradient else { continue }
                let paramName = "\(binding.layer).\(binding.name)"
                let state = stateNames(family, spec).map {
                    g.tensor("\(spec.method.rawValue).\($0).\(paramName)", .optimizerState, g.shape(binding.buffer))
                }
                let update = ParameterUpdate(
                    name: paramName, count: g.count(binding.buffer),
                    learningRateScale: override(layer.name, spec)?.learningRateScale ?? 1,
                    weightDecay: amended.contains(binding.buffer) ? 0 : decay(binding),
                    parameter: binding.buffer, gradient: grad, state: state)
                let op: Op
                switch family {
                case .adagrad: op = .adagradUpdate(update)
                case .rmsprop: op = .rmspropUpdate(update)
                case .adam: op = .adamUpdate(update)
                case .sgd, .sgd2, .saSGD: op = .sgdUpdate(update)
                }
                g.emit("update.\(paramName)", layer: layer.name, .update, op)
            }
        }
    }

    private static func override(_ layer: String, _ spec: OptimizerSpec) -> LayerOverride? {
        spec.overrides.first { $0.layer == layer }
    }

    /// The state each family keeps per parameter, in the order `ParameterUpdate.state` documents.
    private static func stateNames(_ family: OptimizerMethod, _ spec: OptimizerSpec) -> [String] {
        switch family {
        case .adagrad: return ["sum"]
        case .rmsprop: return ["mean_square"]
        case .adam: return ["m", "v"]
        case .sgd, .sgd2, .saSGD: return spec.momentum != 0 ? ["velocity"] : []
        }
    }

    /// SGD2's correction of one linear layer, with the sizes ALGORITHMS.md fixes.
    private static func precondition(_ l: LinearLayer, _ layer: Layer, _ options: SGD2Options, _ g: Graph) {
        guard let weightGrad = l.weightGrad else { return }
        let w = g.shape(l.weight)
        let isConv = w.count == 4
        let rows = isConv ? w[0] * w[2] * w[3] : w[0]
        let inputs = w[1]
        let columns = isConv ? g.batch * layer.inputShape.dims[1] * layer.inputShape.dims[2] : g.batch
        var sampled = columns
        var random = false
        if let s = options.samples(convolution: isConv) {
            sampled = min(s, columns)
            random = sampled < columns
        } else if isConv && columns > 10_000 {
            // LightNet keeps every k-th column, k = ⌈min(50, cols/10⁴)⌉.
            let k = Int(min(50, (Double(columns) / 10_000).rounded(.up)))
            sampled = (columns + k - 1) / k
        }
        let correctsBias = options.correctBias && l.biasGrad != nil
        let n = inputs + (correctsBias ? 1 : 0)
        let chunk = min(options.chunk(convolution: isConv), n)
        let factor = g.tensor("sgd2.factor.\(l.name)", .optimizerState, [n, chunk], .float64)
        g.emit("\(l.name).sgd2_precondition", layer: l.name, .update, .sgd2Precondition(SGD2Correction(
            layer: l.name, isConvolution: isConv, rows: rows, inputs: inputs, columns: columns,
            sampledColumns: sampled, randomColumns: random, chunk: chunk, every: options.every(convolution: isConv), correctsBias: correctsBias,
            x: l.x, weightGrad: weightGrad, biasGrad: l.biasGrad, factor: factor)))
    }
}
