import Testing
@testable import NNCKernels

/// One GEMM case: operands stored with padded leading dimensions (so strides are exercised),
/// random contents in [-1, 1), C pre-filled.
struct GEMMCase {
    var transA = false, transB = false
    var m: Int, n: Int, k: Int
    var alpha: Float = 1, beta: Float = 0
    var pad = 3
    var activation: KernelActivation = .none
    var rowBias = false, columnBias = false, residual = false
    /// An activation-gradient mask applied last, with the residual matrix as the saved input.
    var derivative: KernelActivation? = nil
    /// Blocking other than the default (to force packing paths and many blocks).
    var blocking: GEMMBlocking? = nil

    var lda: Int { (transA ? m : k) + pad }
    var ldb: Int { (transB ? k : n) + pad }
    var ldc: Int { n + pad }

    struct Data {
        var a: [Float], b: [Float], c: [Float], rb: [Float], cb: [Float], r: [Float]
    }

    func data(seed: UInt64) -> Data {
        var g = SplitMix(seed)
        return Data(a: g.floats(max((transA ? k : m) * lda, 1)),
                    b: g.floats(max((transB ? n : k) * ldb, 1)),
                    c: g.floats(max(m * ldc, 1)),
                    rb: g.floats(max(m, 1)), cb: g.floats(max(n, 1)), r: g.floats(max(m * ldc, 1)))
    }

    /// Runs the fast kernel (or the reference) on a copy of `d.c` and returns the result.
    func run(_ d: Data, threads: Int = 1, reference: Bool = false) -> [Float] {
        var c = d.c
        d.a.withPtr { a in d.b.withPtr { b in d.rb.withPtr { rb in d.cb.withPtr { cb in d.r.withPtr { r in
            c.withMutPtr { cp in
                var e = GEMMEpilogue()
                if rowBias { e.append(.rowBias(rb)) }
                if columnBias { e.append(.columnBias(cb)) }
                if activation != .none { e.append(.activation(activation)) }
                if residual { e.append(.add(r, ld: ldc)) }
                if let d = derivative { e.append(.derivative(d, saved: r, ld: ldc, savedIsOutput: false)) }
                if reference {
                    gemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: cp, ldc: ldc, epilogue: e)
                } else if let blocking {
                    gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: cp, ldc: ldc, epilogue: e,
                         threads: threads, workspace: nil, blocking: blocking)
                } else {
                    gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: cp, ldc: ldc, epilogue: e,
                         threads: threads)
                }
            }
        } } } } }
        return c
    }

    /// Per-element error bound for the reordered float sum against the Double reference:
    /// (k + 4)·u·(|alpha|·Σ|a||b| + |beta·c| + |biases|) (Higham's γ_k for a dot product, plus
    /// the few roundings of the epilogue), plus 8u of the result for tanh/sigmoid's own error.
    func tolerance(_ d: Data, _ ref: [Float]) -> [Float] {
        var tol = [Float](repeating: 0, count: d.c.count)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k {
                    let x = transA ? d.a[p * lda + i] : d.a[i * lda + p]
                    let y = transB ? d.b[j * ldb + p] : d.b[p * ldb + j]
                    s += Swift.abs(x * y)
                }
                var mag = Swift.abs(alpha) * s
                if beta != 0 { mag += Swift.abs(beta * d.c[i * ldc + j]) }
                if rowBias { mag += Swift.abs(d.rb[i]) }
                if columnBias { mag += Swift.abs(d.cb[j]) }
                let out = Swift.abs(ref[i * ldc + j])
                tol[i * ldc + j] = Float(k + 4) * unitRoundoff * mag + 8 * unitRoundoff * out + 1e-30
            }
        }
        return tol
    }

    func check(seed: UInt64 = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        let d = data(seed: seed)
        let fast = run(d)
        let ref = run(d, reference: true)
        let tol = tolerance(d, ref)
        if let i = firstMismatch(fast, ref, tol: { tol[$0] }) {
            Issue.record("\(self): C[\(i / ldc), \(i % ldc)] = \(fast[i]), reference \(ref[i]), tolerance \(tol[i])",
                         sourceLocation: sourceLocation)
        }
    }
}

@Suite struct GEMMTests {
    static let awkward = [1, 3, 7, 17, 33, 129]

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func awkwardShapesAllTransposes(transA: Bool, transB: Bool) {
        for m in Self.awkward {
            for n in Self.awkward {
                for k in [1, 7, 33, 129] {
                    GEMMCase(transA: transA, transB: transB, m: m, n: n, k: k).check()
                }
            }
        }
    }

    @Test func packingPathsAndKBlocks() {
        // Shapes that cross the blocking: packed A (n >= 256), packed and direct B, several K
        // blocks, M and N beyond one block, the 12 × 16 kernel (n <= 16).
        for (m, n, k) in [(100, 300, 50), (70, 600, 20), (200, 40, 900), (33, 16, 400), (130, 10, 129),
                          (9, 1000, 5), (500, 10, 128), (10, 128, 500), (500, 128, 10)] {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                GEMMCase(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, beta: 1.5).check()
            }
        }
    }

    /// Packed and in-place A, packed and in-place B, and blocks small enough that every loop of
    /// the nest runs several times.
    static let blockings: [GEMMBlocking] = [
        GEMMBlocking(packAMinN: 0, packBMinM: 0),
        GEMMBlocking(packAMinN: 0, packBMinM: .max),
        GEMMBlocking(packAMinN: .max, packBMinM: .max),
        GEMMBlocking(kc: 16, mc: 12, nc: 64, packAMinN: 0, packBMinM: 0),
        GEMMBlocking(kc: 16, mc: 12, nc: 64, packAMinN: .max, packBMinM: .max),
    ]

    @Test(arguments: 0..<5)
    func everyPackingPathAndManyBlocks(_ which: Int) {
        let blocking = Self.blockings[which]
        for (m, n, k) in [(1, 1, 1), (7, 33, 17), (33, 129, 7), (129, 17, 129), (40, 10, 70), (13, 100, 33)] {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                GEMMCase(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, beta: 1.5, activation: .relu,
                         columnBias: true, blocking: blocking).check()
            }
        }
        // Splitting the output still leaves every element's arithmetic unchanged.
        let cs = GEMMCase(transA: true, m: 200, n: 150, k: 90, beta: 1, blocking: blocking)
        let d = cs.data(seed: 4)
        #expect(bitIdentical(cs.run(d, threads: 1), cs.run(d, threads: 3)))
    }

    /// The 8 × 32 kernel (products of at most 64 rows in multiples of 8) against the reference
    /// on every packing path and blocking, and bit for bit against the 6 × 32 kernel: the first
    /// 64 rows of a 66-row product (6-row tiles) are the 64-row product (8-row tiles).
    @Test func eightRowKernel() {
        for blocking in Self.blockings + [GEMMBlocking()] {
            for (m, n, k) in [(8, 33, 17), (16, 1000, 5), (32, 100, 129), (64, 300, 50)] {
                for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                    GEMMCase(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, beta: 1.5, activation: .relu,
                             columnBias: true, blocking: blocking).check()
                }
            }
        }
        for tb in [false, true] {
            let wide = GEMMCase(transB: tb, m: 66, n: 300, k: 450, beta: 1.5, rowBias: true)
            let eight = GEMMCase(transB: tb, m: 64, n: 300, k: 450, beta: 1.5, rowBias: true)
            #expect(GEMMKernel.choose(m: 66, n: 300) == .wide && GEMMKernel.choose(m: 64, n: 300) == .eightRow)
            let d = wide.data(seed: 7), rows = 64 * wide.ldc
            let e = GEMMCase.Data(a: Array(d.a.prefix(64 * wide.lda)), b: d.b, c: Array(d.c.prefix(rows)),
                                  rb: Array(d.rb.prefix(64)), cb: d.cb, r: Array(d.r.prefix(rows)))
            #expect(bitIdentical(Array(wide.run(d).prefix(rows)), eight.run(e)), "transB \(tb)")
        }
    }

    @Test func alphaBetaAndEpilogues() {
        let acts: [KernelActivation] = [.none, .relu, .leakyRelu(slope: 0.1), .tanh, .sigmoid, .abs]
        for act in acts {
            for (alpha, beta) in [(Float(1), Float(0)), (-2, 1), (0.25, -0.5)] {
                GEMMCase(transA: false, transB: true, m: 37, n: 45, k: 19, alpha: alpha, beta: beta,
                         activation: act, rowBias: true, columnBias: true, residual: true).check()
                GEMMCase(transA: true, transB: false, m: 13, n: 9, k: 70, alpha: alpha, beta: beta,
                         activation: act, columnBias: true).check()
            }
        }
    }

    /// `applyEpilogue` runs step by step over blocks of rows; every element must still get the
    /// bits of all steps applied to its vector at once (`apply16`), for every kind of step, on
    /// blocks narrower and wider than 16 columns and taller than one row group.
    @Test func theEpilogueStepByStepIsItsStepsOnOneVector() {
        var g = SplitMix(21)
        let activations: [KernelActivation] = [.relu, .leakyRelu(slope: 0.1), .tanh, .sigmoid, .abs, .none]
        for (m, n) in [(6, 32), (5, 7), (3, 40), (70, 100)] {
            let ld = n + 3
            let c0 = g.floats(m * ld, scale: 3), rb = g.floats(m), cb = g.floats(n), r = g.floats(m * ld), saved = g.floats(m * ld)
            for (k, f) in activations.enumerated() {
                let back = activations[(k + 1) % activations.count]
                // modulus' derivative needs its input; the others are tested from their output.
                let fromOutput = back != .abs
                var fast = c0, slow = c0
                rb.withPtr { rbp in cb.withPtr { cbp in r.withPtr { rp in saved.withPtr { sp in
                    let e = GEMMEpilogue([.rowBias(rbp), .columnBias(cbp), .activation(f), .add(rp, ld: ld),
                                          .derivative(back, saved: sp, ld: ld, savedIsOutput: fromOutput)])
                    fast.withMutPtr { applyEpilogue(e, c: $0, ldc: ld, rows: 0..<m, cols: 0..<n) }
                    slow.withMutPtr { cp in
                        for i in 0..<m {
                            var j = 0
                            while j < n {
                                let w = min(16, n - j)
                                store16(e.apply16(load16(cp + i * ld + j, w), row: i, col: j, lanes: w), cp + i * ld + j, w)
                                j += w
                            }
                        }
                    }
                } } } }
                #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern), "\(m)×\(n), \(f) then \(back)'")
            }
        }
    }

    @Test func derivativeMaskSteps() {
        // The backward-data GEMM with the previous layer's activation mask fused, from the
        // saved input: dX = (dY·W) ⊙ f'(x), and after a residual contribution.
        for f: KernelActivation in [.relu, .leakyRelu(slope: 0.2), .tanh, .sigmoid, .abs] {
            GEMMCase(m: 37, n: 40, k: 21, derivative: f).check()
            GEMMCase(transA: true, m: 9, n: 70, k: 300, beta: 1, residual: true, derivative: f).check()
        }
    }

    @Test func zeroSizes() {
        // m or n zero: nothing to do; k zero or alpha zero: C = epilogue(beta·C), A and B unread.
        for (m, n, k) in [(0, 5, 3), (4, 0, 3), (0, 0, 0), (4, 5, 0), (1, 1, 0)] {
            for beta in [Float(0), 2] {
                GEMMCase(m: m, n: n, k: k, beta: beta, activation: .relu, columnBias: true).check()
            }
        }
        GEMMCase(m: 6, n: 7, k: 8, alpha: 0, beta: 0.5).check()
    }

    @Test func betaZeroDoesNotReadC() {
        var c = [Float](repeating: .nan, count: 20 * 40)
        let a = [Float](repeating: 1, count: 20 * 3)
        let b = [Float](repeating: 2, count: 3 * 40)
        a.withPtr { ap in b.withPtr { bp in c.withMutPtr { cp in
            gemm(transA: false, transB: false, m: 20, n: 40, k: 3, a: ap, lda: 3, b: bp, ldb: 40,
                 beta: 0, c: cp, ldc: 40)
        } } }
        #expect(c.allSatisfy { $0 == 6 })
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func nanAndInfPropagate(transA: Bool, transB: Bool) {
        // A NaN in A poisons its row of C, an Inf in B its column (as ±Inf or NaN exactly as the
        // reference has it), whichever kernel and packing path the shape takes.
        for (m, n, k) in [(7, 33, 17), (40, 10, 9), (300, 300, 30), (5, 3, 1)] {
            let cs = GEMMCase(transA: transA, transB: transB, m: m, n: n, k: k, beta: 1)
            var d = cs.data(seed: 7)
            let (i, p, j) = (m / 2, k / 2, n - 1)
            d.a[transA ? p * cs.lda + i : i * cs.lda + p] = .nan
            d.b[transB ? j * cs.ldb + p : p * cs.ldb + j] = .infinity
            d.c[0] = -.infinity
            let fast = cs.run(d)
            let ref = cs.run(d, reference: true)
            for r in 0..<m {
                for col in 0..<n {
                    let x = fast[r * cs.ldc + col], y = ref[r * cs.ldc + col]
                    if y.isNaN || y.isInfinite || x.isNaN || x.isInfinite {
                        #expect(sameValue(x, y), "C[\(r), \(col)] = \(x), reference \(y)")
                    }
                }
            }
            #expect((0..<n).allSatisfy { fast[i * cs.ldc + $0].isNaN })
            #expect(fast[0].isNaN || fast[0] == -.infinity)
        }
    }

    @Test func workspaceSlotsFitEveryBlockingAfterMixedUse() {
        // One large slot, then small ones appended for a small blocking: a later call with the
        // large blocking must not reuse the small slots (it overran them and corrupted the heap).
        let large = GEMMBlocking(), small = GEMMBlocking(kc: 16, mc: 12, nc: 64)
        let ws = GEMMWorkspace()
        ws.reserve(slots: 1, blocking: large)
        ws.reserve(slots: 3, blocking: small)
        ws.reserve(slots: 3, blocking: large)
        #expect(ws.slots.count == 3)
        for slot in ws.slots {
            #expect(slot.aCapacity >= large.mc * large.kc && slot.bCapacity >= large.kc * large.nc)
            #expect(slot.edgeCapacity >= large.kc * GEMMBlocking.maxNR)
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func threadedIsBitIdentical(transA: Bool, transB: Bool) {
        // Shapes that split by rows, by columns, with both kernels, packing and several K blocks.
        for (m, n, k) in [(500, 128, 100), (10, 500, 128), (500, 10, 128), (257, 300, 500), (130, 1000, 20)] {
            let cs = GEMMCase(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.7, beta: 0.3,
                              activation: .tanh, columnBias: true, residual: true)
            let d = cs.data(seed: 3)
            let one = cs.run(d, threads: 1)
            for t in [2, 3, 4] {
                #expect(bitIdentical(one, cs.run(d, threads: t)), "\(m)x\(n)x\(k) threads \(t)")
            }
        }
    }
}
