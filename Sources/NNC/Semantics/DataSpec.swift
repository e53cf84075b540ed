/// The checked `data { … }` block: where samples come from and how they are prepared.
/// Paths are as written; the data layer resolves them (file's folder, `--data`, `NNC_DATA`).
public struct DataSpec: Hashable, Sendable {
    public var train: DataSource?
    public var test: DataSource?
    public var validation: Validation?
    /// Multiply raw values by this (`scale: 1/255`).
    public var scale: Double?
    /// Subtract the training set's mean (`center: mean`): per channel for images, per column for CSV.
    public var center: Bool
    /// Divide by the training set's standard deviation (`standardize: true`), grouped likewise.
    public var standardize: Bool
    /// The statistics of `center` and `standardize` per value position — each pixel's own, the
    /// mean image (`center: mean_image`) — instead of per channel.
    public var perValue = false
    /// Map each channel (or column) to [−1, 1] by the training set's minimum and maximum
    /// (`minmax: true`); excludes `scale`, `center` and `standardize`.
    public var minmax = false
    public var range: SourceRange

    public init(train: DataSource? = nil, test: DataSource? = nil, validation: Validation? = nil,
                scale: Double? = nil, center: Bool = false, standardize: Bool = false,
                range: SourceRange = .none) {
        self.train = train
        self.test = test
        self.validation = validation
        self.scale = scale
        self.center = center
        self.standardize = standardize
        self.range = range
    }
}

/// One source of samples.
public enum DataSource: Hashable, Sendable {
    /// IDX image and label files, gzip-compressed or raw: `idx("images.gz", "labels.gz")`.
    case idx(images: String, labels: String, range: SourceRange)
    /// CIFAR-10 binary batches: `cifar10("data_batch_1.bin", …)`.
    case cifar10(files: [String], range: SourceRange)
    /// Features and a label column: `csv("train.csv", label: 0, header: true)`.
    /// A negative label column counts from the end (-1 is the last column).
    case csv(path: String, labelColumn: Int, header: Bool, range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .idx(_, _, let r), .cifar10(_, let r), .csv(_, _, _, let r): return r
        }
    }
}

/// Held-out data for the plateau schedule and the learning-rate search.
public enum Validation: Hashable, Sendable {
    case source(DataSource)
    /// The last `fraction` of the (unshuffled) training set: `validation: split(0.1)`.
    case split(fraction: Double)
}
