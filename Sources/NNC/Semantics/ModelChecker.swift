/// The semantic stage: from a parsed file to the checked `Model`.
public enum ModelChecker {
    /// Checks a parsed file. `parseDiagnostics` tell which parts the parser already found
    /// broken, so their consequences (a net without its `loss` because the body did not
    /// parse) are not reported again. Returns a model only when this stage found no errors;
    /// past `DiagnosticSink.storedLimit` diagnostics, the rest are only counted in `omitted`.
    public static func check(_ unit: SourceUnit, parseDiagnostics: [Diagnostic] = [])
        -> (model: Model?, diagnostics: [Diagnostic], omitted: OmittedDiagnostics) {
        let sink = DiagnosticSink()
        let evaluator = Evaluator(sink: sink)
        var blocks: [String: BlockExpander.Block] = [:]
        var nets: [(name: Identifier, body: [Statement], range: SourceRange)] = []
        var configs: [String: (keyword: Identifier, name: Identifier?, items: [ConfigItem], range: SourceRange)] = [:]
        var configOrder: [String] = []
        var blockRanges: [SourceRange] = []

        for d in unit.declarations {
            switch d {
            case .constant(let name, let value, _):
                _ = evaluator.define(name, value)
            case .block(let name, let parameters, let body, let range):
                blockRanges.append(range)
                if let first = blocks[name.name] {
                    sink.error(CheckMessage.duplicateBlock(name.name), at: name.range,
                               notes: [.init(message: CheckMessage.firstDefinedHere, range: first.name.range)])
                    continue
                }
                if LayerTable.spec(name.name) != nil {
                    sink.error(CheckMessage.blockShadowsLayer(name.name), at: name.range,
                               fix: CheckMessage.renameBlock)
                    continue
                }
                var seen: [String: SourceRange] = [:]
                for p in parameters {
                    if let first = seen[p.name] {
                        sink.error(CheckMessage.duplicateParameter(p.name), at: p.range,
                                   notes: [.init(message: CheckMessage.firstDefinedHere, range: first)])
                    }
                    seen[p.name] = p.range
                }
                blocks[name.name] = .init(name: name, parameters: parameters, body: body)
            case .net(let name, let body, let range):
                if let first = nets.first {
                    sink.error(CheckMessage.duplicateNet, at: name.range,
                               notes: [.init(message: CheckMessage.firstDefinedHere, range: first.name.range)])
                    continue
                }
                nets.append((name, body, range))
            case .config(let keyword, let name, let items, let range):
                if let first = configs[keyword.name] {
                    sink.error(CheckMessage.duplicateStatement(keyword.name), at: keyword.range,
                               notes: [.init(message: CheckMessage.firstGivenHere, range: first.keyword.range)])
                    continue
                }
                configs[keyword.name] = (keyword, name, items, range)
                configOrder.append(keyword.name)
            }
        }
        evaluator.evaluateAllConstants()

        let parseErrors = parseDiagnostics.filter(\.isError)
        func damaged(_ range: SourceRange) -> Bool {
            parseErrors.contains { $0.range.start.offset >= range.start.offset && $0.range.start.offset <= range.end.offset }
        }
        let expander = BlockExpander(evaluator: evaluator, blocks: blocks)
        var net: NetChecker.Result?
        if let n = nets.first {
            net = NetChecker(expander: expander, evaluator: evaluator).check(name: n.name, body: n.body,
                                                                             bodyDamaged: damaged(n.range))
        } else if parseErrors.isEmpty {
            let start = SourceLocation(line: 1, column: 1, offset: 0)
            sink.error(CheckMessage.missingNet, at: SourceRange(start: start, end: start), fix: CheckMessage.addNet)
        }

        let config = ConfigChecker(evaluator: evaluator)
        // Overrides are checked in the same pass as the net, even when it has errors; only a
        // net or block the parser could not read, or an expansion cut short, leaves them unchecked.
        var targets: OverrideTargets?
        if let net, net.complete {
            targets = OverrideTargets(layers: net.layers)
        } else if let n = nets.first, !expander.aborted, !damaged(n.range), !blockRanges.contains(where: damaged) {
            targets = OverrideTargets(statements: [n.body] + blocks.values.map(\.body), blockNames: Set(blocks.keys))
        }
        var data: DataSpec?
        var optimizer = OptimizerSpec.defaults(for: .sgd)
        var training = TrainingSpec()
        var configOK = true
        for key in configOrder {
            let c = configs[key]!
            switch key {
            case "data":
                data = config.data(c.items, range: c.range)
                if data == nil { configOK = false }
            case "optimizer":
                guard let name = c.name else { configOK = false; continue }
                if let o = config.optimizer(name, c.items, range: c.range, targets: targets) {
                    optimizer = o
                } else { configOK = false }
            case "train":
                if let t = config.train(c.items, range: c.range) { training = t } else { configOK = false }
            default:
                sink.error(CheckMessage.unknownSection(key, in: "file"), at: c.keyword.range)
                configOK = false
            }
        }
        if training.earlyStop != nil && data?.validation == nil {
            sink.error("early_stop watches the validation error, but the data block holds no validation set",
                       at: training.earlyStopRange, fix: "add 'validation: split(0.1)' to the data block")
        }
        if let kfac = optimizer.kfac, kfac.fisher == .sampled, let loss = net?.loss, loss != .crossEntropy {
            sink.error(CheckMessage.sampledFisherNeedsSoftmax(loss.keyword), at: kfac.fisherRange ?? optimizer.range,
                       fix: CheckMessage.sampledFisherFix)
        }
        for (name, block) in blocks.sorted(by: { $0.key < $1.key }) where !expander.aborted && !expander.used.contains(name) {
            sink.warning(CheckMessage.unusedBlock(name), at: block.name.range)
        }

        let diagnostics = sink.diagnostics
        guard let n = nets.first, let net, net.complete, configOK, !diagnostics.hasErrors, sink.omitted.errors == 0,
              let input = net.inputShape, let loss = net.loss else {
            return (nil, diagnostics, sink.omitted)
        }
        let model = Model(name: n.name.name, inputShape: input, layers: net.layers, loss: loss, data: data,
                          optimizer: optimizer, training: training, range: n.range)
        return (model, diagnostics, sink.omitted)
    }
}
