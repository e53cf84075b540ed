import Foundation

/// One training run as read back from its JSON-lines log (docs/LOG.md).
///
/// Everything the log may leave out is optional; records of unknown types are skipped, so a
/// newer runtime's log still reads.
public struct RunLog {
    /// The path the log was read from, used in messages and as a last-resort label.
    public var source: String
    public var header: Header
    public var steps: [Step] = []
    public var epochs: [Epoch] = []
    public var analyses: [Analysis] = []
    /// K-FAC's `damping` records that carry a λ for the whole net or one layer.
    public var damping: [Damping] = []
    public var end: End?

    public init(source: String, header: Header = Header()) {
        self.source = source
        self.header = header
    }

    /// The run's name in legends: `label`, else `model/optimizer`, else the file's base name.
    public var label: String {
        if let label = header.label, !label.isEmpty { return label }
        if let model = header.model, let optimizer = header.optimizer { return "\(model)/\(optimizer)" }
        return URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
    }

    /// Steps per epoch as the header states it, else as the first epoch record implies.
    public var stepsPerEpoch: Int? {
        if let n = header.stepsPerEpoch, n > 0 { return n }
        if let first = epochs.first, first.epoch > 0, first.step > 0, first.step % first.epoch == 0 {
            return first.step / first.epoch
        }
        return nil
    }

    /// The best test error: the `end` record's, else the smallest finite one seen.
    public var bestTestError: Double? {
        if let best = end?.bestTestError, best.isFinite { return best }
        return epochs.compactMap(\.testError).filter(\.isFinite).min()
    }

    /// Wall time of the whole run: the `end` record's, else the last step's, else the epochs' sum.
    public var seconds: Double? {
        if let s = end?.seconds { return s }
        if let s = steps.last?.seconds { return s }
        let epochSeconds = epochs.compactMap(\.seconds)
        return epochSeconds.isEmpty ? nil : epochSeconds.reduce(0, +)
    }
}

extension RunLog {
    /// The `run` record: what was trained and how.
    public struct Header {
        public var model: String?
        public var file: String?
        public var optimizer: String?
        public var lr: Double?
        public var batch: Int?
        public var epochs: Int?
        public var seed: Int?
        public var threads: Int?
        public var stepsPerEpoch: Int?
        public var layers: [String] = []
        public var label: String?

        public init() {}
    }

    /// A `step` record: one training step's batch loss.
    /// A `damping` record (docs/LOG.md): the λ K-FAC uses from `step` on, for `layer` or (nil)
    /// every layer.
    public struct Damping {
        public var step: Int
        public var layer: String?
        public var damping: Double
        public var outcome: String
    }

    public struct Step {
        public var epoch: Int
        public var step: Int
        public var loss: Double
        public var lr: Double?
        public var seconds: Double?
    }

    /// An `epoch` record: losses and errors after one epoch.
    public struct Epoch {
        public var epoch: Int
        public var step: Int
        public var trainLoss: Double?
        public var testLoss: Double?
        public var testError: Double?
        public var validationLoss: Double?
        public var validationError: Double?
        public var lr: Double?
        public var seconds: Double?
        public var samplesPerSecond: Double?
    }

    /// An `analysis` record: per-layer quantities and the network's operator-norm bound.
    public struct Analysis {
        public var epoch: Int
        public var step: Int
        public var layers: [Layer]
        public var operatorNormBound: Double?
    }

    /// One layer's analysis fields. Every numeric field is kept by its log name, so quantities
    /// the reader does not know yet are still there for whoever wants them.
    public struct Layer {
        public var name: String
        public var values: [String: Double]

        public subscript(field: String) -> Double? { values[field] }
    }

    /// The `end` record: how the run finished.
    public struct End {
        public var status: String
        public var message: String?
        public var seconds: Double?
        public var bestTestError: Double?
    }
}
