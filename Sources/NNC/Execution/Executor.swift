import NNCKernels

/// Watches an executor's kernels one at a time: timing and the analyses read buffers between them.
protocol ExecutorProbe: AnyObject {
    func willRun(_ kernel: Int)
    /// After kernel `kernel`, with the arena still as it left it.
    func didRun(_ kernel: Int, _ view: BufferView)
}

/// Runs one plan's kernels over one arena: one `switch` over `Op`, each case a direct call of
/// an NNCKernels function with pointers from the plan view. Everything a step needs is made
/// here, once: the arena, the GEMM packing buffers, the scratch for outputs the plan leaves
/// out (an eval plan's pooling indices, a gradient nobody reads), SGD2's state.
final class Executor {
    let plan: Plan
    let arena: Arena
    let threads: Int
    let table: BufferTable
    private let ops: [Op]
    let forward: Range<Int>, backward: Range<Int>, update: Range<Int>
    private let workspace = GEMMWorkspace()
    private let scratch: Scratch
    /// Per kernel, SGD2's state for `sgd2Precondition` kernels (checkpointed: SGD2Tensors.swift).
    let correctors: [SGD2Corrector?]
    /// What K-FAC did about its damping and Shampoo about roots it could not compute, since the
    /// trainer last took these (`takeDampingEvents`).
    private(set) var dampingEvents: [CurvatureEvent] = []
    /// Sees every kernel run while set (`nnc time`, `nnc train --analyze`); nil costs nothing.
    var probe: ExecutorProbe?

    init(plan: Plan, threads: Int) throws {
        self.plan = plan
        self.threads = max(1, threads)
        table = BufferTable(plan)
        ops = plan.kernels.map(\.op)
        func range(_ phase: Phase) -> Range<Int> {
            let idx = plan.kernels.indices.filter { plan.kernels[$0].phase == phase }
            guard let first = idx.first, let last = idx.last else { return 0..<0 }
            precondition(idx.count == last - first + 1, "plan phases are not contiguous")
            return first..<(last + 1)
        }
        forward = range(.forward); backward = range(.backward); update = range(.update)
        var floats = 0, indices = 0
        for op in ops {
            try Executor.check(op, plan)
            let need = Executor.scratchNeed(op)
            floats = max(floats, need.floats)
            indices = max(indices, need.indices)
        }
        scratch = Scratch(floats: floats, indices: indices)
        correctors = ops.map { op in
            guard case .sgd2Precondition(let p) = op else { return nil }
            let shape = plan.buffer(p.weightGrad).shape
            return SGD2Corrector(p, batch: plan.batch,
                                  taps: p.isConvolution && shape.count == 4 ? shape[2] * shape[3] : 1, threads: threads)
        }
        arena = Arena(count: plan.arenaSlots)
    }

    /// What an executor of `plan` allocates besides its arena: the scratch, SGD2's correctors,
    /// the packing buffers of GEMM on every thread (`GEMMWorkspace`) and the largest slab the
    /// kernels take from their scratch pool.
    static func workspaceBytes(_ plan: Plan, threads: Int) -> Int {
        let ops = plan.kernels.map(\.op)
        let scratch = ops.map(scratchNeed).reduce((floats: 0, indices: 0)) { (max($0.floats, $1.floats), max($0.indices, $1.indices)) }
        let correctors = ops.reduce(0) { sum, op in
            guard case .sgd2Precondition(let p) = op else { return sum }
            return sum + SGD2Corrector.workspaceBytes(p)
        }
        let pool = ops.map { poolScratchFloats($0, threads: max(1, threads)) }.max() ?? 0
        return 4 * (scratch.floats + scratch.indices + pool) + correctors + GEMMWorkspace.bytesPerThread * max(1, threads)
    }

    /// Runs the kernels of `range` in order.
    func run(_ range: Range<Int>, _ ctx: inout StepContext) throws {
        try arena.withPlanView(table) { v in
            guard let probe else {
                for i in range { try execute(i, v, &ctx) }
                return
            }
            for i in range {
                probe.willRun(i)
                try execute(i, v, &ctx)
                probe.didRun(i, v)
            }
        }
    }

    /// Adds an event from outside the kernels (adaptive damping runs around a whole step).
    func record(_ event: CurvatureEvent) { dampingEvents.append(event) }

    /// Every K-FAC preconditioning's G from the residuals the last backward pass left: under
    /// `fisher: sampled`, that pass ran on labels drawn from the model.
    func formKFACOutputFactors(group: ProcessGroup?) {
        arena.withPlanView(table) { v in
            for op in ops {
                if case .kfacPrecondition(let p) = op {
                    KFACStep.formOutputFactor(p, v, threads: threads, workspace: workspace, group: group)
                }
            }
        }
    }

    /// The damping events since the last call, oldest first.
    func takeDampingEvents() -> [CurvatureEvent] {
        defer { dampingEvents.removeAll() }
        return dampingEvents
    }

    /// SGD2 forms and factors afresh at its next step (after weights or state were replaced).
    func invalidateFactors() {
        for p in correctors { p?.invalidate() }
    }

    private func execute(_ index: Int, _ v: BufferView, _ ctx: inout StepContext) throws {
        switch ops[index] {
        case .gemm(let p):
            v.gemm(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, a: p.a, b: p.b, c: p.c,
                   epilogue: EpilogueSteps.gemm(p.epilogue, biasPerRow: false, ld: p.n, v),
                   threads: threads, workspace: workspace)

        case .conv2d(let p):
            let g = p.geometry
            v.conv2dForward(x: p.x, weight: p.weight, y: p.y, shape: g.kernelShape,
                            epilogue: EpilogueSteps.gemm(p.epilogue, biasPerRow: true, ld: g.outHeight * g.outWidth, v),
                            columns: p.columns, threads: threads)

        case .conv2dBackwardData(let p):
            let g = p.geometry
            v.conv2dBackwardData(dy: p.dy, weight: p.weight, dx: p.dx, shape: g.kernelShape,
                                 epilogue: EpilogueSteps.gemm(p.epilogue, biasPerRow: true, ld: g.height * g.width, v),
                                 columns: p.columns, threads: threads)

        case .conv2dBackwardWeights(let p):
            v.conv2dBackwardWeights(x: p.x, dy: p.dy, dweight: p.weightGrad, shape: p.geometry.kernelShape, threads: threads)

        case .biasAdd(let p):
            v.biasAdd(x: p.x, bias: p.bias, y: p.y, batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .biasGradient(let p):
            v.biasGradient(dy: p.dy, biasGrad: p.biasGrad, batch: p.batch, channels: p.channels, spatial: p.spatial,
                           threads: threads)

        case .activation(let p):
            v.activationForward(p.function.kernel, x: p.x, y: p.y, count: p.count, threads: threads)

        case .activationBackward(let p):
            v.activationBackward(p.function.kernel, dy: p.dy, saved: p.saved, savedIsOutput: p.savedIsOutput,
                                 dx: p.dx, count: p.count, threads: threads)

        case .prelu(let p):
            v.preluForward(x: p.x, slope: p.slope, y: p.y, batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .preluBackward(let p):
            v.preluBackward(x: p.x, slope: p.slope, dy: p.dy, dx: p.dx, dslope: p.slopeGrad,
                            batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .add(let p):
            v.add(p.a, p.b, out: p.out, count: p.count, threads: threads)

        case .pool(let p):
            let s = p.geometry.kernelShape
            switch p.kind {
            case .avg: v.avgPool2dForward(x: p.x, y: p.y, shape: s, threads: threads)
            case .max: v.maxPool2dForward(x: p.x, y: p.y, indices: p.indices, scratch: scratch, shape: s, threads: threads)
            }

        case .poolBackward(let p):
            let s = p.geometry.kernelShape
            switch p.kind {
            case .avg:
                v.avgPool2dBackward(dy: p.dy, dx: p.dx, shape: s, threads: threads)
            case .max:
                guard let indices = p.indices else { preconditionFailure("max pooling backward without indices") }
                v.maxPool2dBackward(dy: p.dy, indices: indices, dx: p.dx, shape: s, threads: threads)
            }

        case .globalAvgPool(let p):
            v.globalAvgPoolForward(x: p.x, y: p.y, batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .globalAvgPoolBackward(let p):
            v.globalAvgPoolBackward(dy: p.dy, dx: p.dx, batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .dropout(let p):
            // Uniform draws go into the mask buffer, which the kernel turns into the mask in place.
            // A rank draws the global batch's mask and keeps its own rows: one process's mask.
            let (rank, ranks) = (ctx.group?.rank ?? 0, ctx.group?.size ?? 1)
            for _ in 0..<(rank * p.count) { _ = ctx.random.nextFloat() }
            v.dropoutMask(p.mask, p: Float(p.rate), count: p.count) { ctx.random.nextFloat() }
            for _ in 0..<((ranks - 1 - rank) * p.count) { _ = ctx.random.nextFloat() }
            v.dropoutApply(x: p.x, mask: p.mask, y: p.y, count: p.count)

        case .dropoutBackward(let p):
            v.dropoutApply(x: p.dy, mask: p.mask, y: p.dx, count: p.count)

        case .batchNorm(let p):
            let n = p.sizes.layout
            let (activation, rest) = EpilogueSteps.leadingActivation(p.epilogue)
            if p.training, let mean = p.savedMean, let invStd = p.savedInvStd {
                v.batchNormForwardTraining(x: p.x, y: p.y, n, gamma: p.scale, beta: p.shift,
                                           runningMean: p.runningMean, runningVar: p.runningVariance,
                                           momentum: Float(p.momentum), epsilon: Float(p.epsilon),
                                           activation: activation, saveMean: mean, saveInvStd: invStd, threads: threads)
            } else {
                v.batchNormForwardInference(x: p.x, y: p.y, n, gamma: p.scale, beta: p.shift,
                                            runningMean: p.runningMean, runningVar: p.runningVariance,
                                            epsilon: Float(p.epsilon), activation: activation, threads: threads)
            }
            EpilogueSteps.apply(p.epilogue, from: rest, to: p.y, p.sizes.layout, v)

        case .batchNormBackward(let p):
            v.batchNormBackward(x: p.x, dy: p.dy, dx: p.dx, p.sizes.layout, gamma: p.scale, saveMean: p.savedMean,
                                saveInvStd: p.savedInvStd, dgamma: p.scaleGrad, dbeta: p.shiftGrad, threads: threads)

        case .rmsNorm(let p):
            let (activation, rest) = EpilogueSteps.leadingActivation(p.epilogue)
            // Checkpoints are checked on load (`Checkpoint.isStepCount`); a count that is still
            // no whole number must not trap the conversion.
            let updates = v.withMutableSpan(p.steps) { $0[0] >= 0 && $0[0] < 1e15 ? Int($0[0]) : 0 }
            v.rmsNormForward(x: p.x, y: p.y, p.sizes.layout, runningD: p.d, updates: updates, training: p.training,
                             history: Float(p.history), relativeEpsilon: Float(p.relativeEpsilon),
                             epsilonOfRunning: p.epsilonOf == .running, activation: activation, scale: p.savedScale, scratch: scratch)
            if p.training { v.withMutableSpan(p.steps) { $0[0] += 1 } }
            EpilogueSteps.apply(p.epilogue, from: rest, to: p.y, p.sizes.layout, v)

        case .rmsNormBackward(let p):
            v.rmsNormBackward(dy: p.dy, scale: p.savedScale, dx: p.dx, p.sizes.layout)

        case .layerNorm(let p):
            let (activation, rest) = EpilogueSteps.leadingActivation(p.epilogue)
            v.layerNormForward(x: p.x, y: p.y, p.sizes.layout, gamma: p.scale, beta: p.shift, epsilon: Float(p.epsilon),
                               activation: activation, saveMean: p.savedMean, saveInvStd: p.savedInvStd)
            EpilogueSteps.apply(p.epilogue, from: rest, to: p.y, p.sizes.layout, v)

        case .layerNormBackward(let p):
            v.layerNormBackward(x: p.x, dy: p.dy, dx: p.dx, p.sizes.layout, gamma: p.scale, saveMean: p.savedMean,
                                saveInvStd: p.savedInvStd, dgamma: p.scaleGrad, dbeta: p.shiftGrad)

        case .maxout(let p):
            v.maxoutForward(x: p.x, y: p.y, indices: p.indices, batch: p.batch, groups: p.groups, k: p.k, spatial: p.spatial)

        case .maxoutBackward(let p):
            v.maxoutBackward(dy: p.dy, indices: p.indices, dx: p.dx, batch: p.batch, groups: p.groups, k: p.k,
                             spatial: p.spatial)

        case .loss(let p), .lossBackward(let p):
            v.store(Executor.loss(p, rows: p.batch, v, threads: threads), at: p.loss)

        case .sgdUpdate(let u):
            u.sgd(v, learningRate: ctx.learningRate, step: ctx.step, threads: threads)

        case .adagradUpdate(let u):
            u.adagrad(v, learningRate: ctx.learningRate, threads: threads)

        case .rmspropUpdate(let u):
            u.rmsprop(v, learningRate: ctx.learningRate, threads: threads)

        case .adamUpdate(let u):
            u.adam(v, learningRate: ctx.learningRate, step: ctx.step, threads: threads)

        case .sgd2Precondition(let p):
            guard let pre = correctors[index] else { preconditionFailure("SGD2 kernel without its state") }
            guard pre.apply(p, v, &ctx) else { throw RuntimeError.notPositiveDefinite(layer: p.layer) }

        case .scaleAmend(let p):
            ScaleAmendWalk.apply(p, v)

        case .kfacPrecondition(let p):
            KFACStep.apply(p, v, step: ctx.step, threads: threads, workspace: workspace, group: ctx.group,
                           events: &dampingEvents)

        case .kfacClip(let p):
            KFACStep.clip(p, v, learningRate: ctx.learningRate)

        case .kfacDiagonal(let p):
            KFACDiagonalStep.apply(p, v, step: ctx.step, group: ctx.group, events: &dampingEvents)

        case .shampooPrecondition(let p):
            ShampooStep.apply(p, v, step: ctx.step, threads: threads, workspace: workspace, events: &dampingEvents)

        case .shampooGraft(let p):
            ShampooStep.graft(p, v, step: ctx.step)
        }
    }

    /// The loss of the first `rows` samples (their mean) and, when the op asks, its gradient.
    static func loss(_ p: LossOp, rows: Int, _ v: BufferView, threads: Int = 1) -> Float {
        switch p.kind {
        case .crossEntropy:
            return v.softmaxCrossEntropy(logits: p.logits, labels: p.labels, rows: rows, classes: p.classes,
                                         dlogits: p.gradient, threads: threads)
        case .meanSquaredError:
            return v.meanSquaredError(prediction: p.logits, target: p.labels, count: rows * p.classes, grad: p.gradient)
        }
    }
}
