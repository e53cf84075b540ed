import Foundation
import NNC
import NNCKernels
import NNCSystem

/// `nnc tune`: measures which GEMM parameters suit this CPU and keeps them as wisdom.
enum TuneCommand: Command {
    static let spec = CommandSpec(
        name: "tune",
        abstract: "measure the kernel parameters that suit this CPU and keep them for later runs",
        discussion: """
            Times a dozen representative products (the MNIST MLP's step, convolution and K-FAC
            shapes) on one thread under the built-in GEMM parameters, a set scaled to this CPU's
            caches, and then one parameter at a time (kc, nc, mc, when B is packed), keeping a
            change only when it is at least 2 % faster in the same interleaved rounds. The winner
            is written as wisdom to $NNC_WISDOM, else $XDG_CACHE_HOME/nnc/wisdom.json, else
            ~/.cache/nnc/wisdom.json, keyed by the CPU model and its caches: train, time, eval and
            export use it from then on, on this CPU only. Takes about a minute; run it on a quiet
            machine. Results may differ from the built-in set's in the last bits (the sums over K
            are blocked differently), never between thread counts.
            """,
        arguments: [],
        options: [
            .flag("--show", "print the parameters in use and where they come from; measure nothing"),
            .flag("--dry-run", "measure and print, but write no wisdom"),
            .value("--rounds", "N", "interleaved timing rounds per comparison (default 3)"),
        ],
        exitStatus: "0 tuned, 64 usage error, 74 the wisdom could not be written")

    static func run(_ arguments: ParsedArguments) throws {
        let rounds = try arguments.int("--rounds", atLeast: 1) ?? 3
        let caches = CPUCaches.thisMachine
        let path = KernelWisdom.path()
        print("CPU: \(CPUModel.name), \(caches.map(\.description) ?? "caches unknown (sysfs does not list them)")")
        if arguments.flag("--show") {
            print("in use: \(KernelSetup.summary)")
            print("wisdom file: \(path ?? "none (set NNC_WISDOM or HOME)")")
            return
        }
        guard arguments.flag("--dry-run") || path != nil else {
            throw CommandFailure(.usage, "there is nowhere to keep wisdom: set NNC_WISDOM to a file, or HOME")
        }
        // The folder is made before a minute of measuring, not after it.
        if let path, !arguments.flag("--dry-run") {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw CommandFailure(.ioError, "cannot make the folder for the wisdom, \(folder.path): \(error.localizedDescription)")
            }
        }
        var tuner = GEMMTuner()
        tuner.rounds = rounds
        print("timing \(GEMMTuner.products.count) products on one thread, \(rounds) interleaved rounds per comparison")
        let outcome = tuner.run(caches: caches) { c in
            print("\n\(c.what):")
            for (i, p) in c.candidates.enumerated() {
                let mark = i == c.chosen ? "  ← chosen" : ""
                print("  \(p): \(ms(c.seconds[i])) ms (\(ratio(c.seconds[i] / c.seconds[0])))\(mark)")
            }
            flushStandardOutput()
        }
        print("\nper product, built-in → chosen (GFLOP/s):")
        for row in outcome.perProduct {
            let flop = 2 * Double(row.product.m) * Double(row.product.n) * Double(row.product.k)
            print("  \(row.product.name) \(row.product.m)×\(row.product.k)·\(row.product.k)×\(row.product.n): "
                  + "\(gflops(flop / row.builtIn)) → \(gflops(flop / row.best))")
        }
        print("\nchosen: \(outcome.best); \(ratio(outcome.speedup)) as fast as the built-in set on these products")
        let wisdom = KernelWisdom(cpu: CPUModel.name, caches: caches, gemm: outcome.best,
                                  measured: ISO8601DateFormatter().string(from: Date()), speedup: outcome.speedup)
        guard let path, !arguments.flag("--dry-run") else {
            print("(--dry-run: no wisdom written)")
            return
        }
        let url = URL(fileURLWithPath: path)
        do {
            try AtomicFile.write(Array(wisdom.json.utf8), to: url)
        } catch let failure as AtomicFile.Failure {
            throw CommandFailure(.ioError, "cannot write the wisdom to \(path): \(failure.reason)")
        }
        print("wisdom written to \(path)")
    }

    private static func ms(_ s: Double) -> String { String(format: "%.3f", s * 1e3) }
    private static func ratio(_ r: Double) -> String { String(format: "%.3f×", r) }
    private static func gflops(_ x: Double) -> String { String(format: "%.1f", x / 1e9) }
}
