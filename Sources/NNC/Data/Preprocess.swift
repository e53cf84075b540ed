/// Which values share one mean and standard deviation.
public enum StatisticsGrouping: String, CaseIterable, Sendable {
    /// One pair per channel of a [C, H, W] image (one for a 2-D image); the usual choice for images.
    case channel
    /// One pair per value position of a sample: per pixel, or per column of a table.
    case feature
}

/// The per-value affine map `x ↦ (x · scale − mean[g]) / std[g]` for each group `g` of a
/// sample's values (see `StatisticsGrouping`).
///
/// Statistics come from the training samples only (`fit`). They are saved with a checkpoint
/// (`metadata`) so evaluation later applies exactly the same map.
public struct Preprocessor: Equatable {
    /// The factor applied first (`scale: 1/255` in a `.net` file), 1 when none.
    public let scale: Float
    /// Mean of each group after scaling, 0 unless centring.
    public let mean: [Float]
    /// Standard deviation of each group after scaling, 1 unless standardising.
    public let std: [Float]
    /// Consecutive values of a sample in one group (H·W for channels, 1 for features).
    public let groupSize: Int

    let multiplier: [Float]
    let offset: [Float]

    /// Builds a preprocessor from known statistics (for example read back from a checkpoint).
    public init(scale: Float, mean: [Float], std: [Float], groupSize: Int) {
        precondition(mean.count == std.count && groupSize > 0, "preprocessor statistics are inconsistent")
        self.scale = scale
        self.mean = mean
        self.std = std
        self.groupSize = groupSize
        // A constant group (a blank border pixel) has no spread to divide by; leave it centred instead of inf.
        multiplier = std.map { scale / ($0 > 1e-12 ? $0 : 1) }
        offset = zip(mean, std).map { -$0 / ($1 > 1e-12 ? $1 : 1) }
    }

    /// The identity map for `dataset`'s samples (values as stored).
    public static func identity(for dataset: Dataset, grouping: StatisticsGrouping? = nil) -> Preprocessor {
        fit(dataset, scale: nil, center: false, standardize: false, grouping: grouping)
    }

    /// Computes the statistics from the samples at `indices` (all when nil): pass the training
    /// indices only. `grouping` defaults to `.channel` for images and `.feature` for tables.
    public static func fit(_ dataset: Dataset, indices: [Int]? = nil, scale: Float?, center: Bool, standardize: Bool,
                           grouping: StatisticsGrouping? = nil) -> Preprocessor {
        let (groups, groupSize) = dataset.groupLayout(grouping ?? dataset.defaultGrouping)
        let scale = scale ?? 1
        guard center || standardize else {
            return Preprocessor(scale: scale, mean: Array(repeating: 0, count: groups),
                                std: Array(repeating: 1, count: groups), groupSize: groupSize)
        }
        let (sum, sumOfSquares, n) = dataset.moments(indices: indices ?? Array(0..<dataset.count), groups: groups, groupSize: groupSize)
        var mean: [Float] = []
        var std: [Float] = []
        for g in 0..<groups {
            let m = n > 0 ? sum[g] / n : 0
            let variance = n > 0 ? max(sumOfSquares[g] / n - m * m, 0) : 0
            mean.append(center ? Float(m * Double(scale)) : 0)
            std.append(standardize ? Float(variance.squareRoot() * Double(abs(scale))) : 1)
        }
        return Preprocessor(scale: scale, mean: mean, std: std, groupSize: groupSize)
    }

    /// Maps each group of the samples at `indices` (all when nil) from its [min, max] over them
    /// to [−1, 1]: x ↦ (x − (min + max)/2) / ((max − min)/2). A constant group is only centred.
    public static func fitRange(_ dataset: Dataset, indices: [Int]? = nil, grouping: StatisticsGrouping? = nil) -> Preprocessor {
        let (groups, groupSize) = dataset.groupLayout(grouping ?? dataset.defaultGrouping)
        let (low, high) = dataset.extremes(indices: indices ?? Array(0..<dataset.count), groups: groups, groupSize: groupSize)
        return Preprocessor(scale: 1, mean: zip(low, high).map { Float(($0 + $1) / 2) },
                            std: zip(low, high).map { Float(($1 - $0) / 2) }, groupSize: groupSize)
    }

    /// Whether this map fits `dataset`'s samples. Check it before building a `Batcher` with
    /// statistics read back from a checkpoint: a mismatch is the user's data, not a bug.
    public func fits(_ dataset: Dataset) -> Bool {
        let (values, overflow) = mean.count.multipliedReportingOverflow(by: groupSize)
        return !overflow && values == dataset.sampleSize
    }

    /// The statistics as checkpoint metadata strings (`nnc.preprocess.*`).
    public var metadata: [String: String] {
        [
            "nnc.preprocess.scale": scale.description,
            "nnc.preprocess.mean": mean.map(\.description).joined(separator: ","),
            "nnc.preprocess.std": std.map(\.description).joined(separator: ","),
            "nnc.preprocess.group_size": String(groupSize),
        ]
    }

    /// The most values a sample may have (2³⁰): a bound for statistics read back from a file.
    public static let maxSampleValues = 1 << 30

    /// Reads statistics written by `metadata`: nil when the map holds none of them (a file
    /// written without preprocessing). Statistics that are there are input like any other:
    /// each field is checked and the first one out of range throws `DataError.badStatistics`.
    public init?(metadata: [String: String]) throws {
        let keys = ["nnc.preprocess.scale", "nnc.preprocess.mean", "nnc.preprocess.std", "nnc.preprocess.group_size"]
        guard keys.contains(where: { metadata[$0] != nil }) else { return nil }
        func field<T>(_ key: String, _ what: String, _ parse: (String) -> T?) throws -> T {
            guard let text = metadata[key] else { throw DataError.badStatistics("'\(key)' is missing") }
            guard let value = parse(text) else {
                throw DataError.badStatistics("'\(key)' is not \(what): '\(text.prefix(40))\(text.count > 40 ? "…" : "")'")
            }
            return value
        }
        let scale = try field(keys[0], "a finite number other than 0") { Float($0).flatMap { $0.isFinite && $0 != 0 ? $0 : nil } }
        let mean = try field(keys[1], "a list of finite numbers") { text in
            floatList(text).flatMap { !$0.isEmpty && $0.allSatisfy(\.isFinite) ? $0 : nil }
        }
        let std = try field(keys[2], "a list of finite numbers from 0") { text in
            floatList(text).flatMap { !$0.isEmpty && $0.allSatisfy { $0.isFinite && $0 >= 0 } ? $0 : nil }
        }
        let groupSize = try field(keys[3], "a whole number from 1 to \(Self.maxSampleValues)") { text in
            Int(text).flatMap { (1...Self.maxSampleValues).contains($0) ? $0 : nil }
        }
        guard std.count == mean.count else {
            throw DataError.badStatistics("'\(keys[2])' holds \(std.count) values for \(mean.count) means")
        }
        let (values, overflow) = mean.count.multipliedReportingOverflow(by: groupSize)
        guard !overflow, values <= Self.maxSampleValues else {
            throw DataError.badStatistics("\(mean.count) groups of \(groupSize) values exceed \(Self.maxSampleValues) per sample")
        }
        self.init(scale: scale, mean: mean, std: std, groupSize: groupSize)
    }
}

private func floatList(_ text: String) -> [Float]? {
    if text.isEmpty { return [] }
    let values = text.split(separator: ",").compactMap { Float($0) }
    return values.count == text.split(separator: ",").count ? values : nil
}

extension Dataset {
    var defaultGrouping: StatisticsGrouping {
        if case .bytes = storage { return .channel } else { return .feature }
    }

    /// The number of groups sharing statistics, and the consecutive values in each.
    func groupLayout(_ grouping: StatisticsGrouping) -> (groups: Int, groupSize: Int) {
        switch grouping {
        case .channel:
            let channels = sampleShape.count == 3 ? max(sampleShape[0], 1) : 1
            return (channels, sampleSize / channels)
        case .feature:
            return (sampleSize, 1)
        }
    }

    /// Per-group smallest and largest values over the given samples (0 and 0 for none).
    fileprivate func extremes(indices: [Int], groups: Int, groupSize: Int) -> (low: [Double], high: [Double]) {
        var low = [Double](repeating: .infinity, count: groups), high = [Double](repeating: -.infinity, count: groups)
        func scan(_ value: (Int) -> Double) {
            for index in indices {
                let start = index * sampleSize
                for g in 0..<groups {
                    for i in (start + g * groupSize)..<(start + (g + 1) * groupSize) {
                        let x = value(i)
                        low[g] = min(low[g], x)
                        high[g] = max(high[g], x)
                    }
                }
            }
        }
        switch storage {
        case .bytes(let pixels): scan { Double(pixels[$0]) }
        case .floats(let features): scan { Double(features[$0]) }
        }
        return (low.map { $0.isFinite ? $0 : 0 }, high.map { $0.isFinite ? $0 : 0 })
    }

    /// Per-group sums of values and of squares over the given samples, in Double.
    fileprivate func moments(indices: [Int], groups: Int, groupSize: Int) -> (sum: [Double], sumOfSquares: [Double], n: Double) {
        var sum = [Double](repeating: 0, count: groups)
        var squares = [Double](repeating: 0, count: groups)
        switch storage {
        case .bytes(let pixels):
            // Integer sums of values and of squares per position of a sample: exact, like the
            // per-group histogram they replace, and a vectorised add of one row at a time into
            // accumulators that stay in L1 (the histogram, 8 KB per group, missed the caches
            // for MNIST's 784 one-pixel groups: a fifth of a one-epoch run). Positions are
            // added into their groups at the end. 2⁶³ / 255² bounds the samples, far past any
            // dataset held in memory.
            var positionSums = [Int](repeating: 0, count: sampleSize)
            var positionSquares = positionSums
            var sums = positionSums.mutableSpan, sq = positionSquares.mutableSpan
            let input = pixels.span
            let size = sampleSize
            for index in indices {
                let values = input.extracting((index * size)..<(index * size + size))
                for i in 0..<size {
                    let x = Int(values[i])
                    sums[i] &+= x
                    sq[i] &+= x * x
                }
            }
            for g in 0..<groups {
                var total = 0, totalSquares = 0
                for i in (g * groupSize)..<((g + 1) * groupSize) {
                    total += sums[i]
                    totalSquares += sq[i]
                }
                sum[g] = Double(total)
                squares[g] = Double(totalSquares)
            }
        case .floats(let features):
            for index in indices {
                let start = index * sampleSize
                for g in 0..<groups {
                    let base = start + g * groupSize
                    for i in base..<(base + groupSize) {
                        let x = Double(features[i])
                        sum[g] += x
                        squares[g] += x * x
                    }
                }
            }
        }
        return (sum, squares, Double(indices.count * groupSize))
    }
}
