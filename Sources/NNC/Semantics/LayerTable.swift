/// The vocabulary of `net` and `block` bodies in one place: every statement, its options,
/// their types, defaults and allowed ranges. The checker reads options through this table and
/// grammar/REFERENCE.md is written from it (`LayerTable.markdown`).
enum LayerTable {
    static let statements: [StatementSpec] = [
        StatementSpec("input", "the per-sample input shape; exactly one, before any layer",
                      positional: .init("shape", .shape, .required, "`[features]` or `[channels, height, width]`")),
        StatementSpec("dense", "fully connected layer; needs a rank-1 input",
                      positional: .init("units", .int, .required, "output width", bounds: .size),
                      options: [.init("bias", .bool, .value(.bool(true)), "add a bias"),
                                .init("init", .initializer, .value(.symbol("glorot_uniform")), "weight initialiser")]),
        StatementSpec("conv", "2-D convolution over a `[C, H, W]` input",
                      positional: .init("filters", .int, .required, "output channels", bounds: .size),
                      options: [.init("kernel", .size, .value(.int(3)), "kernel size, `k` or `[kh, kw]`", bounds: .size),
                                .init("stride", .size, .value(.int(1)), "step between windows", bounds: .size),
                                .init("padding", .padding, .value(.int(0)), "zeros added on each side, or `same` (odd kernels)", bounds: .count),
                                .init("bias", .bool, .value(.bool(true)), "add a bias per filter"),
                                .init("init", .initializer, .value(.symbol("glorot_uniform")), "kernel initialiser")]),
        StatementSpec("maxpool", "maximum over windows of a `[C, H, W]` input",
                      positional: .init("size", .size, .required, "window, `k` or `[kh, kw]`", bounds: .size),
                      options: poolOptions),
        StatementSpec("avgpool", "average over windows of a `[C, H, W]` input (padding counts as zeros)",
                      positional: .init("size", .size, .required, "window, `k` or `[kh, kw]`", bounds: .size),
                      options: poolOptions),
        StatementSpec("global_avgpool", "average over all positions: `[C, H, W]` → `[C]`"),
        StatementSpec("flatten", "any shape → `[count]`"),
        StatementSpec("dropout", "zero a random fraction of the values while training",
                      positional: .init("rate", .real, .value(.real(0.5)), "fraction dropped", bounds: .halfOpen(0, 1))),
        StatementSpec("batchnorm", "batch normalisation per feature (rank 1) or channel (rank 3)",
                      options: [.init("affine", .bool, .value(.bool(true)), "learn a scale and a shift"),
                                .init("momentum", .real, .value(.real(0.1)), "weight of the new batch in the running statistics", bounds: .openClosed(0, 1)),
                                .init("eps", .real, .value(.real(1e-5)), "added to the variance", bounds: .greaterThan(0))]),
        StatementSpec("rmsnorm", "RMS normalisation of docs/ALGORITHMS.md: divide by the running RMS, no parameters",
                      options: [.init("history", .real, .value(.real(0.1)), "weight of the old running mean of x²", bounds: .halfOpen(0, 1)),
                                .init("eps", .real, .value(.real(0.01)), "relative ε: this times max(d) is added to d", bounds: .atLeast(0)),
                                .init("eps_of", .choice(RMSEpsilonBase.allCases.map(\.rawValue)), .value(.symbol(RMSEpsilonBase.corrected.rawValue)),
                                      "`corrected`: ε = eps·max d̂ + 1e-6 from the warm-up-corrected d̂; `running`: ε = eps·max(d + 1e-6) from the running d, as the authors' LightNet")]),
        StatementSpec("layernorm", "layer normalisation over each sample's features",
                      options: [.init("affine", .bool, .value(.bool(true)), "learn a scale and a shift per feature or channel"),
                                .init("eps", .real, .value(.real(1e-5)), "added to the variance", bounds: .greaterThan(0))]),
        StatementSpec("relu", "max(x, 0)"),
        StatementSpec("leaky_relu", "x for x > 0, slope·x otherwise",
                      positional: .init("slope", .real, .value(.real(0.01)), "slope below zero", bounds: .closed(0, 1))),
        StatementSpec("prelu", "leaky ReLU with a learned slope per feature or channel",
                      positional: .init("slope", .real, .value(.real(0.25)), "initial slope", bounds: .closed(0, 1))),
        StatementSpec("tanh", "hyperbolic tangent"),
        StatementSpec("sigmoid", "1 / (1 + e⁻ˣ)"),
        StatementSpec("modu", "the modulus unit, abs(x)"),
        StatementSpec("maxout", "maximum over groups of k consecutive features (or channels)",
                      positional: .init("k", .int, .value(.int(2)), "group size; must divide the width", bounds: Bounds(lower: 2, upper: Double(1 << 30)))),
        StatementSpec("residual", "`output = input + body(input)`; the body must keep the shape", body: true),
        StatementSpec("repeat", "the body, this many times in a row", body: true,
                      positional: .init("count", .int, .required, "repetitions", bounds: .count)),
        StatementSpec("loss", "the training loss; exactly one, the last statement",
                      positional: .init("kind", .choice(["cross_entropy", "mse"]), .required,
                                        "`cross_entropy` (softmax + cross-entropy) or `mse`")),
    ]

    static let poolOptions: [OptionSpec] = [
        .init("stride", .size, .derived("the window size"), "step between windows", bounds: .size),
        .init("padding", .size, .value(.int(0)), "padding on each side; at most half the window", bounds: .count),
    ]

    static let initializerChoices = ["normal", "uniform", "glorot_normal", "glorot_uniform",
                                     "he_normal", "he_uniform", "zeros"]

    private static let byKeyword: [String: StatementSpec] =
        Dictionary(statements.map { ($0.keyword, $0) }, uniquingKeysWith: { a, _ in a })

    static func spec(_ keyword: String) -> StatementSpec? { byKeyword[keyword] }
    static var keywords: [String] { statements.map(\.keyword) }
}

/// The kind of value an option takes.
enum OptionType: Hashable, Sendable {
    case int, real, bool, string
    /// `k` or `[kh, kw]`.
    case size
    /// `k`, `[ph, pw]` or `same`.
    case padding
    case initializer
    case shape
    case choice([String])
    /// A call or symbol form described in words: `step(every: 10, factor: 0.1)`.
    case form(String)

    var text: String {
        switch self {
        case .int: return "integer"
        case .real: return "number"
        case .bool: return "`true` / `false`"
        case .string: return "string"
        case .size: return "size"
        case .padding: return "size or `same`"
        case .initializer: return "initialiser"
        case .shape: return "shape"
        case .choice(let c): return c.map { "`\($0)`" }.joined(separator: " / ")
        case .form(let f): return f
        }
    }
}

/// What an option is when it is not written.
enum OptionDefault: Hashable, Sendable {
    case required
    case value(Value.Kind)
    /// Computed from other options; the text says from what.
    case derived(String)

    var text: String {
        switch self {
        case .required: return "required"
        case .value(let k): return "`" + Value(k, .none).quoted.replacingOccurrences(of: "'", with: "") + "`"
        case .derived(let s): return s
        }
    }
}

struct OptionSpec: Hashable, Sendable {
    let name: String
    let type: OptionType
    let defaultValue: OptionDefault
    let summary: String
    let bounds: Bounds?

    init(_ name: String, _ type: OptionType, _ defaultValue: OptionDefault, _ summary: String,
         bounds: Bounds? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.summary = summary
        self.bounds = bounds
    }
}

/// One statement of a net body: an optional first argument written without a label, and options.
struct StatementSpec: Hashable, Sendable {
    let keyword: String
    let summary: String
    let takesBody: Bool
    let positional: OptionSpec?
    let options: [OptionSpec]

    init(_ keyword: String, _ summary: String, body: Bool = false, positional: OptionSpec? = nil,
         options: [OptionSpec] = []) {
        self.keyword = keyword
        self.summary = summary
        self.takesBody = body
        self.positional = positional
        self.options = options
    }

    var allOptions: [OptionSpec] { (positional.map { [$0] } ?? []) + options }

    func option(_ name: String) -> OptionSpec? { allOptions.first { $0.name == name } }

    /// How messages name an option: `the units of 'dense'`, `'stride' of 'conv'`.
    func phrase(_ option: OptionSpec) -> String {
        option.name == positional?.name ? "the \(option.name) of '\(keyword)'" : "'\(option.name)' of '\(keyword)'"
    }
}
