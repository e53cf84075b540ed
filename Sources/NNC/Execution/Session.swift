import NNCKernels

/// A model ready to run: one arena per plan (train and eval), parameters, optimizer state and
/// running statistics persistent in the train arena, transients reused. Everything a step needs
/// is allocated here; a training step allocates nothing and copies only the batch in.
public final class Session {
    public let model: Model
    /// `Lowering.lower(model, batch: batch, mode: .train)`.
    public let trainPlan: Plan
    /// Forward only: batch norm on running statistics, no dropout.
    public let evalPlan: Plan
    public let threads: Int
    let train: Executor
    private let eval: Executor
    /// This rank's part in a data-parallel run; nil alone.
    let parallel: DataParallel?
    /// Dropout masks, SGD2's permutations, samples and noise, K-FAC's sampled labels; part of a
    /// checkpoint.
    var random = Random(seed: 0, stream: 1)
    /// Parameters and running statistics changed since they were last copied to the eval arena.
    private var evalIsStale = true
    /// (train offset, eval offset, slots) of every tensor the two arenas share.
    private let shared: [(train: Int, eval: Int, slots: Int)]
    private let byName: [String: Buffer]
    /// Whether a buffer still holds what its kernels wrote when the step ends (no later kernel
    /// reused its memory), per train-plan buffer id.
    let survives: [Bool]
    private var predictions: [Int32]
    /// The labels of the batch in each arena, as class indices, whatever form the plan takes.
    private var trainLabels: [Int32]
    private var evalLabels: [Int32]

    /// Lowers `model` for training at `batch` and for evaluation at `evalBatch`.
    /// `keepLayerBuffers` keeps each linear layer's X and R readable after a step (`layerBatch`).
    /// Throws `RuntimeError.lowering` when lowering refuses the model and
    /// `RuntimeError.unsupported` for an op the kernels cannot run.
    public convenience init(model: Model, batch: Int, evalBatch: Int, threads: Int, keepLayerBuffers: Bool = false) throws {
        try self.init(SessionPlans(model: model, batch: batch, evalBatch: evalBatch, keepLayerBuffers: keepLayerBuffers),
                      threads: threads)
    }

    /// Allocates a session for plans already lowered (and their `memory` checked). With a
    /// `group` of several ranks the train plan's batch is this rank's slice of the global batch
    /// (`SessionPlans(model:batch:…, ranks:)`), and every step trains on the global batch.
    public init(_ plans: SessionPlans, threads: Int, group: ProcessGroup? = nil) throws {
        model = plans.model
        self.threads = max(1, threads)
        trainPlan = plans.train
        evalPlan = plans.eval
        train = try Executor(plan: trainPlan, threads: self.threads)
        eval = try Executor(plan: evalPlan, threads: self.threads)
        var evalByName: [String: Buffer] = [:]
        for b in evalPlan.buffers where b.role.isPersistent { evalByName[b.name] = b }
        shared = trainPlan.buffers.compactMap { b in
            guard b.role == .parameter || b.role == .runningStatistic, let e = evalByName[b.name] else { return nil }
            precondition(e.slots == b.slots, "\(b.name) differs between the train and eval plans")
            return (b.offset, e.offset, b.slots)
        }
        byName = Dictionary(trainPlan.buffers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        survives = Session.survivingBuffers(trainPlan)
        predictions = [Int32](repeating: 0, count: evalPlan.batch)
        trainLabels = [Int32](repeating: 0, count: trainPlan.batch)
        evalLabels = [Int32](repeating: 0, count: evalPlan.batch)
        parallel = group.flatMap { $0.size > 1 ? DataParallel(group: $0, plan: plans.train) : nil }
    }

    /// The processes training together, 1 alone.
    public var ranks: Int { parallel?.group.size ?? 1 }
    /// This process's index among them; rank 0 writes checkpoints and the log.
    public var rank: Int { parallel?.group.rank ?? 0 }
    /// Seconds this rank spent in the collectives of its steps so far (0 alone).
    public var collectiveSeconds: Double { parallel?.group.seconds ?? 0 }
    /// The samples one step trains on over all ranks: the model's batch.
    public var globalBatch: Int { trainPlan.batch * ranks }

    /// Whether every rank holds the same parameters and running statistics, bit for bit;
    /// true alone. Every rank must ask at the same point of the run.
    public func ranksAgree() -> Bool {
        guard let parallel else { return true }
        return train.arena.withPlanView(train.table) { parallel.ranksAgree(trainPlan, $0) }
    }

    /// Fills every parameter from its initializer (docs/ALGORITHMS.md "Initialisation"), zeroes the
    /// optimizer state, sets running statistics to their initial values and seeds the runtime's
    /// random stream (stream 1 of `seed`; the weights draw from stream 0).
    public func initialize(seed: UInt64) {
        var weights = Random(seed: seed, stream: 0)
        let specs = Dictionary(model.allLayers.flatMap { l in l.parameters.map { ("\(l.name).\($0.name)", $0) } },
                               uniquingKeysWith: { a, _ in a })
        train.arena.withPlanView(train.table) { v in
            for b in trainPlan.buffers where b.role.isPersistent {
                if b.role == .parameter, let spec = specs[b.name] {
                    v.write(b.id, ParameterInit.values(spec.initializer, shape: b.shape, random: &weights))
                } else {
                    Session.zero(b, v)
                }
            }
            for s in trainPlan.runningStatistics {
                v.fill(s.buffer, with: Float(s.initialValue ?? 0))
            }
        }
        random = Random(seed: seed, stream: 1)
        train.invalidateFactors()
        evalIsStale = true
    }

    /// Converts `batcher`'s next batch straight into the train plan's input — no copy through
    /// an array — and its labels, and returns its rows (0 when the epoch is over; rows past
    /// them are zeroed). `trainStep(lr:step:)` then trains on it. Training, the learning-rate
    /// search and `nnc time` all feed the step this way. Throws when the batcher's batches are
    /// not the plan's or a label is not a class.
    public func loadTrainBatch(from batcher: inout Batcher) throws -> Int {
        try loadBatch(from: &batcher, into: train, labels: &trainLabels)
    }

    /// `loadTrainBatch`, starting the batcher's next epoch when this one is over: the few
    /// steps of the learning-rate search and of `nnc time`, which may outlast an epoch.
    public func loadTrainBatchCycling(from batcher: inout Batcher) throws -> Int {
        let rows = try loadTrainBatch(from: &batcher)
        guard rows == 0 else { return rows }
        batcher.start(epoch: batcher.epoch + 1)
        return try loadTrainBatch(from: &batcher)
    }

    /// One training step on the batch `loadTrainBatch(from:)` put in place: forward, backward
    /// and update with learning rate `lr` (each parameter's lr_scale applied inside) and the
    /// batch's mean loss. `step` is the 1-based global step (Adam's bias correction, SGD2's
    /// `every` and noise).
    public func trainStep(lr: Double, step: Int) throws -> Float {
        if let adaptive = adaptiveDamping, adaptive.scores(step: step) {
            return try adaptDampingStep(lr: lr, step: step, adaptive)
        }
        _ = try forwardBackward(lr: lr, step: step)
        return try run([train.update], learningRate: lr, step: step)
    }

    /// `loadTrainBatch` from arrays (`input` batch × features, preprocessed), then `trainStep`:
    /// for tests and gradient checks, which build their batches by hand.
    func trainStep(input: [Float], labels: [Int32], lr: Double, step: Int) throws -> Float {
        try load(input, labels, into: train, rows: trainPlan.batch)
        return try trainStep(lr: lr, step: step)
    }

    /// Forward and backward of the train plan without the update: the mean loss, with every
    /// parameter's gradient left readable (`gradient(of:)`). Running statistics move as in a
    /// training step.
    public func forwardBackward(input: [Float], labels: [Int32], step: Int = 1) throws -> Float {
        try load(input, labels, into: train, rows: trainPlan.batch)
        _ = try run([train.forward, train.backward], learningRate: 0, step: step)
        return averageOverRanks()
    }

    /// The train plan's forward pass alone (batch statistics, dropout drawn from the stream):
    /// the batch's mean loss.
    public func forwardLoss(input: [Float], labels: [Int32]) throws -> Float {
        try load(input, labels, into: train, rows: trainPlan.batch)
        return try run([train.forward], learningRate: 0, step: 1)
    }

    /// `loadTrainBatch` for the eval plan: `batcher`'s batches must be the eval plan's. Its
    /// last batch may be partial; `evaluateBatch(rows:)` then evaluates what it loaded.
    public func loadEvalBatch(from batcher: inout Batcher) throws -> Int {
        try loadBatch(from: &batcher, into: eval, labels: &evalLabels)
    }

    /// Forward pass with the eval plan on the first `rows` samples `loadEvalBatch` put in
    /// place: their summed loss, the number of correct argmax predictions, and the predicted
    /// classes (with the true ones, for a confusion matrix).
    public func evaluateBatch(rows: Int) throws -> (lossSum: Double, correct: Int, predictions: [Int32], labels: [Int32]) {
        guard rows >= 0, rows <= evalPlan.batch else {
            throw RuntimeError.shapeMismatch("\(rows) samples for an evaluation batch of \(evalPlan.batch)")
        }
        syncEvalArena()
        var ctx = StepContext(learningRate: 0, step: 1, random: random)
        try eval.run(eval.forward, &ctx)
        let plan = evalPlan
        guard case .loss(let lossOp)? = plan.kernels.last(where: { if case .loss = $0.op { return true }; return false })?.op
        else { preconditionFailure("an eval plan without its loss") }
        let classes = lossOp.classes
        let mean = eval.arena.withPlanView(eval.table) { v -> Float in
            var op = lossOp
            op.gradient = nil
            let mean = rows == 0 ? 0 : Executor.loss(op, rows: rows, v)
            v.rowArgmax(plan.logits, rows: rows, cols: classes, out: &predictions)
            return mean
        }
        var correct = 0
        for i in 0..<rows where predictions[i] == evalLabels[i] { correct += 1 }
        return (Double(mean) * Double(rows), correct, Array(predictions[0..<rows]), Array(evalLabels[0..<rows]))
    }

    /// The logits of the first `rows` samples of the last `evaluateBatch`, row after row
    /// (`rows × classes`): what the network computed before the loss, for comparing with
    /// another runtime (the ONNX export's test).
    public func evalLogits(rows: Int) -> [Float] {
        let plan = evalPlan
        let values = eval.arena.withPlanView(eval.table) { $0.copy(plan.logits) }
        return Array(values.prefix(max(0, rows) * model.outputShape.count))
    }

    /// `loadEvalBatch` from arrays, then `evaluateBatch`: for tests.
    func evaluate(input: [Float], labels: [Int32], count: Int) throws
        -> (lossSum: Double, correct: Int, predictions: [Int32]) {
        guard count >= 0, count <= evalPlan.batch else {
            throw RuntimeError.shapeMismatch("\(count) samples for an evaluation batch of \(evalPlan.batch)")
        }
        try load(input, labels, into: eval, rows: count)
        let result = try evaluateBatch(rows: count)
        return (result.lossSum, result.correct, result.predictions)
    }

    /// Every persistent float32 tensor by name, for checkpoints: parameters (`dense1.weight`),
    /// optimizer state (`adam.m.dense1.weight`), running statistics (`bn1.mean`). SGD2's Double
    /// factors are not among them: `Checkpoint` stores those itself (SGD2Tensors.swift).
    public var persistentTensors: [(name: String, role: BufferRole, shape: [Int])] {
        trainPlan.buffers.filter { $0.role.isPersistent && $0.element == .float32 }.map { ($0.name, $0.role, $0.shape) }
    }

    /// The values of the float32 tensor `name` (persistent tensors, gradients, and any buffer
    /// of the train plan); empty for a name the session does not hold.
    public func read(_ name: String) -> [Float] {
        guard let b = byName[name], b.element == .float32 else { return [] }
        return train.arena.withPlanView(train.table) { $0.copy(b.id) }
    }

    /// The gradient of parameter `name` (`dense1.weight`) after `forwardBackward` or a step.
    public func gradient(of name: String) -> [Float]? {
        guard let binding = trainPlan.parameters.first(where: { "\($0.layer).\($0.name)" == name }),
              let g = binding.gradient else { return nil }
        return train.arena.withPlanView(train.table) { $0.copy(g) }
    }

    /// Replaces the persistent tensor `name`; the count must match its shape.
    public func write(_ name: String, _ values: [Float]) throws {
        guard let b = byName[name], b.role.isPersistent, b.element == .float32 else {
            throw RuntimeError.unknownTensor(name)
        }
        guard values.count == b.count else {
            throw RuntimeError.shapeMismatch("\(name) holds \(b.count) values, got \(values.count)")
        }
        train.arena.withPlanView(train.table) { $0.write(b.id, values) }
        train.invalidateFactors()
        evalIsStale = true
    }

    /// The runtime's random stream (dropout, SGD2): four words, for checkpoints.
    public var rngState: [UInt64] {
        get { random.state }
        set { if let r = Random(state: newValue) { random = r } }
    }

    /// Runs `body` with `probe` seeing every train-plan kernel it runs (`nnc time`, `--analyze`).
    func observed<T>(by probe: ExecutorProbe, _ body: () throws -> T) rethrows -> T {
        train.probe = probe
        defer { train.probe = nil }
        return try body()
    }

    /// Reads the train arena by buffer id, as the last step left it.
    func withTrainView<R>(_ body: (BufferView) throws -> R) rethrows -> R {
        try train.arena.withPlanView(train.table, body)
    }

    /// Slots of the train and eval arenas: fixed when the session is made.
    public var arenaSlots: (train: Int, eval: Int) { (train.arena.count, eval.arena.count) }

    // MARK: - Internals

    /// After a backward pass: every gradient, running statistic and the loss averaged over the
    /// ranks, so the update that follows is the global batch's; the (global) mean loss.
    func averageOverRanks() -> Float {
        if let parallel { train.arena.withPlanView(train.table) { parallel.average($0) } }
        return lossValue()
    }

    private func lossValue() -> Float {
        train.arena.withPlanView(train.table) { v in v.withSpan(trainPlan.loss) { $0[0] } }
    }

    /// Runs the kernel ranges of the train plan in order with the step's settings and the
    /// runtime's random stream; the batch's mean loss.
    func run(_ ranges: [Range<Int>], learningRate: Double, step: Int) throws -> Float {
        var ctx = StepContext(learningRate: learningRate, step: step, random: random, group: parallel?.group)
        defer { random = ctx.random }
        for range in ranges { try train.run(range, &ctx) }
        evalIsStale = true
        return lossValue()
    }

    /// The one way a batch enters an arena: `batcher` converts its features straight into the
    /// plan's input (rows past its count zeroed) and its labels into `labels`, which `place`
    /// checks and writes as the plan takes them.
    private func loadBatch(from batcher: inout Batcher, into exec: Executor, labels: inout [Int32]) throws -> Int {
        let plan = exec.plan
        let features = plan.buffer(plan.input).count / max(plan.batch, 1)
        guard batcher.rowsPerShard == plan.batch, batcher.sampleSize == features else {
            throw RuntimeError.shapeMismatch("batches of \(batcher.rowsPerShard) samples of \(batcher.sampleSize) values "
                                             + "for a plan of \(plan.batch) samples of \(features)")
        }
        let rows = exec.arena.withPlanView(exec.table) { v -> Int in
            v.withMutableSpan(plan.input) { input in
                var out = labels.mutableSpan
                let rows = batcher.next(into: &input, labels: &out, threads: threads)
                for i in (rows * features)..<input.count { input[i] = 0 }
                return rows
            }
        }
        try place(labels, rows: rows, into: exec)
        return rows
    }

    /// Copies a batch in from arrays: `rows` samples of input (the rest of the buffer zeroed)
    /// and their labels.
    private func load(_ input: [Float], _ labels: [Int32], into exec: Executor, rows: Int) throws {
        let plan = exec.plan
        let x = plan.buffer(plan.input)
        let features = x.count / plan.batch
        guard input.count >= rows * features, input.count <= x.count else {
            throw RuntimeError.shapeMismatch("input holds \(input.count) values, expected \(rows) × \(features)")
        }
        guard labels.count >= rows, labels.count <= plan.batch else {
            throw RuntimeError.shapeMismatch("\(labels.count) labels for \(rows) samples")
        }
        exec.arena.withPlanView(exec.table) { v in v.load(plan.input, from: input, used: rows * features) }
        if exec === eval {
            for i in 0..<rows { evalLabels[i] = labels[i] }
        }
        try place(labels, rows: rows, into: exec)
    }

    /// Writes the first `rows` labels into the plan's labels as class indices, or as one-hot
    /// targets for mean squared error; the rest are zeroed. A label that is not a class throws.
    private func place(_ labels: [Int32], rows: Int, into exec: Executor) throws {
        let plan = exec.plan
        let classes = model.outputShape.count
        for i in 0..<rows where labels[i] < 0 || Int(labels[i]) >= classes {
            throw RuntimeError.shapeMismatch("label \(labels[i]) of sample \(i) is outside 0..<\(classes)")
        }
        exec.arena.withPlanView(exec.table) { v in
            if plan.buffer(plan.labels).element == .int32 {
                v.withMutableInt32Span(plan.labels, count: plan.batch) { out in
                    for i in 0..<plan.batch { out[i] = i < rows ? labels[i] : 0 }
                }
            } else {
                v.withMutableSpan(plan.labels) { t in
                    for i in 0..<t.count { t[i] = 0 }
                    for i in 0..<rows { t[i * classes + Int(labels[i])] = 1 }
                }
            }
        }
    }

    /// Zeroes a persistent buffer whatever its element type.
    private static func zero(_ b: Buffer, _ v: BufferView) {
        switch b.element {
        case .float32: v.fill(b.id, with: 0)
        case .float64: v.withMutableDoubleSpan(b.id) { for i in 0..<$0.count { $0[i] = 0 } }
        case .int32: v.withMutableInt32Span(b.id, count: b.count) { for i in 0..<$0.count { $0[i] = 0 } }
        }
    }

    private func syncEvalArena() {
        guard evalIsStale else { return }
        for s in shared { eval.arena.copy(s.slots, from: train.arena, at: s.train, to: s.eval) }
        evalIsStale = false
    }
}
