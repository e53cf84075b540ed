import Foundation
import NNC
import NNCKernels

/// Sizes of the symmetric factors whose inverse roots the second-order methods recompute: the
/// 10-unit head, Shampoo's blocks of the MNIST MLP (112 and 128), a 256 block, and K-FAC's
/// 785 × 785 input factor of the MLP's first layer (its eigen-form inverse).
let rootSizes = [10, 64, 112, 128, 256, 785]

/// A full-rank statistic S = G·Gᵀ of G (n, 2n) uniform in [-1, 1), as a Shampoo statistic is
/// after a few steps; and what `inverseFourthRoot` needs beside it.
final class RootOperands {
    let n: Int
    let statistic: [Float]
    var root: [Float]
    var work: [Double]

    init(_ n: Int) {
        self.n = n
        let g = uniformFloats(n * 2 * n, UInt64(n))
        defer { g.deallocate() }
        var s = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var t: Float = 0
                for k in 0..<(2 * n) { t += g[i * 2 * n + k] * g[j * 2 * n + k] }
                s[i * n + j] = t; s[j * n + i] = t
            }
        }
        statistic = s
        root = [Float](repeating: 0, count: n * n)
        work = [Double](repeating: 0, count: 2 * n * n)
    }

    @discardableResult
    func run() -> Bool {
        statistic.withUnsafeBufferPointer { s in root.withUnsafeMutableBufferPointer { r in
            work.withUnsafeMutableBufferPointer { w in
                inverseFourthRoot(s.baseAddress!, n: n, epsilon: 1e-6, work: w.baseAddress!, root: r.baseAddress!)
            } } }
    }

    /// Nil when R⁴·(S + ε·λ_max·I) is the identity to 1e-2 in Double (λ_max by power iteration).
    func verify() -> String? {
        guard run() else { return "inverseFourthRoot failed" }
        let r = root.map(Double.init)
        func times(_ x: [Double], _ y: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for k in 0..<n {
                    let a = x[i * n + k]
                    if a == 0 { continue }
                    for j in 0..<n { out[i * n + j] += a * y[k * n + j] }
                }
            }
            return out
        }
        let square = times(r, r), fourth = times(square, square)
        // λ_max by power iteration on S in Double.
        var v = [Double](repeating: 1, count: n), largest = 0.0
        for _ in 0..<300 {
            var w = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { w[i] += Double(statistic[i * n + j]) * v[j] } }
            largest = w.map { $0 * $0 }.reduce(0, +).squareRoot()
            v = w.map { $0 / largest }
        }
        let damped = (0..<(n * n)).map { Double(statistic[$0]) + ($0 % (n + 1) == 0 ? 1e-6 * largest : 0) }
        let product = times(fourth, damped)
        var worst = 0.0
        for e in 0..<(n * n) { worst = max(worst, abs(product[e] - (e % (n + 1) == 0 ? 1 : 0))) }
        return worst < 1e-2 ? nil : "|R⁴(S + εI) − I| = \(worst)"
    }
}

let numpyEighScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("numpy_eigh.py").path

/// Seconds per root of numpy's float64 eigh and reconstruction on one thread, or nil.
func numpyRootSeconds(python: String, n: Int, minTime: Double, trials: Int) -> Double? {
    let process = Process(), output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, numpyEighScript, String(n), String(2 * n), String(minTime), String(trials)]
    var env = ProcessInfo.processInfo.environment
    for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { env[key] = "1" }
    process.environment = env
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    return json?["best"] as? Double
}

/// The inverse fourth root of a symmetric statistic (Shampoo's roots, K-FAC's eigen-form
/// inverse): nnc's Double eigendecomposition and reconstruction beside numpy/LAPACK doing the
/// same in float64, both on one thread, interleaved round by round.
func runRoots(_ o: Options) {
    print("machine: \(CPUModel.name), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("reference: numpy.linalg.eigh (LAPACK syevd) + Q·diag·Qᵀ in float64, via \(numpyEighScript), 1 thread")
    print("timing: best of \(o.rounds) interleaved rounds × \(o.trials) trials of ≥ \(o.minTime) s each, ms per root; "
          + "each root checked first (|R⁴(S + εI) − I| < 1e-2)")
    print("")
    print("| n | nnc ms | numpy ms | nnc ÷ numpy |")
    print("|---:|---:|---:|---:|")
    for n in rootSizes where o.only.map({ String(n) == $0 }) ?? true {
        let ops = RootOperands(n)
        if let err = ops.verify() {
            print("| \(n) | verification FAILED: \(err) |")
            continue
        }
        var nnc = Double.infinity, numpy = Double.infinity
        for _ in 0..<o.rounds {
            let r = measure(work: 1, minTime: o.minTime, trials: o.trials) { ops.run() }
            nnc = min(nnc, 1 / r.best)
            if o.openblas, let s = numpyRootSeconds(python: o.python, n: n, minTime: o.minTime, trials: o.trials) {
                numpy = min(numpy, s)
            }
        }
        let ms = { (s: Double) in String(format: "%.3f", s * 1e3) }
        print("| \(n) | \(ms(nnc)) | \(numpy.isFinite ? ms(numpy) : "—") | \(numpy.isFinite ? f2(nnc / numpy) : "—") |")
        fflush(stdout)
    }
}
