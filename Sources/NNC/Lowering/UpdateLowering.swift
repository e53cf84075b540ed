/// Pass 3: the optimizer's step as ops of the plan. Every parameter gets one update kernel of its
/// method's family, reading weight, gradient and state once; SGD2 first corrects each linear
/// layer's gradient with its input batch X (which keeps X alive until then), scale-amended
/// SGD first rescales every linear layer's gradient, K-FAC first preconditions every linear
/// layer's gradient with its Kronecker factors (keeping X and R alive), and Shampoo first
/// replaces every gradient by its grafted, block-preconditioned direction. Every setting is
/// resolved here into the ops' payloads — the block's values over the method's defaults,
/// per-layer learning-rate scale and weight decay after the `layer NAME { … }` overrides — so
/// the plan alone says what a step does. The second-order methods' ops are built beside their runtime, in `Optimizers/`.
enum UpdateLowering {
    static func lower(_ g: Graph, model: Model) {
        let spec = model.optimizer
        let family: OptimizerMethod
        switch spec.method {
        case .sgd2: family = spec.sgd2?.base ?? .sgd
        case .saSGD, .kfac, .shampoo: family = .sgd
        default: family = spec.method
        }
        let layers = model.allLayers
        let decays = Set(layers.flatMap { l in l.parameters.filter(\.decays).map { "\(l.name).\($0.name)" } })
        func decay(_ binding: TensorBinding) -> Double {
            guard decays.contains("\(binding.layer).\(binding.name)") else { return 0 }
            return override(binding.layer, spec)?.weightDecay ?? spec.weightDecay
        }

        var amended: Set<BufferID> = []
        if spec.method == .saSGD {
            amended = ScaleAmendLowering.lower(g, layers: layers, convHessian: spec.convHessian, decay: decay)
        }
        if spec.method == .kfac, let options = spec.kfac { KFACLowering.lower(g, options) }
        if spec.method == .shampoo, let options = spec.shampoo { ShampooLowering.lower(g, options) }
        let hyperparameters = UpdateHyperparameters(momentum: spec.momentum, nesterov: spec.nesterov,
                                                    momentumForm: spec.momentumForm, rho: spec.rho,
                                                    beta1: spec.beta1, beta2: spec.beta2, epsilon: spec.epsilon)
        for layer in layers {
            if spec.method == .sgd2, let options = spec.sgd2,
               let linear = g.linearLayers.first(where: { $0.name == layer.name }) {
                SGD2Lowering.lower(linear, layer, options, g)
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
                    hyperparameters: hyperparameters, parameter: binding.buffer, gradient: grad, state: state)
                let op: Op
                switch family {
                case .adagrad: op = .adagradUpdate(update)
                case .rmsprop: op = .rmspropUpdate(update)
                case .adam: op = .adamUpdate(update)
                case .sgd, .sgd2, .saSGD, .kfac, .shampoo: op = .sgdUpdate(update)
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
        case .sgd, .sgd2, .saSGD, .kfac, .shampoo: return spec.momentum != 0 ? ["velocity"] : []
        }
    }
}
