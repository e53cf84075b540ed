/// The training state stored in a checkpoint's `__metadata__` next to the tensors: where the
/// run was (step, epoch), its learning rate and its random generator, so a resumed run
/// continues exactly. Other entries (`Preprocessor.metadata`, the model's name) ride in `extra`.
public struct CheckpointMetadata: Equatable {
    /// Optimizer steps taken.
    public var step: Int
    /// Epochs completed.
    public var epoch: Int
    /// The learning rate in use at the time of saving.
    public var learningRate: Double
    /// `Random.state` of the run's generator.
    public var randomState: [UInt64]
    /// Further string entries, stored as they are.
    public var extra: [String: String]

    public init(step: Int, epoch: Int, learningRate: Double, randomState: [UInt64], extra: [String: String] = [:]) {
        self.step = step
        self.epoch = epoch
        self.learningRate = learningRate
        self.randomState = randomState
        self.extra = extra
    }

    /// The most steps or epochs a checkpoint may claim (2⁵³): no run comes near it, a count up
    /// to it is exact as the Double a schedule divides it as, and counting on from it cannot
    /// overflow. A resumed step of Int.max trapped on the run's next step.
    static let maxCount = 1 << 53

    static let stepKey = "nnc.step"
    static let epochKey = "nnc.epoch"
    static let learningRateKey = "nnc.learning_rate"
    static let randomKey = "nnc.rng"
    static let formatKey = "format"

    /// The string map for `Safetensors.write`. `format: pt` lets PyTorch tools open the file.
    public var strings: [String: String] {
        var map = extra
        map[CheckpointMetadata.formatKey] = map[CheckpointMetadata.formatKey] ?? "pt"
        map[CheckpointMetadata.stepKey] = String(step)
        map[CheckpointMetadata.epochKey] = String(epoch)
        // Swift's description of a Double reads back to the same value.
        map[CheckpointMetadata.learningRateKey] = learningRate.description
        map[CheckpointMetadata.randomKey] = randomState.map(String.init).joined(separator: ",")
        return map
    }

    /// Reads the training state out of a checkpoint's metadata, naming the first key that is
    /// missing or malformed.
    public init(_ file: SafetensorsFile) throws {
        let map = file.metadata
        func value<T>(_ key: String, _ parse: (String) -> T?) throws -> T {
            guard let text = map[key] else {
                throw CheckpointError.badMetadata(file: file.file, detail: "missing '\(key)'")
            }
            guard let parsed = parse(text) else {
                throw CheckpointError.badMetadata(file: file.file, detail: "'\(key)' has malformed value '\(text)'")
            }
            return parsed
        }
        func count(_ key: String) throws -> Int {
            let n = try value(key) { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
            guard n <= CheckpointMetadata.maxCount else {
                throw CheckpointError.badMetadata(file: file.file, detail: "'\(key)' is \(n), beyond the \(CheckpointMetadata.maxCount) any run can reach")
            }
            return n
        }
        step = try count(CheckpointMetadata.stepKey)
        epoch = try count(CheckpointMetadata.epochKey)
        learningRate = try value(CheckpointMetadata.learningRateKey) { Double($0).flatMap { $0.isFinite ? $0 : nil } }
        randomState = try value(CheckpointMetadata.randomKey) { text in
            let words = text.split(separator: ",").compactMap { UInt64($0) }
            return words.count == 4 && Random(state: words) != nil ? words : nil
        }
        let known: Set = [CheckpointMetadata.stepKey, CheckpointMetadata.epochKey, CheckpointMetadata.learningRateKey, CheckpointMetadata.randomKey]
        extra = map.filter { !known.contains($0.key) }
    }
}
