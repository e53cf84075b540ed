// A Gram matrix with half a GEMM's work: the curvature factors (K-FAC's A and G, Shampoo's L and
// R) are symmetric, so only the bands of rows up to the diagonal are multiplied and the upper
// triangle is copied from the lower one.

/// Rows of C per band: deep enough that each band's GEMM keeps its speed (64 rows run the 8 × 32
/// micro-kernel), narrow enough that the work above the diagonal stays small (54 % of the full
/// product's FLOPs at n = 785, 75 % at 128; with bands of 128 a 128-wide Shampoo statistic was a
/// full product, and its statistics and K-FAC's factors took about 8 % longer on AMD EPYC). The
/// plan's cost model (`Op.flops`) counts with the same band.
let symmetricProductBand = 64

/// `C ← alpha·op(A)·op(A)ᵀ + beta·C` for a symmetric n × n C (row stride `ldc`), where op(A) is
/// n × k: A stored `n × k` (row stride `lda`), or `k × n` when `transposed` (then op(A) = Aᵀ and
/// the product is AᵀA). Each entry is summed as `gemm` sums it, on any band split and any thread
/// count, so C comes out exactly symmetric. With `beta == 0` C is not read.
// A (n, k) or (k, n) -> C (n, n)
public func symmetricProduct(transposed: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                             threads: Int, workspace: GEMMWorkspace?) {
    var first = 0
    while first < n {
        let last = min(n, first + symmetricProductBand)
        // Rows first..<last against rows 0..<last: the band's part on and below the diagonal.
        let band = transposed ? a + first : a + first * lda
        gemm(transA: transposed, transB: !transposed, m: last - first, n: last, k: k, alpha: alpha,
             a: band, lda: lda, b: a, ldb: lda, beta: beta, c: c + first * ldc, ldc: ldc,
             threads: threads, workspace: workspace)
        first = last
    }
    mirrorLowerTriangle(c, n: n, ldc: ldc)
}

/// Copies the lower triangle of the n × n matrix `c` (row stride `ldc`) onto its upper triangle,
/// in tiles so that the column reads stay in cache.
func mirrorLowerTriangle(_ c: UnsafeMutablePointer<Float>, n: Int, ldc: Int) {
    let tile = 32
    for ib in stride(from: 0, to: n, by: tile) {
        for jb in stride(from: ib, to: n, by: tile) {
            for i in ib..<min(ib + tile, n) {
                for j in max(jb, i + 1)..<max(min(jb + tile, n), i + 1) { c[i * ldc + j] = c[j * ldc + i] }
            }
        }
    }
}
