import Foundation

/// A numpy/OpenBLAS timing process (Benchmarks/openblas_gemm.py) with its thread count fixed.
final class OpenBLASTimer {
    let threads: Int
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()

    init(python: String, script: String, threads: Int) throws {
        self.threads = threads
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script]
        var env = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { env[key] = String(threads) }
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    deinit {
        send("quit")
        process.waitUntilExit()
    }

    private func send(_ line: String) {
        input.fileHandleForWriting.write((line + "\n").data(using: .utf8)!)
    }

    private func receive() -> [String: Any] {
        while true {
            if let nl = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffered[buffered.startIndex..<nl]
                buffered = Data(buffered[(nl + 1)...])
                return (try? JSONSerialization.jsonObject(with: line) as? [String: Any]) ?? [:]
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return [:] }
            buffered.append(chunk)
        }
    }

    func info() -> String {
        send("info")
        let r = receive()
        return "numpy \(r["numpy"] ?? "?"), \(r["openblas"] ?? "?")"
    }

    /// GFLOP/s (best, median) of C = op(A)·op(B), op(A) m × k, op(B) k × n.
    func time(m: Int, k: Int, n: Int, transA: Bool, transB: Bool, minTime: Double, trials: Int,
              clock: BenchClock) -> (best: Double, median: Double) {
        send("time \(m) \(k) \(n) \(transA ? 1 : 0) \(transB ? 1 : 0) \(minTime) \(trials) \(clock.rawValue)")
        let r = receive()
        return ((r["best"] as? Double) ?? .nan, (r["median"] as? Double) ?? .nan)
    }
}
