// nnc-bench: kernel benchmarks against their references, measured in the same run.
// Benchmarks are not tests: `swift test` never runs them.
import Foundation
import NNC
import NNCKernels

let usage = """
    usage: swift run -c release nnc-bench kernels [options]
           swift run -c release nnc-bench conv [options]
           swift run -c release nnc-bench pool [options]
           swift run -c release nnc-bench roots [options]
           swift run -c release nnc-bench peak
           mpirun -np N .build-mpi/release/nnc-bench allreduce   (an MPI build)

    kernels   GEMM GFLOP/s of nnc and of numpy's OpenBLAS, same shapes, same run: squares
              128…2048 and the MNIST MLP's eight per-step products (784-128-128-10, batch 500),
              four of them again with the epilogue the step fuses in (OpenBLAS: the bare product),
              on 1 thread and on all cores; prints the ratio nnc/OpenBLAS per shape. Every
              product is verified (sampled entries against Double dot products, threaded
              bits == single-threaded bits) before it is timed.
    conv      convolution GFLOP/s (forward, backward-data, backward-weights) of the layers of
              examples/cifar_conv.net (batch 100) and vgg_bn.net (batch 128), im2col included,
              beside OpenBLAS timing the one GEMM each pass amounts to over the whole batch
              (same FLOP, no im2col); threaded bits checked against 1 thread first.
    pool      max and average pooling GB/s (forward, backward) of the pools of cifar_conv.net,
              vgg_bn.net and mnist_conv_bn.net at their batches, beside one thread copying
              256 MiB (memory's bandwidth) and as many bytes as the pass moves, in the same
              run; each pass checked against the plain definition and threaded bits against
              1 thread first.
    roots     ms per inverse fourth root of a symmetric n × n statistic (Shampoo's roots, K-FAC's
              eigen-form inverse; n = 10…785), nnc's Double eigendecomposition beside numpy's
              float64 eigh (LAPACK) and reconstruction in the same run, 1 thread; each root
              checked (R⁴·(S + εI) ≈ I) first. --only N times one size.
    peak      the measured FMA peak (12 independent SIMD16 FMA chains per core).
    allreduce MPI_Allreduce (float32 sum in place, as a data-parallel step does) over sizes
              4 B…64 MiB beside a memory copy of the same bytes, and the α–β model fitted to
              it; only in a build with --traits MPI, under mpirun.

    options:
      --threads 1,2      thread counts to compare (default: 1 and all cores)
      --rounds N         interleaved rounds per shape; the best is kept (default 3)
      --trials N         trials per round, each at least --min-time seconds (default 3)
      --min-time S       seconds per trial (default 0.1)
      --only TEXT        shapes whose name contains TEXT (e.g. "square", "fwd")
      --python PATH      the Python with numpy (default python3)
      --cpu-time         time 1-thread runs by the thread's CPU clock, not the wall clock, so
                         that other processes' preemptions do not count (for a busy machine;
                         multi-threaded runs are always timed by the wall clock)
      --dispatch         also time nnc's multi-threaded runs with DispatchQueue.concurrentPerform
                         instead of its spinning worker pool (an extra column)
      --no-openblas      time nnc only
      --sweep            instead, sweep the GEMM blocking constants (nnc only, 1 thread)
    """

struct Options {
    var command = ""
    var threads = [1, ProcessInfo.processInfo.activeProcessorCount]
    var rounds = 3
    var trials = 3
    var minTime = 0.1
    var only: String?
    var python = "python3"
    var openblas = true
    var sweep = false
    var cpuTime = false
    var dispatch = false
}

func parse(_ args: [String]) -> Options? {
    var o = Options()
    var i = 0
    func value() -> String? {
        i += 1
        return i < args.count ? args[i] : nil
    }
    while i < args.count {
        switch args[i] {
        case "-h", "--help", "help": return nil
        case "kernels", "conv", "pool", "roots", "peak", "allreduce": o.command = args[i]
        case "--threads":
            guard let v = value() else { return nil }
            o.threads = v.split(separator: ",").compactMap { Int($0) }
        case "--rounds": guard let v = value().flatMap({ Int($0) }) else { return nil }; o.rounds = v
        case "--trials": guard let v = value().flatMap({ Int($0) }) else { return nil }; o.trials = v
        case "--min-time": guard let v = value().flatMap({ Double($0) }) else { return nil }; o.minTime = v
        case "--only": o.only = value()
        case "--python": guard let v = value() else { return nil }; o.python = v
        case "--no-openblas": o.openblas = false
        case "--sweep": o.sweep = true
        case "--cpu-time": o.cpuTime = true
        case "--dispatch": o.dispatch = true
        default:
            FileHandle.standardError.write("nnc-bench: unknown argument '\(args[i])'\n".data(using: .utf8)!)
            return nil
        }
        i += 1
    }
    return o.command.isEmpty ? nil : o
}

func pad(_ s: String, _ w: Int, right: Bool = true) -> String {
    let n = s.count
    if n >= w { return s }
    let fill = String(repeating: " ", count: w - n)
    return right ? fill + s : s + fill
}

func f1(_ x: Double) -> String { x.isNaN ? "—" : String(format: "%.1f", x) }
func f2(_ x: Double) -> String { x.isNaN ? "—" : String(format: "%.2f", x) }

func runPeak() {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    for t in Set([1, cores]).sorted() {
        let p = measuredPeak(threads: t)
        print("measured FMA peak, \(t) thread(s): \(f1(p)) GFLOP/s = \(t) × \(f2(p / Double(t) / 32)) GHz × 32 FLOP/cycle")
    }
}

let openBLASScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("openblas_gemm.py").path

/// One OpenBLAS timing process per thread count (none with --no-openblas or when it fails).
func openBLASTimers(_ o: Options) -> [Int: OpenBLASTimer] {
    var timers: [Int: OpenBLASTimer] = [:]
    guard o.openblas else { return timers }
    for t in o.threads {
        do {
            let timer = try OpenBLASTimer(python: o.python, script: openBLASScript, threads: t)
            if timer.info().hasPrefix("numpy ?") {
                print("(OpenBLAS not timed: \(o.python) \(openBLASScript) did not answer)")
            } else {
                timers[t] = timer
            }
        } catch {
            print("(OpenBLAS not timed: \(error))")
        }
    }
    return timers
}

func runKernels(_ o: Options) {
    let script = openBLASScript
    let timers = openBLASTimers(o)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("machine: \(CPUModel.name), \(cores) cores (peaks per CPU: docs/MACHINE.md; `nnc-bench peak` measures this one's)")
    if let t = timers[o.threads[0]] { print("reference: \(t.info()) via \(script)") }
    print("timing: best of \(o.rounds) interleaved rounds × \(o.trials) trials of ≥ \(o.minTime) s each, GFLOP/s = 2mnk/time"
          + (o.cpuTime ? "; 1-thread runs by thread CPU time" : "; wall clock"))
    print("")

    var header = "| shape (m×k·k×n) |"
    var rule = "|---|"
    for t in o.threads {
        header += " nnc \(t)T | OpenBLAS \(t)T | ratio \(t)T |"
        rule += "---:|---:|---:|"
        if o.dispatch && t > 1 {
            header += " nnc \(t)T Dispatch |"
            rule += "---:|"
        }
    }
    print(header)
    print(rule)
    for shape in benchmarkShapes where o.only.map({ shape.name.contains($0) }) ?? true {
        let ops = GEMMOperands(shape)
        if let err = ops.verify(threads: o.threads.max() ?? 1) {
            print("| \(shape.name) | verification FAILED: \(err) |")
            continue
        }
        var nnc = [Int: Double](), blas = [Int: Double](), viaDispatch = [Int: Double]()
        for _ in 0..<o.rounds {
            for t in o.threads {
                let clock: BenchClock = o.cpuTime && t == 1 ? .thread : .wall
                let r = measure(work: shape.flop / 1e9, minTime: o.minTime, trials: o.trials, clock: clock) {
                    ops.run(threads: t)
                }
                nnc[t] = max(nnc[t] ?? 0, r.best)
                if o.dispatch && t > 1 {
                    _GEMMTuning.useDispatch = true
                    let d = measure(work: shape.flop / 1e9, minTime: o.minTime, trials: o.trials) { ops.run(threads: t) }
                    _GEMMTuning.useDispatch = false
                    viaDispatch[t] = max(viaDispatch[t] ?? 0, d.best)
                }
                if let timer = timers[t] {
                    let b = timer.time(m: shape.m, k: shape.k, n: shape.n, transA: shape.transA,
                                       transB: shape.transB, minTime: o.minTime, trials: o.trials, clock: clock)
                    blas[t] = max(blas[t] ?? 0, b.best)
                    // OpenBLAS's idle threads spin for a while after a call; let them settle.
                    if t > 1 { usleep(200_000) }
                }
            }
        }
        let dims = "\(shape.m)×\(shape.k)·\(shape.k)×\(shape.n)"
        var line = "| \(shape.name) \(dims) |"
        for t in o.threads {
            let x = nnc[t] ?? .nan, y = blas[t] ?? .nan
            line += " \(f1(x)) | \(f1(y)) | \(f2(x / y)) |"
            if o.dispatch && t > 1 { line += " \(f1(viaDispatch[t] ?? .nan)) |" }
        }
        print(line)
        fflush(stdout)
    }
}

/// Convolution layers pass by pass: nnc's conv kernels (im2col/col2im included) on each
/// thread count, beside OpenBLAS on the equivalent whole-batch GEMM, interleaved like `kernels`.
func runConv(_ o: Options) {
    let timers = openBLASTimers(o)
    if let t = timers[o.threads[0]] { print("reference: \(t.info()) on the whole-batch im2col GEMM, via \(openBLASScript)") }
    print("timing: best of \(o.rounds) interleaved rounds × \(o.trials) trials of ≥ \(o.minTime) s each, "
          + "GFLOP/s = 2·N·OC·C·kh·kw·OH·OW / time" + (o.cpuTime ? "; 1-thread runs by thread CPU time" : "; wall clock"))
    print("")
    var header = "| layer | pass | GEMM m×k·k×n | algorithm |"
    var rule = "|---|---|---|---|"
    for t in o.threads {
        header += " nnc \(t)T | im2col \(t)T | OpenBLAS \(t)T | ratio \(t)T |"
        rule += "---:|---:|---:|---:|"
    }
    print(header)
    print(rule)
    for layer in convLayers where o.only.map({ layer.name.contains($0) }) ?? true {
        let ops = ConvOperands(layer)
        for pass in ConvPass.allCases {
            let g = layer.gemm(pass)
            let dims = "\(g.m)×\(g.k)·\(g.k)×\(g.n)"
            if let err = ops.verify(pass, threads: o.threads.max() ?? 1) {
                print("| \(layer.name) | \(pass.rawValue) | \(dims) | verification FAILED: \(err) |")
                continue
            }
            // Winograd's passes are timed beside the im2col path they replace, and its outputs
            // compared with that path's (largest difference over the largest magnitude).
            let winograd = ops.usesWinograd(pass)
            let algorithm = winograd ? "Winograd, Δ \(String(format: "%.1e", ops.deviationFromIm2col(pass)))" : "im2col"
            var nnc = [Int: Double](), im2col = [Int: Double](), blas = [Int: Double]()
            for _ in 0..<o.rounds {
                for t in o.threads {
                    let clock: BenchClock = o.cpuTime && t == 1 ? .thread : .wall
                    let r = measure(work: layer.flop / 1e9, minTime: o.minTime, trials: o.trials, clock: clock) {
                        ops.run(pass, threads: t)
                    }
                    nnc[t] = max(nnc[t] ?? 0, r.best)
                    if winograd {
                        _ConvTuning.winograd = false
                        let i = measure(work: layer.flop / 1e9, minTime: o.minTime, trials: o.trials, clock: clock) {
                            ops.run(pass, threads: t)
                        }
                        _ConvTuning.winograd = true
                        im2col[t] = max(im2col[t] ?? 0, i.best)
                    }
                    if let timer = timers[t] {
                        let b = timer.time(m: g.m, k: g.k, n: g.n, transA: g.transA, transB: g.transB,
                                           minTime: o.minTime, trials: o.trials, clock: clock)
                        blas[t] = max(blas[t] ?? 0, b.best)
                        if t > 1 { usleep(200_000) }
                    }
                }
            }
            var line = "| \(layer.name) | \(pass.rawValue) | \(dims) | \(algorithm) |"
            for t in o.threads {
                let x = nnc[t] ?? .nan, y = blas[t] ?? .nan
                line += " \(f1(x)) | \(im2col[t].map(f1) ?? "–") | \(f1(y)) | \(f2(x / y)) |"
            }
            print(line)
            fflush(stdout)
        }
    }
}

/// One GEMM tuning setting: kc, nc, pack-A and pack-B thresholds.
struct Setting {
    var kc: Int, nc: Int, packAMinN: Int, packBMinM: Int
    var label: String { "kc \(kc) nc \(nc) packA n>=\(packAMinN) packB m>=\(packBMinM)" }
    func apply() {
        _GEMMTuning.kc = kc; _GEMMTuning.nc = nc
        _GEMMTuning.packAMinN = packAMinN; _GEMMTuning.packBMinM = packBMinM
    }
}

/// Compares GEMM settings on the benchmark shapes, one thread, nnc only. For each shape the
/// settings take turns, trial by trial, for `rounds` rounds, so that a busy machine's load
/// falls on all of them alike; the best trial of each is printed.
func sweep(_ o: Options) {
    let d = Setting(kc: _GEMMTuning.kc, nc: _GEMMTuning.nc, packAMinN: _GEMMTuning.packAMinN,
                    packBMinM: _GEMMTuning.packBMinM)
    var settings = [d]
    for (kc, nc) in [(256, 480), (384, 480), (512, 480), (384, 960), (512, 240)] where (kc, nc) != (d.kc, d.nc) {
        settings.append(Setting(kc: kc, nc: nc, packAMinN: d.packAMinN, packBMinM: d.packBMinM))
    }
    for (a, b) in [(0, d.packBMinM), (d.packAMinN, 0), (d.packAMinN, 64), (d.packAMinN, 256), (d.packAMinN, 512),
                   (d.packAMinN, 1 << 30)] where (a, b) != (d.packAMinN, d.packBMinM) {
        settings.append(Setting(kc: d.kc, nc: d.nc, packAMinN: a, packBMinM: b))
    }
    let shapes = benchmarkShapes.filter { o.only.map($0.name.contains) ?? true }
    print("sweep (1 thread, GFLOP/s, best of \(o.rounds) interleaved rounds × \(o.trials) trials):")
    print("| setting | " + shapes.map(\.name).joined(separator: " | ") + " |")
    var best = [[Double]](repeating: [Double](repeating: 0, count: shapes.count), count: settings.count)
    for (si, shape) in shapes.enumerated() {
        let ops = GEMMOperands(shape)
        for _ in 0..<o.rounds {
            for (k, setting) in settings.enumerated() {
                setting.apply()
                let r = measure(work: shape.flop / 1e9, minTime: o.minTime, trials: o.trials,
                                clock: o.cpuTime ? .thread : .wall) { ops.run(threads: 1) }
                best[k][si] = max(best[k][si], r.best)
            }
        }
    }
    for (k, setting) in settings.enumerated() {
        print("| \(setting.label) | " + best[k].map(f1).joined(separator: " | ") + " |")
    }
    d.apply()
}

signal(SIGPIPE, SIG_IGN)
guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    print(usage)
    let askedForHelp = CommandLine.arguments.dropFirst().contains { ["-h", "--help", "help"].contains($0) }
    exit(askedForHelp ? 0 : 64)
}
// The parameters nnc itself runs with on this CPU: its wisdom (`nnc tune`) or the built-in set.
if options.command == "kernels" || options.command == "conv" {
    let choice = KernelChoice.select(wisdomAt: KernelWisdom.path(), cpu: CPUModel.name, caches: CPUCaches.thisMachine)
    if let warning = choice.warning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
    GEMMParameters.current = choice.gemm
    print("GEMM parameters: \(choice.gemm), \(choice.source)")
}
switch options.command {
case "peak": runPeak()
case "allreduce": allreduceBenchmark(options)
case "conv": runConv(options)
case "pool": runPool(options)
case "roots": runRoots(options)
default: options.sweep ? sweep(options) : runKernels(options)
}
