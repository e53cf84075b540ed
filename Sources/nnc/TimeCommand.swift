import Foundation
import NNC

/// `nnc time FILE`: where a training step's time goes, kernel by kernel.
enum TimeCommand: Command {
    static let spec = CommandSpec(
        name: "time",
        abstract: "time a training step kernel by kernel: ms, GFLOP/s, share, per phase",
        discussion: """
            Runs real training steps of the model and prints, per kernel of its plan (`nnc plan`),
            the phase, the kernel and its op, milliseconds per step, GFLOP/s (from the plan's FLOP
            counts) and its share of the step; subtotals per phase; and a total that is the sum of
            the rows, beside the mean of un-instrumented steps measured in the same run. The data
            is the file's when it is found, else random data of the right shapes (the first line
            says which). Warm-up steps are not timed; the means are over the faster half of each
            kind of step, since on a shared machine the slower half carries other processes' time.
            """,
        arguments: [.model("the .net file to time")],
        options: [
            .value("--batch", "N", "batch size (default: the file's train { batch })"),
            .value("--iterations", "K", "timed steps (default 20); as many plain steps run interleaved"),
            .value("--warmup", "W", "untimed steps first (default 3)"),
            .data, .threads, .color,
        ],
        exitStatus: "0 timed, 64 usage error, 65 errors in the file, 66 file missing, 69 not enough memory, 70 the step failed")

    static func run(_ arguments: ParsedArguments) throws {
        let threads = try arguments.threads()
        let batchOverride = try arguments.int("--batch", atLeast: 1)
        let iterations = try arguments.int("--iterations", atLeast: 1) ?? 20
        let warmup = try arguments.int("--warmup", atLeast: 0) ?? 3
        let file = try ModelFile(arguments.modelPath, color: arguments.color())
        let model = file.model
        let batch = batchOverride ?? model.training.batch
        let session = try file.session(model, batch: batch, evalBatch: 1, threads: threads)
        session.initialize(seed: model.training.seed)
        let (batcher, source) = data(for: model, path: file.path, batch: batch, steps: iterations * 2 + warmup,
                                     dataDirectory: arguments.value("--data"))
        print("\(model.name): batch \(batch), \(counted(threads, "thread")) on \(CPUModel.name), \(source); "
              + "\(counted(warmup, "warm-up step")), then \(iterations) timed and \(counted(iterations, "plain step")) interleaved")
        print(KernelSetup.summary)
        let times: KernelTimes
        do {
            times = try KernelTimer.measure(session, batcher: batcher, learningRate: model.optimizer.learningRate,
                                            iterations: iterations, warmup: warmup)
        } catch {
            throw CommandFailure(.failure, "the training step failed: \(error)")
        }
        print(table(times), terminator: "")
    }

    /// A batcher over the file's training data when it names some and they load, else over
    /// random samples: features uniform in [0, 1), labels uniform over the classes. Either way
    /// the steps load their batches as training does.
    static func data(for model: Model, path: String, batch: Int, steps: Int, dataDirectory: String?)
        -> (batcher: Batcher, source: String) {
        let classes = model.outputShape.count
        var why = "the file names no data"
        if let spec = model.data {
            let locator = DataLocator.standard(dataDirectory: dataDirectory, modelFile: path)
            do {
                let data = try TrainingData.load(spec, locator: locator, trainLimit: batch * min(steps, 8))
                let labelled = data.trainIndices.allSatisfy { data.train.labels[$0] >= 0 && Int(data.train.labels[$0]) < classes }
                if data.train.sampleSize == model.inputShape.count, data.trainIndices.count >= batch, labelled {
                    let batcher = Batcher(dataset: data.train, indices: data.trainIndices, batchSize: batch,
                                          preprocessor: data.preprocessor, shuffle: false, seed: 0, dropLast: true)
                    let n = batcher.batchesPerEpoch
                    return (batcher, "real data (\(counted(n, "batch")) of the training set)")
                }
                why = "the data does not fit the model"
            } catch {
                why = "\(error)".split(separator: "\n").first.map(String.init) ?? "the data did not load"
                if let list = why.range(of: "; looked in:") { why = String(why[..<list.lowerBound]) }
            }
        }
        var random = Random(seed: 1)
        let samples = 2 * batch
        let features = (0..<(samples * model.inputShape.count)).map { _ in random.nextFloat() }
        let labels = (0..<samples).map { _ in Int32(random.nextInt(below: max(classes, 1))) }
        let dataset = Dataset(features: features, labels: labels, sampleShape: model.inputShape.dims,
                              classCount: max(classes, 1))
        let batcher = Batcher(dataset: dataset, batchSize: batch, preprocessor: .identity(for: dataset),
                              shuffle: false, seed: 0, dropLast: true)
        return (batcher, "random data (\(why))")
    }

    static func table(_ t: KernelTimes) -> String {
        let stepMs = t.total * 1000
        func ms(_ seconds: Double) -> String { String(format: "%.3f", seconds * 1000) }
        func share(_ seconds: Double) -> String { t.total > 0 ? String(format: "%.1f%%", seconds / t.total * 100) : "–" }
        var rows: [[String]] = [["phase", "#", "kernel", "op", "ms", "GFLOP/s", "share"]]
        for r in t.rows {
            let op = ([r.kernel.op.kind] + [r.kernel.op.kernelAlgorithm].compactMap { $0 }
                      + r.kernel.op.epilogue.map(\.label)).joined(separator: " ")
            rows.append([r.kernel.phase.rawValue, "\(r.kernel.index)", r.kernel.name, op, ms(r.seconds),
                         r.kernel.flops > 0 ? String(format: "%.2f", r.gflops) : "–", share(r.seconds)])
        }
        rows.append(["–", "", "batch load", "convert into the arena", ms(t.loadSeconds), "–", share(t.loadSeconds)])
        rows.append(["–", "", "outside kernels", "labels, loss read", ms(t.outsideSeconds), "–", share(t.outsideSeconds)])
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [1, 4, 5, 6]
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ") + "\n"
        }
        var out = line(rows[0])
        for row in rows.dropFirst() { out += line(row) }
        if t.rows.contains(where: { $0.kernel.op.kernelAlgorithm == "winograd" }) {
            out += "(winograd: the GFLOP/s count the direct convolution's FLOPs; Winograd does fewer)\n"
        }
        out += "\n"
        for phase in Phase.allCases {
            let s = t.subtotal(phase)
            let flops = t.rows.filter { $0.kernel.phase == phase }.reduce(0) { $0 + $1.kernel.flops }
            out += "\(phase.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(format: "%9.3f", s * 1000)) ms  "
                + "\(share(s).leftPadded(6))  \(String(format: "%.2f", s > 0 ? Double(flops) / s / 1e9 : 0)) GFLOP/s\n"
        }
        out += "total     \(String(format: "%9.3f", stepMs)) ms  (sum of the rows: one timed step, mean of the faster \(t.kept) of \(t.iterations))\n"
        out += "plain step\(String(format: "%9.3f", t.plainStepSeconds * 1000)) ms  (un-instrumented, mean of the faster \(t.kept) of \(t.iterations)); "
            + "total differs by \(String(format: "%+.1f", t.difference * 100)) %\n"
        if !t.periodic.isEmpty {
            // The timed steps' means leave these out; an epoch pays them on average.
            let method = t.periodic.contains { $0.method == .shampoo } ? "Shampoo" : "K-FAC"
            out += "\n\(method)'s periodic work, timed once each:\n"
            for c in t.periodic {
                switch c.method {
                case .kfac:
                    out += "  \(c.layer): factors \(ms(c.formSeconds)) ms every \(counted(c.factorEvery, "step")), "
                        + "inverses \(ms(c.invertSeconds)) ms every \(counted(c.inverseEvery, "step")) → \(ms(c.amortisedSeconds)) ms per step\n"
                case .shampoo:
                    out += "  \(c.layer): roots \(ms(c.invertSeconds)) ms every \(counted(c.inverseEvery, "step")) "
                        + "→ \(ms(c.amortisedSeconds)) ms per step\n"
                }
            }
            let amortised = t.periodic.reduce(0) { $0 + $1.amortisedSeconds }
            out += "total with them \(String(format: "%9.3f", (t.total + amortised) * 1000)) ms per step on average\n"
        }
        return out
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
