import Foundation
import NNCKernels

/// SGD2's correction of one linear layer (docs/ALGORITHMS.md "SGD2"): the gradient `[g_b, G]`
/// becomes `[g_b, G]·(A + λI)⁻¹` with `A = X Xᵀ/N` formed in Double from the layer's input
/// batch, the constant-1 row first when the bias is corrected.
///
/// - Chunking: when the units (inputs and bias row) exceed the chunk size, a fresh random
///   permutation of them is cut into blocks of at most `chunk`, each corrected with its own
///   block of A (block-diagonal, redrawn whenever A is re-formed).
/// - Sampling: A is formed from `sampledColumns` columns of X — a fresh uniform subset when the
///   plan says `randomColumns` (a dense layer, or `samples` set), else (convolutions above
///   10 000 columns) every k-th column.
/// - `every`: A is formed and factored on steps 1, 1 + every, …; the factors (and the
///   permutation they belong to) are reused in between.
/// - Convolutions: X is the raw input seen as C_in × (H·W·B); the kernel gradient is seen as
///   (C_out·kh·kw) × C_in. The bias row stands for every tap: each tap row of filter f gets
///   g_b[f]/taps as its bias entry, and the corrected entries are summed back, so an A that
///   does not mix leaves the bias gradient unchanged.
/// - Noise (optional): Gaussian noise of variance η/(1 + t)^γ is added to the weight and bias
///   gradients before the correction.
/// - Precision: A is formed and factored in Double. The per-step solve runs in Float against a
///   Float copy of a block's factor when the block's condition number is provably at most
///   `floatSolveLimit` (then the Float error, ~κ·6e-8 relative, is far below the error of A
///   itself, estimated from a batch); otherwise, e.g. as λ → 0, it runs in Double.
///
/// Every array is sized here, once; a step allocates nothing (`syrk` gathers each block's
/// columns into `gathered`). What a resumed run needs to continue bit for bit — whether a
/// factor is held and the unit order it belongs to — is `state`; the factor itself is a
/// persistent tensor of the plan. The column subset is drawn afresh from the same base order
/// at every re-form (the draw's swaps are undone), so it carries no state between steps.
final class SGD2Corrector {
    let layer: String
    private let lambda: Double
    private let noise: SGD2Options.Noise?
    private let randomSubset: Bool
    /// kh·kw of a convolution, 1 for a dense layer: a unit's column in a gradient row is unit·taps.
    private let taps: Int
    /// Units in re-form order, the bias row (numbered `inputs`) first within its block.
    private var order: [Int]
    /// Where each unit of `order` sits in a row of the gradient view (unit·taps).
    private var gradColumns: [Int]
    /// Per block: first position in `order`, length, whether it holds the bias row.
    private var blocks: [(start: Int, length: Int, hasBias: Bool)]
    /// Offsets in X of every column (sample, or sample and position); the first
    /// `sampledColumns` are the ones used.
    private var columns: [Int]
    /// Every filter's bias entries, one per tap (convolutions): filter f's at f·taps.
    private var tapBias: [Float]
    /// Positions per channel of a convolution's input (H·W), 1 for a dense layer.
    private let positions: Int
    private var valid = false
    private let inputs: Int
    private let correctsBias: Bool
    private let threads: Int
    /// syrk's scratch: one block's selected columns as Doubles.
    private var gathered: [Double]
    /// The swaps of the current column draw, undone once A is formed.
    private var swaps: [Int]
    /// The factor's blocks rounded to Float, at the factor's offsets, where `floatBlock` says so.
    private var floatFactor: [Float]
    private var floatBlock: [Bool]
    /// Whether `floatFactor` and `floatBlock` belong to the current factor.
    private var prepared = false
    /// The largest condition bound (`conditionBound`) a block may have to be solved in Float.
    static let floatSolveLimit = 1e4
    /// Slots of an adaptive plan's `damping` state: the adapted λ (0 until it moves) and the λ
    /// the held factor was formed with.
    static let adaptedDamping = 0, factorDamping = 1, dampingSlots = 2

    /// `batch` is the plan's batch (a convolution's columns are batch × positions), `taps`
    /// the kernel's kh·kw (1 for a dense layer), `threads` what the solve may use.
    init(_ p: SGD2Correction, batch: Int, taps: Int, threads: Int = 1) {
        self.threads = max(1, threads)
        layer = p.layer
        lambda = p.lambda
        noise = p.noise
        let units = p.inputs + (p.correctsBias ? 1 : 0)
        self.taps = taps
        let order = p.correctsBias ? [p.inputs] + Array(0..<p.inputs) : Array(0..<p.inputs)
        self.order = order
        gradColumns = order.map { $0 * taps }
        let chunk = max(1, min(p.chunk, units))
        blocks = stride(from: 0, to: units, by: chunk).map { ($0, min(chunk, units - $0), false) }
        if p.correctsBias { blocks[0].hasBias = true }
        randomSubset = p.randomColumns
        if p.isConvolution {
            // Column (b, position) of the C_in × (H·W·B) view; channel c adds c·H·W.
            let plane = p.columns / max(batch, 1)
            columns = (0..<p.columns).map { col in (col / plane) * p.inputs * plane + col % plane }
        } else {
            // Sample indices; `syrk` multiplies them by the row stride.
            columns = Array(0..<p.columns)
        }
        if !randomSubset && p.sampledColumns < p.columns {
            // LightNet's every k-th column.
            let k = (p.columns + p.sampledColumns - 1) / p.sampledColumns
            for i in 0..<p.sampledColumns { columns[i] = columns[min(i * k, p.columns - 1)] }
        }
        tapBias = [Float](repeating: 0, count: max(p.rows, 1))
        positions = p.isConvolution ? p.columns / max(batch, 1) : 1
        inputs = p.inputs
        correctsBias = p.correctsBias
        gathered = [Double](repeating: 0, count: syrkWorkspaceCount(features: chunk, samples: p.sampledColumns,
                                                                       biasRow: false))
        swaps = [Int](repeating: 0, count: randomSubset ? p.sampledColumns : 0)
        floatFactor = [Float](repeating: 0, count: blocks.reduce(0) { $0 + $1.length * $1.length })
        floatBlock = [Bool](repeating: false, count: blocks.count)
    }

    /// What a corrector for `p` allocates besides the plan's arena, known before it is made:
    /// its scratch, its column and unit lists and the Float copy of the factor.
    static func workspaceBytes(_ p: SGD2Correction) -> Int {
        let units = p.inputs + (p.correctsBias ? 1 : 0)
        let chunk = max(1, min(p.chunk, units))
        let full = units / chunk, rest = units % chunk
        let factorFloats = full * chunk * chunk + rest * rest
        let gathered = syrkWorkspaceCount(features: chunk, samples: p.sampledColumns, biasRow: false)
        return 8 * (2 * units + p.columns + gathered + (p.randomColumns ? p.sampledColumns : 0))
            + 4 * (max(p.rows, 1) + factorFloats) + full + (rest > 0 ? 1 : 0)
    }

    /// What this corrector holds, counted as `workspaceBytes` counts it (a test ties the two).
    var allocatedBytes: Int {
        8 * (order.count + gradColumns.count + columns.count + gathered.count + swaps.count)
            + 4 * (tapBias.count + floatFactor.count) + floatBlock.count
    }

    /// Per block, whether the current factor is solved in Float (for tests and reports).
    var solvesInFloat: [Bool] { prepared ? floatBlock : [] }

    /// `[held factor ? 1 : 0, order…]`: with the factor tensor, all a checkpoint needs.
    var state: [Double] { [valid ? 1 : 0] + order.map(Double.init) }

    /// Restores `state`; false (and nothing changed) when it is not one of this layer's.
    func restore(_ state: [Double]) -> Bool {
        guard state.count == order.count + 1, state[0] == 0 || state[0] == 1 else { return false }
        let restored = state.dropFirst().map { Int(exactly: $0) ?? -1 }
        guard restored.sorted() == order.sorted() else { return false }
        order = restored
        placeBias()
        valid = state[0] == 1
        prepared = false
        return true
    }

    /// Forces a fresh A at the next step (after the weights or the optimizer state were replaced).
    func invalidate() { valid = false }

    /// Corrects the layer's gradient in place; false when a block of A + λI is not positive
    /// definite (NaN or infinite inputs), the gradient then left as it was.
    func apply(_ p: SGD2Correction, _ v: BufferView, _ ctx: inout StepContext) -> Bool {
        if let noise {
            let std = Float((noise.eta / pow1p(ctx.step, noise.gamma)).squareRoot())
            let count = p.rows * p.inputs
            v.addEach(p.weightGrad, count: count) { std * ctx.random.normal() }
            if let b = p.biasGrad {
                v.addEach(b, count: v.counts[b.rawValue]) { std * ctx.random.normal() }
            }
        }
        if !valid || (ctx.step - 1) % max(p.every, 1) == 0 {
            guard form(p, v, &ctx.random, group: ctx.group) else { return false }
            valid = true
            prepared = false
        }
        if !prepared {
            prepareSolve(p, v)
            prepared = true
        }
        solve(p, v)
        return true
    }

    /// Adaptive damping's curvature term (docs/ALGORITHMS.md "SGD2", "Adaptive damping"):
    /// Σ_u u·(Â + λI)·uᵀ over the rows u of a step δ as the correction sees the gradient, with Â
    /// the block-diagonal input second moment the held factor stands for (L Lᵀ − λ_f I, λ_f the
    /// factor's λ). A dense row is [δb_r, δW_r]; a convolution's row (filter f, tap t) runs over
    /// input channels with δb_f/taps as its bias entry, as the correction splits the bias. The
    /// bias enters only when the correction covers it. Nil while no factor is held.
    func quadratic(_ p: SGD2Correction, _ v: BufferView, weight: [Float], bias: [Float]?, lambda: Double) -> Double? {
        guard valid else { return nil }
        let factor = v.doubles(p.factor)
        let shift = lambda - factorLambda(p, v)
        var u = [Double](repeating: 0, count: p.chunk)
        var total = 0.0
        for r in 0..<p.rows {
            let f = r / taps, t = r % taps
            var offset = 0
            for block in blocks {
                let n = block.length
                for k in 0..<n {
                    let unit = order[block.start + k]
                    u[k] = unit == inputs ? Double(bias?[f] ?? 0) / Double(taps)
                                          : Double(weight[(f * inputs + unit) * taps + t])
                }
                // u L Lᵀ uᵀ = ‖Lᵀuᵀ‖², L lower triangular, row-major.
                for j in 0..<n {
                    var s = 0.0
                    for i in j..<n { s += factor[offset + i * n + j] * u[i] }
                    total += s * s + shift * u[j] * u[j]
                }
                offset += n * n
            }
        }
        return total
    }

    /// Draws the blocks and columns, forms each block of A + λI and factors it into `factor`;
    /// false when a block is not positive definite. In a data-parallel run each rank forms A
    /// from its slice of the batch (the same draws on every rank), and the blocks are averaged
    /// over the ranks before they are factored: A of the global batch.
    private func form(_ p: SGD2Correction, _ v: BufferView, _ random: inout Random, group: ProcessGroup?) -> Bool {
        let lambda = nextLambda(p, v)
        if blocks.count > 1 {
            random.shuffle(&order)
            placeBias()
        }
        if randomSubset {
            for i in 0..<p.sampledColumns {
                swaps[i] = i + random.nextInt(below: p.columns - i)
                columns.swapAt(i, swaps[i])
            }
        }
        defer {
            if randomSubset {
                for i in (0..<p.sampledColumns).reversed() { columns.swapAt(i, swaps[i]) }
            }
        }
        let featureStride = p.isConvolution ? positions : 1
        let sampleStride = p.isConvolution ? 1 : p.inputs
        var offset = 0
        for block in blocks {
            let skip = block.hasBias ? 1 : 0
            v.syrk(x: p.x, featureStride: featureStride, sampleStride: sampleStride, features: block.length - skip,
                   samples: p.sampledColumns, featureIndices: order, from: block.start + skip, sampleIndices: columns,
                   biasRow: block.hasBias, out: p.factor, offset: offset, ldo: block.length, workspace: &gathered,
                   threads: threads)
            offset += block.length * block.length
        }
        if let group { v.withMutableDoubleSpan(p.factor) { group.average(&$0) } }
        offset = 0
        for block in blocks {
            guard v.choleskyFactor(p.factor, offset: offset, n: block.length, addingToDiagonal: lambda) == .success else {
                return false
            }
            offset += block.length * block.length
        }
        if let d = p.damping { v.withMutableSpan(d) { $0[Self.factorDamping] = Float(lambda) } }
        return true
    }

    /// The λ the next re-form adds: the configured one, or under adaptive damping the one the
    /// state holds (rounded to the state's Float from the start, so that the factor's λ is
    /// stored exactly).
    func nextLambda(_ p: SGD2Correction, _ v: BufferView) -> Double {
        guard let d = p.damping else { return lambda }
        let adapted = v.withSpan(d) { $0[Self.adaptedDamping] }
        return adapted > 0 ? Double(adapted) : Double(Float(lambda))
    }

    /// The λ the held factor L Lᵀ = Â + λI was formed with.
    func factorLambda(_ p: SGD2Correction, _ v: BufferView) -> Double {
        guard let d = p.damping else { return lambda }
        return Double(v.withSpan(d) { $0[Self.factorDamping] })
    }

    /// Chooses each block's precision and rounds the Float blocks' factors, from the factor
    /// alone, so that a restored factor is solved exactly as the uninterrupted run would.
    private func prepareSolve(_ p: SGD2Correction, _ v: BufferView) {
        let held = factorLambda(p, v)
        var offset = 0
        for (b, block) in blocks.enumerated() {
            let n = block.length
            floatBlock[b] = v.conditionBound(factor: p.factor, offset: offset, n: n, lambda: held) <= Self.floatSolveLimit
            if floatBlock[b] { v.roundFactor(p.factor, offset: offset, n: n, into: &floatFactor) }
            offset += n * n
        }
    }

    /// After `order` was permuted: the same block sizes over it, the bias row, wherever it
    /// landed, moved to the front of its block (where `syrk` puts the constant row).
    private func placeBias() {
        for b in blocks.indices {
            let range = blocks[b].start..<(blocks[b].start + blocks[b].length)
            if correctsBias, let i = range.first(where: { order[$0] == inputs }) {
                order.swapAt(i, range.lowerBound)
                blocks[b].hasBias = true
            } else {
                blocks[b].hasBias = false
            }
        }
        for i in order.indices { gradColumns[i] = order[i] * taps }
    }

    /// `[g_b, G] ← [g_b, G]·(L Lᵀ)⁻¹`, block by block, the rows of each block split over threads.
    private func solve(_ p: SGD2Correction, _ v: BufferView) {
        var offset = 0
        for (b, block) in blocks.enumerated() {
            let skip = block.hasBias ? 1 : 0
            let l: BufferSolveFactor<BufferID> = floatBlock[b] ? .float(floatFactor, offset: offset) : .double(p.factor, offset: offset)
            let start = block.start + skip
            if !p.isConvolution {
                v.choleskySolveRowsBlocked(factor: l, n: block.length, rows: p.weightGrad, count: p.rows, ldg: p.inputs,
                                           columnIndices: gradColumns, from: start,
                                           bias: block.hasBias ? p.biasGrad : nil, threads: threads)
            } else {
                // Every filter's taps at once: `taps` rows at stride 1, filter f's from f·inputs·taps.
                let filters = p.rows / taps
                if block.hasBias, let bias = p.biasGrad {
                    v.withMutableSpan(bias) { bias in
                        for f in 0..<filters {
                            let share = bias[f] / Float(taps)
                            for t in 0..<taps { tapBias[f * taps + t] = share }
                        }
                    }
                    v.choleskySolveRowsBlocked(factor: l, n: block.length, rows: p.weightGrad, count: filters * taps,
                                               ldg: 1, groupRows: taps, groupStride: p.inputs * taps,
                                               columnIndices: gradColumns, from: start, bias: &tapBias, threads: threads)
                    v.withMutableSpan(bias) { bias in
                        for f in 0..<filters {
                            var sum: Float = 0
                            for t in 0..<taps { sum += tapBias[f * taps + t] }
                            bias[f] = sum
                        }
                    }
                } else {
                    v.choleskySolveRowsBlocked(factor: l, n: block.length, rows: p.weightGrad, count: filters * taps,
                                               ldg: 1, groupRows: taps, groupStride: p.inputs * taps,
                                               columnIndices: gradColumns, from: start, bias: nil, threads: threads)
                }
            }
            offset += block.length * block.length
        }
    }

    /// (1 + t)^γ.
    private func pow1p(_ t: Int, _ gamma: Double) -> Double {
        pow(1 + Double(t), gamma)
    }
}
