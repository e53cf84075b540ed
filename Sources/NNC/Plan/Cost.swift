/// What each op costs and which sizes describe it. The per-element counts are conventions,
/// listed in docs/PLAN.md: a GEMM or convolution is 2·m·n·k, an element-wise step 1 per element
/// (a transcendental function counts as one), and the rest a small fixed count per element.
extension Op {
    /// Floating-point operations of one execution.
    public var flops: Int {
        switch self {
        case .gemm(let p): return 2 * p.m * p.n * p.k + p.epilogue.count * p.m * p.n
        case .conv2d(let p):
            let g = p.geometry
            return g.flops + p.epilogue.count * g.batch * g.filters * g.outHeight * g.outWidth
        case .conv2dBackwardData(let p):
            let g = p.geometry
            return g.flops + p.epilogue.count * g.batch * g.channels * g.height * g.width
        case .conv2dBackwardWeights(let p): return p.geometry.flops
        case .biasAdd(let p): return p.batch * p.channels * p.spatial
        case .biasGradient(let p): return p.batch * p.channels * p.spatial
        case .activation(let p): return p.count
        case .activationBackward(let p): return p.count
        case .prelu(let p): return 2 * p.batch * p.channels * p.spatial
        case .preluBackward(let p): return 3 * p.batch * p.channels * p.spatial
        case .add(let p): return p.count
        case .pool(let p): return p.geometry.outputCount * p.geometry.size.h * p.geometry.size.w
        case .poolBackward(let p):
            let g = p.geometry
            return p.kind == .max ? g.outputCount : g.outputCount * g.size.h * g.size.w
        case .globalAvgPool(let p): return p.batch * p.channels * p.spatial
        case .globalAvgPoolBackward(let p): return p.batch * p.channels * p.spatial
        case .dropout(let p): return p.count
        case .dropoutBackward(let p): return p.count
        case .batchNorm(let p):
            let perElement = (p.training ? 5 : 2) + (p.scale != nil ? 2 : 0) + p.epilogue.count
            return perElement * p.sizes.count
        case .batchNormBackward(let p): return 8 * p.sizes.count
        case .rmsNorm(let p): return ((p.training ? 3 : 1) + p.epilogue.count) * p.sizes.count
        case .rmsNormBackward(let p): return p.sizes.count
        case .layerNorm(let p):
            return (5 + (p.scale != nil ? 2 : 0) + p.epilogue.count) * p.sizes.count
        case .layerNormBackward(let p): return 8 * p.sizes.count
        case .maxout(let p): return p.batch * p.groups * p.k * p.spatial
        case .maxoutBackward(let p): return p.batch * p.groups * p.spatial
        case .loss(let p):
            let perElement = p.kind == .crossEntropy ? 5 : 3
            return (perElement + (p.gradient != nil ? 2 : 0)) * p.batch * p.classes
        case .lossBackward(let p): return (p.kind == .crossEntropy ? 5 : 2) * p.batch * p.classes
        case .sgdUpdate(let p): return (2 + (p.state.isEmpty ? 0 : 2) + Op.decayCost(p)) * p.count
        case .adagradUpdate(let p): return (6 + Op.decayCost(p)) * p.count
        case .rmspropUpdate(let p): return (7 + Op.decayCost(p)) * p.count
        case .adamUpdate(let p): return (12 + Op.decayCost(p)) * p.count
        case .sgd2Precondition(let p):
            // Forming A is a symmetric rank-N update (half of 2·n·c·N); forming and factoring
            // happen every `every` steps, so they are amortised; the solve happens every step.
            let n = p.inputs + (p.correctsBias ? 1 : 0)
            let form = n * p.chunk * p.sampledColumns
            let factor = n * p.chunk * p.chunk / 3
            return (form + factor) / max(1, p.every) + 2 * p.rows * n * p.chunk
        case .scaleAmend(let p):
            return p.blocks.reduce(0) { $0 + (4 + ($1.weightDecay != 0 ? 2 : 0)) * $1.rows * $1.cols }
        case .kfacPrecondition(let p):
            // Every step two GEMMs, G⁻¹·∇ and (G⁻¹·∇)·A⁻¹; every `factorEvery` steps the two
            // factors' banded symmetric products (A over every patch of a conv); every
            // `inverseEvery` steps per factor a Cholesky factor (n³/3) and the identity's columns
            // solved forward from their first nonzero and back (n³/3 + n³), or the eigen form's
            // Householder and QL with the vectors (≈ 9·n³) and Q·diag·Qᵀ (n³).
            let n = p.n, m = p.rows, columns = p.batch * p.positions
            let factors = symmetricProductFlops(n: n, k: columns) + symmetricProductFlops(n: m, k: columns)
            let cubes = n * n * n + m * m * m
            let inverses = p.inverse == .eigen ? 10 * cubes : 5 * cubes / 3
            return 2 * m * m * n + 2 * m * n * n + factors / max(1, p.factorEvery) + inverses / max(1, p.inverseEvery)
        case .kfacClip(let p):
            return p.layers.count
        case .kfacDiagonal(let p):
            // Every step g/(F + λ) (one multiply); every `factorEvery` steps x̂·dy and the
            // squares over the batch (≈ 6 flops an element); every `inverseEvery` steps 1/(F + λ).
            return p.count + 6 * p.sizes.count / max(1, p.factorEvery) + 2 * p.count / max(1, p.inverseEvery)
        case .shampooPrecondition(let p):
            // Per block every step the statistics (2·r²·c + 2·c²·r) and the direction (the same
            // again, plus the norms); every `preconditionEvery` steps each statistic's root:
            // Householder and QL with the vectors (≈ 9·n³), then Q·diag·Qᵀ (2·n³).
            let b = max(p.blockSize, 1)
            var perStep = 0, roots = 0
            for row in stride(from: 0, to: p.rows, by: b) {
                for col in stride(from: 0, to: p.cols, by: b) {
                    let r = min(b, p.rows - row), c = min(b, p.cols - col)
                    perStep += 4 * r * c * (r + c) + 4 * r * c
                    roots += 11 * (r * r * r + c * c * c)
                }
            }
            let graft = p.graft == .sgd ? 0 : 6 * p.rows * p.cols
            return perStep + graft + roots / max(1, p.preconditionEvery)
        case .shampooGraft(let p):
            return 6 * p.count
        }
    }

    private static func decayCost(_ p: ParameterUpdate) -> Int { p.weightDecay != 0 ? 2 : 0 }

    /// The sizes and options that describe the op, in a fixed order, for the dumps.
    public var attributes: [(key: String, value: String)] {
        func conv(_ g: ConvGeometry) -> [(String, String)] {
            [("batch", "\(g.batch)"), ("in", "\(g.channels)x\(g.height)x\(g.width)"),
             ("filters", "\(g.filters)"), ("kernel", "\(g.kernel)"), ("stride", "\(g.stride)"),
             ("padding", "\(g.padding)"), ("out", "\(g.outHeight)x\(g.outWidth)")]
        }
        func pool(_ g: PoolGeometry) -> [(String, String)] {
            [("batch", "\(g.batch)"), ("in", "\(g.channels)x\(g.height)x\(g.width)"),
             ("size", "\(g.size)"), ("stride", "\(g.stride)"), ("padding", "\(g.padding)"),
             ("out", "\(g.outHeight)x\(g.outWidth)")]
        }
        func bcs(_ b: Int, _ c: Int, _ s: Int) -> [(String, String)] {
            [("batch", "\(b)"), ("channels", "\(c)"), ("spatial", "\(s)")]
        }
        func norm(_ n: NormSizes) -> [(String, String)] { bcs(n.batch, n.channels, n.spatial) }
        func update(_ p: ParameterUpdate) -> [(String, String)] {
            var pairs = [("count", "\(p.count)"), ("lr_scale", "\(p.learningRateScale)"),
                         ("weight_decay", "\(p.weightDecay)")]
            // Only the authors' form is named, so plans in nnc's own form read as before.
            if case .sgdUpdate = self, p.hyperparameters.momentumForm == .averaged, !p.state.isEmpty {
                pairs.append(("momentum", "averaged"))
            }
            return pairs
        }
        let pairs: [(String, String)]
        switch self {
        case .gemm(let p):
            pairs = [("m", "\(p.m)"), ("n", "\(p.n)"), ("k", "\(p.k)"),
                     ("trans_a", "\(p.transA)"), ("trans_b", "\(p.transB)")]
        case .conv2d(let p): pairs = conv(p.geometry)
        case .conv2dBackwardData(let p): pairs = conv(p.geometry)
        case .conv2dBackwardWeights(let p): pairs = conv(p.geometry)
        case .biasAdd(let p): pairs = bcs(p.batch, p.channels, p.spatial)
        case .biasGradient(let p): pairs = bcs(p.batch, p.channels, p.spatial)
        case .activation(let p): pairs = [("count", "\(p.count)")]
        case .activationBackward(let p):
            pairs = [("count", "\(p.count)"), ("saved", p.savedIsOutput ? "output" : "input")]
        case .prelu(let p): pairs = bcs(p.batch, p.channels, p.spatial)
        case .preluBackward(let p): pairs = bcs(p.batch, p.channels, p.spatial)
        case .add(let p): pairs = [("count", "\(p.count)")]
        case .pool(let p): pairs = pool(p.geometry)
        case .poolBackward(let p): pairs = pool(p.geometry)
        case .globalAvgPool(let p): pairs = bcs(p.batch, p.channels, p.spatial)
        case .globalAvgPoolBackward(let p): pairs = bcs(p.batch, p.channels, p.spatial)
        case .dropout(let p): pairs = [("count", "\(p.count)"), ("rate", "\(p.rate)")]
        case .dropoutBackward(let p): pairs = [("count", "\(p.count)")]
        case .batchNorm(let p):
            pairs = norm(p.sizes) + [("training", "\(p.training)"), ("momentum", "\(p.momentum)"),
                                     ("epsilon", "\(p.epsilon)")]
        case .batchNormBackward(let p): pairs = norm(p.sizes)
        case .rmsNorm(let p):
            pairs = norm(p.sizes) + [("training", "\(p.training)"), ("history", "\(p.history)"),
                                     ("relative_epsilon", "\(p.relativeEpsilon)")]
                + (p.epsilonOf == .running ? [("epsilon_of", "running")] : [])
        case .rmsNormBackward(let p): pairs = norm(p.sizes)
        case .layerNorm(let p): pairs = norm(p.sizes) + [("epsilon", "\(p.epsilon)")]
        case .layerNormBackward(let p): pairs = norm(p.sizes)
        case .maxout(let p): pairs = bcs(p.batch, p.groups, p.spatial) + [("k", "\(p.k)")]
        case .maxoutBackward(let p): pairs = bcs(p.batch, p.groups, p.spatial) + [("k", "\(p.k)")]
        case .loss(let p), .lossBackward(let p): pairs = [("batch", "\(p.batch)"), ("classes", "\(p.classes)")]
        case .sgdUpdate(let p), .adagradUpdate(let p), .rmspropUpdate(let p), .adamUpdate(let p):
            pairs = update(p)
        case .sgd2Precondition(let p):
            pairs = [("rows", "\(p.rows)"), ("inputs", "\(p.inputs)"), ("columns", "\(p.columns)"),
                     ("sampled", "\(p.sampledColumns)\(p.randomColumns ? " random" : "")"), ("chunk", "\(p.chunk)"),
                     ("every", "\(p.every)"), ("bias", "\(p.correctsBias)")]
                + (p.adaptive.map { [("damping", $0.described(start: p.lambda))] } ?? [])
        case .scaleAmend(let p):
            pairs = [("blocks", p.blocks.map(\.layer).joined(separator: ","))]
        case .kfacPrecondition(let p):
            pairs = [("rows", "\(p.rows)"), ("inputs", "\(p.inputs)"), ("bias", "\(p.biasGrad != nil)"),
                     ("positions", "\(p.positions)"), ("damping", p.adaptive?.described(start: p.damping) ?? "\(p.damping)"), ("factor_decay", "\(p.factorDecay)"),
                     ("factor_every", "\(p.factorEvery)"), ("inverse_every", "\(p.inverseEvery)"),
                     ("inverse", p.inverse.rawValue)] + (p.sampledFisher ? [("fisher", "sampled")] : [])
        case .kfacClip(let p):
            pairs = [("limit", "\(p.limit)"), ("layers", "\(p.layers.count)")]
        case .kfacDiagonal(let p):
            pairs = norm(p.sizes) + [("norm", p.norm.rawValue), ("scale", "\(p.scaleGrad != nil)"),
                                     ("shift", "\(p.shiftGrad != nil)"),
                                     ("damping", p.adaptive?.described(start: p.damping) ?? "\(p.damping)"),
                                     ("factor_decay", "\(p.factorDecay)"), ("factor_every", "\(p.factorEvery)"),
                                     ("inverse_every", "\(p.inverseEvery)")]
        case .shampooPrecondition(let p):
            let b = max(p.blockSize, 1)
            let blocks = ((p.rows + b - 1) / b) * ((p.cols + b - 1) / b)
            pairs = [("rows", "\(p.rows)"), ("cols", "\(p.cols)"), ("block_size", "\(p.blockSize)"),
                     ("blocks", "\(blocks)"), ("beta2", "\(p.beta2)"), ("epsilon", "\(p.epsilon)"),
                     ("precondition_every", "\(p.preconditionEvery)"), ("start_step", "\(p.startStep)"),
                     ("graft", p.graft.rawValue), ("roots", "householder_ql")]
        case .shampooGraft(let p):
            pairs = [("count", "\(p.count)"), ("graft", p.graft.rawValue)]
        }
        return pairs.map { (key: $0.0, value: $0.1) }
    }
}

/// The flops of NNCKernels' `symmetricProduct` for an n × n result over depth k: bands of 64
/// rows (its `symmetricProductBand`), each against every row up to its last.
private func symmetricProductFlops(n: Int, k: Int) -> Int {
    let band = 64
    return stride(from: 0, to: n, by: band).reduce(0) { total, first in
        let last = min(n, first + band)
        return total + 2 * (last - first) * last * k
    }
}
