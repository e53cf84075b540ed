import Testing
@testable import NNCKernels

/// Stride-1 3×3 and 5×5 convolutions with at least 16 channels each side run all three passes
/// by Winograd F(m×m, r×r): the written-out transforms against their matrices, the minimal
/// filtering identity, and whole passes (epilogues, accumulation, threads) against the direct loops.
@Suite struct ConvWinogradTests {
    static let shapes: [Conv2dShape] = [
        // cifar_conv's second layer at a small batch: 64 tiles a sample, one sample a group
        Conv2dShape(batch: 3, inChannels: 16, height: 16, width: 16, outChannels: 32, kernelH: 5, kernelW: 5, padH: 2, padW: 2),
        // odd output sides (part of a tile past the right and bottom), 6 tiles a sample so the 5
        // samples in one group (on 3 threads, groups cut short), 20 filters
        Conv2dShape(batch: 5, inChannels: 17, height: 7, width: 9, outChannels: 20, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
        // a 38 × 40 output: 100 tiles of 4 × 4 a sample in two blocks, unequal padding
        Conv2dShape(batch: 2, inChannels: 16, height: 40, width: 38, outChannels: 16, kernelH: 3, kernelW: 3, padH: 0, padW: 2),
        // padding past r/2 (the data gradient's then 0 and 1), a rectangular output
        Conv2dShape(batch: 4, inChannels: 24, height: 8, width: 8, outChannels: 16, kernelH: 5, kernelW: 5, padH: 4, padW: 3),
        // the smallest output (2×2 from 6×6), 17 output channels
        Conv2dShape(batch: 3, inChannels: 16, height: 6, width: 6, outChannels: 17, kernelH: 5, kernelW: 5),
        // 3×3 with an output 3 high: F(2×2, 3×3) instead of F(4×4, 3×3)
        Conv2dShape(batch: 3, inChannels: 16, height: 3, width: 6, outChannels: 16, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
        // F(4×4, 3×3) with part of the last tile row and column past the output, 20 and 24 channels
        Conv2dShape(batch: 2, inChannels: 20, height: 13, width: 11, outChannels: 24, kernelH: 3, kernelW: 3, padH: 1, padW: 1),
    ]

    @Test func takesTheWinogradPathWithTheTileFittingTheOutput() {
        #expect(Self.shapes.map { WinogradGeometry(forward: $0)?.m } == [2, 4, 4, 2, 2, 2, 4])
        #expect(Self.shapes.map { WinogradGeometry(backwardData: $0)?.m } == [2, 4, 4, 2, 2, 2, 4])
    }

    @Test func narrowOrStridedConvolutionsDoNot() {
        let cifarFirst = Conv2dShape(batch: 2, inChannels: 3, height: 32, width: 32, outChannels: 32, kernelH: 5, kernelW: 5, padH: 2, padW: 2)
        #expect(WinogradGeometry(forward: cifarFirst) == nil)
        let strided = Conv2dShape(batch: 2, inChannels: 32, height: 16, width: 16, outChannels: 32, kernelH: 3, kernelW: 3,
                                  strideH: 2, strideW: 2, padH: 1, padW: 1)
        #expect(WinogradGeometry(forward: strided) == nil)
        let fourByFour = Conv2dShape(batch: 2, inChannels: 32, height: 8, width: 8, outChannels: 32, kernelH: 4, kernelW: 4)
        #expect(WinogradGeometry(forward: fourByFour) == nil)
    }

    /// The transforms as the kernels write them equal Bᵀ d, Aᵀ m and A y with the matrices.
    @Test(arguments: [2, 5, 4])
    func writtenTransformsAreTheMatrices(_ which: Int) {
        switch which {
        case 2: expectWritten(WinogradF2x3.self)
        case 5: expectWritten(WinogradF2x5.self)
        default: expectWritten(WinogradF4x3.self)
        }
    }

    func expectWritten<K: WinogradKernel>(_: K.Type) {
        let mats = K.matrices, alpha = mats.alpha, m = mats.m
        var g = SplitMix(UInt64(alpha * 10 + m))
        let d = (0..<alpha).map { _ in F16(g.floats(16)) }
        var v = [F16](repeating: F16(), count: alpha), z = v, y = [F16](repeating: F16(), count: m)
        K.input({ d[$0] }, { v[$0] = $1 })
        K.output({ d[$0] }, { y[$0] = $1 })
        K.expand({ d[$0] }, { z[$0] = $1 })
        for lane in 0..<16 {
            for i in 0..<alpha {
                let want = (0..<alpha).reduce(0.0) { $0 + mats.bt[i * alpha + $1] * Double(d[$1][lane]) }
                #expect(abs(Double(v[i][lane]) - want) <= 1e-5 * (1 + abs(want)), "Bᵀ row \(i), F(\(m), \(mats.r))")
            }
            for q in 0..<m {
                let want = (0..<alpha).reduce(0.0) { $0 + mats.at[q * alpha + $1] * Double(d[$1][lane]) }
                #expect(abs(Double(y[q][lane]) - want) <= 1e-5 * (1 + abs(want)), "Aᵀ row \(q), F(\(m), \(mats.r))")
            }
            for k in 0..<alpha {
                let want = (0..<m).reduce(0.0) { $0 + mats.at[$1 * alpha + k] * Double(d[$1][lane]) }
                #expect(abs(Double(z[k][lane]) - want) <= 1e-5 * (1 + abs(want)), "A row \(k), F(\(m), \(mats.r))")
            }
        }
    }

    /// Aᵀ [(G w) ⊙ (Bᵀ d)] is the correlation of d with w, in Double.
    @Test(arguments: [(2, 3), (2, 5), (4, 3)])
    func minimalFilteringIsCorrelation(_ m: Int, _ r: Int) {
        let mats = WinogradMatrices(m: m, r: r), alpha = mats.alpha
        var g = SplitMix(UInt64(10 * m + r))
        let d = g.floats(alpha).map(Double.init), w = g.floats(r).map(Double.init)
        let gw = (0..<alpha).map { k in (0..<r).reduce(0.0) { $0 + mats.g[k * r + $1] * w[$1] } }
        let bd = (0..<alpha).map { k in (0..<alpha).reduce(0.0) { $0 + mats.bt[k * alpha + $1] * d[$1] } }
        for q in 0..<m {
            let got = (0..<alpha).reduce(0.0) { $0 + mats.at[q * alpha + $1] * gw[$1] * bd[$1] }
            let want = (0..<r).reduce(0.0) { $0 + d[q + $1] * w[$1] }
            #expect(abs(got - want) <= 1e-12)
        }
        // Bᵀ's rows are integers, so the input transform rounds nothing beyond its additions.
        #expect(mats.bt.allSatisfy { $0 == $0.rounded() })
    }

    // The transforms round where the direct sums do not: the 3×3 shapes here pass at im2col's
    // 1e-5, while on cifar's 5×5 shapes the outputs differ from im2col's by up to 3.8e-6 of the
    // largest (5.4e-6 for the weight gradient; `nnc-bench conv`), so the bound is 1e-4.
    @Test(arguments: shapes)
    func threadsGiveTheOneThreadBits(_ s: Conv2dShape) {
        ConvThreadingTests().expectOneThreadBits(s, threads: [2, 3])
    }

    @Test(arguments: shapes)
    func matchesDirectLoops(_ s: Conv2dShape) {
        ConvThreadingTests().expectDirectLoops(s, rtol: 1e-4, atol: 1e-4)
    }
}
