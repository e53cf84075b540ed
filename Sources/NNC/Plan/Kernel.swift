/// Which part of a training step a kernel belongs to.
public enum Phase: String, Hashable, Sendable, CaseIterable {
    case forward, backward, update
}

/// One kernel launch of the plan: an op, possibly with element-wise ops fused into it.
public struct Kernel: Hashable, Sendable {
    /// Position in execution order.
    public var index: Int
    /// `dense1.forward`, `dense2.backward_data`, `update.dense1.weight`.
    public var name: String
    /// The model layer it belongs to (`loss` and `optimizer` for the ones that belong to none).
    public var layer: String
    public var phase: Phase
    public var op: Op
    /// The ops of the unfused graph this kernel computes, in order: `dense1.matmul`,
    /// `dense1.bias`, `relu1.relu`. One entry when nothing was fused.
    public var fuses: [String]
    public var flops: Int
    public var bytesRead: Int
    public var bytesWritten: Int

    public var inputs: [BufferID] { op.reads }
    public var outputs: [BufferID] { op.writes }
    /// FLOPs per byte moved; 0 for a kernel that moves nothing.
    public var arithmeticIntensity: Double {
        let moved = bytesRead + bytesWritten
        return moved == 0 ? 0 : Double(flops) / Double(moved)
    }
}
