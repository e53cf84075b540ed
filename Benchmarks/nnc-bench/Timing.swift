#if canImport(Glibc)
import Glibc
#endif

/// Which clock a measurement reads.
enum BenchClock: String {
    /// Elapsed time: what a user waits for.
    case wall
    /// The calling thread's CPU time: on a busy machine, preemptions do not count. Only
    /// meaningful for single-threaded code.
    case thread
}

/// Seconds on the monotonic clock (or the thread's CPU clock).
func now(_ clock: BenchClock = .wall) -> Double {
    var ts = timespec()
    clock_gettime(clock == .wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Times `body` like the OpenBLAS side does: repetitions calibrated so one trial lasts at
/// least `minTime` seconds, then `trials` trials; returns the best and the median rate in
/// units of `work` per second.
func measure(work: Double, minTime: Double, trials: Int, clock: BenchClock = .wall,
             _ body: () -> Void) -> (best: Double, median: Double) {
    var reps = 1
    while true {
        let t0 = now(clock)
        for _ in 0..<reps { body() }
        let dt = now(clock) - t0
        if dt >= minTime { break }
        reps = max(reps * 2, Int(Double(reps) * minTime / max(dt, 1e-9) * 1.2))
    }
    var rates: [Double] = []
    for _ in 0..<trials {
        let t0 = now(clock)
        for _ in 0..<reps { body() }
        rates.append(work * Double(reps) / (now(clock) - t0))
    }
    rates.sort()
    return (rates.last!, rates[rates.count / 2])
}

/// `n` floats uniform in [-1, 1) from a linear congruential generator seeded by `seed`, in a
/// buffer the caller deallocates: operands for the layer benchmarks.
func uniformFloats(_ n: Int, _ seed: UInt64) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
    var state = seed
    for i in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        p[i] = Float(state >> 40) / Float(1 << 23) - 1
    }
    return p
}
