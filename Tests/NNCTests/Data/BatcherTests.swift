import Testing
@testable import NNC

@Suite struct BatcherTests {
    /// Ten 1×1×2 images whose pixels are (n, 2n) and whose label is n.
    let dataset = Dataset(pixels: (0..<10).flatMap { [UInt8($0), UInt8(2 * $0)] }, labels: (0..<10).map { Int32($0) },
                          sampleShape: [1, 1, 2], classCount: 10)

    @Test func unshuffledBatchesInOrderWithPartialLast() {
        var batcher = Batcher(dataset: dataset, batchSize: 4, preprocessor: .identity(for: dataset), shuffle: false)
        var features = [Float](repeating: -1, count: 8)
        var labels = [Int32](repeating: -1, count: 4)
        #expect(batcher.batchesPerEpoch == 3)
        #expect(batcher.next(features: &features, labels: &labels) == 4)
        #expect(features == [0, 0, 1, 2, 2, 4, 3, 6])
        #expect(labels == [0, 1, 2, 3])
        #expect(batcher.next(features: &features, labels: &labels) == 4)
        #expect(batcher.next(features: &features, labels: &labels) == 2)
        #expect(Array(features[..<4]) == [8, 16, 9, 18])
        #expect(Array(labels[..<2]) == [8, 9])
        #expect(batcher.next(features: &features, labels: &labels) == 0)
    }

    @Test func dropLastSkipsTheShortBatch() {
        var batcher = Batcher(dataset: dataset, batchSize: 4, preprocessor: .identity(for: dataset), shuffle: false, dropLast: true)
        var features = [Float](repeating: 0, count: 8), labels = [Int32](repeating: 0, count: 4)
        #expect(batcher.batchesPerEpoch == 2)
        #expect(batcher.next(features: &features, labels: &labels) == 4)
        #expect(batcher.next(features: &features, labels: &labels) == 4)
        #expect(batcher.next(features: &features, labels: &labels) == 0)
    }

    @Test func appliesThePreprocessor() {
        let p = Preprocessor(scale: 0.5, mean: [1], std: [2], groupSize: 2)
        var batcher = Batcher(dataset: dataset, batchSize: 2, preprocessor: p, shuffle: false)
        var features = [Float](repeating: 0, count: 4), labels = [Int32](repeating: 0, count: 2)
        _ = batcher.next(features: &features, labels: &labels)
        // (x · 0.5 − 1) / 2 for x = 0, 0, 1, 2.
        #expect(features == [-0.5, -0.5, -0.25, 0])
        let table = Dataset(features: [1, 2, 3, 4], labels: [0, 1], sampleShape: [2], classCount: 2)
        let q = Preprocessor(scale: 2, mean: [0, 1], std: [1, 4], groupSize: 1)
        var tableBatcher = Batcher(dataset: table, batchSize: 2, preprocessor: q, shuffle: false)
        _ = tableBatcher.next(features: &features, labels: &labels)
        #expect(features == [2, 0.75, 6, 1.75])
        // One mean per pixel of an image (`center: mean_image`).
        let perPixel = Preprocessor(scale: 1, mean: [1, 2], std: [1, 4], groupSize: 1)
        var pixelBatcher = Batcher(dataset: dataset, batchSize: 2, preprocessor: perPixel, shuffle: false)
        _ = pixelBatcher.next(features: &features, labels: &labels)
        // Samples (0, 0) and (1, 2): (x − 1)/1 and (y − 2)/4.
        #expect(features == [-1, -0.5, 0, 0])
    }

    @Test func shuffleIsAPermutationFixedBySeedAndEpoch() {
        func epochLabels(seed: UInt64, epoch: Int) -> [Int32] {
            var batcher = Batcher(dataset: dataset, batchSize: 3, preprocessor: .identity(for: dataset), seed: seed)
            batcher.start(epoch: epoch)
            var features = [Float](repeating: 0, count: 6), labels = [Int32](repeating: 0, count: 3)
            var seen: [Int32] = []
            while case let rows = batcher.next(features: &features, labels: &labels), rows > 0 {
                seen += labels[..<rows]
                // Features travel with their labels.
                for r in 0..<rows { #expect(features[2 * r] == Float(labels[r]) && features[2 * r + 1] == Float(2 * labels[r])) }
            }
            return seen
        }
        let e0 = epochLabels(seed: 5, epoch: 0), e1 = epochLabels(seed: 5, epoch: 1)
        #expect(e0.sorted() == (0..<10).map { Int32($0) })
        #expect(e0 == epochLabels(seed: 5, epoch: 0))
        #expect(e0 != e1)
        #expect(e0 != epochLabels(seed: 6, epoch: 0))
    }

    @Test func resumingMidEpochSeesTheSameBatches() {
        var full = Batcher(dataset: dataset, batchSize: 3, preprocessor: .identity(for: dataset), seed: 11)
        full.start(epoch: 2)
        var f = [Float](repeating: 0, count: 6), l = [Int32](repeating: 0, count: 3)
        _ = full.next(features: &f, labels: &l)
        _ = full.next(features: &f, labels: &l)
        _ = full.next(features: &f, labels: &l)
        let expected = l
        var resumed = Batcher(dataset: dataset, batchSize: 3, preprocessor: .identity(for: dataset), seed: 11)
        resumed.start(epoch: 2)
        resumed.seek(batch: 2)
        var l2 = [Int32](repeating: 0, count: 3)
        _ = resumed.next(features: &f, labels: &l2)
        #expect(l2 == expected)
    }

    @Test func validationSplitIsTheTailAndStatisticsIgnoreIt() throws {
        let (train, validation) = try dataset.split(validationFraction: 0.2)
        #expect(train == Array(0..<8))
        #expect(validation == [8, 9])
        let p = Preprocessor.fit(dataset, indices: train, scale: nil, center: true, standardize: false)
        #expect(p.mean == [5.25])  // mean of 0...7 and 0,2,…,14 together: (28 + 56) / 16
        var batcher = Batcher(dataset: dataset, indices: validation, batchSize: 4, preprocessor: .identity(for: dataset), shuffle: false)
        var f = [Float](repeating: 0, count: 8), l = [Int32](repeating: 0, count: 4)
        #expect(batcher.next(features: &f, labels: &l) == 2)
        #expect(Array(l[..<2]) == [8, 9])
        #expect(throws: DataError.self) { try dataset.split(validationFraction: 1) }
        #expect(throws: DataError.self) { try dataset.split(validationFraction: 0.99) }
        #expect(try dataset.split(validationFraction: 0).validation.isEmpty)
    }
}
