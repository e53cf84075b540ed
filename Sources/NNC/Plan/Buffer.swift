/// The index of a buffer in `Plan.buffers` (dense: 0, 1, 2, …).
public struct BufferID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (a: BufferID, b: BufferID) -> Bool { a.rawValue < b.rawValue }
    /// `%12`, the form the text dump uses.
    public var description: String { "%\(rawValue)" }
}

/// What a buffer holds; decides whether it lives for the whole step and how it is printed.
public enum BufferRole: String, Hashable, Sendable, CaseIterable {
    case parameter
    /// The gradient of a parameter, consumed by the update phase.
    case gradient
    case optimizerState = "optimizer_state"
    /// Checkpointed, non-trainable statistics (batch-norm means, RMS-norm `d`).
    case runningStatistic = "running_statistic"
    /// A value of the forward pass.
    case activation
    /// The gradient of a forward value.
    case activationGradient = "activation_gradient"
    /// Written in the forward pass for the backward pass: dropout masks, pooling indices, norm statistics.
    case saved
    /// Scratch that lives for one kernel (im2col columns, a Double copy of a gradient).
    case workspace
    /// The input batch, written by the runtime before the first kernel.
    case input
    /// The labels of the batch, written by the runtime before the first kernel.
    case labels
    /// The mean loss of the batch, one element, read by the runtime after the step.
    case loss

    /// Parameters, optimizer state and running statistics survive from step to step.
    public var isPersistent: Bool {
        switch self {
        case .parameter, .optimizerState, .runningStatistic: return true
        default: return false
        }
    }
}

/// How a buffer's elements are stored; the arena counts in 4-byte slots.
public enum ElementType: String, Hashable, Sendable {
    case float32
    /// Class labels, pooling and maxout indices.
    case int32
    /// SGD2's covariance factors, formed and factored in Double (docs/ALGORITHMS.md).
    case float64

    /// 4-byte arena slots per element.
    public var slots: Int { self == .float64 ? 2 : 1 }
}

/// One tensor of the plan, with its place in the arena.
public struct Buffer: Hashable, Sendable {
    public var id: BufferID
    /// `dense1.out`, `dense1.weight.grad`, `adam.m.dense1.weight`.
    public var name: String
    public var role: BufferRole
    /// Full shape, the batch dimension first where there is one: `[64, 784]`, `[64, 32, 14, 14]`.
    public var shape: [Int]
    public var element: ElementType
    /// Index of the first kernel that touches the buffer (0 for persistent and runtime-written buffers).
    public var firstUse: Int
    /// Index of the last kernel that touches it (the last kernel of the plan for persistent
    /// buffers and for outputs the runtime reads after the step).
    public var lastUse: Int
    /// Offset in the arena, in 4-byte slots, a multiple of `Plan.alignment`.
    public var offset: Int

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of 4-byte arena slots.
    public var slots: Int { count * element.slots }
    public var bytes: Int { slots * 4 }

    /// True when the two buffers are live at some common kernel.
    public func livesWith(_ other: Buffer) -> Bool {
        firstUse <= other.lastUse && other.firstUse <= lastUse
    }
}
