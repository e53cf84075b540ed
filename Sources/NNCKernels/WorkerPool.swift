import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The threads `gemm` splits its work over: workers that spin for a short while after each
/// job (200 µs by default) before they sleep, as OpenBLAS's do.
///
/// Why not `DispatchQueue.concurrentPerform`: on this project's 2-core KVM machines its
/// worker sleeps between calls and each call paid 15–40 µs to wake it — a quarter to a half
/// of an MNIST-MLP-sized product on two threads — against about 0.3 µs here while the worker
/// is still spinning (BENCHMARKS.md, "Threads"). Consecutive products of a training step reach
/// the workers within the spin window.
///
/// Parts are claimed, not assigned: the caller and the woken workers take the next unclaimed
/// part until none is left, so a worker that the OS has not scheduled (a busy machine, more
/// threads than cores) delays nothing — the caller runs its parts — and the caller waits only
/// for parts already running. Who runs a part never changes what it computes.
///
/// One job runs at a time; a caller that finds the pool busy (another thread's GEMM, or a
/// job inside a job) runs all parts itself, which gives the same bits.
final class WorkerPool: @unchecked Sendable {
    /// The pool `gemm` uses.
    static let shared = WorkerPool()

    /// How long an idle worker spins before it sleeps.
    nonisolated(unsafe) static var spinNanoseconds: UInt64 = 200_000

    /// Most threads one job runs on, the caller's included.
    static let maxThreads = 64
    /// Most parts in one job (the claim word has 20 bits for them).
    static let maxParts = (1 << 20) - 1

    /// `generation << 8 | threads`, bumped once per job so that a worker reads both at once.
    private let state = Atomic<Int>(0)
    /// `generation << 40 | parts << 20 | next unclaimed part`: a claim is a compare-exchange
    /// that bumps `next`, so a late worker holding an old generation can never take a part.
    private let claim = Atomic<Int>(0)
    /// Parts of the current job finished.
    private let done = Atomic<Int>(0)
    /// Workers blocked on the condition variable.
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var job: ((Int) -> Void)?
    private var workerCount = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    private init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    /// Runs `body(0) … body(parts − 1)` on the calling thread and up to
    /// `min(parts, threads, maxThreads) − 1` workers, and returns when all are done.
    func run(parts: Int, threads maxThreads: Int = .max, _ body: (Int) -> Void) {
        precondition(parts >= 1 && parts <= WorkerPool.maxParts, "WorkerPool: \(parts) parts")
        if parts == 1 || maxThreads <= 1 || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for p in 0..<parts { body(p) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let threads = min(parts, maxThreads, WorkerPool.maxThreads)
        startWorkers(threads - 1)
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            done.store(0, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> 8) + 1
            claim.store((generation & 0xFF_FFFF) << 40 | parts << 20, ordering: .releasing)
            state.store(generation << 8 | threads, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(cond)
                pthread_mutex_unlock(mutex)
            }
            runClaimed(generation: generation)
            var spins = 0
            while done.load(ordering: .acquiring) < parts {
                spins += 1
                if spins > 1_000 { sched_yield() }
            }
            job = nil
        }
    }

    /// Claims and runs parts of job `generation` until none is left (or that job is over).
    private func runClaimed(generation: Int) {
        let tag = (generation & 0xFF_FFFF) << 40
        while true {
            var c = claim.load(ordering: .acquiring)
            while true {
                let parts = (c >> 20) & 0xF_FFFF, next = c & 0xF_FFFF
                if c & ~0xFF_FFFF_FFFF != tag || next >= parts { return }
                let (exchanged, original) = claim.compareExchange(expected: c, desired: c + 1, ordering: .acquiringAndReleasing)
                if exchanged { break }
                c = original
            }
            // The claimed part keeps this job from finishing, so `job` is still its closure.
            runPart(c & 0xF_FFFF)
            done.add(1, ordering: .releasing)
        }
    }

    /// Makes sure `count` workers exist (they are never stopped).
    private func startWorkers(_ count: Int) {
        while workerCount < count {
            workerCount += 1
            // The worker starts from the generation before the job that needs it: read here, not
            // when the thread first runs, which may be after that job has been posted.
            let generation = state.load(ordering: .relaxed) >> 8
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: workerCount, seen: generation)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.work(index: context.index, seen: context.seen)
                return nil
            }, context)
            precondition(created == 0, "WorkerPool: pthread_create failed (\(created))")
            pthread_detach(thread)
        }
    }

    private final class WorkerContext {
        let pool: WorkerPool
        let index: Int
        let seen: Int
        init(pool: WorkerPool, index: Int, seen: Int) { self.pool = pool; self.index = index; self.seen = seen }
    }

    private static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// A worker's life: wait for a new generation (spinning, then sleeping), then claim and
    /// run parts while any are left.
    private func work(index: Int, seen start: Int) {
        var seen = start
        while true {
            var s = state.load(ordering: .acquiring)
            if s >> 8 == seen {
                let start = WorkerPool.nanoseconds()
                var spins = 0
                while s >> 8 == seen {
                    spins += 1
                    if spins & 1023 == 0 && WorkerPool.nanoseconds() - start > WorkerPool.spinNanoseconds {
                        s = sleep(until: seen)
                        break
                    }
                    s = state.load(ordering: .acquiring)
                }
            }
            seen = s >> 8
            if index < s & 255 { runClaimed(generation: seen) }
        }
    }

    /// Blocks until the generation moves past `seen`; returns the new state.
    private func sleep(until seen: Int) -> Int {
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var s = state.load(ordering: .sequentiallyConsistent)
        while s >> 8 == seen {
            pthread_cond_wait(cond, mutex)
            s = state.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return s
    }

    /// Calls the job in a frame of its own, so that the worker's reference to the closure is
    /// gone before it reports (`withoutActuallyEscaping` checks that nothing kept it).
    @inline(never)
    private func runPart(_ part: Int) {
        job!(part)
    }
}
