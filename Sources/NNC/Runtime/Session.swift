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
    /// Dropout masks and SGD2's permutations, samples and noise; part of a checkpoint.
    private var random = Random(seed: 0, stream: 1)
    /// Parameters and running statistics changed since they were last copied to the eval arena.
    private var evalIsStale = true
    /// (train offset, eval offset, slots) of every tensor the two arenas share.
    private let shared: [(train: Int, eval: Int, slots: Int)]
    private let byName: [String: Buffer]
    /// Whether a buffer still holds what its kernels wrote when the step ends (no later kernel
    /// reused its memory), per train-plan buffer id.
    let survives: [Bool]
    private var predictions: [Int32]

    /// Lowers `model` for training at `batch` and for evaluation at `evalBatch`.
    /// `keepLayerBuffers` keeps each linear layer's X and R readable after a step (`layerBatch`).
    /// Throws `RuntimeError.lowering` when lowering refuses the model and
    /// `RuntimeError.unsupported` for an op the kernels cannot run.
    public init(model: Model, batch: Int, evalBatch: Int, threads: Int, keepLayerBuffers: Bool = false) throws {
        self.model = model
        self.threads = max(1, threads)
        func lower(_ batch: Int, _ mode: Plan.Mode) throws -> Plan {
            let (plan, diagnostics) = Lowering.lower(model, batch: batch, mode: mode,
                                                     keepLayerBuffers: keepLayerBuffers && mode == .train)
            guard let plan else { throw RuntimeError.lowering(diagnostics) }
            return plan
        }
        trainPlan = try lower(batch, .train)
        evalPlan = try lower(evalBatch, .eval)
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
        predictions = [Int32](repeating: 0, count: evalBatch)
    }

    /// Fills every parameter from its initializer (ALGORITHMS.md "Initialisation"), zeroes the
    /// optimizer state, sets running statistics to their initial values and seeds the runtime's
    /// random stream (stream 1 of `seed`; the weights draw from stream 0).
    public func initialize(seed: UInt64) {
        var weights = Random(seed: seed, stream: 0)
        let specs = Dictionary(model.allLayers.flatMap { l in l.parameters.map { ("\(l.name).\($0.name)", $0) } },
                               uniquingKeysWith: { a, _ in a })
        train.arena.withView { v in
            for b in trainPlan.buffers where b.role.isPersistent {
                let slots = v.buffer(b.offset, b.slots)
                slots.update(repeating: 0)
                if b.role == .parameter, let spec = specs[b.name] {
                    let values = ParameterInit.values(spec.initializer, shape: b.shape, random: &weights)
                    _ = slots.update(from: values)
                }
            }
            for s in trainPlan.runningStatistics {
                let b = trainPlan.buffer(s.buffer)
                v.buffer(b.offset, b.count).update(repeating: Float(s.initialValue ?? 0))
            }
        }
        random = Random(seed: seed, stream: 1)
        train.invalidateFactors()
        evalIsStale = true
    }

    /// One training step on a full batch: copies `input` (batch × features, preprocessed) and
    /// `labels` into the arena, runs forward, backward and update with learning rate `lr` (each
    /// parameter's lr_scale applied inside) and returns the batch's mean loss. `step` is the
    /// 1-based global step (Adam's bias correction, SGD2's `every` and noise).
    public func trainStep(input: [Float], labels: [Int32], lr: Double, step: Int) throws -> Float {
        try load(input, labels, into: train, rows: trainPlan.batch)
        return try trainStep(lr: lr, step: step)
    }

    /// Whether `loadTrainBatch(from:)` can fill the train plan's input: class labels (not
    /// one-hot targets) and `batcher`'s batch and sample size.
    public func canLoadTrainBatch(from batcher: Batcher) -> Bool {
        let plan = trainPlan
        let x = plan.buffer(plan.input), y = plan.buffer(plan.labels)
        return y.element == .int32 && batcher.batchSize == plan.batch && batcher.sampleSize * plan.batch == x.count
    }

    /// Converts `batcher`'s next batch straight into the train plan's input and labels — no
    /// copy through an array — and returns its rows (0 when the epoch is over; rows past them
    /// are zeroed). `trainStep(lr:step:)` then trains on it. Check `canLoadTrainBatch` first.
    public func loadTrainBatch(from batcher: inout Batcher) throws -> Int {
        precondition(canLoadTrainBatch(from: batcher), "loadTrainBatch needs class labels and the plan's batch")
        let plan = trainPlan
        let classes = Int32(model.outputShape.count)
        let (rows, bad) = train.arena.withPlanView(train.table) { v -> (Int, Int32?) in
            let input = v.floats(plan.input)
            var features = input.mutableSpan
            return v.int32Buffer(plan.labels, count: plan.batch) { buffer in
                var labels = buffer.mutableSpan
                let rows = batcher.next(into: &features, labels: &labels)
                if rows < plan.batch {
                    input[(rows * batcher.sampleSize)...].update(repeating: 0)
                    for i in rows..<plan.batch { labels[i] = 0 }
                }
                for i in 0..<rows where labels[i] < 0 || labels[i] >= classes { return (rows, labels[i]) }
                return (rows, nil)
            }
        }
        if let bad { throw RuntimeError.shapeMismatch("label \(bad) is outside 0..<\(classes)") }
        return rows
    }

    /// One training step on the batch `loadTrainBatch(from:)` put in place: forward, backward
    /// and update with learning rate `lr`; the batch's mean loss.
    public func trainStep(lr: Double, step: Int) throws -> Float {
        var ctx = StepContext(learningRate: lr, step: step, random: random)
        defer { random = ctx.random }
        try train.run(train.forward, &ctx)
        try train.run(train.backward, &ctx)
        try train.run(train.update, &ctx)
        evalIsStale = true
        return lossValue()
    }

    /// Forward and backward of the train plan without the update: the mean loss, with every
    /// parameter's gradient left readable (`gradient(of:)`). Running statistics move as in a
    /// training step.
    public func forwardBackward(input: [Float], labels: [Int32], step: Int = 1) throws -> Float {
        try load(input, labels, into: train, rows: trainPlan.batch)
        var ctx = StepContext(learningRate: 0, step: step, random: random)
        defer { random = ctx.random }
        try train.run(train.forward, &ctx)
        try train.run(train.backward, &ctx)
        evalIsStale = true
        return lossValue()
    }

    /// The train plan's forward pass alone (batch statistics, dropout drawn from the stream):
    /// the batch's mean loss.
    public func forwardLoss(input: [Float], labels: [Int32]) throws -> Float {
        try load(input, labels, into: train, rows: trainPlan.batch)
        var ctx = StepContext(learningRate: 0, step: 1, random: random)
        defer { random = ctx.random }
        try train.run(train.forward, &ctx)
        evalIsStale = true
        return lossValue()
    }

    /// Forward pass with the eval plan on the first `count` ≤ evalBatch samples (rows beyond
    /// `count` are ignored): their summed loss, the number of correct argmax predictions, and
    /// the predicted classes.
    public func evaluate(input: [Float], labels: [Int32], count: Int) throws
        -> (lossSum: Double, correct: Int, predictions: [Int32]) {
        guard count >= 0, count <= evalPlan.batch else {
            throw RuntimeError.shapeMismatch("\(count) samples for an evaluation batch of \(evalPlan.batch)")
        }
        syncEvalArena()
        try load(input, labels, into: eval, rows: count)
        var ctx = StepContext(learningRate: 0, step: 1, random: random)
        try eval.run(eval.forward, &ctx)
        let plan = evalPlan
        guard case .loss(let lossOp)? = plan.kernels.last(where: { if case .loss = $0.op { return true }; return false })?.op
        else { preconditionFailure("an eval plan without its loss") }
        let classes = lossOp.classes
        let mean = eval.arena.withPlanView(eval.table) { v -> Float in
            var op = lossOp
            op.gradient = nil
            let mean = count == 0 ? 0 : Executor.loss(op, rows: count, v)
            rowArgmax(v.f(plan.logits), rows: count, cols: classes, ldx: classes, out: &predictions)
            return mean
        }
        var correct = 0
        for i in 0..<count where predictions[i] == labels[i] { correct += 1 }
        return (Double(mean) * Double(count), correct, Array(predictions[0..<count]))
    }

    /// Every persistent float32 tensor by name, for checkpoints: parameters (`dense1.weight`),
    /// optimizer state (`adam.m.dense1.weight`), running statistics (`bn1.mean`). SGD2's Double
    /// factors are not among them: `Checkpoint` stores those itself (SGD2State.swift).
    public var persistentTensors: [(name: String, role: BufferRole, shape: [Int])] {
        trainPlan.buffers.filter { $0.role.isPersistent && $0.element == .float32 }.map { ($0.name, $0.role, $0.shape) }
    }

    /// The values of the float32 tensor `name` (persistent tensors, gradients, and any buffer
    /// of the train plan); empty for a name the session does not hold.
    public func read(_ name: String) -> [Float] {
        guard let b = byName[name], b.element == .float32 else { return [] }
        return train.arena.withView { Array($0.buffer(b.offset, b.count)) }
    }

    /// The gradient of parameter `name` (`dense1.weight`) after `forwardBackward` or a step.
    public func gradient(of name: String) -> [Float]? {
        guard let binding = trainPlan.parameters.first(where: { "\($0.layer).\($0.name)" == name }),
              let g = binding.gradient else { return nil }
        let b = trainPlan.buffer(g)
        return train.arena.withView { Array($0.buffer(b.offset, b.count)) }
    }

    /// Replaces the persistent tensor `name`; the count must match its shape.
    public func write(_ name: String, _ values: [Float]) throws {
        guard let b = byName[name], b.role.isPersistent, b.element == .float32 else {
            throw RuntimeError.unknownTensor(name)
        }
        guard values.count == b.count else {
            throw RuntimeError.shapeMismatch("\(name) holds \(b.count) values, got \(values.count)")
        }
        train.arena.withView { _ = $0.buffer(b.offset, b.count).update(from: values) }
        train.invalidateFactors()
        evalIsStale = true
    }

    /// The runtime's random stream (dropout, SGD2): four words, for checkpoints.
    public var rngState: [UInt64] {
        get { random.state }
        set { if let r = Random(state: newValue) { random = r } }
    }

    /// Slots of the train and eval arenas: fixed when the session is made.
    public var arenaSlots: (train: Int, eval: Int) { (train.arena.count, eval.arena.count) }

    // MARK: - Internals

    private func lossValue() -> Float {
        train.arena.withView { $0.pointer(trainPlan.buffer(trainPlan.loss).offset, 1)[0] }
    }

    /// Copies the batch in: `rows` samples of input (the rest of the buffer zeroed), their labels
    /// as class indices, or one-hot targets for mean squared error.
    private func load(_ input: [Float], _ labels: [Int32], into exec: Executor, rows: Int) throws {
        let plan = exec.plan
        let x = plan.buffer(plan.input), y = plan.buffer(plan.labels)
        let features = x.count / plan.batch
        guard input.count >= rows * features, input.count <= x.count else {
            throw RuntimeError.shapeMismatch("input holds \(input.count) values, expected \(rows) × \(features)")
        }
        guard labels.count >= rows, labels.count <= plan.batch else {
            throw RuntimeError.shapeMismatch("\(labels.count) labels for \(rows) samples")
        }
        let classes = model.outputShape.count
        for i in 0..<rows where labels[i] < 0 || Int(labels[i]) >= classes {
            throw RuntimeError.shapeMismatch("label \(labels[i]) of sample \(i) is outside 0..<\(classes)")
        }
        exec.arena.withPlanView(exec.table) { v in
            v.load(plan.input, from: input, used: rows * features)
            if y.element == .int32 {
                v.int32(plan.labels) { out in
                    for i in 0..<plan.batch { out[i] = i < rows ? labels[i] : 0 }
                }
            } else {
                let t = v.floats(plan.labels)
                t.update(repeating: 0)
                for i in 0..<rows { t[i * classes + Int(labels[i])] = 1 }
            }
        }
    }

    private func syncEvalArena() {
        guard evalIsStale else { return }
        train.arena.withView { t in
            eval.arena.withView { e in
                for s in shared { e.mutablePointer(s.eval, s.slots).update(from: t.pointer(s.train, s.slots), count: s.slots) }
            }
        }
        evalIsStale = false
    }
}
