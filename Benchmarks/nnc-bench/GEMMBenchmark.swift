import NNCKernels

/// One timed product: C (m,n) = op(A) (m,k) · op(B) (k,n), and the epilogue the training step
/// fuses into it.
struct GEMMShape {
    /// What runs on each element after the product, as the MLP's step has it.
    enum Epilogue {
        case none
        /// `+ bias[j]`, then ReLU: a dense layer's forward.
        case biasReLU
        /// `⊙ (saved > 0)`: the gradient through a ReLU, from its saved output.
        case reluMask
    }

    let name: String
    let m: Int, k: Int, n: Int
    let transA: Bool, transB: Bool
    var epilogue = Epilogue.none
    var flop: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// Squares 128…2048 and the eight products of one SGD step of the MNIST MLP
/// (784-128-128-10, batch 500), as ../shared/peers/gemm_numpy.py times them.
let benchmarkShapes: [GEMMShape] =
    [128, 256, 512, 1024, 2048].map { GEMMShape(name: "square \($0)", m: $0, k: $0, n: $0, transA: false, transB: false) } + [
        GEMMShape(name: "fwd1 X·W1ᵀ", m: 500, k: 784, n: 128, transA: false, transB: true),
        GEMMShape(name: "fwd2 H1·W2ᵀ", m: 500, k: 128, n: 128, transA: false, transB: true),
        GEMMShape(name: "fwd3 H2·W3ᵀ", m: 500, k: 128, n: 10, transA: false, transB: true),
        GEMMShape(name: "dW1 dY1ᵀ·X", m: 128, k: 500, n: 784, transA: true, transB: false),
        GEMMShape(name: "dW2 dY2ᵀ·H1", m: 128, k: 500, n: 128, transA: true, transB: false),
        GEMMShape(name: "dW3 dY3ᵀ·H2", m: 10, k: 500, n: 128, transA: true, transB: false),
        GEMMShape(name: "dH1 dY2·W2", m: 500, k: 128, n: 128, transA: false, transB: false),
        GEMMShape(name: "dH2 dY3·W3", m: 500, k: 10, n: 128, transA: false, transB: false),
        // The same products with the epilogues the step fuses into them (OpenBLAS's column is
        // the bare product): what the epilogue costs where the step runs it.
        GEMMShape(name: "fwd1 +bias relu", m: 500, k: 784, n: 128, transA: false, transB: true, epilogue: .biasReLU),
        GEMMShape(name: "fwd2 +bias relu", m: 500, k: 128, n: 128, transA: false, transB: true, epilogue: .biasReLU),
        GEMMShape(name: "dH1 relu'", m: 500, k: 128, n: 128, transA: false, transB: false, epilogue: .reluMask),
        GEMMShape(name: "dH2 relu'", m: 500, k: 10, n: 128, transA: false, transB: false, epilogue: .reluMask),
        // K-FAC's per-step products on the first layer: G⁻¹·∇ then ·A⁻¹ (bias column included).
        GEMMShape(name: "kfac G⁻¹·∇1", m: 128, k: 128, n: 785, transA: false, transB: false),
        GEMMShape(name: "kfac ∇1·A⁻¹", m: 128, k: 785, n: 785, transA: false, transB: false),
    ]

/// Operands for one shape, filled with uniform [-1, 1) values.
final class GEMMOperands {
    let shape: GEMMShape
    let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    /// The epilogue's operand: the bias (n) or the saved ReLU output (m × n), half of it zero.
    let extra: UnsafeMutablePointer<Float>
    let lda: Int, ldb: Int

    init(_ s: GEMMShape) {
        shape = s
        lda = s.transA ? s.m : s.k
        ldb = s.transB ? s.k : s.n
        a = .allocate(capacity: s.m * s.k)
        b = .allocate(capacity: s.k * s.n)
        c = .allocate(capacity: s.m * s.n)
        extra = .allocate(capacity: s.m * s.n)
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
        for i in 0..<(s.m * s.k) { a[i] = next() }
        for i in 0..<(s.k * s.n) { b[i] = next() }
        c.initialize(repeating: 0, count: s.m * s.n)
        for i in 0..<(s.m * s.n) { extra[i] = max(next(), 0) }
    }

    deinit {
        a.deallocate(); b.deallocate(); c.deallocate(); extra.deallocate()
    }

    var epilogue: GEMMEpilogue {
        switch shape.epilogue {
        case .none: return .none
        case .biasReLU: return GEMMEpilogue([.columnBias(extra), .activation(.relu)])
        case .reluMask: return GEMMEpilogue([.derivative(.relu, saved: extra, ld: shape.n, savedIsOutput: true)])
        }
    }

    func run(threads: Int) {
        gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
             a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: shape.n, epilogue: epilogue, threads: threads)
    }

    /// The epilogue on one entry of the product, as the plain definition has it.
    func finish(_ dot: Double, row i: Int, col j: Int) -> Double {
        switch shape.epilogue {
        case .none: return dot
        case .biasReLU: return max(dot + Double(extra[j]), 0)
        case .reluMask: return extra[i * shape.n + j] > 0 ? dot : 0
        }
    }

    /// Checks the product against Double dot products on a sample of entries (error bound
    /// (k+2)·u·Σ|a||b|), and that `threads` threads give the single-threaded bits.
    func verify(threads: Int) -> String? {
        let s = shape
        run(threads: 1)
        let one = Array(UnsafeBufferPointer(start: c, count: s.m * s.n))
        run(threads: threads)
        for i in 0..<(s.m * s.n) where one[i].bitPattern != c[i].bitPattern {
            return "\(threads) threads differ from 1 thread at C[\(i / s.n), \(i % s.n)]"
        }
        var state: UInt64 = 99
        for _ in 0..<400 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let i = Int((state >> 33) % UInt64(s.m))
            let j = Int((state >> 13) % UInt64(s.n))
            var dot = 0.0, mag = 0.0
            for p in 0..<s.k {
                let x = Double(s.transA ? a[p * lda + i] : a[i * lda + p])
                let y = Double(s.transB ? b[j * ldb + p] : b[p * ldb + j])
                dot += x * y
                mag += Swift.abs(x * y)
            }
            // The bias adds one rounding of the sum's size.
            let tol = Double(s.k + 4) * 0x1p-24 * (mag + Swift.abs(Double(extra[j])))
            let expected = finish(dot, row: i, col: j)
            if Swift.abs(Double(one[i * s.n + j]) - expected) > tol {
                return "C[\(i), \(j)] = \(one[i * s.n + j]), reference \(expected)"
            }
        }
        return nil
    }
}
