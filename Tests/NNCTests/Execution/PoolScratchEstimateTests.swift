import Testing
@testable import NNC
@testable import NNCKernels

/// The memory estimate counts the slab the kernels' scratch pool keeps (the largest call's):
/// a training step and an evaluation take nothing larger than the estimate's largest call, and
/// the convolutions take exactly what it says, on one thread and on several.
@Suite struct PoolScratchEstimateTests {
    static func net(_ body: String, input: String, optimizer: String = "optimizer sgd { lr: 0.01 }") -> String {
        """
        net scratch {
          input \(input)
        \(body)
          flatten
          dense 3, init: normal(0.1)
          loss cross_entropy
        }
        \(optimizer)
        """
    }

    static let nets: [(name: String, text: String)] = [
        // Winograd in all three passes: F(4×4, 3×3) on 8 × 8 maps, F(2×2, 5×5)
        ("winograd", net("""
          conv 16, kernel: 3, padding: same, init: normal(0.1)
          relu
          conv 17, kernel: 5, padding: same, init: normal(0.1)
        """, input: "[16, 8, 8]")),
        // im2col: 256 positions a sample (split over threads), then grouped samples, strided
        ("im2col", net("""
          conv 4, kernel: 5, padding: same, init: normal(0.1)
          relu
          conv 5, kernel: 3, stride: 2, init: normal(0.1)
        """, input: "[3, 16, 16]")),
        // K-FAC's input factors by displacement (≥ 16 channels) beside Winograd
        ("kfac", net("""
          conv 16, kernel: 3, padding: same, init: normal(0.1)
          relu
          conv 16, kernel: 3, padding: same, init: normal(0.1)
        """, input: "[16, 6, 6]", optimizer: "optimizer kfac { lr: 0.01 }")),
    ]

    @Test(arguments: [1, 2, 3])
    func convolutionsTakeWhatTheEstimateCounts(threads: Int) throws {
        for (name, text) in Self.nets {
            let s = try RuntimeTests.session(text, batch: 5, threads: threads)
            let b = RuntimeTests.batch(s)
            var failure: Error?
            let takes = ScratchPool.recordingTakes {
                do { _ = try s.trainStep(input: b.input, labels: b.labels, lr: 0.01, step: 1) } catch { failure = error }
            }
            #expect(failure == nil, "\(name): \(String(describing: failure))")
            let ops = s.trainPlan.kernels.map(\.op)
            let estimate = ops.map { Executor.poolScratchFloats($0, threads: threads) }.max() ?? 0
            #expect(estimate > 0, "\(name)")
            #expect(takes.allSatisfy { $0 <= estimate }, "\(name), \(threads) threads: takes \(takes), estimate \(estimate)")
            #expect(takes.max() == estimate, "\(name), \(threads) threads: takes \(takes), estimate \(estimate)")
            // Every convolution pass takes exactly its own estimate (none when it is 0).
            let convs = ops.map { Executor.poolScratchFloats($0, threads: threads) }.filter { $0 > 0 }
            if name != "kfac" { #expect(takes == convs, "\(name), \(threads) threads") }
        }
    }

    /// Shampoo's directions take a work space per thread when its blocks are split over threads.
    @Test func shampooTakesWhatTheEstimateCounts() throws {
        let text = Self.net("  dense 20, init: normal(0.1)\n  relu", input: "[12]",
                            optimizer: "optimizer shampoo { block_size: 8, start_step: 1, precondition_every: 1 }")
        let s = try RuntimeTests.session(text, batch: 5, threads: 2)
        let b = RuntimeTests.batch(s)
        let takes = ScratchPool.recordingTakes {
            for step in 1...2 { _ = try? s.trainStep(input: b.input, labels: b.labels, lr: 0.01, step: step) }
        }
        let estimate = s.trainPlan.kernels.map { Executor.poolScratchFloats($0.op, threads: 2) }.max() ?? 0
        #expect(estimate > 0)
        #expect(takes.max() == estimate, "takes \(takes), estimate \(estimate)")
    }

    /// A call's buffers are carved from one slab, each starting on a 64-byte boundary.
    @Test func oneSlabForCallsInTurn() {
        let pool = ScratchPool.shared
        let first = pool.take([5, 17, 0])
        #expect(first.count == 3)
        #expect(first[1] - first[0] == 16 && first[2] - first[1] == 32)
        #expect(first.allSatisfy { Int(bitPattern: $0) % 64 == 0 })
        pool.give(first)
        #expect(ScratchPool.slabFloats([5, 17, 0]) == 48)
        #expect(ScratchPool.slabFloats([]) == 0 && pool.take([]).isEmpty)
    }
}
