// The kernels as the runtime calls them: operands named by buffer id and resolved to memory
// here, inside the module that owns the pointers, so the code above the kernels reaches the
// arena only by id (or through a span) and builds under strict memory safety. Each entry point
// forwards to the pointer kernel of the same name; shapes and sizes are the plan's, checked
// when the plan was built, and each operand's extent is asserted in debug builds.

extension BufferView {
    @inline(__always)
    func out<K: BufferKey>(_ id: K, _ need: Int) -> UnsafeMutablePointer<Float> {
        assert(need <= counts[id.rawValue], "buffer \(id.rawValue) holds \(counts[id.rawValue]) floats, \(need) needed")
        return f(id)
    }

    @inline(__always)
    func input<K: BufferKey>(_ id: K, _ need: Int) -> UnsafePointer<Float> { UnsafePointer(out(id, need)) }

    @inline(__always)
    func optional<K: BufferKey>(_ id: K?, _ need: Int) -> UnsafeMutablePointer<Float>? { id.map { out($0, need) } }

    @inline(__always)
    func constant<K: BufferKey>(_ id: K?, _ need: Int) -> UnsafePointer<Float>? { id.map { input($0, need) } }
}

/// A `GEMMEpilogue` step with its operands named by buffer id.
public enum BufferEpilogueStep<K: BufferKey> {
    case columnBias(K)
    case rowBias(K)
    case activation(KernelActivation)
    case add(K, ld: Int)
    case derivative(KernelActivation, saved: K, ld: Int, savedIsOutput: Bool)
}

extension GEMMEpilogue {
    /// Adds `step` at the end, its operands resolved in `v`.
    public mutating func append<K: BufferKey>(_ step: BufferEpilogueStep<K>, in v: BufferView) {
        switch step {
        case .columnBias(let b): append(.columnBias(v.f(b)))
        case .rowBias(let b): append(.rowBias(v.f(b)))
        case .activation(let a): append(.activation(a))
        case .add(let o, let ld): append(.add(v.f(o), ld: ld))
        case .derivative(let a, let saved, let ld, let o): append(.derivative(a, saved: v.f(saved), ld: ld, savedIsOutput: o))
        }
    }
}

// MARK: - Layers

extension BufferView {
    // a (m,k) or its transpose, b (k,n) or its transpose -> c (m,n), row-major, no padding
    public func gemm<K: BufferKey>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: K, b: K, c: K,
                                   epilogue: GEMMEpilogue, threads: Int, workspace: GEMMWorkspace) {
        NNCKernels.gemm(transA: transA, transB: transB, m: m, n: n, k: k,
                        a: input(a, m * k), lda: max(transA ? m : k, 1), b: input(b, k * n), ldb: max(transB ? k : n, 1),
                        c: out(c, m * n), ldc: max(n, 1), epilogue: epilogue, threads: threads, workspace: workspace)
    }

    public func conv2dForward<K: BufferKey>(x: K, weight: K, y: K, shape s: Conv2dShape, epilogue: GEMMEpilogue,
                                            columns: K?, threads: Int) {
        NNCKernels.conv2dForward(x: f(x), weight: f(weight), y: f(y), shape: s, epilogue: epilogue,
                                 workspace: columns.map { f($0) }, threads: threads)
    }

    public func conv2dBackwardData<K: BufferKey>(dy: K, weight: K, dx: K, shape s: Conv2dShape, epilogue: GEMMEpilogue,
                                                 columns: K?, threads: Int) {
        NNCKernels.conv2dBackwardData(dy: f(dy), weight: f(weight), dx: f(dx), shape: s, epilogue: epilogue,
                                      workspace: columns.map { f($0) }, threads: threads)
    }

    public func conv2dBackwardWeights<K: BufferKey>(x: K, dy: K, dweight: K, shape s: Conv2dShape, threads: Int) {
        NNCKernels.conv2dBackwardWeights(x: f(x), dy: f(dy), dweight: f(dweight), shape: s, threads: threads)
    }

    // x (batch, channels, spatial), bias (channels) -> y
    public func biasAdd<K: BufferKey>(x: K, bias: K, y: K, batch: Int, channels: Int, spatial: Int) {
        let n = batch * channels * spatial
        NNCKernels.biasAdd(x: input(x, n), bias: input(bias, channels), y: out(y, n),
                           batch: batch, channels: channels, spatial: spatial)
    }

    public func biasGradient<K: BufferKey>(dy: K, biasGrad: K, batch: Int, channels: Int, spatial: Int, threads: Int) {
        NNCKernels.biasGradient(dy: input(dy, batch * channels * spatial), biasGrad: out(biasGrad, channels),
                                batch: batch, channels: channels, spatial: spatial, threads: threads)
    }

    public func activationForward<K: BufferKey>(_ act: KernelActivation, x: K, y: K, count: Int, threads: Int = 1) {
        NNCKernels.activationForward(act, x: input(x, count), y: out(y, count), count: count, threads: threads)
    }

    public func activationBackward<K: BufferKey>(_ act: KernelActivation, dy: K, saved: K, savedIsOutput: Bool, dx: K,
                                                 count: Int, threads: Int = 1) {
        NNCKernels.activationBackward(act, dy: input(dy, count), saved: input(saved, count), savedIsOutput: savedIsOutput,
                                      dx: out(dx, count), count: count, threads: threads)
    }

    public func preluForward<K: BufferKey>(x: K, slope: K, y: K, batch: Int, channels: Int, spatial: Int) {
        let n = batch * channels * spatial
        NNCKernels.preluForward(x: input(x, n), slope: input(slope, channels), y: out(y, n),
                                batch: batch, channels: channels, spatial: spatial)
    }

    public func preluBackward<K: BufferKey>(x: K, slope: K, dy: K, dx: K?, dslope: K, batch: Int, channels: Int, spatial: Int) {
        let n = batch * channels * spatial
        NNCKernels.preluBackward(x: input(x, n), slope: input(slope, channels), dy: input(dy, n), dx: optional(dx, n),
                                 dslope: out(dslope, channels), batch: batch, channels: channels, spatial: spatial)
    }

    public func add<K: BufferKey>(_ a: K, _ b: K, out result: K, count: Int, threads: Int = 1) {
        NNCKernels.add(input(a, count), input(b, count), out: out(result, count), count: count, threads: threads)
    }

    public func avgPool2dForward<K: BufferKey>(x: K, y: K, shape s: Pool2dShape, threads: Int) {
        NNCKernels.avgPool2dForward(x: f(x), y: f(y), shape: s, threads: threads)
    }

    /// Max pooling; the argmax indices go to `indices`, or to `scratch` when the plan keeps none.
    public func maxPool2dForward<K: BufferKey>(x: K, y: K, indices: K?, scratch: Scratch, shape s: Pool2dShape, threads: Int) {
        if let indices {
            int32(indices) { NNCKernels.maxPool2dForward(x: f(x), y: f(y), indices: $0, shape: s, threads: threads) }
        } else {
            scratch.withIndices { NNCKernels.maxPool2dForward(x: f(x), y: f(y), indices: $0, shape: s, threads: threads) }
        }
    }

    public func avgPool2dBackward<K: BufferKey>(dy: K, dx: K, shape s: Pool2dShape, threads: Int) {
        NNCKernels.avgPool2dBackward(dy: f(dy), dx: f(dx), shape: s, threads: threads)
    }

    public func maxPool2dBackward<K: BufferKey>(dy: K, indices: K, dx: K, shape s: Pool2dShape, threads: Int) {
        int32(indices) { NNCKernels.maxPool2dBackward(dy: f(dy), indices: $0, dx: f(dx), shape: s, threads: threads) }
    }

    public func globalAvgPoolForward<K: BufferKey>(x: K, y: K, batch: Int, channels: Int, spatial: Int) {
        NNCKernels.globalAvgPoolForward(x: input(x, batch * channels * spatial), y: out(y, batch * channels),
                                        batch: batch, channels: channels, spatial: spatial)
    }

    public func globalAvgPoolBackward<K: BufferKey>(dy: K, dx: K, batch: Int, channels: Int, spatial: Int) {
        NNCKernels.globalAvgPoolBackward(dy: input(dy, batch * channels), dx: out(dx, batch * channels * spatial),
                                         batch: batch, channels: channels, spatial: spatial)
    }

    /// Fills `mask` with `next()` draws, then turns them into the inverted-dropout mask for rate `p`.
    public func dropoutMask<K: BufferKey>(_ mask: K, p: Float, count: Int, _ next: () -> Float) {
        fill(mask, count: count, next)
        NNCKernels.dropoutMask(uniform: input(mask, count), p: p, mask: out(mask, count), count: count)
    }

    public func dropoutApply<K: BufferKey>(x: K, mask: K, y: K, count: Int) {
        NNCKernels.dropoutApply(x: input(x, count), mask: input(mask, count), y: out(y, count), count: count)
    }

    public func maxoutForward<K: BufferKey>(x: K, y: K, indices: K?, batch: Int, groups: Int, k: Int, spatial: Int) {
        let n = batch * groups * spatial
        if let indices {
            int32(indices) {
                NNCKernels.maxoutForward(x: input(x, n * k), y: out(y, n), indices: $0, batch: batch, groups: groups,
                                         k: k, spatial: spatial)
            }
        } else {
            NNCKernels.maxoutForward(x: input(x, n * k), y: out(y, n), indices: nil, batch: batch, groups: groups,
                                     k: k, spatial: spatial)
        }
    }

    public func maxoutBackward<K: BufferKey>(dy: K, indices: K, dx: K, batch: Int, groups: Int, k: Int, spatial: Int) {
        let n = batch * groups * spatial
        int32(indices) {
            NNCKernels.maxoutBackward(dy: input(dy, n), indices: $0, dx: out(dx, n * k), batch: batch, groups: groups,
                                      k: k, spatial: spatial)
        }
    }
}

// MARK: - Norms

/// A tensor laid out (batch, channels, positions per channel): a norm's operand, or where a
/// bias goes.
public struct ChannelShape {
    public var batch: Int, channels: Int, spatial: Int
    public init(batch: Int, channels: Int, spatial: Int) {
        self.batch = batch
        self.channels = channels
        self.spatial = spatial
    }
    public var count: Int { batch * channels * spatial }
}

extension BufferView {
    public func batchNormForwardTraining<K: BufferKey>(x: K, y: K, _ n: ChannelShape, gamma: K?, beta: K?,
                                                       runningMean: K, runningVar: K, momentum: Float, epsilon: Float,
                                                       activation: KernelActivation, saveMean: K, saveInvStd: K,
                                                       threads: Int) {
        let c = n.channels
        NNCKernels.batchNormForwardTraining(
            x: input(x, n.count), y: out(y, n.count), batch: n.batch, channels: c, spatial: n.spatial,
            gamma: constant(gamma, c), beta: constant(beta, c),
            runningMean: out(runningMean, c), runningVar: out(runningVar, c), momentum: momentum, epsilon: epsilon,
            activation: activation, saveMean: out(saveMean, c), saveInvStd: out(saveInvStd, c), threads: threads)
    }

    public func batchNormForwardInference<K: BufferKey>(x: K, y: K, _ n: ChannelShape, gamma: K?, beta: K?,
                                                        runningMean: K, runningVar: K, epsilon: Float,
                                                        activation: KernelActivation, threads: Int) {
        let c = n.channels
        NNCKernels.batchNormForwardInference(
            x: input(x, n.count), y: out(y, n.count), batch: n.batch, channels: c, spatial: n.spatial,
            gamma: constant(gamma, c), beta: constant(beta, c),
            runningMean: input(runningMean, c), runningVar: input(runningVar, c), epsilon: epsilon,
            activation: activation, threads: threads)
    }

    public func batchNormBackward<K: BufferKey>(x: K, dy: K, dx: K?, _ n: ChannelShape, gamma: K?, saveMean: K, saveInvStd: K,
                                                dgamma: K?, dbeta: K?, threads: Int) {
        let c = n.channels
        NNCKernels.batchNormBackward(
            x: input(x, n.count), dy: input(dy, n.count), dx: optional(dx, n.count),
            batch: n.batch, channels: c, spatial: n.spatial, gamma: constant(gamma, c),
            saveMean: input(saveMean, c), saveInvStd: input(saveInvStd, c),
            dgamma: optional(dgamma, c), dbeta: optional(dbeta, c), threads: threads)
    }

    /// RMS norm; the per-sample scales go to `scale`, or to `scratch` when the plan keeps none.
    public func rmsNormForward<K: BufferKey>(x: K, y: K, _ n: ChannelShape, runningD: K, updates: Int, training: Bool,
                                             history: Float, relativeEpsilon: Float, epsilonOfRunning: Bool,
                                             activation: KernelActivation,
                                             scale: K?, scratch: Scratch) {
        func run(_ s: UnsafeMutablePointer<Float>) {
            NNCKernels.rmsNormForward(x: input(x, n.count), y: out(y, n.count), batch: n.batch, channels: n.channels,
                                      spatial: n.spatial, runningD: out(runningD, n.channels), updates: updates,
                                      training: training, history: history, relativeEpsilon: relativeEpsilon,
                                      epsilonOfRunning: epsilonOfRunning, activation: activation, scale: s)
        }
        if let scale { run(f(scale)) } else { scratch.withFloats(run) }
    }

    public func rmsNormBackward<K: BufferKey>(dy: K, scale: K, dx: K, _ n: ChannelShape) {
        NNCKernels.rmsNormBackward(dy: input(dy, n.count), scale: f(scale), dx: out(dx, n.count),
                                   batch: n.batch, channels: n.channels, spatial: n.spatial)
    }

    public func layerNormForward<K: BufferKey>(x: K, y: K, _ n: ChannelShape, gamma: K?, beta: K?, epsilon: Float,
                                               activation: KernelActivation, saveMean: K?, saveInvStd: K?) {
        let c = n.channels
        NNCKernels.layerNormForward(
            x: input(x, n.count), y: out(y, n.count), batch: n.batch, channels: c, spatial: n.spatial,
            gamma: constant(gamma, c), beta: constant(beta, c),
            epsilon: epsilon, activation: activation,
            saveMean: optional(saveMean, n.batch), saveInvStd: optional(saveInvStd, n.batch))
    }

    public func layerNormBackward<K: BufferKey>(x: K, dy: K, dx: K?, _ n: ChannelShape, gamma: K?, saveMean: K, saveInvStd: K,
                                                dgamma: K?, dbeta: K?) {
        let c = n.channels
        NNCKernels.layerNormBackward(
            x: input(x, n.count), dy: input(dy, n.count), dx: optional(dx, n.count),
            batch: n.batch, channels: c, spatial: n.spatial, gamma: constant(gamma, c),
            saveMean: input(saveMean, n.batch), saveInvStd: input(saveInvStd, n.batch),
            dgamma: optional(dgamma, c), dbeta: optional(dbeta, c))
    }
}

// MARK: - Losses, updates, reductions

extension BufferView {
    /// The mean softmax cross-entropy of the first `rows` rows of `logits` against int32 `labels`,
    /// and its gradient into `dlogits` when given.
    public func softmaxCrossEntropy<K: BufferKey>(logits: K, labels: K, rows: Int, classes: Int, dlogits: K?,
                                                  threads: Int) -> Float {
        int32(labels) {
            NNCKernels.softmaxCrossEntropy(logits: input(logits, rows * classes), labels: $0, batch: rows, classes: classes,
                                           dlogits: optional(dlogits, rows * classes), threads: threads)
        }
    }

    public func meanSquaredError<K: BufferKey>(prediction: K, target: K, count: Int, grad: K?) -> Float {
        NNCKernels.meanSquaredError(prediction: input(prediction, count), target: input(target, count), count: count,
                                    grad: optional(grad, count))
    }

    /// Each of the first `rows` rows' largest column into `out`.
    public func rowArgmax<K: BufferKey>(_ x: K, rows: Int, cols: Int, out result: inout [Int32]) {
        precondition(result.count >= rows, "rowArgmax: \(result.count) outputs for \(rows) rows")
        let p = input(x, rows * cols)
        result.withUnsafeMutableBufferPointer { NNCKernels.rowArgmax(p, rows: rows, cols: cols, ldx: cols, out: $0.baseAddress!) }
    }

    public func sgdUpdate<K: BufferKey>(weights: K, gradients: K, count: Int, learningRate: Float, weightDecay: Float = 0,
                                        threads: Int = 1) {
        NNCKernels.sgdUpdate(weights: out(weights, count), gradients: input(gradients, count), count: count,
                             learningRate: learningRate, weightDecay: weightDecay, threads: threads)
    }

    public func momentumUpdate<K: BufferKey>(weights: K, gradients: K, velocity: K, count: Int, learningRate: Float,
                                             momentum: Float, weightDecay: Float, nesterov: Bool, threads: Int) {
        if nesterov {
            NNCKernels.nesterovUpdate(weights: out(weights, count), gradients: input(gradients, count),
                                      velocity: out(velocity, count), count: count, learningRate: learningRate,
                                      momentum: momentum, weightDecay: weightDecay, threads: threads)
        } else {
            NNCKernels.momentumUpdate(weights: out(weights, count), gradients: input(gradients, count),
                                      velocity: out(velocity, count), count: count, learningRate: learningRate,
                                      momentum: momentum, weightDecay: weightDecay, threads: threads)
        }
    }

    public func averagedMomentumUpdate<K: BufferKey>(weights: K, gradients: K, velocity: K, count: Int,
                                                     learningRate: Float, momentum: Float, weightDecay: Float, step: Int,
                                                     threads: Int) {
        NNCKernels.averagedMomentumUpdate(weights: out(weights, count), gradients: input(gradients, count),
                                          velocity: out(velocity, count), count: count, learningRate: learningRate,
                                          momentum: momentum, weightDecay: weightDecay, step: step, threads: threads)
    }

    public func adagradUpdate<K: BufferKey>(weights: K, gradients: K, accumulator: K, count: Int, learningRate: Float,
                                            epsilon: Float, weightDecay: Float, threads: Int) {
        NNCKernels.adagradUpdate(weights: out(weights, count), gradients: input(gradients, count),
                                 accumulator: out(accumulator, count), count: count, learningRate: learningRate,
                                 epsilon: epsilon, weightDecay: weightDecay, threads: threads)
    }

    public func rmspropUpdate<K: BufferKey>(weights: K, gradients: K, meanSquare: K, count: Int, learningRate: Float,
                                            rho: Float, epsilon: Float, weightDecay: Float, threads: Int) {
        NNCKernels.rmspropUpdate(weights: out(weights, count), gradients: input(gradients, count),
                                 meanSquare: out(meanSquare, count), count: count, learningRate: learningRate,
                                 rho: rho, epsilon: epsilon, weightDecay: weightDecay, threads: threads)
    }

    public func adamUpdate<K: BufferKey>(weights: K, gradients: K, firstMoment: K, secondMoment: K, count: Int,
                                         learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, step: Int,
                                         weightDecay: Float, threads: Int) {
        NNCKernels.adamUpdate(weights: out(weights, count), gradients: input(gradients, count),
                              firstMoment: out(firstMoment, count), secondMoment: out(secondMoment, count), count: count,
                              learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, step: step,
                              weightDecay: weightDecay, threads: threads)
    }

    public func meanOfSquares<K: BufferKey>(_ x: K, count: Int) -> Float {
        NNCKernels.meanOfSquares(input(x, count), count: count)
    }

    public func sumOfSquares<K: BufferKey>(_ x: K) -> Double {
        NNCKernels.sumOfSquares(f(x), count: counts[x.rawValue])
    }

    /// `x ← c·x` over the whole buffer.
    public func scale<K: BufferKey>(_ x: K, by c: Float) {
        scaleInPlace(f(x), count: counts[x.rawValue], by: c)
    }
}
