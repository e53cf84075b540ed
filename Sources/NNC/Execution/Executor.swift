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

    /// SGD2 forms and factors afresh at its next step (after weights or state were replaced).
    func invalidateFactors() {
        for p in correctors { p?.invalidate() }
    }

    private func execute(_ index: Int, _ v: BufferView, _ ctx: inout StepContext) throws {
        switch ops[index] {
        case .gemm(let p):
            gemm(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k,
                 a: v.f(p.a), lda: max(p.transA ? p.m : p.k, 1), b: v.f(p.b), ldb: max(p.transB ? p.k : p.n, 1),
                 c: v.f(p.c), ldc: max(p.n, 1),
                 epilogue: EpilogueSteps.gemm(p.epilogue, biasPerRow: false, ld: p.n, v),
                 threads: threads, workspace: workspace)

        case .conv2d(let p):
            let g = p.geometry
            conv2dForward(x: v.f(p.x), weight: v.f(p.weight), y: v.f(p.y), shape: g.kernelShape,
                          epilogue: EpilogueSteps.gemm(p.epilogue, biasPerRow: true, ld: g.outHeight * g.outWidth, v),
                          workspace: p.columns.map(v.f), threads: threads)

        case .conv2dBackwardData(let p):
            let g = p.geometry
            conv2dBackwardData(dy: v.f(p.dy), weight: v.f(p.weight), dx: v.f(p.dx), shape: g.kernelShape,
                               epilogue: EpilogueSteps.gemm(p.epilogue, biasPerRow: true, ld: g.height * g.width, v),
                               workspace: p.columns.map(v.f), threads: threads)

        case .conv2dBackwardWeights(let p):
            conv2dBackwardWeights(x: v.f(p.x), dy: v.f(p.dy), dweight: v.f(p.weightGrad),
                                  shape: p.geometry.kernelShape, threads: threads)

        case .biasAdd(let p):
            biasAdd(x: v.f(p.x), bias: v.f(p.bias), y: v.f(p.y), batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .biasGradient(let p):
            biasGradient(dy: v.f(p.dy), biasGrad: v.f(p.biasGrad), batch: p.batch, channels: p.channels, spatial: p.spatial,
                         threads: threads)

        case .activation(let p):
            activationForward(p.function.kernel, x: v.f(p.x), y: v.f(p.y), count: p.count, threads: threads)

        case .activationBackward(let p):
            activationBackward(p.function.kernel, dy: v.f(p.dy), saved: v.f(p.saved), savedIsOutput: p.savedIsOutput,
                               dx: v.f(p.dx), count: p.count, threads: threads)

        case .prelu(let p):
            preluForward(x: v.f(p.x), slope: v.f(p.slope), y: v.f(p.y),
                         batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .preluBackward(let p):
            preluBackward(x: v.f(p.x), slope: v.f(p.slope), dy: v.f(p.dy), dx: p.dx.map(v.f),
                          dslope: v.f(p.slopeGrad), batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .add(let p):
            add(v.f(p.a), v.f(p.b), out: v.f(p.out), count: p.count, threads: threads)

        case .pool(let p):
            let s = p.geometry.kernelShape
            switch p.kind {
            case .avg:
                avgPool2dForward(x: v.f(p.x), y: v.f(p.y), shape: s, threads: threads)
            case .max:
                if let indices = p.indices {
                    v.int32(indices) { maxPool2dForward(x: v.f(p.x), y: v.f(p.y), indices: $0, shape: s, threads: threads) }
                } else {
                    scratch.withIndices { maxPool2dForward(x: v.f(p.x), y: v.f(p.y), indices: $0, shape: s, threads: threads) }
                }
            }

        case .poolBackward(let p):
            let s = p.geometry.kernelShape
            switch p.kind {
            case .avg:
                avgPool2dBackward(dy: v.f(p.dy), dx: v.f(p.dx), shape: s, threads: threads)
            case .max:
                guard let indices = p.indices else { preconditionFailure("max pooling backward without indices") }
                v.int32(indices) { maxPool2dBackward(dy: v.f(p.dy), indices: $0, dx: v.f(p.dx), shape: s, threads: threads) }
            }

        case .globalAvgPool(let p):
            globalAvgPoolForward(x: v.f(p.x), y: v.f(p.y), batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .globalAvgPoolBackward(let p):
            globalAvgPoolBackward(dy: v.f(p.dy), dx: v.f(p.dx), batch: p.batch, channels: p.channels, spatial: p.spatial)

        case .dropout(let p):
            // Uniform draws go into the mask buffer, which the kernel turns into the mask in place.
            v.fill(p.mask, count: p.count) { ctx.random.nextFloat() }
            dropoutMask(uniform: v.f(p.mask), p: Float(p.rate), mask: v.f(p.mask), count: p.count)
            dropoutApply(x: v.f(p.x), mask: v.f(p.mask), y: v.f(p.y), count: p.count)

        case .dropoutBackward(let p):
            dropoutApply(x: v.f(p.dy), mask: v.f(p.mask), y: v.f(p.dx), count: p.count)

        case .batchNorm(let p):
            let n = p.sizes
            let (activation, rest) = EpilogueSteps.leadingActivation(p.epilogue)
            if p.training, let mean = p.savedMean, let invStd = p.savedInvStd {
                batchNormForwardTraining(x: v.f(p.x), y: v.f(p.y), batch: n.batch, channels: n.channels,
                                         spatial: n.spatial, gamma: p.scale.map(v.f), beta: p.shift.map(v.f),
                                         runningMean: v.f(p.runningMean), runningVar: v.f(p.runningVariance),
                                         momentum: Float(p.momentum), epsilon: Float(p.epsilon),
                                         activation: activation, saveMean: v.f(mean), saveInvStd: v.f(invStd),
                                         threads: threads)
            } else {
                batchNormForwardInference(x: v.f(p.x), y: v.f(p.y), batch: n.batch, channels: n.channels,
                                          spatial: n.spatial, gamma: p.scale.map(v.f), beta: p.shift.map(v.f),
                                          runningMean: v.f(p.runningMean), runningVar: v.f(p.runningVariance),
                                          epsilon: Float(p.epsilon), activation: activation, threads: threads)
            }
            EpilogueSteps.apply(p.epilogue, from: rest, to: p.y, n.layout, v)

        case .batchNormBackward(let p):
            let n = p.sizes
            batchNormBackward(x: v.f(p.x), dy: v.f(p.dy), dx: p.dx.map(v.f),
                              batch: n.batch, channels: n.channels, spatial: n.spatial,
                              gamma: p.scale.map(v.f), saveMean: v.f(p.savedMean), saveInvStd: v.f(p.savedInvStd),
                              dgamma: p.scaleGrad.map(v.f), dbeta: p.shiftGrad.map(v.f), threads: threads)

        case .rmsNorm(let p):
            let n = p.sizes
            let steps = v.f(p.steps)
            let (activation, rest) = EpilogueSteps.leadingActivation(p.epilogue)
            scratch.withFloats { spare in
                rmsNormForward(x: v.f(p.x), y: v.f(p.y), batch: n.batch, channels: n.channels, spatial: n.spatial,
                               runningD: v.f(p.d), updates: Int(steps[0]), training: p.training,
                               history: Float(p.history), relativeEpsilon: Float(p.relativeEpsilon),
                               activation: activation, scale: p.savedScale.map(v.f) ?? spare)
            }
            if p.training { steps[0] += 1 }
            EpilogueSteps.apply(p.epilogue, from: rest, to: p.y, n.layout, v)

        case .rmsNormBackward(let p):
            let n = p.sizes
            rmsNormBackward(dy: v.f(p.dy), scale: v.f(p.savedScale), dx: v.f(p.dx),
                            batch: n.batch, channels: n.channels, spatial: n.spatial)

        case .layerNorm(let p):
            let n = p.sizes
            let (activation, rest) = EpilogueSteps.leadingActivation(p.epilogue)
            layerNormForward(x: v.f(p.x), y: v.f(p.y), batch: n.batch, channels: n.channels, spatial: n.spatial,
                             gamma: p.scale.map(v.f), beta: p.shift.map(v.f), epsilon: Float(p.epsilon),
                             activation: activation, saveMean: p.savedMean.map(v.f), saveInvStd: p.savedInvStd.map(v.f))
            EpilogueSteps.apply(p.epilogue, from: rest, to: p.y, n.layout, v)

        case .layerNormBackward(let p):
            let n = p.sizes
            layerNormBackward(x: v.f(p.x), dy: v.f(p.dy), dx: p.dx.map(v.f),
                              batch: n.batch, channels: n.channels, spatial: n.spatial, gamma: p.scale.map(v.f),
                              saveMean: v.f(p.savedMean), saveInvStd: v.f(p.savedInvStd),
                              dgamma: p.scaleGrad.map(v.f), dbeta: p.shiftGrad.map(v.f))

        case .maxout(let p):
            if let indices = p.indices {
                v.int32(indices) {
                    maxoutForward(x: v.f(p.x), y: v.f(p.y), indices: $0, batch: p.batch, groups: p.groups,
                                  k: p.k, spatial: p.spatial)
                }
            } else {
                maxoutForward(x: v.f(p.x), y: v.f(p.y), indices: nil, batch: p.batch, groups: p.groups,
                              k: p.k, spatial: p.spatial)
            }

        case .maxoutBackward(let p):
            v.int32(p.indices) {
                maxoutBackward(dy: v.f(p.dy), indices: $0, dx: v.f(p.dx), batch: p.batch, groups: p.groups,
                               k: p.k, spatial: p.spatial)
            }

        case .loss(let p), .lossBackward(let p):
            v.store(Executor.loss(p, rows: p.batch, v, threads: threads), at: p.loss)

        case .sgdUpdate(let u):
            u.sgd(v, learningRate: ctx.learningRate, threads: threads)

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
        }
    }

    /// The loss of the first `rows` samples (their mean) and, when the op asks, its gradient.
    static func loss(_ p: LossOp, rows: Int, _ v: BufferView, threads: Int = 1) -> Float {
        switch p.kind {
        case .crossEntropy:
            return v.int32(p.labels) {
                softmaxCrossEntropy(logits: v.f(p.logits), labels: $0, batch: rows, classes: p.classes,
                                    dlogits: p.gradient.map(v.f), threads: threads)
            }
        case .meanSquaredError:
            return meanSquaredError(prediction: v.f(p.logits), target: v.f(p.labels), count: rows * p.classes,
                                    grad: p.gradient.map(v.f))
        }
    }
}
