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
}
