import Dispatch
import NNCKernels

/// What `nnc time` measured: per kernel of the train plan, its mean time per step, and the
/// same steps' time outside the kernels (loading the batch, reading the loss back), so
/// that the rows add up to an instrumented step; beside it, the mean of plain steps
/// measured in the same run, interleaved with the instrumented ones. Both means are over the
/// faster half of their steps: on a shared machine the slower half carries other processes'
/// time, which would swamp a comparison of a few percent.
public struct KernelTimes: Sendable {
    public struct Row: Sendable {
        public var kernel: Kernel
        /// Mean seconds per step.
        public var seconds: Double
        public var gflops: Double { seconds > 0 ? Double(kernel.flops) / seconds / 1e9 : 0 }
    }

    public var rows: [Row]
    /// Mean seconds per instrumented step spent converting the batch into the arena.
    public var loadSeconds: Double
    /// Mean seconds per instrumented step spent outside the kernels and the batch load
    /// (placing the labels, reading the loss back, the executor's hand-offs).
    public var outsideSeconds: Double
    /// Mean seconds of an un-instrumented training step.
    public var plainStepSeconds: Double
    public var iterations: Int
    public var warmup: Int
    /// Steps of each kind the means are over (the faster half of `iterations`).
    public var kept: Int
    /// K-FAC's factor formations and inversions and Shampoo's roots, which the faster half of the
    /// steps leaves out.
    public var periodic: [PeriodicCost] = []

    /// The sum of the rows, the batch load and the time outside kernels: one instrumented step.
    public var total: Double { rows.reduce(0) { $0 + $1.seconds } + loadSeconds + outsideSeconds }

    public func subtotal(_ phase: Phase) -> Double {
        rows.filter { $0.kernel.phase == phase }.reduce(0) { $0 + $1.seconds }
    }

    /// (total − plain step) / plain step.
    public var difference: Double { plainStepSeconds > 0 ? (total - plainStepSeconds) / plainStepSeconds : 0 }
}

/// Times training steps kernel by kernel (`nnc time`): `warmup` steps first, untimed, then
/// `iterations` pairs of one plain step and one step with every kernel timed. Interleaving
/// puts both kinds under the same load on a shared machine. The clock is read twice per
/// kernel (tens of nanoseconds), which the comparison with plain steps shows.
public enum KernelTimer {
    /// Each step trains on `batcher`'s next batch, loaded as training loads it (the epoch
    /// starts over when it ends), so the step timed is the step trained.
    public static func measure(_ session: Session, batcher: Batcher, learningRate: Double, iterations: Int,
                               warmup: Int) throws -> KernelTimes {
        precondition(batcher.batchesPerEpoch > 0 && iterations > 0, "KernelTimer needs a batch and an iteration")
        let clock = KernelClock(kernels: session.trainPlan.kernels.count)
        var batcher = batcher
        var step = 0
        var lastLoad = 0.0  // the last step's batch load, in seconds
        func trainStep() throws -> Double {
            step += 1
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try session.loadTrainBatchCycling(from: &batcher)
            let loaded = DispatchTime.now().uptimeNanoseconds
            _ = try session.trainStep(lr: learningRate, step: step)
            let end = DispatchTime.now().uptimeNanoseconds
            lastLoad = Double(loaded - start) / 1e9
            return Double(end - start) / 1e9
        }
        for _ in 0..<warmup { _ = try trainStep() }
        var plain: [Double] = [], instrumented: [(step: Double, load: Double, kernels: [Double])] = []
        for _ in 0..<iterations {
            plain.append(try trainStep())
            clock.reset()
            let seconds = try session.observed(by: clock, trainStep)
            instrumented.append((seconds, lastLoad, clock.seconds))
        }
        let kept = max(iterations / 2, 1), n = Double(kept)
        let fastPlain = plain.sorted().prefix(kept)
        let fast = instrumented.sorted { $0.step < $1.step }.prefix(kept)
        let rows = session.trainPlan.kernels.map { k in
            KernelTimes.Row(kernel: k, seconds: fast.reduce(0) { $0 + $1.kernels[k.index] } / n)
        }
        let steps = fast.reduce(0) { $0 + $1.step } / n
        let inKernels = rows.reduce(0) { $0 + $1.seconds }
        let load = fast.reduce(0) { $0 + $1.load } / n
        // A fresh batch: the last step's input and labels may be gone from the arena.
        _ = try session.loadTrainBatchCycling(from: &batcher)
        let periodic = try session.timePeriodicWork(learningRate: learningRate, step: step + 1)
        return KernelTimes(rows: rows, loadSeconds: load, outsideSeconds: max(steps - inKernels - load, 0),
                           plainStepSeconds: fastPlain.reduce(0, +) / n, iterations: iterations, warmup: warmup,
                           kept: kept, periodic: periodic)
    }
}

/// The probe that accumulates each kernel's wall time.
private final class KernelClock: ExecutorProbe {
    var seconds: [Double]
    private var started: UInt64 = 0

    init(kernels: Int) { seconds = Array(repeating: 0, count: kernels) }

    func reset() { for i in seconds.indices { seconds[i] = 0 } }

    func willRun(_ kernel: Int) { started = DispatchTime.now().uptimeNanoseconds }

    func didRun(_ kernel: Int, _ view: BufferView) {
        seconds[kernel] += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}
