import Foundation
import Testing
@testable import NNC

/// Data-parallel training without MPI: ranks as threads of this process over an in-process
/// group, so the default build checks what a rank does (its slice, the fused average, dropout's
/// rows, SGD2's averaged factor) against one process training the whole batch. The real
/// `mpirun` runs are MPITrainTests.
@Suite struct DataParallelTests {
    /// The ranks of one in-process group: a sum is an exchange of every rank's values, added in
    /// rank order on every rank (so the result is the same everywhere, as Open MPI's is).
    final class Rendezvous: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var deposits: [[Double]]
        private var result: [[Double]] = []
        private var arrived = 0, round = 0

        init(size: Int) {
            self.size = size
            deposits = Array(repeating: [], count: size)
        }

        /// Every rank's `values`, once every rank has given its own.
        func exchange(_ rank: Int, _ values: [Double]) -> [[Double]] {
            condition.lock()
            defer { condition.unlock() }
            deposits[rank] = values
            arrived += 1
            if arrived == size {
                arrived = 0
                result = deposits
                round += 1
                condition.broadcast()
            } else {
                let mine = round
                while round == mine { condition.wait() }
            }
            return result
        }
    }

    final class Rank: ProcessGroup, @unchecked Sendable {
        let rank: Int
        let rendezvous: Rendezvous
        var size: Int { rendezvous.size }
        /// Collectives this rank took part in.
        private(set) var collectives = 0

        init(_ rank: Int, _ rendezvous: Rendezvous) {
            self.rank = rank
            self.rendezvous = rendezvous
        }

        func sum(_ values: inout MutableSpan<Float>) {
            collectives += 1
            let all = rendezvous.exchange(rank, (0..<values.count).map { Double(values[$0]) })
            for i in 0..<values.count {
                var total = Float(all[0][i])
                for r in 1..<size { total += Float(all[r][i]) }
                values[i] = total
            }
        }

        func sum(_ values: inout MutableSpan<Double>) {
            collectives += 1
            let all = rendezvous.exchange(rank, (0..<values.count).map { values[$0] })
            for i in 0..<values.count {
                var total = all[0][i]
                for r in 1..<size { total += all[r][i] }
                values[i] = total
            }
        }

        func agree(_ value: UInt64) -> Bool {
            let all = rendezvous.exchange(rank, [Double(value >> 32), Double(value & 0xFFFF_FFFF)])
            return all.allSatisfy { $0 == all[0] }
        }
    }

    /// What the rank threads threw.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [Error] = []
        func add(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
        var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.first }
    }

    static func model(_ text: String) throws -> Model {
        let (model, diagnostics) = Frontend.check(SourceFile(path: "inline.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(model)
    }

    /// `steps` steps of one process at `batch` and of `ranks` threads at batch/ranks, each on
    /// its rows of the same global batches: every session's parameters and running statistics
    /// after them, the single process's first.
    static func train(_ text: String, batch: Int, ranks: Int, steps: Int, lr: Double = 0.1)
        throws -> (alone: [String: [Float]], ranks: [[String: [Float]]], collectives: [Int]) {
        let model = try model(text)
        func session(_ b: Int, _ group: ProcessGroup?) throws -> Session {
            let s = try Session(SessionPlans(model: model, batch: b, evalBatch: b, ranks: group?.size ?? 1), threads: 1, group: group)
            s.initialize(seed: 3)
            return s
        }
        func state(_ s: Session) -> [String: [Float]] {
            Dictionary(uniqueKeysWithValues: s.persistentTensors.filter { $0.role != .optimizerState }.map { ($0.name, s.read($0.name)) })
        }
        let alone = try session(batch, nil)
        var batches: [(input: [Float], labels: [Int32])] = []
        for step in 0..<steps { batches.append(RuntimeTests.batch(alone, seed: UInt64(100 + step))) }
        for (step, b) in batches.enumerated() { _ = try alone.trainStep(input: b.input, labels: b.labels, lr: lr, step: step + 1) }

        let rendezvous = Rendezvous(size: ranks)
        let groups = (0..<ranks).map { Rank($0, rendezvous) }
        let sessions = try groups.map { try session(batch / ranks, $0) }
        let features = batches[0].input.count / batch, rows = batch / ranks
        let steps = batches
        let errors = Failures()
        let done = DispatchGroup()
        for r in 0..<ranks {
            done.enter()
            Thread {
                do {
                    for (step, b) in steps.enumerated() {
                        let input = Array(b.input[(r * rows * features)..<((r + 1) * rows * features)])
                        let labels = Array(b.labels[(r * rows)..<((r + 1) * rows)])
                        _ = try sessions[r].trainStep(input: input, labels: labels, lr: lr, step: step + 1)
                    }
                } catch {
                    errors.add(error)
                }
                done.leave()
            }.start()
        }
        done.wait()
        if let first = errors.first { throw first }
        return (state(alone), sessions.map(state), groups.map(\.collectives))
    }

    static func expectSame(_ a: [String: [Float]], _ b: [String: [Float]], within tolerance: Double, _ what: String) {
        #expect(Set(a.keys) == Set(b.keys))
        for (name, x) in a {
            let y = b[name] ?? []
            let scale = max(x.map { abs(Double($0)) }.max() ?? 0, 1e-6)
            let worst = zip(x, y).map { abs(Double($0) - Double($1)) }.max() ?? 0
            #expect(x.count == y.count && worst <= tolerance * scale, "\(what): \(name) differs by \(worst) (scale \(scale))")
        }
    }

    static func net(_ layers: String, _ optimizer: String) -> String {
        """
        net p {
          input [6]
        \(layers)
          head: dense 3, init: normal(0.5)
          loss cross_entropy
        }
        \(optimizer)
        """
    }

    static let mlp = "  dense 8, init: normal(0.5)\n  tanh\n  dense 8, init: normal(0.5)\n  relu"

    /// The update of the averaged gradient is the global batch's: the same weights as one
    /// process up to the rounding of sums split differently, and bit-identical on every rank.
    @Test(arguments: [
        "optimizer sgd { lr: 0.1, momentum: 0.9 }",
        "optimizer adam { lr: 0.01 }",
        "optimizer sgd2 { lr: 0.1, momentum: 0.9, lambda: 0.1 }",
        "optimizer sgd2 { lr: 0.1, momentum: 0.9, lambda: 0.1, chunk: 4, noise: noise(eta: 0.01) }",
        "optimizer shampoo { lr: 0.1, momentum: 0.9 }",
        "optimizer kfac { lr: 0.1, momentum: 0.9 }",
        "optimizer kfac { lr: 0.1, fisher: sampled, factor_every: 2, inverse_every: 2 }",
        "optimizer kfac { lr: 0.1, damping: adaptive(0.01, every: 2) }",
        "optimizer sgd2 { lr: 0.1, damping: adaptive(0.5, every: 2), every: 2 }",
    ])
    func ranksTrainTheGlobalBatchAsOneProcess(optimizer: String) throws {
        let (alone, ranks, collectives) = try Self.train(Self.net(Self.mlp, optimizer), batch: 12, ranks: 2, steps: 6)
        Self.expectSame(alone, ranks[0], within: 1e-4, optimizer)
        #expect(ranks[0] == ranks[1], "the ranks drifted apart")
        // One fused collective per step, plus the factors on the steps that form them.
        #expect(collectives[0] >= 6 && collectives[0] == collectives[1])
        if !optimizer.contains("sgd2") && !optimizer.contains("kfac") { #expect(collectives[0] == 6) }
    }

    /// Three ranks (a sum no longer pairwise), the batch split in thirds.
    @Test func threeRanksAgreeWithOneProcess() throws {
        let (alone, ranks, _) = try Self.train(Self.net(Self.mlp, "optimizer sgd2 { lr: 0.1, lambda: 0.1 }"),
                                               batch: 12, ranks: 3, steps: 4)
        Self.expectSame(alone, ranks[2], within: 1e-4, "three ranks")
        #expect(ranks[0] == ranks[1] && ranks[1] == ranks[2])
    }

    /// Dropout: each rank keeps its rows of the global batch's mask, so the masks are the ones
    /// one process draws (a rank drawing its own would train another model).
    @Test func dropoutMasksAreTheGlobalBatchRows() throws {
        let layers = Self.mlp + "\n  dropout 0.5"
        let (alone, ranks, _) = try Self.train(Self.net(layers, "optimizer sgd { lr: 0.1 }"), batch: 8, ranks: 2, steps: 5)
        Self.expectSame(alone, ranks[1], within: 1e-4, "dropout")
        #expect(ranks[0] == ranks[1])
    }

    /// K-FAC's diagonal blocks of a layer norm's scale and shift (per-sample statistics, so the
    /// ranks compute what one process does), with adaptive damping scoring them.
    @Test func kfacNormBlocksAreTheGlobalBatchs() throws {
        let layers = "  dense 8, init: normal(0.5)\n  layernorm\n  relu"
        let (alone, ranks, _) = try Self.train(Self.net(layers, "optimizer kfac { lr: 0.1, damping: adaptive(0.01, every: 2) }"),
                                               batch: 12, ranks: 2, steps: 6)
        #expect(alone.keys.contains { $0.hasSuffix(".scale") })
        Self.expectSame(alone, ranks[0], within: 1e-4, "layer norm under K-FAC")
        #expect(ranks[0] == ranks[1])
    }

    /// Batch norm normalises each rank's slice by its own statistics (not synchronised), so the
    /// weights differ from one process's; the running statistics are averaged every step and stay
    /// the same on every rank, as the weights do.
    @Test func batchNormRanksKeepOneSetOfRunningStatistics() throws {
        let layers = "  dense 8, init: normal(0.5)\n  batchnorm\n  relu"
        let (alone, ranks, _) = try Self.train(Self.net(layers, "optimizer sgd { lr: 0.1, momentum: 0.9 }"),
                                               batch: 16, ranks: 2, steps: 4)
        #expect(ranks[0] == ranks[1])
        let mean = try #require(ranks[0].first { $0.key.hasSuffix(".mean") }?.value)
        #expect(mean.contains { $0 != 0 }, "running mean never moved")
        #expect(alone.keys.sorted() == ranks[0].keys.sorted())
    }

    /// SGD2's sampled columns: each rank forms A from its share of the count one process samples
    /// (and a convolution's every-k-th stride is the global batch's), so the ranks together use as
    /// many columns as one process, though not the same ones.
    @Test func sgd2SamplesEachRanksShareOfTheColumns() throws {
        let model = try Self.model(Self.net(Self.mlp, "optimizer sgd2 { lr: 0.1, samples: 5 }"))
        func sampled(batch: Int, ranks: Int) throws -> [(Int, Bool)] {
            let plan = try #require(Lowering.lower(model, batch: batch, ranks: ranks).plan)
            return plan.kernels.compactMap { k in
                if case .sgd2Precondition(let p) = k.op { return (p.sampledColumns, p.randomColumns) }
                return nil
            }
        }
        #expect(try sampled(batch: 12, ranks: 1).allSatisfy { $0 == (5, true) })
        #expect(try sampled(batch: 6, ranks: 2).allSatisfy { $0 == (3, true) })
        #expect(try sampled(batch: 2, ranks: 6).allSatisfy { $0 == (1, true) })
        // Sampled SGD2 on two ranks: the same weights on both, trained from the same draws.
        let (_, ranks, _) = try Self.train(Self.net(Self.mlp, "optimizer sgd2 { lr: 0.1, samples: 5, every: 2 }"),
                                           batch: 12, ranks: 2, steps: 5)
        #expect(ranks[0] == ranks[1])
    }

    /// A batcher split over ranks delivers, rank by rank, the rows of the unsplit batch.
    @Test func splitBatchersDeliverTheGlobalBatchRows() throws {
        let values = (0..<(20 * 3)).map { UInt8($0 % 251) }
        let dataset = Dataset(pixels: values, labels: (0..<20).map { Int32($0 % 4) }, sampleShape: [3], classCount: 4)
        let pre = Preprocessor.identity(for: dataset)
        var whole = Batcher(dataset: dataset, batchSize: 8, preprocessor: pre, shuffle: true, seed: 5, dropLast: true)
        var features = [Float](repeating: 0, count: 24), labels = [Int32](repeating: 0, count: 8)
        var parts: [Batcher] = (0..<2).map { r in
            var b = Batcher(dataset: dataset, batchSize: 8, preprocessor: pre, shuffle: true, seed: 5, dropLast: true)
            b.split(into: 2, taking: r)
            return b
        }
        whole.start(epoch: 1)
        for r in 0..<2 { parts[r].start(epoch: 1) }
        while whole.next(features: &features, labels: &labels) > 0 {
            var joined: [Float] = [], joinedLabels: [Int32] = []
            for r in 0..<2 {
                var f = [Float](repeating: 0, count: 12), l = [Int32](repeating: 0, count: 4)
                #expect(parts[r].next(features: &f, labels: &l) == 4)
                joined += f
                joinedLabels += l
            }
            #expect(joined == features && joinedLabels == labels)
        }
        #expect(parts[0].next(features: &features, labels: &labels) == 0)
    }
}
