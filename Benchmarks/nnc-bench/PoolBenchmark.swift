import Foundation
import NNC
import NNCKernels

/// One pooling layer of the example nets at its training batch.
struct PoolLayer {
    enum Kind: String { case max, average }
    let name: String
    let kind: Kind
    let shape: Pool2dShape

    var inCount: Int { shape.batch * shape.channels * shape.height * shape.width }
    var outCount: Int { shape.batch * shape.channels * shape.outHeight * shape.outWidth }

    /// Bytes a pass must move at least: what it reads and what it writes once each (max
    /// pooling's indices, 4 bytes an output, written forward and read backward).
    func bytes(_ pass: PoolPass) -> Double {
        let indices = kind == .max ? outCount : 0
        return 4 * Double(inCount + outCount + indices)
    }
}

enum PoolPass: String, CaseIterable { case forward = "fwd", backward = "bwd" }

/// cifar_conv.net's three pools (batch 100), vgg_bn's first and mnist_conv_bn's first 2×2 max
/// pools (batch 128).
let poolLayers: [PoolLayer] = [
    PoolLayer(name: "cifar max 3/2 @32×32×32", kind: .max,
              shape: Pool2dShape(batch: 100, channels: 32, height: 32, width: 32, kernelH: 3, kernelW: 3,
                                 strideH: 2, strideW: 2, padH: 1, padW: 1)),
    PoolLayer(name: "cifar avg 3/2 @32×16×16", kind: .average,
              shape: Pool2dShape(batch: 100, channels: 32, height: 16, width: 16, kernelH: 3, kernelW: 3,
                                 strideH: 2, strideW: 2, padH: 1, padW: 1)),
    PoolLayer(name: "cifar avg 3/2 @64×8×8", kind: .average,
              shape: Pool2dShape(batch: 100, channels: 64, height: 8, width: 8, kernelH: 3, kernelW: 3,
                                 strideH: 2, strideW: 2, padH: 1, padW: 1)),
    PoolLayer(name: "vgg max 2/2 @32×32×32", kind: .max,
              shape: Pool2dShape(batch: 128, channels: 32, height: 32, width: 32, kernelH: 2, kernelW: 2,
                                 strideH: 2, strideW: 2)),
    PoolLayer(name: "mnist max 2/2 @16×28×28", kind: .max,
              shape: Pool2dShape(batch: 128, channels: 16, height: 28, width: 28, kernelH: 2, kernelW: 2,
                                 strideH: 2, strideW: 2)),
]

/// A layer's operands, uniform [-1, 1), and a plain copy of as many bytes as the pass moves.
final class PoolOperands {
    let layer: PoolLayer
    let x, y, dy, dx: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int32>
    let copySource, copyTarget: UnsafeMutablePointer<Float>

    init(_ l: PoolLayer) {
        layer = l
        x = uniformFloats(l.inCount, 1); dx = uniformFloats(l.inCount, 2)
        y = uniformFloats(l.outCount, 3); dy = uniformFloats(l.outCount, 4)
        indices = .allocate(capacity: max(l.outCount, 1))
        let half = Int(max(l.bytes(.forward), l.bytes(.backward)) / 8)
        copySource = uniformFloats(half, 5); copyTarget = uniformFloats(half, 6)
        maxPool2dForward(x: x, y: y, indices: indices, shape: l.shape)
    }

    deinit {
        for p in [x, y, dy, dx, copySource, copyTarget] { p.deallocate() }
        indices.deallocate()
    }

    func run(_ pass: PoolPass, threads: Int) {
        let s = layer.shape
        switch (layer.kind, pass) {
        case (.max, .forward): maxPool2dForward(x: x, y: y, indices: indices, shape: s, threads: threads)
        case (.max, .backward): maxPool2dBackward(dy: dy, indices: indices, dx: dx, shape: s, threads: threads)
        case (.average, .forward): avgPool2dForward(x: x, y: y, shape: s, threads: threads)
        case (.average, .backward): avgPool2dBackward(dy: dy, dx: dx, shape: s, threads: threads)
        }
    }

    /// The reference: one thread copying half the pass's bytes (so it reads and writes as many).
    func copy(_ pass: PoolPass) {
        copyTarget.update(from: copySource, count: Int(layer.bytes(pass) / 8))
    }

    /// The pass against the plain definition, and `threads` threads against 1, bit for bit.
    func verify(_ pass: PoolPass, threads: Int) -> String? {
        let s = layer.shape
        let (out, count) = pass == .forward ? (y, layer.outCount) : (dx, layer.inCount)
        run(pass, threads: 1)
        let one = Array(UnsafeBufferPointer(start: out, count: count))
        run(pass, threads: threads)
        for i in 0..<count where one[i].bitPattern != out[i].bitPattern {
            return "\(threads) threads differ from 1 thread at element \(i)"
        }
        if pass == .forward {
            var maxOut = [Float](repeating: 0, count: count), avgOut = maxOut
            maxOut.withUnsafeMutableBufferPointer { m in avgOut.withUnsafeMutableBufferPointer { a in
                pool2dReference(x: x, maxOut: m.baseAddress!, avgOut: a.baseAddress!, shape: s)
            } }
            let reference = layer.kind == .max ? maxOut : avgOut
            for i in 0..<count where abs(reference[i] - one[i]) > 1e-6 {
                return "output \(i) is \(one[i]), the definition says \(reference[i])"
            }
        }
        return nil
    }
}

/// Pooling layers pass by pass, GB/s of the bytes each must move, beside two copies measured in
/// the same run: of 256 MiB (memory's bandwidth: the bar is pooling at ≥ 50 % of it) and of as
/// many bytes as the pass moves (which the caches may hold).
func runPool(_ o: Options) {
    print("machine: \(CPUModel.name), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    // Memory's bandwidth: one thread copying 256 MiB, past every cache.
    let big = 1 << 26
    let source = UnsafeMutablePointer<Float>.allocate(capacity: big), target = UnsafeMutablePointer<Float>.allocate(capacity: big)
    source.initialize(repeating: 1, count: big); target.initialize(repeating: 0, count: big)
    let memory = measure(work: 8 * Double(big) / 1e9, minTime: o.minTime, trials: o.trials) {
        target.update(from: source, count: big)
    }.best
    source.deallocate(); target.deallocate()
    print("memory copy: \(f1(memory)) GB/s (one thread, 256 MiB, read + written)")
    print("timing: best of \(o.rounds) interleaved rounds × \(o.trials) trials of ≥ \(o.minTime) s each; "
          + "GB/s = (bytes read + bytes written once) / time; copy = one thread copying as many bytes (from "
          + "the caches, where they fit); ÷mem = pooling / memory copy, ÷copy = pooling / copy")
    print("")
    var header = "| layer | pass | MB | copy GB/s |"
    var rule = "|---|---|---:|---:|"
    for t in o.threads {
        header += " \(t)T GB/s | ÷mem \(t)T | ÷copy \(t)T |"
        rule += "---:|---:|---:|"
    }
    print(header)
    print(rule)
    for layer in poolLayers where o.only.map({ layer.name.contains($0) }) ?? true {
        let ops = PoolOperands(layer)
        for pass in PoolPass.allCases {
            if let err = ops.verify(pass, threads: o.threads.max() ?? 1) {
                print("| \(layer.name) | \(pass.rawValue) | verification FAILED: \(err) |")
                continue
            }
            let gigabytes = layer.bytes(pass) / 1e9
            var rate = [Int: Double](), copy = 0.0
            for _ in 0..<o.rounds {
                copy = max(copy, measure(work: gigabytes, minTime: o.minTime, trials: o.trials) { ops.copy(pass) }.best)
                for t in o.threads {
                    let r = measure(work: gigabytes, minTime: o.minTime, trials: o.trials) { ops.run(pass, threads: t) }
                    rate[t] = max(rate[t] ?? 0, r.best)
                }
            }
            var line = "| \(layer.name) | \(pass.rawValue) | \(f1(layer.bytes(pass) / 1e6)) | \(f1(copy)) |"
            for t in o.threads {
                let r = rate[t] ?? .nan
                line += " \(f1(r)) | \(f2(r / memory)) | \(f2(r / copy)) |"
            }
            print(line)
            fflush(stdout)
        }
    }
}
