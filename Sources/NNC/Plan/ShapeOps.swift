// Payloads of pooling, dropout and maxout: ops that move or select values without parameters.

public enum PoolKind: String, Hashable, Sendable {
    case max = "maxpool"
    case avg = "avgpool"
}

/// Pooling sizes: input (B, C, H, W), output (B, C, Ho, Wo). Average pooling divides by the
/// window's full size (padding counts as zeros).
public struct PoolGeometry: Hashable, Sendable {
    public var batch: Int, channels: Int, height: Int, width: Int
    public var size: Size2, stride: Size2, padding: Size2
    public var outHeight: Int, outWidth: Int
    public var inputCount: Int { batch * channels * height * width }
    public var outputCount: Int { batch * channels * outHeight * outWidth }
}

/// y = pool(x); max pooling in training records the flat input index of each maximum in `indices`.
public struct Pool: Hashable, Sendable, BufferVisiting {
    public var kind: PoolKind
    public var geometry: PoolGeometry
    public var x: BufferID, y: BufferID
    public var indices: BufferID?
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); indices.visit(.write, f); f(&y, .write) }
}

/// dx = scatter of dy (through `indices` for max pooling, spread evenly for average pooling).
public struct PoolBackward: Hashable, Sendable, BufferVisiting {
    public var kind: PoolKind
    public var geometry: PoolGeometry
    public var dy: BufferID, dx: BufferID
    public var indices: BufferID?
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); indices.visit(.read, f); f(&dx, .write) }
}

/// y (B, C) = mean over positions of x (B, C, S).
public struct GlobalAvgPool: Hashable, Sendable, BufferVisiting {
    public var batch: Int, channels: Int, spatial: Int
    public var x: BufferID, y: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); f(&y, .write) }
}

/// dx (B, C, S) = dy (B, C) / S.
public struct GlobalAvgPoolBackward: Hashable, Sendable, BufferVisiting {
    public var batch: Int, channels: Int, spatial: Int
    public var dy: BufferID, dx: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); f(&dx, .write) }
}

/// y = x ⊙ mask; the kernel draws `mask` (0 or 1/(1−rate)) from the step's random stream.
public struct Dropout: Hashable, Sendable, BufferVisiting {
    public var count: Int
    public var rate: Double
    public var x: BufferID, mask: BufferID, y: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); f(&mask, .write); f(&y, .write) }
}

/// dx = dy ⊙ mask.
public struct DropoutBackward: Hashable, Sendable, BufferVisiting {
    public var count: Int
    public var dy: BufferID, mask: BufferID, dx: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); f(&mask, .read); f(&dx, .write) }
}

/// y (B, G, S) = max over k of x (B, G·k, S), channels grouped consecutively;
/// `indices` (training only) holds which of the k won.
public struct Maxout: Hashable, Sendable, BufferVisiting {
    public var batch: Int, groups: Int, k: Int, spatial: Int
    public var x: BufferID, y: BufferID
    public var indices: BufferID?
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); indices.visit(.write, f); f(&y, .write) }
}

/// dx = dy routed to the winner of each group, zero elsewhere.
public struct MaxoutBackward: Hashable, Sendable, BufferVisiting {
    public var batch: Int, groups: Int, k: Int, spatial: Int
    public var dy: BufferID, indices: BufferID, dx: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); f(&indices, .read); f(&dx, .write) }
}

/// The loss over logits (B, classes). Cross-entropy applies softmax first and reads class
/// indices (B, int32); mean squared error reads targets (B, classes), one-hot encoded by the
/// runtime for class labels. `gradient` receives ∂L/∂logits of the mean loss.
public struct LossOp: Hashable, Sendable, BufferVisiting {
    public var kind: Loss
    public var batch: Int, classes: Int
    public var logits: BufferID, labels: BufferID, loss: BufferID
    public var gradient: BufferID?
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&logits, .read); f(&labels, .read); f(&loss, .write); gradient.visit(.write, f)
    }
}
