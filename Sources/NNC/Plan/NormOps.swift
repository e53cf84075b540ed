// Payloads of the normalisations. Every norm sees its input as (B, C, S): C channels (or
// features) and S positions per channel (1 for dense activations).

/// The (B, C, S) view of a normalised tensor.
public struct NormSizes: Hashable, Sendable {
    public var batch: Int, channels: Int, spatial: Int
    public var count: Int { batch * channels * spatial }
}

/// Batch norm. Training: normalise by the batch's statistics (saved for the backward pass) and
/// fold them into the running ones with weight `momentum`; evaluation: use the running ones.
/// `epilogue` holds what fusion folded in: an activation, a residual add.
public struct BatchNorm: Hashable, Sendable, BufferVisiting {
    public var sizes: NormSizes
    public var momentum: Double, epsilon: Double
    public var training: Bool
    public var x: BufferID, y: BufferID
    public var scale: BufferID?, shift: BufferID?
    public var runningMean: BufferID, runningVariance: BufferID
    public var savedMean: BufferID?, savedInvStd: BufferID?
    /// Fused element-wise steps (an activation, a residual add) applied before the output is stored.
    public var epilogue: [EpilogueStep] = []
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&x, .read); scale.visit(.read, f); shift.visit(.read, f); epilogue.visit(f)
        f(&runningMean, training ? .update : .read); f(&runningVariance, training ? .update : .read)
        savedMean.visit(.write, f); savedInvStd.visit(.write, f); f(&y, .write)
    }
}

/// dx, scaleGrad, shiftGrad from dy, x and the saved batch statistics.
public struct BatchNormBackward: Hashable, Sendable, BufferVisiting {
    public var sizes: NormSizes
    public var dy: BufferID, x: BufferID
    public var scale: BufferID?
    public var savedMean: BufferID, savedInvStd: BufferID
    public var dx: BufferID?, scaleGrad: BufferID?, shiftGrad: BufferID?
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&dy, .read); f(&x, .read); scale.visit(.read, f); f(&savedMean, .read); f(&savedInvStd, .read)
        dx.visit(.write, f); scaleGrad.visit(.write, f); shiftGrad.visit(.write, f)
    }
}

/// RMS norm (docs/ALGORITHMS.md): y = x / √(d + ε) with the running `d` per channel, updated first in
/// training (`steps` counts updates for the warm-up correction); `savedScale` keeps 1/√(d + ε)
/// for the backward pass.
public struct RMSNorm: Hashable, Sendable, BufferVisiting {
    public var sizes: NormSizes
    public var history: Double, relativeEpsilon: Double
    public var epsilonOf: RMSEpsilonBase
    public var training: Bool
    public var x: BufferID, y: BufferID
    public var d: BufferID, steps: BufferID
    public var savedScale: BufferID?
    public var epilogue: [EpilogueStep] = []
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&x, .read); epilogue.visit(f); f(&d, training ? .update : .read); f(&steps, training ? .update : .read)
        savedScale.visit(.write, f); f(&y, .write)
    }
}

/// dx = dy · savedScale[c]: the statistic is a constant to the gradient.
public struct RMSNormBackward: Hashable, Sendable, BufferVisiting {
    public var sizes: NormSizes
    public var dy: BufferID, savedScale: BufferID, dx: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); f(&savedScale, .read); f(&dx, .write) }
}

/// Layer norm over each sample's C·S values, with a per-channel affine scale and shift.
public struct LayerNorm: Hashable, Sendable, BufferVisiting {
    public var sizes: NormSizes
    public var epsilon: Double
    public var x: BufferID, y: BufferID
    public var scale: BufferID?, shift: BufferID?
    /// Per-sample statistics (B), written in training only.
    public var savedMean: BufferID?, savedInvStd: BufferID?
    public var epilogue: [EpilogueStep] = []
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&x, .read); scale.visit(.read, f); shift.visit(.read, f); epilogue.visit(f)
        savedMean.visit(.write, f); savedInvStd.visit(.write, f); f(&y, .write)
    }
}

public struct LayerNormBackward: Hashable, Sendable, BufferVisiting {
    public var sizes: NormSizes
    public var dy: BufferID, x: BufferID
    public var scale: BufferID?
    public var savedMean: BufferID, savedInvStd: BufferID
    public var dx: BufferID?, scaleGrad: BufferID?, shiftGrad: BufferID?
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&dy, .read); f(&x, .read); scale.visit(.read, f); f(&savedMean, .read); f(&savedInvStd, .read)
        dx.visit(.write, f); scaleGrad.visit(.write, f); shiftGrad.visit(.write, f)
    }
}
