/// Checks a `net` body: exactly one `input` before any layer, layers in between, exactly one
/// `loss` last and fitting the output; then names every layer (`dense1`, or its label).
struct NetChecker {
    let expander: BlockExpander
    let evaluator: Evaluator
    var sink: DiagnosticSink { evaluator.sink }

    struct Result {
        var inputShape: Shape?
        var inputRange: SourceRange = .none
        var layers: [Layer] = []
        var loss: Loss?
        /// All of input, layers and loss are known and consistent.
        var complete = false
    }

    /// `bodyDamaged`: the parser reported errors inside this net, so a missing `input` or
    /// `loss` may only be a consequence and is not reported.
    func check(name: Identifier, body: [Statement], bodyDamaged: Bool) -> Result {
        var result = Result()
        var shape: Shape?
        var pending: [BlockExpander.Pending] = []
        var inputStatement: Statement?
        var lossStatement: Statement?
        var firstLayer: Statement?
        var reportedAfterLoss = false
        var ok = true

        for s in body {
            if let loss = lossStatement, !reportedAfterLoss, s.name.name != "loss" {
                sink.error(CheckMessage.statementAfterLoss, at: s.range, fix: CheckMessage.moveLossLast,
                           notes: [.init(message: CheckMessage.lossIsHere, range: loss.range)])
                reportedAfterLoss = true
                ok = false
            }
            switch s.name.name {
            case "input":
                if let label = s.label { sink.error(CheckMessage.labelNotAllowed("input"), at: label.range) }
                if let first = inputStatement {
                    sink.error(CheckMessage.duplicateStatement("input"), at: s.name.range,
                               notes: [.init(message: CheckMessage.firstGivenHere, range: first.range)])
                    ok = false
                    continue
                }
                inputStatement = s
                if let layer = firstLayer {
                    sink.error(CheckMessage.inputAfterLayer, at: s.name.range, fix: CheckMessage.moveInputFirst,
                               notes: [.init(message: CheckMessage.firstLayerIsHere, range: layer.range)])
                    ok = false
                }
                shape = inputShape(s)
                result.inputShape = shape
                result.inputRange = s.range
                if shape == nil { ok = false }
            case "loss":
                if let label = s.label { sink.error(CheckMessage.labelNotAllowed("loss"), at: label.range) }
                if let first = lossStatement {
                    sink.error(CheckMessage.duplicateStatement("loss"), at: s.name.range,
                               notes: [.init(message: CheckMessage.firstGivenHere, range: first.range)])
                    ok = false
                    continue
                }
                lossStatement = s
                result.loss = loss(s, output: shape)
                if result.loss == nil { ok = false }
            default:
                if firstLayer == nil { firstLayer = s }
                // Statements after the loss are checked but belong to no model.
                let from = lossStatement == nil ? shape : nil
                var into: [BlockExpander.Pending] = []
                let out = expander.expand([s], from: from, scope: [:], depth: 1, into: &into)
                if lossStatement == nil {
                    pending += into
                    shape = out
                    if out == nil { ok = false }
                }
            }
        }
        if inputStatement == nil && !bodyDamaged {
            sink.error(CheckMessage.missingInput(name.name), at: name.range, fix: CheckMessage.addInput)
        }
        if lossStatement == nil && !bodyDamaged {
            sink.error(CheckMessage.missingLoss(name.name), at: name.range, fix: CheckMessage.addLoss)
        }
        guard !expander.aborted else { return result }
        let named = nameLayers(pending)
        guard ok, inputStatement != nil, lossStatement != nil, result.loss != nil, let named else {
            return result
        }
        result.layers = named
        result.complete = true
        return result
    }

    /// `input [784]`, `input [1, 28, 28]` (or `input 784`).
    private func inputShape(_ s: Statement) -> Shape? {
        var values: [ValueArgument] = []
        var incomplete = false
        for a in s.arguments {
            if let v = evaluator.evaluate(a.value, in: [:]) { values.append(ValueArgument(label: a.label, value: v)) }
            else { incomplete = true }
        }
        let args = Arguments(values, spec: LayerTable.spec("input")!, at: s.range, evaluator: evaluator,
                             incomplete: incomplete)
        if s.body != nil { sink.error(CheckMessage.takesNoBody("input"), at: s.name.range) }
        guard !args.failed, let v = args.value("shape") else { return nil }
        let what = "the shape of 'input'"
        let items: [Value]
        switch v.kind {
        case .list(let list): items = list
        case .int: items = [v]
        default:
            evaluator.valueMismatch(v, what, CheckMessage.shapeExpectation)
            return nil
        }
        guard items.count == 1 || items.count == 3 else {
            sink.error(CheckMessage.badInputRank(items.count), at: v.range, fix: CheckMessage.inputRankFix)
            return nil
        }
        let dims = items.map { evaluator.int($0, what, .size) }
        guard dims.allSatisfy({ $0 != nil }) else { return nil }
        let shape = Shape(dims.map { $0! })
        var n = 1
        for d in shape.dims {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= ShapeChecker.maxElements else {
                sink.error(CheckMessage.tensorTooLarge("input", shape.description, ShapeChecker.maxElements),
                           at: v.range)
                return nil
            }
            n = p
        }
        return shape
    }

    /// `loss cross_entropy | mse`, checked against the output shape when it is known.
    private func loss(_ s: Statement, output: Shape?) -> Loss? {
        var values: [ValueArgument] = []
        var incomplete = false
        for a in s.arguments {
            if let v = evaluator.evaluate(a.value, in: [:]) { values.append(ValueArgument(label: a.label, value: v)) }
            else { incomplete = true }
        }
        let args = Arguments(values, spec: LayerTable.spec("loss")!, at: s.range, evaluator: evaluator,
                             incomplete: incomplete)
        if s.body != nil { sink.error(CheckMessage.takesNoBody("loss"), at: s.name.range) }
        guard let kind = args.choice("kind"), !args.failed else { return nil }
        let loss: Loss = kind == "mse" ? .meanSquaredError : .crossEntropy
        guard let output else { return loss }
        if output.rank != 1 {
            sink.error(CheckMessage.lossNeedsFlat(kind, output.description), at: s.range,
                       fix: CheckMessage.insertFlattenBeforeLoss)
            return nil
        }
        if loss == .crossEntropy && output.dims[0] < 2 {
            sink.error(CheckMessage.crossEntropyNeedsClasses(output.description), at: s.range,
                       fix: CheckMessage.useMSE)
            return nil
        }
        return loss
    }

    /// Gives every layer its name: its label, else keyword + index (`dense2`), in execution
    /// order. A label equal to another layer's automatic name is an error (duplicate labels
    /// were reported by the expander).
    private func nameLayers(_ pending: [BlockExpander.Pending]) -> [Layer]? {
        let labels = expander.labels
        var ok = true
        var counters: [String: Int] = [:]
        func build(_ ps: [BlockExpander.Pending]) -> [Layer] {
            var out: [Layer] = []
            for p in ps {
                let keyword = p.op.keyword
                counters[keyword, default: 0] += 1
                var name = p.label?.name ?? "\(keyword)\(counters[keyword]!)"
                if p.label == nil, let clash = labels[name] {
                    sink.error(CheckMessage.labelIsAutomaticName(name, keyword), at: clash,
                               fix: CheckMessage.chooseAnotherLabel)
                    ok = false
                    name += "_"
                }
                let body = build(p.body)
                let op: LayerOp = p.body.isEmpty && !isResidual(p.op) ? p.op : .residual(body: body)
                out.append(Layer(name: name, op: op, inputShape: p.input, outputShape: p.output,
                                 parameters: ShapeChecker.parameters(of: op, input: p.input),
                                 state: ShapeChecker.state(of: op, input: p.input), range: p.range))
            }
            return out
        }
        let layers = build(pending)
        return ok ? layers : nil
    }

    private func isResidual(_ op: LayerOp) -> Bool {
        if case .residual = op { return true }
        return false
    }
}
