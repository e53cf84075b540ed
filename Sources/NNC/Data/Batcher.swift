import NNCKernels

/// Cuts a dataset into minibatches, converting each one to floats on its way in.
///
/// The caller owns the batch buffers and allocates them once (`batchSize × sampleSize`
/// floats and `batchSize` labels); `next` only writes into them, so a training step
/// allocates nothing. The order of epoch `e` is a shuffle drawn from `Random(seed:, stream: e)`,
/// so a run resumed at any epoch and batch sees exactly the batches it would have seen.
public struct Batcher {
    /// The samples.
    public let dataset: Dataset
    /// The samples per full batch.
    public let batchSize: Int
    /// The map from stored values to network inputs.
    public let preprocessor: Preprocessor
    /// Whether each epoch visits the samples in a fresh random order.
    public let shuffle: Bool
    /// Whether a last batch smaller than `batchSize` is skipped.
    public let dropLast: Bool
    /// The seed of the per-epoch orders.
    public let seed: UInt64

    /// The ranks of a data-parallel run over which every batch is split: this process
    /// writes rows `index·rowsPerShard ..< (index + 1)·rowsPerShard` of each; (0, 1) alone.
    public private(set) var shard = (index: 0, count: 1)

    /// The current epoch, as last given to `start(epoch:)`.
    public private(set) var epoch = 0
    /// The number of batches already delivered in this epoch.
    public private(set) var batchIndex = 0

    private let subset: [Int32]
    private var order: [Int32]
    /// The preprocessor's map with one entry per value of a sample.
    private let valueMultiplier: [Float]
    private let valueOffset: [Float]

    /// A batcher over the samples at `indices` (all when nil), for example one part of `Dataset.split`.
    public init(dataset: Dataset, indices: [Int]? = nil, batchSize: Int, preprocessor: Preprocessor,
                shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
        precondition(batchSize > 0, "batch size must be positive")
        self.dataset = dataset
        self.batchSize = batchSize
        self.preprocessor = preprocessor
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        precondition(preprocessor.fits(dataset), "preprocessor was fitted to samples of another shape; check fits(_:) first")
        subset = (indices ?? Array(0..<dataset.count)).map { Int32($0) }
        order = subset
        valueMultiplier = preprocessor.multiplier.flatMap { repeatElement($0, count: preprocessor.groupSize) }
        valueOffset = preprocessor.offset.flatMap { repeatElement($0, count: preprocessor.groupSize) }
        start(epoch: 0)
    }

    /// Makes this batcher deliver rank `index`'s slice of every batch of `count` ranks; the
    /// batch size must divide by `count`.
    public mutating func split(into count: Int, taking index: Int) {
        precondition(count > 0 && batchSize % count == 0 && index >= 0 && index < count, "a batch split unevenly")
        shard = (index, count)
    }

    /// The rows `next` writes per batch: the batch size, or this rank's slice of it.
    public var rowsPerShard: Int { batchSize / shard.count }

    /// The number of samples the batcher visits per epoch (before `dropLast`).
    public var sampleCount: Int { subset.count }
    /// Values per sample, the row length of the feature buffer.
    public var sampleSize: Int { dataset.sampleSize }
    /// Batches per epoch.
    public var batchesPerEpoch: Int { dropLast ? subset.count / batchSize : (subset.count + batchSize - 1) / batchSize }

    /// Starts epoch `epoch` at its first batch, shuffling if asked.
    public mutating func start(epoch: Int) {
        self.epoch = epoch
        batchIndex = 0
        for i in order.indices { order[i] = subset[i] }
        if shuffle {
            var random = Random(seed: seed, stream: UInt64(epoch))
            random.shuffle(&order)
        }
    }

    /// Continues the current epoch from batch `batch` (for resuming from a checkpoint).
    public mutating func seek(batch: Int) {
        batchIndex = min(max(batch, 0), batchesPerEpoch)
    }

    /// Writes the next batch into `features` (row-major, `sampleSize` per row) and `labels`
    /// and returns how many rows it filled; 0 when the epoch is over. Rows past the returned
    /// count are left as they were.
    public mutating func next(features: inout [Float], labels: inout [Int32]) -> Int {
        var output = features.mutableSpan
        var labelOutput = labels.mutableSpan
        return next(into: &output, labels: &labelOutput)
    }

    /// `next(features:labels:)` into spans, such as a session's own input buffer (no copy
    /// through an array on the way to the network).
    /// `threads` split the rows' conversion (the bits do not depend on them).
    public mutating func next(into output: inout MutableSpan<Float>, labels labelOutput: inout MutableSpan<Int32>,
                              threads: Int = 1) -> Int {
        precondition(output.count >= rowsPerShard * sampleSize && labelOutput.count >= rowsPerShard,
                     "batch buffers must hold rowsPerShard × sampleSize features and rowsPerShard labels")
        guard batchIndex < batchesPerEpoch else { return 0 }
        let first = batchIndex * batchSize + shard.index * rowsPerShard
        let rows = max(0, min(rowsPerShard, order.count - first))
        let size = sampleSize
        // One kernel call gathers and converts the rows. The map is expanded to one
        // (multiplier, offset) per value, so a per-pixel mean costs what a per-channel one does
        // (one group at a time was 8× slower on MNIST's 784 one-value groups).
        let (values, shifts) = (valueMultiplier, valueOffset)
        let (multiplier, offset) = (values.span, shifts.span)
        precondition(multiplier.count == size && offset.count == size)
        let order = self.order  // a reference, so the span below borrows it and not self
        let samples = order.span.extracting(first..<(first + rows))
        switch dataset.storage {
        case .bytes(let pixels):
            gatherConverted(pixels.span, size: size, samples: samples, multiplier: multiplier, offset: offset,
                            into: &output, threads: threads)
        case .floats(let features):
            gatherConverted(features.span, size: size, samples: samples, multiplier: multiplier, offset: offset,
                            into: &output, threads: threads)
        }
        for row in 0..<rows { labelOutput[row] = dataset.labels[Int(order[first + row])] }
        batchIndex += 1
        return rows
    }
}
