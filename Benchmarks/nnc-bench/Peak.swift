import Dispatch

/// 12 independent SIMD16 FMA chains: enough in flight to fill both FMA pipes of a Zen 4 core.
@inline(never)
func fmaLoop(_ iterations: Int, _ seed: Float) -> Float {
    let x = SIMD16<Float>(repeating: 0.999_999), y = SIMD16<Float>(repeating: seed)
    var a0 = y, a1 = y + 1, a2 = y + 2, a3 = y + 3, a4 = y + 4, a5 = y + 5
    var a6 = y + 6, a7 = y + 7, a8 = y + 8, a9 = y + 9, a10 = y + 10, a11 = y + 11
    for _ in 0..<iterations {
        a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x); a3 = y.addingProduct(a3, x)
        a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x); a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x)
        a8 = y.addingProduct(a8, x); a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
    }
    let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
    return s.sum()
}

/// The machine's measured single-precision FMA peak in GFLOP/s on `threads` threads.
func measuredPeak(threads: Int) -> Double {
    let iterations = 20_000_000
    let flop = Double(iterations) * 12 * 16 * 2 * Double(threads)
    var best = 0.0
    for _ in 0..<3 {
        let t0 = now()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            if fmaLoop(iterations, Float(t)) == 42 { print("") }
        }
        best = max(best, flop / (now() - t0) / 1e9)
    }
    return best
}
