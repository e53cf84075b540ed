import NNC

/// Command-line changes to a model's training settings (`--epochs`, `--lr`, `--batch`,
/// `--optimizer`, `--seed`), for quick experiments without editing the file.
struct TrainingOverrides: Equatable {
    var epochs: Int?
    var learningRate: Double?
    var batch: Int?
    var optimizer: OptimizerMethod?
    var seed: UInt64?

    /// The options, in the order `nnc train --help` lists them.
    static let options: [Option] = [
        .value("--epochs", "N", "train for N epochs instead of the file's count"),
        .value("--lr", "RATE", "initial learning rate"),
        .value("--batch", "N", "batch size"),
        .value("--optimizer", "M", "\(methods.joined(separator: ", ")) (the method's defaults, the file's weight decay)",
               choices: methods),
        .value("--seed", "N", "seed for initialisation, shuffling and dropout"),
    ]
    private static let methods = OptimizerMethod.allCases.map(\.rawValue)

    init() {}

    init(_ arguments: ParsedArguments) throws {
        epochs = try arguments.int("--epochs", atLeast: 1)
        batch = try arguments.int("--batch", atLeast: 1)
        learningRate = try arguments.positiveDouble("--lr")
        optimizer = arguments.value("--optimizer").flatMap(OptimizerMethod.init(rawValue:))
        if let text = arguments.value("--seed") {
            guard let seed = UInt64(text) else {
                throw CommandLineError.invalidValue(option: "--seed", value: text, expected: "a whole number from 0")
            }
            self.seed = seed
        }
    }

    /// `model` with the overrides applied. Another optimizer starts from its own defaults
    /// (docs/ALGORITHMS.md) but keeps the file's weight decay and per-layer settings; its learning
    /// rate is `--lr` when given, else the method's default.
    func apply(to model: Model) -> Model {
        var m = model
        if let epochs { m.training.epochs = epochs }
        if let batch { m.training.batch = batch }
        if let seed { m.training.seed = seed }
        if let optimizer, optimizer != model.optimizer.method {
            var spec = OptimizerSpec.defaults(for: optimizer)
            spec.weightDecay = model.optimizer.weightDecay
            spec.overrides = model.optimizer.overrides
            spec.range = model.optimizer.range
            m.optimizer = spec
        }
        if let learningRate { m.optimizer.learningRate = learningRate }
        return m
    }
}
