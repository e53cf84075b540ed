import Foundation

/// The samples of a run, loaded from a model's `data { … }` block: the training set (and the
/// indices of it that train), an optional validation part, an optional test set, and the
/// preprocessing fitted on the training indices only.
public struct TrainingData {
    public var train: Dataset
    /// The training samples that train (all of `train` unless a validation split holds some back).
    public var trainIndices: [Int]
    /// Held-out samples: a separate source, or the split-off tail of `train`.
    public var validation: (dataset: Dataset, indices: [Int])?
    public var test: Dataset?
    public var preprocessor: Preprocessor

    public init(train: Dataset, trainIndices: [Int]? = nil, validation: (dataset: Dataset, indices: [Int])? = nil,
                test: Dataset?, preprocessor: Preprocessor) {
        self.train = train
        self.trainIndices = trainIndices ?? Array(0..<train.count)
        self.validation = validation
        self.test = test
        self.preprocessor = preprocessor
    }

    /// Reads every source `spec` names through `locator` and fits the preprocessing on the
    /// training samples that train. `trainLimit` keeps only the first samples of the training
    /// file (quick experiments and tests); it applies before the validation split.
    public static func load(_ spec: DataSpec, locator: DataLocator, trainLimit: Int? = nil) throws -> TrainingData {
        guard let trainSource = spec.train else {
            throw DataError.invalidOption("the data block names no training set ('train: …')")
        }
        var train = try load(trainSource, locator: locator, classCount: nil)
        if let trainLimit, trainLimit < train.count { train = train.prefix(trainLimit) }
        var trainIndices = Array(0..<train.count)
        var validation: (Dataset, [Int])?
        switch spec.validation {
        case .none: break
        case .split(let fraction)?:
            let parts = try train.split(validationFraction: fraction)
            trainIndices = parts.train
            if !parts.validation.isEmpty { validation = (train, parts.validation) }
        case .source(let source)?:
            let set = try load(source, locator: locator, classCount: train.classCount)
            validation = (set, Array(0..<set.count))
        }
        let test = try spec.test.map { try load($0, locator: locator, classCount: train.classCount) }
        let scale = spec.scale.map { Float($0) }
        let preprocessor = spec.minmax
            ? Preprocessor.fitRange(train, indices: trainIndices)
            : Preprocessor.fit(train, indices: trainIndices, scale: scale, center: spec.center, standardize: spec.standardize,
                               grouping: spec.perValue ? .feature : nil)
        return TrainingData(train: train, trainIndices: trainIndices, validation: validation, test: test,
                            preprocessor: preprocessor)
    }

    /// Loads the test set alone (for `nnc eval`); nil when the data block names none.
    public static func loadTest(_ spec: DataSpec, locator: DataLocator, classCount: Int?) throws -> Dataset? {
        try spec.test.map { try load($0, locator: locator, classCount: classCount) }
    }

    static func load(_ source: DataSource, locator: DataLocator, classCount: Int?) throws -> Dataset {
        do {
            return try read(source, locator: locator, classCount: classCount)
        } catch let DataError.notFound(file, looked, nearest, _) {
            // The path is a mistake in the .net file: say where it is written.
            throw DataError.notFound(file: file, looked: looked, nearest: nearest, range: source.range)
        }
    }

    private static func read(_ source: DataSource, locator: DataLocator, classCount: Int?) throws -> Dataset {
        switch source {
        case .idx(let images, let labels, _):
            return try Dataset.idx(images: locator.locate(images), labels: locator.locate(labels), classCount: classCount ?? 10)
        case .cifar10(let files, _):
            return try Dataset.cifar(files: files.map { try locator.locate($0) })
        case .csv(let path, let column, let header, _):
            let options = CSVOptions(labelColumn: .index(column), hasHeader: header, classCount: classCount)
            return try Dataset.csv(locator.locate(path), options: options)
        }
    }
}

extension Dataset {
    /// The first `count` samples.
    func prefix(_ count: Int) -> Dataset {
        let values = count * sampleSize
        switch storage {
        case .bytes(let pixels):
            return Dataset(pixels: Array(pixels[0..<values]), labels: Array(labels[0..<count]), sampleShape: sampleShape,
                           classCount: classCount, classNames: classNames)
        case .floats(let features):
            return Dataset(features: Array(features[0..<values]), labels: Array(labels[0..<count]), sampleShape: sampleShape,
                           classCount: classCount, classNames: classNames)
        }
    }
}

extension Dataset {
    /// The bytes its samples and labels take in memory.
    public var memoryBytes: Int {
        switch storage {
        case .bytes(let pixels): return pixels.count + 4 * labels.count
        case .floats(let features): return 4 * features.count + 4 * labels.count
        }
    }
}

extension TrainingData {
    /// The bytes of every dataset the run holds. A validation split shares the training set's
    /// storage; a separate validation source is counted.
    public var memoryBytes: Int {
        let split = validation.map { $0.dataset.count == train.count && $0.indices.count + trainIndices.count == train.count } ?? true
        return train.memoryBytes + (test?.memoryBytes ?? 0) + (split ? 0 : validation?.dataset.memoryBytes ?? 0)
    }
}
