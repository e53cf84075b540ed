/// The `optimizer NAME { … }` block: the method, its hyperparameters over the defaults of
/// docs/ALGORITHMS.md, and `layer NAME { … }` overrides.
extension ConfigChecker {
    /// `targets` are what the overrides may name, or nil when that cannot be told (the net
    /// is missing or did not parse; overrides then go unchecked rather than be called unknown).
    func optimizer(_ methodName: Identifier, _ items: [ConfigItem], range: SourceRange,
                   targets: OverrideTargets?) -> OptimizerSpec? {
        guard let method = OptimizerMethod(rawValue: methodName.name) else {
            sink.error(CheckMessage.unknownOptimizer(methodName.name), at: methodName.range,
                       fix: Suggestions.fix(for: methodName.name, among: OptimizerMethod.allCases.map(\.rawValue)))
            // The keys are still checked, against no method in particular.
            _ = entries(items, ConfigTable.optimizer, block: "optimizer", allowsSections: true)
            return nil
        }
        let table = ConfigTable.optimizer
        let e = entries(items, table, block: "optimizer", method: method, allowsSections: true)
        var spec = OptimizerSpec.defaults(for: method)
        spec.range = range
        func real(_ key: String) -> Double? { read(e, key, table, "optimizer") { evaluator.real($0, $1, $2) } }
        func int(_ key: String) -> Int? { read(e, key, table, "optimizer") { evaluator.int($0, $1, $2) } }
        func bool(_ key: String) -> Bool? { read(e, key, table, "optimizer") { v, w, _ in evaluator.bool(v, w) } }
        spec.learningRate = real("lr") ?? spec.learningRate
        let momentum = real("momentum")
        spec.momentum = momentum ?? spec.momentum
        spec.nesterov = bool("nesterov") ?? spec.nesterov
        spec.rho = real("rho") ?? spec.rho
        spec.beta1 = real("beta1") ?? spec.beta1
        // Shampoo's `beta2` is its statistics' decay, read (once) with its options.
        if method != .shampoo { spec.beta2 = real("beta2") ?? spec.beta2 }
        spec.epsilon = real("eps") ?? spec.epsilon
        spec.weightDecay = real("weight_decay") ?? spec.weightDecay
        let momentumFailed = e.values["momentum"] != nil && momentum == nil
        if spec.nesterov && spec.momentum == 0 && !momentumFailed, let key = e.keys["nesterov"] {
            sink.error(CheckMessage.nesterovNeedsMomentum, at: key.range, fix: CheckMessage.setMomentum)
            e.failed = true
        }
        spec.momentumForm = choice("momentum_form", e) ?? spec.momentumForm
        if spec.momentumForm == .averaged && spec.nesterov, let key = e.keys["momentum_form"] {
            sink.error(CheckMessage.averagedWithNesterov, at: key.range, fix: CheckMessage.dropNesterov)
            e.failed = true
        }
        if method == .sgd2 {
            var o = SGD2Options()
            o.lambda = real("lambda") ?? o.lambda
            if let v = e.values["damping"] {
                // Two keys for one λ would leave the reader guessing which wins.
                if let first = e.keys["lambda"], let key = e.keys["damping"] {
                    sink.error(CheckMessage.dampingAndLambda, at: key.range, fix: CheckMessage.dampingAndLambdaFix,
                               notes: [.init(message: CheckMessage.lambdaGivenHere, range: first.range)])
                    e.failed = true
                } else if let d = damping(v, e, start: o.lambda) {
                    o.lambda = d.lambda
                    o.adaptive = d.adaptive
                }
            }
            o.chunk = int("chunk")
            o.samples = int("samples")
            o.every = int("every")
            o.correctBias = bool("bias") ?? o.correctBias
            if let v = e.values["noise"] { o.noise = noise(v, e) }
            o.largeLayers = choice("large_layers", e) ?? o.largeLayers
            if let v = e.values["base"] {
                let choices = ConfigTable.optimizerBases.map(\.rawValue)
                if let s = evaluator.symbol(v, phrase("base", "optimizer"), among: choices) {
                    o.base = OptimizerMethod(rawValue: s)!
                } else { e.failed = true }
            }
            spec.sgd2 = o
            if o.base != .sgd && spec.momentumForm == .averaged, let key = e.keys["momentum_form"] {
                sink.error(CheckMessage.averagedNeedsSGDBase(o.base.rawValue), at: key.range)
                e.failed = true
            }
            // In front of an adaptive rule, the rate and ε the user did not give are that rule's
            // defaults: lr 0.1 would be ruinous for Adam, and ε = 0 divides by zero on an
            // input unit whose corrected gradient is exactly 0.
            if o.base != .sgd {
                let base = OptimizerSpec.defaults(for: o.base)
                if e.values["lr"] == nil { spec.learningRate = base.learningRate }
                if e.values["eps"] == nil { spec.epsilon = base.epsilon }
            }
        }
        if method == .kfac { spec.kfac = kfac(e, real: real, int: int) }
        if method == .shampoo {
            let o = shampoo(e, real: real, int: int)
            spec.shampoo = o
            // The step is as long as the graft's, so the rate the user did not give is the graft's.
            if e.values["lr"] == nil {
                let rule: OptimizerMethod = o.graft == .sgd ? .sgd : o.graft == .adam ? .adam : .adagrad
                spec.learningRate = OptimizerSpec.defaults(for: rule).learningRate
            }
        }
        if method == .saSGD { spec.convHessian = choice("conv_hessian", e) ?? spec.convHessian }
        var seen: [String: SourceRange] = [:]
        for section in e.sections {
            guard let name = section.name else {
                sink.error(CheckMessage.overrideNeedsName, at: section.keyword.range, fix: CheckMessage.overrideFix)
                e.failed = true
                continue
            }
            if let first = seen[name.name] {
                sink.error(CheckMessage.duplicateOverride(name.name), at: name.range,
                           notes: [.init(message: CheckMessage.firstGivenHere, range: first)])
                e.failed = true
            }
            seen[name.name] = name.range
            if let targets, !targets.contains(name.name) {
                sink.error(CheckMessage.unknownLayerName(name.name), at: name.range,
                           fix: Suggestions.fix(for: name.name, among: targets.names) ?? CheckMessage.layerNamesHint)
                e.failed = true
            } else if let targets, !targets.hasParameters(name.name) {
                // Its settings would change nothing, which is never what the file's author meant.
                let candidates = targets.layersWithParameters
                sink.error(CheckMessage.overrideWithoutParameters(name.name), at: name.range,
                           fix: Suggestions.fix(for: name.name, among: candidates)
                                ?? CheckMessage.overrideParametersFix(candidates))
                e.failed = true
            }
            let sub = entries(section.items, ConfigTable.layerOverride, block: "layer")
            var o = LayerOverride(layer: name.name, range: section.range)
            o.learningRateScale = read(sub, "lr_scale", ConfigTable.layerOverride, "layer") {
                evaluator.real($0, $1, $2) } ?? 1
            o.weightDecay = read(sub, "weight_decay", ConfigTable.layerOverride, "layer") { evaluator.real($0, $1, $2) }
            if sub.failed { e.failed = true }
            spec.overrides.append(o)
        }
        return e.failed ? nil : spec
    }

    /// K-FAC's keys over KFACOptions' defaults; `inverse_every` below `factor_every` is an error.
    private func kfac(_ e: Entries, real: (String) -> Double?, int: (String) -> Int?) -> KFACOptions {
        var o = KFACOptions()
        if let v = e.values["damping"], let d = damping(v, e, start: o.damping) {
            o.damping = d.lambda
            o.adaptive = d.adaptive
        }
        o.factorDecay = real("factor_decay") ?? o.factorDecay
        o.factorEvery = int("factor_every") ?? o.factorEvery
        o.inverseEvery = int("inverse_every") ?? o.inverseEvery
        o.inverse = choice("inverse", e) ?? o.inverse
        o.fisher = choice("fisher", e) ?? o.fisher
        o.fisherRange = e.keys["fisher"]?.range
        if let v = e.values["kl_clip"] {
            if case .bool(false) = v.kind {
                o.klClip = nil
            } else if case .bool = v.kind {
                evaluator.mismatch(v, phrase("kl_clip", "optimizer"), CheckMessage.klClipExpectation)
                e.failed = true
            } else if let x = evaluator.real(v, phrase("kl_clip", "optimizer"), .greaterThan(0)) {
                o.klClip = x
            } else {
                e.failed = true
            }
        }
        if o.inverseEvery < o.factorEvery, let key = e.keys["inverse_every"] ?? e.keys["factor_every"] {
            sink.error(CheckMessage.inverseBeforeFactors(o.inverseEvery, o.factorEvery), at: key.range,
                       fix: CheckMessage.inverseEveryFix(o.factorEvery))
            e.failed = true
        }
        return o
    }

    /// `damping: 0.01` or `damping: adaptive(0.01, every: 5, min: 1e-6, max: 100)` (K-FAC's and
    /// SGD2's): λ, or the λ adaptive damping starts from, and the rule; nil when the value is
    /// wrong (reported). `start` is the method's default λ, which a bare `adaptive` starts from.
    private func damping(_ v: Value, _ e: Entries, start defaultStart: Double) -> (lambda: Double, adaptive: AdaptiveDamping?)? {
        let what = phrase("damping", "optimizer")
        if v.number != nil {
            guard let x = evaluator.real(v, what, .greaterThan(0)) else { e.failed = true; return nil }
            return (x, nil)
        }
        typealias D = AdaptiveDamping
        let spec = StatementSpec("adaptive", "", positional: .init("start", .real, .value(.real(defaultStart)), "",
                                                     bounds: .greaterThan(0)),
                                 options: [.init("every", .int, .value(.int(D.defaultEvery)), "", bounds: .size),
                                           .init("min", .real, .value(.real(D.defaultMinimum)), "", bounds: .greaterThan(0)),
                                           .init("max", .real, .value(.real(D.defaultMaximum)), "", bounds: .greaterThan(0))])
        guard let a = call(v, spec) else {
            evaluator.mismatch(v, what, CheckMessage.dampingExpectation(defaultStart))
            e.failed = true
            return nil
        }
        let start = a.real("start"), every = a.int("every"), low = a.real("min"), high = a.real("max")
        guard let start, let every, let low, let high, !a.failed else { e.failed = true; return nil }
        guard low < high else {
            sink.error(CheckMessage.dampingBoundsOrder(low, high), at: v.range)
            e.failed = true
            return nil
        }
        return (min(max(start, low), high), D(every: every, minimum: low, maximum: high))
    }

    /// Shampoo's keys over ShampooOptions' defaults.
    private func shampoo(_ e: Entries, real: (String) -> Double?, int: (String) -> Int?) -> ShampooOptions {
        var o = ShampooOptions()
        o.blockSize = int("block_size") ?? o.blockSize
        o.beta2 = real("beta2") ?? o.beta2
        o.epsilon = real("epsilon") ?? o.epsilon
        o.preconditionEvery = int("precondition_every") ?? o.preconditionEvery
        o.startStep = int("start_step") ?? o.startStep
        o.graft = choice("graft", e) ?? o.graft
        return o
    }

    /// Choice key `key` as its enum, nil when the block does not give it (or gives a value not
    /// among the choices, which is reported and fails the block).
    private func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ e: Entries) -> T? where T.RawValue == String {
        guard let v = e.values[key] else { return nil }
        guard let s = evaluator.symbol(v, phrase(key, "optimizer"), among: T.allCases.map(\.rawValue)) else {
            e.failed = true
            return nil
        }
        return T(rawValue: s)
    }

    /// `noise(eta: 0.3, gamma: 0.55)`, `noise(0.3)`, or `false` for none.
    private func noise(_ v: Value, _ e: Entries) -> SGD2Options.Noise? {
        if case .bool(false) = v.kind { return nil }
        let spec = StatementSpec("noise", "", positional: .init("eta", .real, .value(.real(SGD2Options.Noise.defaultEta)), "",
                                                  bounds: .greaterThan(0)),
                                 options: [.init("gamma", .real, .value(.real(SGD2Options.Noise.defaultGamma)), "",
                                                 bounds: .atLeast(0))])
        guard let a = call(v, spec) else {
            evaluator.mismatch(v, phrase("noise", "optimizer"), CheckMessage.noiseExpectation)
            e.failed = true
            return nil
        }
        let eta = a.real("eta"), gamma = a.real("gamma")
        guard let eta, let gamma, !a.failed else { e.failed = true; return nil }
        return SGD2Options.Noise(eta: eta, gamma: gamma)
    }
}
