import Dispatch
import Testing
@testable import NNCKernels
#if canImport(Glibc)
import Glibc
#endif

@Suite struct WorkerPoolTests {
    /// Runs `jobs` jobs of 1…4 parts; every part must run exactly once per job.
    func hammer(jobs: Int, seed: UInt64, pauseEvery: Int = 0) -> Bool {
        var g = SplitMix(seed)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 4 * 16)
        defer { counts.deallocate() }
        for j in 0..<jobs {
            let parts = 1 + g.int(4)
            counts.initialize(repeating: 0, count: 4 * 16)
            WorkerPool.shared.run(parts: parts) { p in counts[p * 16] += 1 }   // one cache line per part
            for p in 0..<4 where counts[p * 16] != (p < parts ? 1 : 0) { return false }
            if pauseEvery > 0 && j % pauseEvery == 0 { usleep(300) }   // longer than the spin: workers sleep
        }
        return true
    }

    @Test func everyPartRunsOnce() {
        #expect(hammer(jobs: 20_000, seed: 1))
    }

    @Test func wakesSleepingWorkers() {
        #expect(hammer(jobs: 300, seed: 2, pauseEvery: 1))
    }

    @Test func concurrentCallersFallBackToRunningAlone() {
        let ok = UnsafeMutablePointer<Bool>.allocate(capacity: 4)
        defer { ok.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { t in ok[t] = hammer(jobs: 2_000, seed: UInt64(10 + t)) }
        #expect((0..<4).allSatisfy { ok[$0] })
    }

    /// More parts than the pool has threads: they go round-robin, each exactly once.
    @Test func morePartsThanThreadsRunOnce() {
        for parts in [WorkerPool.maxThreads + 1, 300] {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts * 16)
            defer { counts.deallocate() }
            counts.initialize(repeating: 0, count: parts * 16)
            WorkerPool.shared.run(parts: parts) { p in counts[p * 16] += 1 }
            #expect((0..<parts).allSatisfy { counts[$0 * 16] == 1 }, "\(parts) parts")
        }
    }

    /// A job inside a job (a threaded kernel called from a threaded kernel) runs inline.
    @Test func nestedJobsRunInline() {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2 * 3 * 16)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: 2 * 3 * 16)
        WorkerPool.shared.run(parts: 2) { outer in
            WorkerPool.shared.run(parts: 3) { inner in counts[(outer * 3 + inner) * 16] += 1 }
        }
        #expect((0..<6).allSatisfy { counts[$0 * 16] == 1 })
    }

    /// Threads of their own (as Swift Testing runs tests) calling a threaded gemm at once: each
    /// gets the product it asked for, bit for bit the 1-thread one, whether it got the pool or
    /// ran alone.
    @Test func concurrentGEMMCallersGetTheirOwnProducts() {
        let callers = 4, m = 61, n = 70, k = 300
        var g = SplitMix(77)
        let a = (0..<callers).map { _ in g.floats(m * k) }, b = (0..<callers).map { _ in g.floats(k * n) }
        func product(_ i: Int, threads: Int) -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            a[i].withPtr { ap in b[i].withPtr { bp in c.withMutPtr { cp in
                gemm(transA: false, transB: false, m: m, n: n, k: k, a: ap, lda: k, b: bp, ldb: n, c: cp, ldc: n,
                     threads: threads)
            } } }
            return c
        }
        let want = (0..<callers).map { product($0, threads: 1) }
        let bad = UnsafeMutablePointer<Int>.allocate(capacity: callers * 16)
        defer { bad.deallocate() }
        bad.initialize(repeating: 0, count: callers * 16)
        DispatchQueue.concurrentPerform(iterations: callers) { i in
            for _ in 0..<200 where !bitIdentical(product(i, threads: 2), want[i]) { bad[i * 16] += 1 }
        }
        #expect((0..<callers).allSatisfy { bad[$0 * 16] == 0 })
    }
}
