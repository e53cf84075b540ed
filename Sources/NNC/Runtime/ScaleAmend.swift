import NNCKernels

/// Scale-amended SGD (ALGORITHMS.md, Algorithm 2 of the local-Hessian paper): every linear
/// block's gradient is divided by the scale of its local Hessian, walking from the output back
/// to the input. With ‖W‖²_{2,μ} the mean squared row norm and ‖Wᵀ‖²_{2,μ} the mean squared
/// column norm of a block viewed as rows × cols,
///
///     m_{b,W} = 1 / ‖W_b‖²_{2,μ}        m_{b,z} = ‖W_bᵀ‖²_{2,μ} / ‖W_b‖²_{2,μ} = rows / cols
///     G'_b = G_b / m / m_{b,W}          m ← m · m_{b,z}
///
/// The top block keeps its gradient (m_{B,W} = 1) and starts the walk at m = ‖W_Bᵀ‖²_{2,μ}.
/// Weight decay is added to each G_b first; biases are scaled with their weight.
enum ScaleAmendWalk {
    /// The backward factor `m` as the walk goes down the blocks.
    struct Walk {
        private var m = 1.0
        private var first = true

        /// The factor block `b` (the next one down) multiplies its gradient by, given its
        /// shape and the sum of squares of its weight.
        mutating func next(rows: Int, cols: Int, sumOfSquares: Double) -> Double {
            let rowScale = sumOfSquares / Double(rows)      // ‖W‖²_{2,μ}
            let columnScale = sumOfSquares / Double(cols)   // ‖Wᵀ‖²_{2,μ}
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

    /// The factors of blocks given output first, as (rows, cols, Σ W²).
    static func factors(_ blocks: [(rows: Int, cols: Int, sumOfSquares: Double)]) -> [Double] {
        var walk = Walk()
        return blocks.map { walk.next(rows: $0.rows, cols: $0.cols, sumOfSquares: $0.sumOfSquares) }
    }

    /// Adds weight decay to each block's gradient, then rescales weight and bias gradients in place.
    static func apply(_ p: ScaleAmend, _ v: BufferView) {
        var walk = Walk()
        for block in p.blocks {
            let count = block.rows * block.cols
            let w = v.f(block.weight), g = v.f(block.weightGrad)
            if block.weightDecay != 0 {
                // The SGD kernel with W as the "gradient" and −wd as the rate computes G + wd·W.
                sgdUpdate(weights: g, gradients: w, count: count, learningRate: Float(-block.weightDecay))
            }
            let sumOfSquares = Double(meanOfSquares(w, count: count)) * Double(count)
            let factor = walk.next(rows: block.rows, cols: block.cols, sumOfSquares: sumOfSquares)
            guard factor != 1 else { continue }
            scaleInPlace(g, count: count, by: Float(factor))
            if let b = block.biasGrad { scaleInPlace(v.f(b), count: v.counts[b.rawValue], by: Float(factor)) }
        }
    }
}
