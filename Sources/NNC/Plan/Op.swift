/// Every operation a plan can hold: forward ops, their backward ops, the loss and the updates.
///
/// Lowering produces these, the printer and the JSON writer describe them, and the runtime
/// executes them by switching over this enum; each case carries its sizes and buffer ids, so
/// a kernel never looks anything up. Layout: activations batch-major and row-major — a dense
/// layer's input is (B, in), its output (B, out) = X·Wᵀ + b; convolutions are NCHW.
public enum Op: Hashable, Sendable {
    /// C = op(A)·op(B), then the epilogue: dense forward, backward data and backward weights.
    case gemm(Gemm)
    case conv2d(Conv2D)
    case conv2dBackwardData(Conv2DBackwardData)
    case conv2dBackwardWeights(Conv2DBackwardWeights)
    /// y = x + bias per channel (only where no GEMM or convolution could take it as an epilogue).
    case biasAdd(BiasAdd)
    /// bias' = Σ over batch and positions of dy.
    case biasGradient(BiasGradient)
    case activation(ActivationOp)
    case activationBackward(ActivationBackward)
    case prelu(PReLU)
    case preluBackward(PReLUBackward)
    /// out = a + b: a residual connection or a sum of gradient contributions.
    case add(Add)
    case pool(Pool)
    case poolBackward(PoolBackward)
    case globalAvgPool(GlobalAvgPool)
    case globalAvgPoolBackward(GlobalAvgPoolBackward)
    case dropout(Dropout)
    case dropoutBackward(DropoutBackward)
    case batchNorm(BatchNorm)
    case batchNormBackward(BatchNormBackward)
    case rmsNorm(RMSNorm)
    case rmsNormBackward(RMSNormBackward)
    case layerNorm(LayerNorm)
    case layerNormBackward(LayerNormBackward)
    case maxout(Maxout)
    case maxoutBackward(MaxoutBackward)
    /// The loss of the batch; with `gradient` set it also writes ∂L/∂logits (the fused form).
    case loss(LossOp)
    /// ∂L/∂logits on its own; fusion folds it into `loss`, so plans only hold it unfused.
    case lossBackward(LossOp)
    /// `w -= lr·g`, or heavy-ball / Nesterov momentum when the optimizer's momentum is set.
    case sgdUpdate(ParameterUpdate)
    case adagradUpdate(ParameterUpdate)
    case rmspropUpdate(ParameterUpdate)
    case adamUpdate(ParameterUpdate)
    /// SGD2: replaces a linear layer's gradient by `G·(A + λI)⁻¹`, `A = X Xᵀ/N` (in place).
    case sgd2Precondition(SGD2Correction)
    /// Scale-amended SGD: rescales every linear layer's gradient, output to input (in place).
    case scaleAmend(ScaleAmend)
    /// K-FAC: replaces a linear layer's gradient by `G⁻¹·∇·A⁻¹` of its damped factors (in place).
    case kfacPrecondition(KFACPreconditioning)
    /// K-FAC: scales every preconditioned gradient so the step's KL change stays bounded.
    case kfacClip(KFACClip)
    case kfacDiagonal(KFACDiagonal)
    /// Shampoo: replaces a dense or conv weight's gradient by its grafted, block-preconditioned
    /// direction L^{-1/4}·G·R^{-1/4} (in place).
    case shampooPrecondition(ShampooPreconditioning)
    /// Shampoo: replaces another parameter's gradient by its graft's direction (in place).
    case shampooGraft(ShampooGraft)

    /// The op's name in dumps and JSON: `gemm`, `conv2d_backward_data`, `adam_update`.
    public var kind: String {
        switch self {
        case .gemm: return "gemm"
        case .conv2d: return "conv2d"
        case .conv2dBackwardData: return "conv2d_backward_data"
        case .conv2dBackwardWeights: return "conv2d_backward_weights"
        case .biasAdd: return "bias_add"
        case .biasGradient: return "bias_gradient"
        case .activation(let p): return p.function.name
        case .activationBackward(let p): return p.function.name + "_backward"
        case .prelu: return "prelu"
        case .preluBackward: return "prelu_backward"
        case .add: return "add"
        case .pool(let p): return p.kind.rawValue
        case .poolBackward(let p): return p.kind.rawValue + "_backward"
        case .globalAvgPool: return "global_avgpool"
        case .globalAvgPoolBackward: return "global_avgpool_backward"
        case .dropout: return "dropout"
        case .dropoutBackward: return "dropout_backward"
        case .batchNorm: return "batchnorm"
        case .batchNormBackward: return "batchnorm_backward"
        case .rmsNorm: return "rmsnorm"
        case .rmsNormBackward: return "rmsnorm_backward"
        case .layerNorm: return "layernorm"
        case .layerNormBackward: return "layernorm_backward"
        case .maxout: return "maxout"
        case .maxoutBackward: return "maxout_backward"
        case .loss(let p): return p.kind == .crossEntropy ? "softmax_cross_entropy" : "mse"
        case .lossBackward(let p):
            return p.kind == .crossEntropy ? "softmax_cross_entropy_backward" : "mse_backward"
        case .sgdUpdate: return "sgd_update"
        case .adagradUpdate: return "adagrad_update"
        case .rmspropUpdate: return "rmsprop_update"
        case .adamUpdate: return "adam_update"
        case .sgd2Precondition: return "sgd2_precondition"
        case .scaleAmend: return "scale_amend"
        case .kfacPrecondition: return "kfac_precondition"
        case .kfacClip: return "kfac_clip"
        case .kfacDiagonal: return "kfac_diagonal"
        case .shampooPrecondition: return "shampoo_precondition"
        case .shampooGraft: return "shampoo_graft"
        }
    }

    /// Calls `f` on every buffer the op touches, saying how; `f` may rename the buffer.
    /// Reads, writes and renumbering are all derived from this one walk.
    mutating func visitBuffers(_ f: (inout BufferID, Access) -> Void) {
        switch self {
        case .gemm(var p): p.visit(f); self = .gemm(p)
        case .conv2d(var p): p.visit(f); self = .conv2d(p)
        case .conv2dBackwardData(var p): p.visit(f); self = .conv2dBackwardData(p)
        case .conv2dBackwardWeights(var p): p.visit(f); self = .conv2dBackwardWeights(p)
        case .biasAdd(var p): p.visit(f); self = .biasAdd(p)
        case .biasGradient(var p): p.visit(f); self = .biasGradient(p)
        case .activation(var p): p.visit(f); self = .activation(p)
        case .activationBackward(var p): p.visit(f); self = .activationBackward(p)
        case .prelu(var p): p.visit(f); self = .prelu(p)
        case .preluBackward(var p): p.visit(f); self = .preluBackward(p)
        case .add(var p): p.visit(f); self = .add(p)
        case .pool(var p): p.visit(f); self = .pool(p)
        case .poolBackward(var p): p.visit(f); self = .poolBackward(p)
        case .globalAvgPool(var p): p.visit(f); self = .globalAvgPool(p)
        case .globalAvgPoolBackward(var p): p.visit(f); self = .globalAvgPoolBackward(p)
        case .dropout(var p): p.visit(f); self = .dropout(p)
        case .dropoutBackward(var p): p.visit(f); self = .dropoutBackward(p)
        case .batchNorm(var p): p.visit(f); self = .batchNorm(p)
        case .batchNormBackward(var p): p.visit(f); self = .batchNormBackward(p)
        case .rmsNorm(var p): p.visit(f); self = .rmsNorm(p)
        case .rmsNormBackward(var p): p.visit(f); self = .rmsNormBackward(p)
        case .layerNorm(var p): p.visit(f); self = .layerNorm(p)
        case .layerNormBackward(var p): p.visit(f); self = .layerNormBackward(p)
        case .maxout(var p): p.visit(f); self = .maxout(p)
        case .maxoutBackward(var p): p.visit(f); self = .maxoutBackward(p)
        case .loss(var p): p.visit(f); self = .loss(p)
        case .lossBackward(var p): p.visit(f); self = .lossBackward(p)
        case .sgdUpdate(var p): p.visit(f); self = .sgdUpdate(p)
        case .adagradUpdate(var p): p.visit(f); self = .adagradUpdate(p)
        case .rmspropUpdate(var p): p.visit(f); self = .rmspropUpdate(p)
        case .adamUpdate(var p): p.visit(f); self = .adamUpdate(p)
        case .sgd2Precondition(var p): p.visit(f); self = .sgd2Precondition(p)
        case .scaleAmend(var p): p.visit(f); self = .scaleAmend(p)
        case .kfacPrecondition(var p): p.visit(f); self = .kfacPrecondition(p)
        case .kfacClip(var p): p.visit(f); self = .kfacClip(p)
        case .kfacDiagonal(var p): p.visit(f); self = .kfacDiagonal(p)
        case .shampooPrecondition(var p): p.visit(f); self = .shampooPrecondition(p)
        case .shampooGraft(var p): p.visit(f); self = .shampooGraft(p)
        }
    }

    /// Buffers read, in visiting order, without repeats (in-place buffers included).
    public var reads: [BufferID] { accessed { $0 != .write } }
    /// Buffers written, in visiting order, without repeats (in-place buffers included).
    public var writes: [BufferID] { accessed { $0 != .read } }

    private func accessed(_ keep: (Access) -> Bool) -> [BufferID] {
        var copy = self
        var out: [BufferID] = []
        copy.visitBuffers { id, access in
            if keep(access), !out.contains(id) { out.append(id) }
        }
        return out
    }

    /// The op with every buffer id passed through `f`.
    func remapped(_ f: (BufferID) -> BufferID) -> Op {
        var copy = self
        copy.visitBuffers { id, _ in id = f(id) }
        return copy
    }
}

/// How an op touches a buffer.
enum Access: Hashable {
    case read, write
    /// Read and written by the same kernel (updates, in-place gradient corrections).
    case update
}

/// Payloads list their buffers once, for `Op.visitBuffers`.
protocol BufferVisiting {
    mutating func visit(_ f: (inout BufferID, Access) -> Void)
}

extension Optional where Wrapped == BufferID {
    mutating func visit(_ access: Access, _ f: (inout BufferID, Access) -> Void) {
        if var id = self { f(&id, access); self = id }
    }
}
