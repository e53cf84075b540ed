import NNCKernels

// What the executor checks once per op when a session is built: options the kernels do not
// implement are refused up front, and the scratch for outputs a plan leaves out is sized.

extension ConvGeometry {
    /// The kernels' description of the same convolution.
    var kernelShape: Conv2dShape {
        Conv2dShape(batch: batch, inChannels: channels, height: height, width: width, outChannels: filters,
                    kernelH: kernel.h, kernelW: kernel.w, strideH: stride.h, strideW: stride.w,
                    padH: padding.h, padW: padding.w)
    }
}

extension Op {
    /// How the kernels run the op when it is not the plan's plain method: "winograd" for a
    /// convolution pass they take by Winograd's minimal filtering (its FLOPs stay the direct
    /// convolution's, so its GFLOP/s are effective rates). A choice of the kernels, not the plan.
    public var kernelAlgorithm: String? {
        switch self {
        case .conv2d(let p): winogradApplies(forward: p.geometry.kernelShape) ? "winograd" : nil
        case .conv2dBackwardData(let p): winogradApplies(backwardData: p.geometry.kernelShape) ? "winograd" : nil
        case .conv2dBackwardWeights(let p): winogradApplies(forward: p.geometry.kernelShape) ? "winograd" : nil
        default: nil
        }
    }
}

extension PoolGeometry {
    /// The kernels' description of the same pooling.
    var kernelShape: Pool2dShape {
        Pool2dShape(batch: batch, channels: channels, height: height, width: width,
                    kernelH: size.h, kernelW: size.w, strideH: stride.h, strideW: stride.w,
                    padH: padding.h, padW: padding.w)
    }
}

extension Executor {
    /// Throws `RuntimeError.unsupported` for an op the kernels cannot run as the plan describes it.
    static func check(_ op: Op, _ plan: Plan) throws {
        if op.epilogue.count > GEMMEpilogue.capacity {
            throw RuntimeError.unsupported("\(op.kind) with \(op.epilogue.count) fused steps "
                                           + "(a GEMM epilogue holds \(GEMMEpilogue.capacity))")
        }
        for step in op.epilogue {
            if case .mask(.modulus, _, true) = step {
                throw RuntimeError.unsupported("modu's derivative from its output (it needs its input)")
            }
        }
        switch op {
        case .pool(let p):
            try checkPool(p.kind, p.geometry)
        case .poolBackward(let p):
            try checkPool(p.kind, p.geometry)
            if p.kind == .max && p.indices == nil {
                throw RuntimeError.unsupported("max pooling backward without the forward's indices")
            }
        case .activationBackward(let p):
            if p.savedIsOutput && p.function == .modulus {
                throw RuntimeError.unsupported("modu's derivative from its output (it needs its input)")
            }
        default:
            break
        }
    }

    private static func checkPool(_ kind: PoolKind, _ g: PoolGeometry) throws {
        if g.padding.h >= g.size.h || g.padding.w >= g.size.w {
            throw RuntimeError.unsupported("\(kind.rawValue) with padding \(g.padding) not below its size \(g.size)")
        }
    }

    /// Floats one run of `op` on `threads` threads takes from the kernels' scratch pool (a
    /// convolution's buffers per thread, Winograd's transforms, K-FAC's transposed batch,
    /// Shampoo's work per thread). Run after run, the pool keeps the largest run's.
    static func poolScratchFloats(_ op: Op, threads: Int) -> Int {
        switch op {
        case .conv2d(let p): conv2dScratchFloats(p.geometry.kernelShape, pass: .forward, threads: threads)
        case .conv2dBackwardData(let p): conv2dScratchFloats(p.geometry.kernelShape, pass: .backwardData, threads: threads)
        case .conv2dBackwardWeights(let p): conv2dScratchFloats(p.geometry.kernelShape, pass: .backwardWeights, threads: threads)
        case .kfacPrecondition(let p): p.convolution.map { kfacConvInputFactorScratchFloats($0.kernelShape, threads: threads) } ?? 0
        case .shampooPrecondition(let p):
            shampooDirectionsScratchFloats(blocks: shampooBlocks(rows: p.rows, cols: p.cols, size: p.blockSize), threads: threads)
        default: 0
        }
    }

    /// Float and Int32 scratch an op needs for outputs the plan does not hold (an eval plan's
    /// RMS-norm factors and max-pooling indices).
    static func scratchNeed(_ op: Op) -> (floats: Int, indices: Int) {
        switch op {
        case .rmsNorm(let p) where p.savedScale == nil: return (p.sizes.channels, 0)
        case .pool(let p) where p.kind == .max && p.indices == nil: return (0, p.geometry.outputCount)
        default: return (0, 0)
        }
    }
}

extension NormSizes {
    var layout: ChannelShape { ChannelShape(batch: batch, channels: channels, spatial: spatial) }
}
