/// Expands a net body into layers: evaluates arguments, inlines block uses and `repeat`,
/// infers every layer's shape, and refuses what would not terminate or not fit —
/// recursion between blocks, nesting deeper than `maxDepth`, more than `maxLayers` layers.
///
/// A shape of nil means "unknown after an error": later statements are still checked for
/// names and options, but not for shapes, so one mistake is reported once.
final class BlockExpander {
    static let maxLayers = 100_000
    static let maxDepth = 64
    /// Statements visited, a backstop for the layer cap.
    static let maxWork = 1_000_000

    struct Block {
        var name: Identifier
        var parameters: [Identifier]
        var body: [Statement]
    }

    /// A layer before names are given (names need the whole net: `dense3`).
    struct Pending {
        var label: Identifier?
        var op: LayerOp
        var input: Shape
        var output: Shape
        var range: SourceRange
        var body: [Pending] = []
    }

    private let evaluator: Evaluator
    private var sink: DiagnosticSink { evaluator.sink }
    let blocks: [String: Block]
    private var callStack: [String] = []
    /// Every label given to a layer, with its first place; a second use is an error.
    private(set) var labels: [String: SourceRange] = [:]
    /// Labels in the order first recorded, so a `repeat` can tell which its body gave.
    private var labelOrder: [Identifier] = []
    /// Blocks expanded at least once (the others are reported as unused).
    private(set) var used: Set<String> = []
    private var layerCount = 0
    private var work = 0
    /// Set once a limit is hit; expansion then stops everywhere.
    private(set) var aborted = false
    /// What an unknown layer name may have meant, sorted once: sorting the blocks' names for
    /// each misspelt line made a file of many blocks and many such lines quadratic.
    private lazy var layerCandidates = LayerTable.keywords + blocks.keys.sorted()

    init(evaluator: Evaluator, blocks: [String: Block]) {
        self.evaluator = evaluator
        self.blocks = blocks
    }

    /// Expands `statements` in order from `shape`; returns the shape after them.
    func expand(_ statements: [Statement], from shape: Shape?, scope: [String: Value], depth: Int,
                into layers: inout [Pending]) -> Shape? {
        var shape = shape
        for s in statements {
            if aborted { return nil }
            shape = expand(s, from: shape, scope: scope, depth: depth, into: &layers)
        }
        return shape
    }

    private func expand(_ s: Statement, from shape: Shape?, scope: [String: Value], depth: Int,
                        into layers: inout [Pending]) -> Shape? {
        work += 1
        guard work <= BlockExpander.maxWork else {
            abort(CheckMessage.tooMuchExpansion(BlockExpander.maxWork), at: s.name.range)
            return nil
        }
        guard depth <= BlockExpander.maxDepth else {
            sink.error(CheckMessage.nestingTooDeep(BlockExpander.maxDepth), at: s.name.range)
            aborted = true
            return nil
        }
        let name = s.name.name
        switch name {
        case "input", "loss":
            sink.error(CheckMessage.notAtTopLevel(name), at: s.name.range)
            return shape
        case "repeat":
            return expandRepeat(s, from: shape, scope: scope, depth: depth, into: &layers)
        case "residual":
            return expandResidual(s, from: shape, scope: scope, depth: depth, into: &layers)
        default:
            if let spec = LayerTable.spec(name) {
                return layer(s, spec, from: shape, scope: scope, into: &layers)
            }
            if let block = blocks[name] {
                return use(block, s, from: shape, scope: scope, depth: depth, into: &layers)
            }
            sink.error(CheckMessage.unknownLayer(name), at: s.name.range,
                       fix: CheckMessage.aliasFix(name) ?? Suggestions.fix(for: name, among: layerCandidates))
            if let body = s.body {
                var ignored: [Pending] = []
                _ = expand(body, from: nil, scope: scope, depth: depth + 1, into: &ignored)
            }
            return nil
        }
    }

    /// Evaluates a statement's arguments against its spec.
    private func arguments(_ s: Statement, _ spec: StatementSpec, scope: [String: Value]) -> Arguments {
        var values: [ValueArgument] = []
        var incomplete = false
        for a in s.arguments {
            if let v = evaluator.evaluate(a.value, in: scope) {
                values.append(ValueArgument(label: a.label, value: v))
            } else { incomplete = true }
        }
        return Arguments(values, spec: spec, at: s.range, evaluator: evaluator, incomplete: incomplete)
    }

    private func layer(_ s: Statement, _ spec: StatementSpec, from shape: Shape?, scope: [String: Value],
                       into layers: inout [Pending]) -> Shape? {
        let args = arguments(s, spec, scope: scope)
        record(s.label)
        if s.body != nil {
            sink.error(CheckMessage.takesNoBody(spec.keyword), at: s.name.range)
        }
        guard let op = LayerBuilder.op(args, evaluator: evaluator) else {
            // A bad option of a shape-keeping layer (`dropout 1.5`) leaves the shape known,
            // so the layers after it are still checked.
            return LayerBuilder.keepsShape(spec.keyword) ? shape : nil
        }
        guard let shape else { return nil }
        switch ShapeChecker.output(of: op, input: shape) {
        case .failure(let f):
            sink.error(f.message, at: s.range, fix: f.fix)
            return nil
        case .success(let out):
            guard count(1, at: s.name.range) else { return nil }
            layers.append(Pending(label: s.label, op: op, input: shape, output: out, range: s.range))
            return out
        }
    }

    private func expandRepeat(_ s: Statement, from shape: Shape?, scope: [String: Value], depth: Int,
                              into layers: inout [Pending]) -> Shape? {
        let args = arguments(s, LayerTable.spec("repeat")!, scope: scope)
        if let label = s.label { sink.error(CheckMessage.labelNotAllowed("repeat"), at: label.range) }
        guard let body = s.body else {
            sink.error(CheckMessage.needsBody("repeat"), at: s.name.range, fix: CheckMessage.repeatFix)
            return nil
        }
        guard let times = args.int("count"), !args.failed else {
            var ignored: [Pending] = []
            _ = expand(body, from: nil, scope: scope, depth: depth + 1, into: &ignored)
            return nil
        }
        var shape = shape
        for i in 0..<times {
            let before = layers.count
            let labelsBefore = labelOrder.count
            shape = expand(body, from: shape, scope: scope, depth: depth + 1, into: &layers)
            let made = layers.count - before
            // A body that made nothing will make nothing again: stop instead of spinning.
            if aborted || made == 0 || shape == nil {
                // The copies not expanded would repeat the first one's labels: report that now,
                // not only once the error that stopped the expansion is fixed.
                if !aborted && i == 0 && times > 1 {
                    for label in labelOrder[labelsBefore...] { record(label) }
                }
                break
            }
            if i == 0 {
                let (rest, o1) = made.multipliedReportingOverflow(by: times - 1)
                let (total, o2) = layerCount.addingReportingOverflow(rest)
                if o1 || o2 || total > BlockExpander.maxLayers {
                    abort(CheckMessage.repeatTooLarge(times, made, BlockExpander.maxLayers), at: s.range)
                    return nil
                }
            }
        }
        return shape
    }

    private func expandResidual(_ s: Statement, from shape: Shape?, scope: [String: Value], depth: Int,
                                into layers: inout [Pending]) -> Shape? {
        let args = arguments(s, LayerTable.spec("residual")!, scope: scope)
        record(s.label)
        guard let body = s.body else {
            sink.error(CheckMessage.needsBody("residual"), at: s.name.range, fix: CheckMessage.residualFix)
            return nil
        }
        var inner: [Pending] = []
        let out = expand(body, from: shape, scope: scope, depth: depth + 1, into: &inner)
        guard let shape, let out, !args.failed else { return nil }
        guard out == shape else {
            sink.error(CheckMessage.residualChangesShape(shape.description, out.description), at: s.name.range,
                       fix: CheckMessage.residualShapeFix(shape.description))
            return nil
        }
        guard count(1, at: s.name.range) else { return nil }
        layers.append(Pending(label: s.label, op: .residual(body: []), input: shape, output: shape,
                              range: s.range, body: inner))
        return shape
    }

    /// Inlines a block: binds its parameters (positional or by name) and expands its body.
    private func use(_ block: Block, _ s: Statement, from shape: Shape?, scope: [String: Value], depth: Int,
                     into layers: inout [Pending]) -> Shape? {
        let name = block.name.name
        let definedHere = Diagnostic.Note(message: CheckMessage.definedHere(name), range: block.name.range)
        if let label = s.label { sink.error(CheckMessage.labelNotAllowed(name), at: label.range) }
        if s.body != nil { sink.error(CheckMessage.takesNoBody(name), at: s.name.range) }
        if callStack.contains(name) {
            sink.error(CheckMessage.recursiveBlock(name, through: callStack.last!), at: s.name.range,
                       notes: [definedHere])
            return nil
        }
        var bound: [String: Value] = [:]
        var firstRange: [String: SourceRange] = [:]
        var failed = false
        var next = 0
        let paramNames = block.parameters.map(\.name)
        for a in s.arguments {
            let value = evaluator.evaluate(a.value, in: scope)
            if value == nil { failed = true }
            let param: String
            let where_: SourceRange
            if let label = a.label {
                guard paramNames.contains(label.name) else {
                    sink.error(CheckMessage.unknownBlockParameter(label.name, of: name), at: label.range,
                               fix: Suggestions.fix(for: label.name, among: paramNames), notes: [definedHere])
                    failed = true
                    continue
                }
                param = label.name
                where_ = label.range
            } else {
                while next < paramNames.count, bound[paramNames[next]] != nil || firstRange[paramNames[next]] != nil { next += 1 }
                guard next < paramNames.count else {
                    sink.error(CheckMessage.tooManyBlockArguments(name, paramNames.count), at: a.value.range,
                               notes: [definedHere])
                    failed = true
                    continue
                }
                param = paramNames[next]
                where_ = a.value.range
            }
            if let first = firstRange[param] {
                sink.error(CheckMessage.duplicateOption(param), at: where_,
                           notes: [.init(message: CheckMessage.firstGivenHere, range: first)])
                failed = true
                continue
            }
            firstRange[param] = where_
            if let value { bound[param] = value }
        }
        // After a misspelt parameter name, "missing argument" would only repeat that mistake.
        let missing = paramNames.filter { firstRange[$0] == nil }
        if !missing.isEmpty && !failed {
            sink.error(CheckMessage.missingBlockArguments(name, missing), at: s.range,
                       fix: CheckMessage.blockCallFix(name, paramNames), notes: [definedHere])
            failed = true
        }
        used.insert(name)
        // With a bad argument the body would only repeat that mistake as unknown names.
        if failed { return nil }
        callStack.append(name)
        sink.context.append(.init(message: CheckMessage.expandedFrom(name), range: s.range))
        let savedScope = evaluator.scopeNames
        evaluator.scopeNames = paramNames
        defer {
            callStack.removeLast()
            sink.context.removeLast()
            evaluator.scopeNames = savedScope
        }
        return expand(block.body, from: shape, scope: bound, depth: depth + 1, into: &layers)
    }

    /// Notes a layer's label; a label seen before is reported at its second place. Inside a
    /// block or `repeat` the "first" place is the same line: every copy carries the label.
    private func record(_ label: Identifier?) {
        guard let label else { return }
        if let first = labels[label.name] {
            let fix = first == label.range ? CheckMessage.labelInRepeatedCode : nil
            sink.error(CheckMessage.duplicateLabel(label.name), at: label.range, fix: fix,
                       notes: [.init(message: CheckMessage.firstUsedHere, range: first)])
        } else {
            labels[label.name] = label.range
            labelOrder.append(label)
        }
    }

    /// Counts new layers against the cap; false (and reported) past it.
    private func count(_ n: Int, at range: SourceRange) -> Bool {
        layerCount += n
        if layerCount > BlockExpander.maxLayers {
            abort(CheckMessage.tooManyLayers(BlockExpander.maxLayers), at: range)
            return false
        }
        return true
    }

    private func abort(_ message: String, at range: SourceRange) {
        if !aborted { sink.error(message, at: range) }
        aborted = true
    }
}
