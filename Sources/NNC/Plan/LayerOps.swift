// Payloads of the forward and backward ops. Shapes are stated once per struct; B is the batch.

/// C (m, n) = op(A)·op(B) then `epilogue`; A is (m, k), or (k, m) when `transA`;
/// B is (k, n), or (n, k) when `transB`. Row-major throughout.
public struct Gemm: Hashable, Sendable, BufferVisiting {
    public var m: Int, n: Int, k: Int
    public var transA: Bool, transB: Bool
    public var a: BufferID, b: BufferID, c: BufferID
    public var epilogue: [EpilogueStep] = []
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&a, .read); f(&b, .read); epilogue.visit(f); f(&c, .write)
    }
}

/// A 2-D convolution's sizes: input (B, C, H, W), weight (F, C, kh, kw), output (B, F, Ho, Wo).
public struct ConvGeometry: Hashable, Sendable {
    public var batch: Int, channels: Int, height: Int, width: Int
    public var filters: Int
    public var kernel: Size2, stride: Size2, padding: Size2
    public var outHeight: Int, outWidth: Int
    /// A 1×1, stride-1, unpadded convolution is a GEMM on the input as it lies: no im2col.
    public var needsColumns: Bool {
        !(kernel.h == 1 && kernel.w == 1 && stride.h == 1 && stride.w == 1
          && padding.h == 0 && padding.w == 0)
    }
    /// im2col columns of one sample: (C·kh·kw) × (Ho·Wo).
    public var columnCount: Int { channels * kernel.h * kernel.w * outHeight * outWidth }
    /// 2·(F)·(C·kh·kw)·(Ho·Wo)·B: each of the three convolution kernels costs this.
    public var flops: Int { 2 * filters * channels * kernel.h * kernel.w * outHeight * outWidth * batch }
}

/// y = conv(x, weight) then `epilogue`; `columns` holds one sample's im2col patches.
public struct Conv2D: Hashable, Sendable, BufferVisiting {
    public var geometry: ConvGeometry
    public var x: BufferID, weight: BufferID, y: BufferID
    public var columns: BufferID?
    public var epilogue: [EpilogueStep] = []
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&x, .read); f(&weight, .read); epilogue.visit(f); columns.visit(.update, f); f(&y, .write)
    }
}

/// dx = convᵀ(dy, weight) (col2im of Wᵀ·dy) then `epilogue`.
public struct Conv2DBackwardData: Hashable, Sendable, BufferVisiting {
    public var geometry: ConvGeometry
    public var dy: BufferID, weight: BufferID, dx: BufferID
    public var columns: BufferID?
    public var epilogue: [EpilogueStep] = []
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&dy, .read); f(&weight, .read); epilogue.visit(f); columns.visit(.update, f); f(&dx, .write)
    }
}

/// weightGrad (F, C, kh, kw) = Σ_samples dy · im2col(x)ᵀ. Its patches go into per-chunk scratch
/// of the kernel's own (`conv2dBackwardWeights` sums chunks of samples into partials), not the arena.
public struct Conv2DBackwardWeights: Hashable, Sendable, BufferVisiting {
    public var geometry: ConvGeometry
    public var dy: BufferID, x: BufferID, weightGrad: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&dy, .read); f(&x, .read); f(&weightGrad, .write)
    }
}

/// y (B, C, S) = x + bias[c]; S is the number of positions per channel (1 for dense).
public struct BiasAdd: Hashable, Sendable, BufferVisiting {
    public var batch: Int, channels: Int, spatial: Int
    public var x: BufferID, bias: BufferID, y: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); f(&bias, .read); f(&y, .write) }
}

/// biasGrad[c] = Σ_b Σ_s dy[b, c, s].
public struct BiasGradient: Hashable, Sendable, BufferVisiting {
    public var batch: Int, channels: Int, spatial: Int
    public var dy: BufferID, biasGrad: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); f(&biasGrad, .write) }
}

/// y = f(x) over `count` elements.
public struct ActivationOp: Hashable, Sendable, BufferVisiting {
    public var function: ActivationFunction
    public var count: Int
    public var x: BufferID, y: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); f(&y, .write) }
}

/// dx = dy ⊙ f'(saved); `saved` is f's output when `savedIsOutput`, else its input.
public struct ActivationBackward: Hashable, Sendable, BufferVisiting {
    public var function: ActivationFunction
    public var count: Int
    public var dy: BufferID, saved: BufferID, dx: BufferID
    public var savedIsOutput: Bool
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&dy, .read); f(&saved, .read); f(&dx, .write) }
}

/// y (B, C, S) = x > 0 ? x : slope[c]·x.
public struct PReLU: Hashable, Sendable, BufferVisiting {
    public var batch: Int, channels: Int, spatial: Int
    public var x: BufferID, slope: BufferID, y: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&x, .read); f(&slope, .read); f(&y, .write) }
}

/// dx = dy·(x > 0 ? 1 : slope[c]); slopeGrad[c] = Σ dy·min(x, 0). `dx` nil when no gradient flows on.
public struct PReLUBackward: Hashable, Sendable, BufferVisiting {
    public var batch: Int, channels: Int, spatial: Int
    public var dy: BufferID, x: BufferID, slope: BufferID
    public var dx: BufferID?, slopeGrad: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) {
        f(&dy, .read); f(&x, .read); f(&slope, .read); dx.visit(.write, f); f(&slopeGrad, .write)
    }
}

/// out = a + b over `count` elements.
public struct Add: Hashable, Sendable, BufferVisiting {
    public var count: Int
    public var a: BufferID, b: BufferID, out: BufferID
    mutating func visit(_ f: (inout BufferID, Access) -> Void) { f(&a, .read); f(&b, .read); f(&out, .write) }
}
