// Payloads of the update phase. Every setting a step needs is resolved into them at lowering
// (the optimizer block's values over each method's defaults, per-layer overrides applied), so
// the executor reads nothing but the plan; only the scheduled learning rate and the step
// number arrive per step.

/// The settings one family of first-order rules shares across parameters, as the optimizer
/// block resolved them (its defaults are `OptimizerSpec`'s).
public struct UpdateHyperparameters: Hashable, Sendable {
    /// Heavy-ball momentum ρ (sgd); 0 is plain SGD.
    public var momentum: Double
    public var nesterov: Bool
    public var momentumForm: MomentumForm
    /// RMSProp's decay.
    public var rho: Double
    /// Adam's moment decays.
    public var beta1: Double, beta2: Double
    /// Added to the root of the second moment (adagrad, rmsprop, adam).
    public var epsilon: Double
}

/// One parameter's update in a single pass over weight, gradient and state.
/// `state` per family — sgd: [velocity] when momentum is set, else []; adagrad: [sum of g²];
/// rmsprop: [mean of g²]; adam: [m, v]. The gradient gets `weightDecay·w` added first (in the
/// averaged momentum form, to the velocity after the (1 − ρ) factor).
public struct ParameterUpdate: Hashable, Sendable, BufferVisiting {
    /// `dense1.weight`
    public var name: String
    public var count: Int
    /// Multiplies the optimizer's (scheduled) learning rate: a per-layer override.
    public var learningRateScale: Double
    /// 0 for biases, norm parameters, and parameters whose decay another op already added.
    public var weightDecay: Double
    public var hyperparameters: UpdateHyperparameters
    public var parameter: BufferID, gradient: BufferID
    public var state: [BufferID]
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&gradient, .read)
        for i in state.indices { f(&state[i], .update) }
        f(&parameter, .update)
    }
}

/// SGD2's correction of one linear layer (docs/ALGORITHMS.md "SGD2"): reads the layer's input batch X,
/// forms A = X Xᵀ/N (+ the constant-1 row for the bias) in Double, block by block of at most
/// `chunk` inputs over a fresh permutation, factors A + λI into `factor` (every `every` steps)
/// and overwrites the weight (and bias) gradient with the corrected one.
public struct SGD2Correction: Hashable, Sendable, BufferVisiting {
    public var layer: String
    /// Dense: G is (out, in), X is (B, in). Conv: G viewed as (F·kh·kw, C_in) — only input
    /// channels are mixed — and X is the raw input (B, C_in, H, W) seen as C_in × (H·W·B).
    public var isConvolution: Bool
    /// Rows of the gradient being corrected.
    public var rows: Int
    /// Input units (features, or channels for a convolution), before the bias row.
    public var inputs: Int
    /// Columns of X available (B, or B·H·W) and the number used to form A.
    public var columns: Int, sampledColumns: Int
    /// Whether the sampled columns are a fresh uniform subset at every re-form (else, when
    /// fewer than all, every k-th column as LightNet takes a convolution's).
    public var randomColumns: Bool
    /// Effective block size: min(chunk, inputs + bias row).
    public var chunk: Int
    public var every: Int
    public var correctsBias: Bool
    /// Levenberg–Marquardt damping λ (adaptive damping's start).
    public var lambda: Double
    /// `damping: adaptive(…)`, nil when λ is fixed.
    public var adaptive: AdaptiveDamping?
    /// With `adaptive`: [the λ adaptive damping has moved to (0 until it moves), the λ the held
    /// factor was formed with] (Float optimizer state, so checkpoints keep it); nil otherwise.
    public var damping: BufferID?
    /// Gradient noise η/(1 + t)^γ added before the correction; nil for none.
    public var noise: SGD2Options.Noise?
    public var x: BufferID, weightGrad: BufferID
    public var biasGrad: BufferID?
    /// Persistent Double Cholesky factors of the blocks (reused between re-factorisations).
    public var factor: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&x, .read); f(&factor, .update); damping.visit(.update, f)
        f(&weightGrad, .update); biasGrad.visit(.update, f)
    }
}

/// One block of scale-amended SGD: a linear layer's weight viewed as (rows, cols).
public struct ScaleBlock: Hashable, Sendable {
    public var layer: String
    public var rows: Int, cols: Int
    /// How many times the layer reads each input value, multiplying its column scale: 1 for
    /// dense and for `conv_hessian: matrix`, (k_h·k_w)/(s_h·s_w) for a conv under `taps`.
    public var inputTaps: Double = 1
    public var weightDecay: Double
    public var weight: BufferID, weightGrad: BufferID
    public var biasGrad: BufferID?
}

/// Scale-amended SGD's walk (docs/ALGORITHMS.md, Algorithm 2) over `blocks`, ordered from the output
/// back to the input: adds weight decay, then divides each gradient (weight and bias alike) by
/// m·m_{b,W} and multiplies m by m_{b,z}. The first block is the top one (left unscaled, m starts
/// at ‖Wᵀ‖²). The updates that follow use plain momentum SGD with no further decay.
public struct ScaleAmend: Hashable, Sendable, BufferVisiting {
    public var blocks: [ScaleBlock]
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        for i in blocks.indices {
            f(&blocks[i].weight, .read); f(&blocks[i].weightGrad, .update)
            blocks[i].biasGrad.visit(.update, f)
        }
    }
}

/// K-FAC's preconditioning of one dense or conv layer (docs/ALGORITHMS.md "K-FAC"): on steps
/// 1, 1 + factorEvery, … the moving averages A (the input with its constant 1; a conv's patches,
/// as KFC forms them) and G (the per-sample output gradients B·R) take the batch's statistics;
/// on steps 1, 1 + inverseEvery, … the π-damped factors are inverted in Double; every step the
/// gradient [∇W ∇b] becomes G⁻¹·[∇W ∇b]·A⁻¹ in place.
public struct KFACPreconditioning: Hashable, Sendable, BufferVisiting {
    public var layer: String
    /// The convolution whose patches form A; nil for a dense layer.
    public var convolution: ConvGeometry?
    public var batch: Int
    /// Rows of the gradient (units or filters): G is rows × rows.
    public var rows: Int
    /// Inputs per row (features, or C·kh·kw): A is (inputs + 1) × (inputs + 1) with a bias.
    public var inputs: Int
    /// Output positions per sample (Ho·Wo; 1 for a dense layer).
    public var positions: Int
    public var damping: Double
    /// `damping: adaptive(…)` (started at `damping`), nil when λ is fixed.
    public var adaptive: AdaptiveDamping?
    public var factorDecay: Double
    public var factorEvery: Int, inverseEvery: Int
    public var inverse: KFACOptions.Inverse
    /// G is formed by the session's extra backward pass on sampled labels, not here.
    public var sampledFisher: Bool
    public var x: BufferID, r: BufferID, weightGrad: BufferID
    public var biasGrad: BufferID?
    /// The factors' moving averages and their damped inverses (optimizer state).
    public var a: BufferID, g: BufferID, aInverse: BufferID, gInverse: BufferID
    /// [factor formations so far, inverses held (0 or 1), the damping λ they were made with,
    /// ⟨V, ∇⟩ of this step's preconditioned gradient V (for KL clipping), the λ adaptive damping
    /// has moved to (0 until it moves)] (optimizer state).
    public var state: BufferID
    /// Float scratch: the gradient and a half-product (2·rows·n), or a conv's patch columns.
    public var work: BufferID
    /// Double scratch for one inversion: 2·max(n, rows)².
    public var inverseWork: BufferID

    /// Units of A: the inputs and the bias's constant 1.
    public var n: Int { inputs + (biasGrad == nil ? 0 : 1) }

    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&x, .read); f(&r, .read)
        f(&a, .update); f(&g, .update); f(&aInverse, .update); f(&gInverse, .update); f(&state, .update)
        f(&work, .write); f(&inverseWork, .write)
        f(&weightGrad, .update); biasGrad.visit(.update, f)
    }
}

/// K-FAC's diagonal block for a batch or layer norm's scale and shift (docs/ALGORITHMS.md "K-FAC",
/// "Norm layers"): on steps 1, 1 + factorEvery, … the moving average F takes the mean of the
/// per-example gradients' squares, each example's formed from dy, x and the saved statistics; on
/// steps 1, 1 + inverseEvery, … 1/(F + λ) is held; every step the gradients become g/(F + λ).
public struct KFACDiagonal: Hashable, Sendable, BufferVisiting {
    public enum Norm: String, Hashable, Sendable {
        /// x̂ from the channel's batch statistics.
        case batch
        /// x̂ from the sample's statistics.
        case layer
    }
    public var layer: String
    public var norm: Norm
    public var sizes: NormSizes
    public var damping: Double
    public var adaptive: AdaptiveDamping?
    public var factorDecay: Double
    public var factorEvery: Int, inverseEvery: Int
    /// The norm's input, the gradient reaching its output, and its saved statistics (per channel
    /// for batch norm, per sample for layer norm).
    public var dy: BufferID, x: BufferID, savedMean: BufferID, savedInvStd: BufferID
    public var scaleGrad: BufferID?, shiftGrad: BufferID?
    /// F and 1/(F + λ), the scale's C entries then the shift's (optimizer state).
    public var fisher: BufferID, inverse: BufferID
    /// `KFACStep`'s slots, read by the clip and adaptive damping as a dense layer's are.
    public var state: BufferID

    /// Entries of F: C per parameter present.
    public var count: Int { sizes.channels * ((scaleGrad == nil ? 0 : 1) + (shiftGrad == nil ? 0 : 1)) }

    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&dy, .read); f(&x, .read); f(&savedMean, .read); f(&savedInvStd, .read)
        f(&fisher, .update); f(&inverse, .update); f(&state, .update)
        scaleGrad.visit(.update, f); shiftGrad.visit(.update, f)
    }
}

/// K-FAC's KL clipping over every preconditioned layer (Ba et al. 2017): with s = lr²·Σ⟨V, ∇⟩,
/// each V is scaled by min(1, √(limit / s)).
public struct KFACClip: Hashable, Sendable, BufferVisiting {
    public struct Layer: Hashable, Sendable {
        public var state: BufferID, weightGrad: BufferID
        public var biasGrad: BufferID?
    }
    public var limit: Double
    public var layers: [Layer]
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        for i in layers.indices {
            f(&layers[i].state, .read); f(&layers[i].weightGrad, .update); layers[i].biasGrad.visit(.update, f)
        }
    }
}

/// Shampoo's preconditioning of one dense or conv weight (docs/ALGORITHMS.md "Shampoo"), the
/// gradient viewed as rows × cols (a conv's F × C·kh·kw) and cut into blocks of at most
/// blockSize²: every step each block's statistics take L ← β₂·L + G Gᵀ, R ← β₂·R + Gᵀ G; on
/// steps startStep, startStep + preconditionEvery, … their inverse fourth roots are recomputed
/// in Double; from startStep each block whose roots exist becomes L^{-1/4}·G·R^{-1/4} at the
/// Frobenius norm of the graft's direction, the others the graft's direction (in place).
public struct ShampooPreconditioning: Hashable, Sendable, BufferVisiting {
    public var layer: String
    public var rows: Int, cols: Int, blockSize: Int
    public var beta2: Double, epsilon: Double
    public var preconditionEvery: Int, startStep: Int
    public var graft: ShampooOptions.Graft
    public var weightGrad: BufferID
    /// The blocks' statistics and roots, packed block after block (optimizer state).
    public var left: BufferID, right: BufferID, leftRoot: BufferID, rightRoot: BufferID
    /// Per block, 1 once it holds roots (optimizer state).
    public var state: BufferID
    /// An adaptive graft's running sum of g² (optimizer state) and its direction (scratch); nil
    /// when grafting SGD, whose direction is the gradient.
    public var graftSum: BufferID?, graftDirection: BufferID?
    /// Float scratch for one block's two products: 2·r·c for the largest block.
    public var work: BufferID
    /// Float scratch for the roots being computed, before a block's pair is committed: the
    /// sizes of `left` and `right` together.
    public var freshRoots: BufferID

    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&left, .update); f(&right, .update); f(&leftRoot, .update); f(&rightRoot, .update); f(&state, .update)
        graftSum.visit(.update, f); graftDirection.visit(.write, f)
        f(&work, .write); f(&freshRoots, .write)
        f(&weightGrad, .update)
    }
}

/// Shampoo's graft alone on a parameter it does not precondition (a bias, a norm's scale or
/// shift), in place: g ← g / (√v̂ + ε) with v the graft's running second moment.
public struct ShampooGraft: Hashable, Sendable, BufferVisiting {
    /// `dense1.bias`
    public var name: String
    public var count: Int
    public var graft: ShampooOptions.Graft
    public var gradient: BufferID, sum: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&sum, .update); f(&gradient, .update)
    }
}
