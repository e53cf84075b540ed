import Dispatch

/// One element-wise step of an epilogue, applied to an output element (i, j) after the product.
public enum EpilogueOp {
    /// `+ bias[j]`: one value per column (a dense layer's bias, batch along the rows).
    case columnBias(UnsafePointer<Float>)
    /// `+ bias[i]`: one value per row (a convolution's bias, channels along the rows).
    case rowBias(UnsafePointer<Float>)
    case activation(KernelActivation)
    /// `+ other[i, j]` (row stride `ld`): a residual, or another gradient contribution.
    case add(UnsafePointer<Float>, ld: Int)
    /// `⊙ f'(saved[i, j])` (row stride `ld`): an activation's backward mask, see
    /// `KernelActivation.backward16`; `saved` is f's output when `savedIsOutput`, else its input.
    case derivative(KernelActivation, saved: UnsafePointer<Float>, ld: Int, savedIsOutput: Bool)
}

/// The element-wise steps applied, in order, to each output element of a GEMM (or a
/// convolution) while it is still in cache: at most `capacity`, stored inline, so building
/// one allocates nothing.
public struct GEMMEpilogue {
    public static let capacity = 6
    var ops: InlineArray<6, EpilogueOp> = .init(repeating: .activation(.none))
    /// Number of steps.
    public private(set) var count = 0

    /// No steps.
    public init() {}

    /// These steps, in order.
    public init(_ steps: [EpilogueOp]) {
        for s in steps { append(s) }
    }

    /// Adds a step at the end.
    public mutating func append(_ op: EpilogueOp) {
        precondition(count < Self.capacity, "GEMMEpilogue holds at most \(Self.capacity) steps")
        ops[count] = op
        count += 1
    }

    /// Nothing after the product.
    public static var none: GEMMEpilogue { GEMMEpilogue() }

    var isIdentity: Bool { count == 0 }

    /// The same steps with their matrix operands (`add`, `derivative`) moved `offset` floats on:
    /// the epilogue of one sample of a batched tensor.
    public func advanced(by offset: Int) -> GEMMEpilogue {
        var e = self
        for i in 0..<count {
            switch ops[i] {
            case .add(let p, let ld): e.ops[i] = .add(p + offset, ld: ld)
            case .derivative(let f, let p, let ld, let o): e.ops[i] = .derivative(f, saved: p + offset, ld: ld, savedIsOutput: o)
            default: break
            }
        }
        return e
    }

    /// A convolution's epilogue (rows = channels, one column per sample, matrix operands with
    /// row stride 1 per sample) for the whole batch as one dense product (rows = samples,
    /// columns = channels, row stride `ld`): per-channel biases become per-column.
    func transposedForDense(ld: Int) -> GEMMEpilogue {
        var e = self
        for i in 0..<count {
            switch ops[i] {
            case .rowBias(let b): e.ops[i] = .columnBias(b)
            case .columnBias(let b): e.ops[i] = .rowBias(b)
            case .add(let p, _): e.ops[i] = .add(p, ld: ld)
            case .derivative(let f, let p, _, let o): e.ops[i] = .derivative(f, saved: p, ld: ld, savedIsOutput: o)
            case .activation: break
            }
        }
        return e
    }

    /// The steps on 16 lanes of row `i`, columns `j ..< j + w`, all of them on one vector:
    /// the definition `applyEpilogue` (step by step over a block) is tested to match bit for bit.
    @inline(__always)
    func apply16(_ v: F16, row i: Int, col j: Int, lanes w: Int) -> F16 {
        var v = v
        for s in 0..<count {
            switch ops[s] {
            case .columnBias(let b): v += load16(b + j, w)
            case .rowBias(let b): v += b[i]
            case .activation(let f): v = f.apply16(v)
            case .add(let p, let ld): v += load16(p + i * ld + j, w)
            case .derivative(let f, let p, let ld, let o): v = f.backward16(v, saved: load16(p + i * ld + j, w), savedIsOutput: o)
            }
        }
        return v
    }

    /// The steps on one element with the plain definitions: the reference.
    func reference(_ x: Float, row i: Int, col j: Int) -> Float {
        var t = x
        for s in 0..<count {
            switch ops[s] {
            case .columnBias(let b): t += b[j]
            case .rowBias(let b): t += b[i]
            case .activation(let f): t = f.reference(t)
            case .add(let p, let ld): t += p[i * ld + j]
            case .derivative(let f, let p, let ld, let o):
                let saved = p[i * ld + j]
                switch f {
                case .tanh where o: t = t * (1 - saved * saved)
                case .sigmoid where o: t = t * (saved * (1 - saved))
                default: t = f.backwardReference(dy: t, x: saved)
                }
            }
        }
        return t
    }
}

/// Single-precision matrix product with a fused epilogue, row-major, BLAS conventions:
///
///     // op(A) (m,k) · op(B) (k,n) -> C (m,n);  op(X) = X or Xᵀ
///     C = epilogue(alpha·op(A)·op(B) + beta·C)
///
/// The epilogue's steps run in order on each element (bias, activation, residual add,
/// activation-gradient mask, …) while its tile is in cache; `alpha` scales and `beta`
/// accumulates.
///
/// `A` is stored `m × k` (row stride `lda`), or `k × m` when `transA`; `B` is `k × n`, or
/// `n × k` when `transB`; `C` is `m × n` with row stride `ldc`. With `beta == 0`, `C` is not
/// read (it may hold NaN). With `alpha == 0` or `k == 0`, `A` and `B` are not read.
///
/// `threads > 1` splits the output into that many bands of whole micro-tiles, run by
/// `WorkerPool` (spinning workers; see there why not `DispatchQueue.concurrentPerform`); small
/// products use fewer threads. `K` is never split and the blocking does not depend on the
/// split, so the result is bit-identical to `threads: 1`.
///
/// Packing buffers come from `workspace`, or when it is `nil` from a process-wide pool that
/// allocates a workspace the first time it is short of one and reuses it afterwards: after the
/// first training step no call allocates. Pass a workspace of your own to pin this down.
public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                 alpha: Float = 1,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0,
                 c: UnsafeMutablePointer<Float>, ldc: Int,
                 epilogue: GEMMEpilogue = .none,
                 threads: Int = 1,
                 workspace: GEMMWorkspace? = nil) {
    gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
         beta: beta, c: c, ldc: ldc, epilogue: epilogue, threads: threads, workspace: workspace,
         blocking: GEMMBlocking.current)
}

/// `gemm` with explicit blocking (the tests force every packing path through it).
func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
          epilogue: GEMMEpilogue, threads: Int, workspace: GEMMWorkspace?, blocking: GEMMBlocking) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size")
    if m == 0 || n == 0 { return }
    precondition(ldc >= n, "gemm: ldc < n")
    if k == 0 || alpha == 0 {
        scaleAndFinish(m: m, n: n, beta: beta, c: c, ldc: ldc, epilogue: epilogue)
        return
    }
    precondition(lda >= (transA ? m : k), "gemm: lda too small")
    precondition(ldb >= (transB ? k : n), "gemm: ldb too small")
    let problem = GEMMProblem(
        m: m, n: n, k: k,
        a: a, rsA: transA ? 1 : lda, csA: transA ? lda : 1,
        b: b, rsB: transB ? 1 : ldb, csB: transB ? ldb : 1,
        c: c, ldc: ldc, alpha: alpha, beta: beta, epilogue: epilogue, blocking: blocking)
    let parts = problem.partCount(threads: threads)
    if let workspace {
        run(problem, parts: parts, workspace: workspace)
    } else {
        let ws = GEMMWorkspace.pool.take()
        run(problem, parts: parts, workspace: ws)
        GEMMWorkspace.pool.give(ws)
    }
}

/// Runs `problem` in `parts` bands on the pool's threads (or Dispatch's, for comparison).
private func run(_ problem: GEMMProblem, parts: Int, workspace ws: GEMMWorkspace) {
    ws.reserve(slots: parts, blocking: problem.blocking)
    if parts == 1 {
        problem.run(part: 0, of: 1, slot: ws.slots[0])
        return
    }
    ws.slots.withUnsafeBufferPointer { slots in
        if problem.blocking.useDispatch {
            DispatchQueue.concurrentPerform(iterations: parts) { t in
                problem.run(part: t, of: parts, slot: slots[t])
            }
        } else {
            WorkerPool.shared.run(parts: parts) { t in
                problem.run(part: t, of: parts, slot: slots[t])
            }
        }
    }
}

/// The product of `k == 0` (or `alpha == 0`): `C = epilogue(beta·C)`.
private func scaleAndFinish(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                            epilogue: GEMMEpilogue) {
    for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: n)
        } else if beta != 1 {
            for j in 0..<n { row[j] = beta * row[j] }
        }
    }
    if !epilogue.isIdentity {
        applyEpilogue(epilogue, c: c, ldc: ldc, rows: 0..<m, cols: 0..<n)
    }
}

/// Applies `epilogue` to the block `rows × cols` of `C`, 16 columns at a time through the
/// same vector code for full and partial chunks.
///
/// Step by step over groups of rows of at most 4 096 elements (a micro-tile is one group, and
/// stays in L1 between steps): which step, and which activation, is decided once per group, and
/// the loop inside is straight vector code. Deciding it for every 16 lanes cost a quarter of a
/// 500×128·128×128 product's time, and three quarters of one with k = 10 (BENCHMARKS.md). Every
/// element still goes through the steps in order with the same operations: the bits are
/// those of `GEMMEpilogue.apply16` on each vector.
@inline(never)
func applyEpilogue(_ e: GEMMEpilogue, c: UnsafeMutablePointer<Float>, ldc: Int,
                   rows: Range<Int>, cols: Range<Int>) {
    if rows.isEmpty || cols.isEmpty { return }
    let group = max(1, 4096 / cols.count)
    var first = rows.lowerBound
    while first < rows.upperBound {
        let block = first..<min(rows.upperBound, first + group)
        for s in 0..<e.count {
            applyStep(e.ops[s], c: c, ldc: ldc, rows: block, cols: cols)
        }
        first = block.upperBound
    }
}

/// One epilogue step on a block of C, as `GEMMEpilogue.apply16` does it on each vector.
@inline(__always)
private func applyStep(_ op: EpilogueOp, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, cols: Range<Int>) {
    @inline(__always)
    func each(_ body: (F16, Int, Int, Int) -> F16) {
        for i in rows {
            let row = c + i * ldc
            var j = cols.lowerBound
            while j < cols.upperBound {
                let w = min(16, cols.upperBound - j)
                store16(body(load16(row + j, w), i, j, w), row + j, w)
                j += w
            }
        }
    }
    switch op {
    case .columnBias(let b):
        each { v, _, j, w in v + load16(b + j, w) }
    case .rowBias(let b):
        each { v, i, _, _ in v + b[i] }
    case .activation(let f):
        switch f {
        case .none: break
        case .relu: each { v, _, _, _ in KernelActivation.relu.apply16(v) }
        default: each { v, _, _, _ in f.apply16(v) }
        }
    case .add(let p, let ld):
        each { v, i, j, w in v + load16(p + i * ld + j, w) }
    case .derivative(let f, let p, let ld, let o):
        if case .relu = f {
            each { v, i, j, w in KernelActivation.relu.backward16(v, saved: load16(p + i * ld + j, w), savedIsOutput: o) }
        } else {
            each { v, i, j, w in f.backward16(v, saved: load16(p + i * ld + j, w), savedIsOutput: o) }
        }
    }
}

/// The plain definition: a triple loop accumulating in Double, then the epilogue with libm's
/// functions. The tests compare `gemm` against it.
public func gemmReference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                          alpha: Float = 1,
                          a: UnsafePointer<Float>, lda: Int,
                          b: UnsafePointer<Float>, ldb: Int,
                          beta: Float = 0,
                          c: UnsafeMutablePointer<Float>, ldc: Int,
                          epilogue: GEMMEpilogue = .none) {
    for i in 0..<m {
        for j in 0..<n {
            var t: Float = 0
            if alpha != 0 && k > 0 {
                var s = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(x) * Double(y)
                }
                t = Float(Double(alpha) * s)
            }
            if beta != 0 { t += beta * c[i * ldc + j] }
            c[i * ldc + j] = epilogue.reference(t, row: i, col: j)
        }
    }
}
