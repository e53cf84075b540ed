/// Labelled samples held compactly in memory: images as bytes (a quarter of their size as
/// floats), tabular features as floats, labels as class indices.
///
/// Samples are converted to floats only on their way into a batch (`Batcher`), with the
/// statistics of `Preprocessor`.
public struct Dataset {
    /// Sample values, `count × sampleSize` of them, sample after sample.
    public enum Storage {
        /// Image pixels, 0...255, each sample channel-major (C, H, W).
        case bytes([UInt8])
        /// Feature values, e.g. from CSV.
        case floats([Float])
    }

    /// The sample values.
    public let storage: Storage
    /// One class index per sample, each in 0..<`classCount`.
    public let labels: [Int32]
    /// The shape of one sample: [C, H, W] for images, [features] for tables.
    public let sampleShape: [Int]
    /// The number of classes.
    public let classCount: Int
    /// Class names, when the source named them (a CSV with text labels).
    public let classNames: [String]?

    /// The number of samples.
    public var count: Int { labels.count }
    /// Values per sample: the product of `sampleShape`.
    public let sampleSize: Int

    /// An image dataset. `pixels.count` must be `labels.count ×` the product of `sampleShape`.
    public init(pixels: [UInt8], labels: [Int32], sampleShape: [Int], classCount: Int, classNames: [String]? = nil) {
        self.init(storage: .bytes(pixels), labels: labels, sampleShape: sampleShape, classCount: classCount, classNames: classNames)
    }

    /// A tabular dataset. `features.count` must be `labels.count ×` the product of `sampleShape`.
    public init(features: [Float], labels: [Int32], sampleShape: [Int], classCount: Int, classNames: [String]? = nil) {
        self.init(storage: .floats(features), labels: labels, sampleShape: sampleShape, classCount: classCount, classNames: classNames)
    }

    private init(storage: Storage, labels: [Int32], sampleShape: [Int], classCount: Int, classNames: [String]?) {
        let sampleSize = sampleShape.reduce(1, *)
        let valueCount: Int
        switch storage {
        case .bytes(let pixels): valueCount = pixels.count
        case .floats(let features): valueCount = features.count
        }
        // Loaders check files before building a dataset, so a mismatch here is a bug in nnc.
        precondition(valueCount == labels.count * sampleSize, "dataset values do not match labels × sample size")
        self.storage = storage
        self.labels = labels
        self.sampleShape = sampleShape
        self.sampleSize = sampleSize
        self.classCount = classCount
        self.classNames = classNames
    }

    /// Splits the sample indices into a training part and the last `validationFraction` of the
    /// samples, in file order (`validation: split(0.1)`): the same split on every run.
    ///
    /// Fit `Preprocessor` on the training part only, so nothing of the validation data leaks into it.
    public func split(validationFraction: Double) throws -> (train: [Int], validation: [Int]) {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw DataError.invalidOption("validation fraction \(validationFraction) must be at least 0 and below 1")
        }
        let validationCount = Int((Double(count) * validationFraction).rounded())
        guard validationCount < count else {
            throw DataError.invalidOption("validation fraction \(validationFraction) leaves no training samples out of \(count)")
        }
        return (Array(0..<(count - validationCount)), Array((count - validationCount)..<count))
    }
}

/// Converts raw labels to class indices, rejecting any outside 0..<`classCount`.
extension Dataset {
    /// The most classes a dataset may have: far beyond any classifier nnc trains, and small
    /// enough that a label read from a file always fits the Int32 labels and the class counts.
    public static let maxClasses = 1 << 20
}

func checkedLabels<Labels: Sequence>(_ raw: Labels, classCount: Int, file: String) throws -> [Int32] where Labels.Element == Int {
    var labels: [Int32] = []
    labels.reserveCapacity(raw.underestimatedCount)
    for (item, label) in raw.enumerated() {
        guard label >= 0, label < classCount else {
            throw DataError.labelOutOfRange(file: file, label: label, item: item, classCount: classCount)
        }
        labels.append(Int32(label))
    }
    return labels
}
