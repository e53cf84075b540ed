import Foundation
import Testing
@testable import NNC
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds of the calling thread: on a shared machine wall time says more about the neighbours.
private func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// The real MNIST files from the shared data folder; skipped where they are absent (a fresh clone).
@Suite(.serialized) struct MNISTTests {
    /// (file, SHA-256) rows of the shared data README's table.
    static func publishedChecksums(_ readme: URL) throws -> [String: String] {
        var sums: [String: String] = [:]
        for line in try String(contentsOf: readme, encoding: .utf8).split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            sums[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[3].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
        }
        return sums
    }

    @Test func filesMatchThePublishedSHA256() throws {
        guard let mnist = TestPaths.mnist, let data = TestPaths.sharedData else {
            print(TestPaths.mnistMissing)
            return
        }
        let sums = try Self.publishedChecksums(data.appendingPathComponent("README.md"))
        #expect(sums.count == 4)
        for (name, sum) in sums {
            let bytes = try Data(contentsOf: mnist.appendingPathComponent(name))
            #expect(hexString(SHA256.hash([UInt8](bytes))) == sum, "\(name)")
        }
    }

    @Test func loadsCountsPixelsAndLabels() throws {
        guard let mnist = TestPaths.mnist else {
            print(TestPaths.mnistMissing)
            return
        }
        let clock = ContinuousClock()
        var cpu = threadCPUSeconds()
        var train: Dataset?
        var test: Dataset?
        let elapsed = try clock.measure {
            train = try Dataset.idx(images: mnist.appendingPathComponent("train-images-idx3-ubyte.gz"),
                                    labels: mnist.appendingPathComponent("train-labels-idx1-ubyte.gz"))
            test = try Dataset.idx(images: mnist.appendingPathComponent("t10k-images-idx3-ubyte.gz"),
                                   labels: mnist.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        }
        cpu = threadCPUSeconds() - cpu
        print("loading all of MNIST (gunzip 55 MB, parse, check labels): \(elapsed) wall, \(cpu) s cpu")
        let (trainSet, testSet) = (try #require(train), try #require(test))
        #expect(trainSet.count == 60_000 && testSet.count == 10_000)
        #expect(trainSet.sampleShape == [1, 28, 28])
        // Reference figures computed independently with Python's gzip module.
        guard case .bytes(let trainPixels) = trainSet.storage, case .bytes(let testPixels) = testSet.storage else {
            Issue.record("images must stay bytes")
            return
        }
        #expect(trainPixels.reduce(0) { $0 + Int($1) } == 1_567_298_545)
        #expect(testPixels.reduce(0) { $0 + Int($1) } == 264_923_200)
        func histogram(_ labels: [Int32]) -> [Int] {
            var counts = [Int](repeating: 0, count: 10)
            for label in labels { counts[Int(label)] += 1 }
            return counts
        }
        #expect(histogram(trainSet.labels) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(histogram(testSet.labels) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(Array(trainSet.labels.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])

        // The familiar normalisation constants, from the training set alone.
        let p = Preprocessor.fit(trainSet, scale: 1 / 255, center: true, standardize: true)
        #expect(abs(p.mean[0] - 0.130_660_48) < 1e-6)
        #expect(abs(p.std[0] - 0.308_107_80) < 1e-6)

        // One epoch of batches of 128 through caller-owned buffers.
        var batcher = Batcher(dataset: trainSet, batchSize: 128, preprocessor: p, seed: 1)
        var features = [Float](repeating: 0, count: 128 * 784), labels = [Int32](repeating: 0, count: 128)
        var samples = 0
        var checksum = 0.0
        cpu = threadCPUSeconds()
        let epoch = clock.measure {
            while case let rows = batcher.next(features: &features, labels: &labels), rows > 0 {
                samples += rows
                checksum += Double(features[0])
            }
        }
        cpu = threadCPUSeconds() - cpu
        print("one shuffled, standardised epoch of MNIST in batches of 128: \(epoch) wall, \(cpu) s cpu (\(batcher.batchesPerEpoch) batches)")
        #expect(samples == 60_000)
        #expect(checksum.isFinite)
    }
}
