import Testing
import NNCKernels

/// The banded Gram product against the full GEMM of the same operands: the same bits in every
/// entry (so exactly symmetric), across band boundaries, both layouts, with β and on 2 threads.
@Suite struct SymmetricProductTests {
    @Test(arguments: [(1, 3), (127, 9), (128, 40), (300, 65), (785, 33)])
    func matchesTheFullProduct(n: Int, k: Int) {
        var g = SplitMix(UInt64(n * 1000 + k))
        let a = g.floats(n * k)
        // An old C that is symmetric, as a factor's moving average is.
        let old = symmetricFromLower(g.floats(n * n), n: n)
        for transposed in [false, true] {
            // Stored n × k, or k × n when transposed (then the product is AᵀA).
            let lda = transposed ? n : k
            for (beta, threads) in [(Float(0), 1), (Float(0.9), 2)] {
                var full = old, banded = old
                a.withPtr { ap in
                    full.withMutPtr { gemm(transA: transposed, transB: !transposed, m: n, n: n, k: k, alpha: 0.5, a: ap,
                                           lda: lda, b: ap, ldb: lda, beta: beta, c: $0, ldc: n) }
                    banded.withMutPtr { symmetricProduct(transposed: transposed, n: n, k: k, alpha: 0.5, a: ap, lda: lda,
                                                         beta: beta, c: $0, ldc: n, threads: threads, workspace: nil) }
                }
                let lower = (0..<(n * n)).filter { $0 % n <= $0 / n }
                #expect(bitIdentical(lower.map { banded[$0] }, lower.map { full[$0] }),
                        "n \(n), k \(k), transposed \(transposed), β \(beta): lower triangle differs from gemm")
                #expect((0..<(n * n)).allSatisfy { banded[$0] == banded[($0 % n) * n + $0 / n] }, "not symmetric")
            }
        }
    }
}
