import NNCKernels

/// Scale-amended SGD (docs/ALGORITHMS.md, Algorithm 2 of the local-Hessian paper): every linear
/// block's gradient is divided by the scale of its local Hessian, walking from the output back
/// to the input. With ‖W‖²_{2,μ} the mean squared row norm and ‖Wᵀ‖²_{2,μ} the mean squared
/// column norm of a block viewed as rows × cols,
///
///     m_{b,W} = 1 / ‖W_b‖²_{2,μ}        m_{b,z} = ‖W_bᵀ‖²_{2,μ} / ‖W_b‖²_{2,μ} = rows / cols (dense)
///     G'_b = G_b / m / m_{b,W}          m ← m · m_{b,z}
///
/// The top block keeps its gradient (m_{B,W} = 1) and starts the walk at m = ‖W_Bᵀ‖²_{2,μ}.
/// Weight decay is added to each G_b first; biases are scaled with their weight.
///
/// Convolutions (`conv_hessian: taps`, the default). m_{b,z} stands for the mean diagonal of the
/// block's local Hessian with respect to its input, TᵀT for the conv's linear map T. Input
/// pixel (c, a, b) is read by tap (u, v) at every output position (i, j) with s_h·i + u − p_h = a
/// and s_w·j + v − p_w = b, so diag(TᵀT)(c, a, b) = Σ over the taps reading it of ‖W[:, c, u, v]‖².
/// With stride 1 an interior pixel is read once by every tap; with stride s each tap reads one
/// pixel in s per dimension. The mean over channels and (interior) pixels is therefore
///
///     (k_h·k_w / (s_h·s_w)) · Σ_{c,u,v} ‖W[:, c, u, v]‖² / (C_in·k_h·k_w) = (k_h·k_w / (s_h·s_w)) · ‖Wᵀ‖²_{2,μ},
///
/// and that tap count multiplies the column scale (m_{b,z}, and the top block's start). Border
/// pixels are read by fewer taps when the padding reads zeros (a 3×3 "same" conv on 28×28 reads
/// the average pixel 8.6 times, not 9); the interior count is used. m_{b,W} is unchanged: each
/// output reads each weight once. `conv_hessian: matrix` keeps the literal C_out × (C_in·k·k)
/// view of docs/ALGORITHMS.md (taps = 1), under which the factors grow about ×9 per 3×3 conv going down.
enum ScaleAmendWalk {

    /// The backward factor `m` as the walk goes down the blocks.
    struct Walk {
        private var m = 1.0
        private var first = true

        /// The factor block `b` (the next one down) multiplies its gradient by, given its
        /// shape, the sum of squares of its weight and how often it reads an input (`inputTaps`).
        mutating func next(rows: Int, cols: Int, sumOfSquares: Double, taps: Double = 1) -> Double {
            let rowScale = sumOfSquares / Double(rows)              // ‖W‖²_{2,μ}
            let columnScale = taps * sumOfSquares / Double(cols)    // mean diagonal of TᵀT
            if first {
                first = false
                m = columnScale
                return 1
            }
            let factor = rowScale / m                        // 1 / (m · m_{b,W})
            m *= columnScale / rowScale                      // m_{b,z}
            return factor
        }
    }

    /// The factors of blocks given output first, as (rows, cols, Σ W²), all read once per input.
    static func factors(_ blocks: [(rows: Int, cols: Int, sumOfSquares: Double)]) -> [Double] {
        factors(blocks.map { ($0.rows, $0.cols, $0.sumOfSquares, 1) })
    }

    /// The factors of blocks given output first, as (rows, cols, Σ W², input taps).
    static func factors(_ blocks: [(rows: Int, cols: Int, sumOfSquares: Double, taps: Double)]) -> [Double] {
        var walk = Walk()
        return blocks.map { walk.next(rows: $0.rows, cols: $0.cols, sumOfSquares: $0.sumOfSquares, taps: $0.taps) }
    }

    /// Adds weight decay to each block's gradient, then rescales weight and bias gradients in place.
    static func apply(_ p: ScaleAmend, _ v: BufferView) {
        var walk = Walk()
        for block in p.blocks {
            let count = block.rows * block.cols
            if block.weightDecay != 0 {
                // The SGD kernel with W as the "gradient" and −wd as the rate computes G + wd·W.
                v.sgdUpdate(weights: block.weightGrad, gradients: block.weight, count: count,
                            learningRate: Float(-block.weightDecay))
            }
            let sumOfSquares = Double(v.meanOfSquares(block.weight, count: count)) * Double(count)
            let factor = walk.next(rows: block.rows, cols: block.cols, sumOfSquares: sumOfSquares, taps: block.inputTaps)
            guard factor != 1 else { continue }
            v.scale(block.weightGrad, by: Float(factor))
            if let b = block.biasGrad { v.scale(b, by: Float(factor)) }
        }
    }
}
