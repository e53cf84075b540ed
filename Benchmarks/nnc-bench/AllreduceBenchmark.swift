// `nnc-bench allreduce` (an MPI build only): the collective a data-parallel step costs.
import Foundation

#if MPI
import NNC
import NNCSystem

/// Times `MPI_Allreduce` (sum, float32, in place — what a step does) over message sizes from 4 B
/// to 64 MiB on the ranks `mpirun` started, beside a memory copy of the same bytes timed in the
/// same run (the reference), then fits the α–β model t(n) = α + n/β to the times.
func allreduceBenchmark(_ o: Options) {
    guard let world = MPICommunicator.join(environment: ProcessInfo.processInfo.environment) else {
        FileHandle.standardError.write(Data("nnc-bench allreduce: run it under mpirun -np N\n".utf8))
        exit(64)
    }
    let leader = world.rank == 0
    if leader {
        print("allreduce: \(world.size) ranks, float32 sum in place; CPU \(CPUModel.name)")
        print("     bytes       µs   algbw GB/s   busbw GB/s   copy GB/s   busbw/copy")
    }
    var points: [(bytes: Double, seconds: Double)] = []
    for power in stride(from: 0, through: 24, by: 2) {
        let count = 1 << power
        var values = [Float](repeating: 1, count: count)
        var span = values.mutableSpan
        // Enough repetitions for ~min-time seconds, agreed on by all ranks (the largest estimate).
        world.sum(&span)
        _ = world.agree(0)
        let probe = Date()
        for _ in 0..<3 { world.sum(&span) }
        let estimate = Date().timeIntervalSince(probe) / 3
        var repetitions = [Double(max(3, min(100_000, Int(o.minTime / max(estimate, 1e-7)))))]
        var r = repetitions.mutableSpan
        world.sum(&r)
        let n = Int(repetitions[0]) / world.size
        _ = world.agree(0)
        let start = Date()
        for _ in 0..<n { world.sum(&span) }
        let seconds = Date().timeIntervalSince(start) / Double(n)
        // The reference: copying the same bytes once in this process.
        var copy = [Float](repeating: 0, count: count)
        let copies = max(3, n)
        let copyStart = Date()
        for i in 0..<copies {
            copy.replaceSubrange(0..<count, with: values)  // a memmove, without a pointer in sight
            copy[i % count] += 1
        }
        let copySeconds = Date().timeIntervalSince(copyStart) / Double(copies)
        let bytes = Double(4 * count)
        let algbw = bytes / seconds / 1e9
        let busbw = algbw * 2 * Double(world.size - 1) / Double(world.size)
        let copyRate = bytes / copySeconds / 1e9
        points.append((bytes, seconds))
        if leader {
            print(String(format: "%10d %8.1f %12.2f %12.2f %11.2f %12.2f", Int(bytes), seconds * 1e6, algbw, busbw, copyRate,
                         busbw / copyRate))
        }
    }
    // Least squares of t = α + n·(1/β) over the sizes, each weighted by 1/t² (relative error).
    var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
    for p in points {
        let w = 1 / (p.seconds * p.seconds)
        sw += w; sx += w * p.bytes; sy += w * p.seconds; sxx += w * p.bytes * p.bytes; sxy += w * p.bytes * p.seconds
    }
    let slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx)
    let alpha = (sy - slope * sx) / sw
    if leader {
        print(String(format: "α–β fit: α = %.1f µs, β = %.2f GB/s (t = α + bytes/β, weighted by 1/t²)", alpha * 1e6, 1 / slope / 1e9))
    }
    world.finish()
}
#else
func allreduceBenchmark(_ o: Options) {
    FileHandle.standardError.write(Data("nnc-bench allreduce needs the MPI build: swift build -c release --traits MPI --scratch-path .build-mpi\n".utf8))
    exit(64)
}
#endif
