/// The keys of the `data`, `optimizer` and `train` blocks: types, defaults, ranges, and for
/// optimizer keys the methods they apply to. REFERENCE.md is written from these tables.
enum ConfigTable {
    struct Key {
        let option: OptionSpec
        /// Optimizer methods the key applies to; nil: all.
        let methods: [OptimizerMethod]?
        init(_ option: OptionSpec, methods: [OptimizerMethod]? = nil) {
            self.option = option
            self.methods = methods
        }
    }

    static let source = OptionType.form("`idx(images, labels)` / `cifar10(file, …)` / `csv(path, label: 0, header: true)`")

    static let data: [Key] = [
        Key(.init("train", source, .derived("none"), "training samples")),
        Key(.init("test", source, .derived("none"), "test samples")),
        Key(.init("validation", .form("`split(fraction)` or a source"), .derived("none"),
                  "held-out samples for `plateau` and `lr_search`; `split(0.1)` takes the last 10 % of train")),
        Key(.init("scale", .real, .derived("none"), "multiply raw values by this, e.g. `1/255`", bounds: .greaterThan(0))),
        Key(.init("center", .form("`mean` / `mean_image` / `none`"), .value(.symbol("none")),
                  "subtract the training set's mean: `mean` per channel for images and per column for CSV, `mean_image` per pixel")),
        Key(.init("standardize", .bool, .value(.bool(false)), "divide by the training set's standard deviation, grouped as for center")),
        Key(.init("minmax", .bool, .value(.bool(false)),
                  "map each channel (column) to [−1, 1] by the training set's min and max; instead of scale, center and standardize")),
    ]

    private static let momentumMethods: [OptimizerMethod] = [.sgd, .sgd2, .saSGD, .kfac, .shampoo]

    static let optimizer: [Key] = [
        Key(.init("lr", .real, .derived("sgd, sgd2, sa_sgd, kfac 0.1; adagrad 0.01; rmsprop, adam 0.001; sgd2 with an adaptive base: the base's; shampoo its graft's: adagrad 0.01, sgd 0.1, adam 0.001"),
                  "learning rate", bounds: .greaterThan(0))),
        Key(.init("momentum", .real, .derived("sgd 0; sgd2, sa_sgd, kfac, shampoo 0.9"), "heavy-ball momentum ρ",
                  bounds: .halfOpen(0, 1)), methods: momentumMethods),
        Key(.init("nesterov", .bool, .value(.bool(false)), "Nesterov's look-ahead; needs momentum > 0"),
            methods: momentumMethods),
        Key(.init("momentum_form", .choice(MomentumForm.allCases.map(\.rawValue)), .value(.symbol(MomentumForm.heavyBall.rawValue)),
                  "`heavy_ball`: v = ρ·v − lr·(g + wd·w), w += v; `averaged`, the SGD2 authors' LightNet: u = ρ·u + (1−ρ)·g + wd·w, w −= lr·u/(1−ρᵗ)"),
            methods: momentumMethods),
        Key(.init("rho", .real, .value(.real(0.9)), "RMSProp's decay", bounds: .halfOpen(0, 1)),
            methods: [.rmsprop, .sgd2]),
        Key(.init("beta1", .real, .value(.real(0.9)), "Adam's first-moment decay", bounds: .halfOpen(0, 1)),
            methods: [.adam, .sgd2]),
        Key(.init("beta2", .real, .value(.real(0.999)), "Adam's second-moment decay", bounds: .halfOpen(0, 1)),
            methods: [.adam, .sgd2]),
        Key(.init("eps", .real, .derived("adagrad, rmsprop 1e-7; adam 1e-8; sgd2: its base's"), "added to the root of the second moment",
                  bounds: .greaterThan(0)), methods: [.adagrad, .rmsprop, .adam, .sgd2]),
        Key(.init("weight_decay", .real, .value(.int(0)), "adds `weight_decay·w` to weight gradients (not biases)",
                  bounds: .atLeast(0))),
        Key(.init("lambda", .real, .value(.real(SGD2Options().lambda)), "SGD2's damping λ", bounds: .atLeast(0)), methods: [.sgd2]),
        // SGD2's own `damping` row (K-FAC's is below): its λ is `lambda`'s, and one of the two may be given.
        Key(.init("damping", .form("a positive number / `adaptive(1.0, every: 5, min: 1e-6, max: 100)`"),
                  .derived("`lambda`'s"),
                  "SGD2's λ, as `lambda` (give one of the two); `adaptive` starts there and follows the Levenberg–Marquardt rule on SGD2's layer-wise model every `every` steps within [min, max]"),
            methods: [.sgd2]),
        Key(.init("chunk", .int, .derived("dense \(SGD2Options.dense.chunk); conv \(SGD2Options.convolution.chunk)"), "largest block of the input covariance solved at once",
                  bounds: .size), methods: [.sgd2]),
        Key(.init("samples", .int, .derived(sgd2SamplesDefault), "form the covariance from this many random columns",
                  bounds: .size), methods: [.sgd2]),
        Key(.init("every", .int, .derived("dense \(SGD2Options.dense.every); conv \(SGD2Options.convolution.every)"), "re-form and re-factor the covariance every this many steps",
                  bounds: .size), methods: [.sgd2]),
        Key(.init("large_layers", .choice(SGD2Options.LargeLayers.allCases.map(\.rawValue)), .value(.symbol(SGD2Options.LargeLayers.chunk.rawValue)),
                  "a layer whose input (with the bias row) exceeds `chunk`: `chunk` solves it in blocks, `plain` leaves it uncorrected as the authors' LightNet does"),
            methods: [.sgd2]),
        Key(.init("bias", .bool, .value(.bool(SGD2Options().correctBias)), "correct the bias with the augmented covariance"),
            methods: [.sgd2]),
        Key(.init("noise", .form("`noise(eta: 0.3, gamma: 0.55)` / `false`"), .value(.bool(false)),
                  "gradient noise η/(1+t)^γ before the correction"), methods: [.sgd2]),
        Key(.init("base", .choice(["sgd", "adam", "rmsprop", "adagrad"]), .value(.symbol("sgd")),
                  "the first-order rule fed the corrected gradient"), methods: [.sgd2]),
        Key(.init("conv_hessian", .choice(ConvHessian.allCases.map(\.rawValue)), .value(.symbol("taps")),
                  "a conv's input Hessian: `taps` counts each input pixel once per kernel tap reading it, (k_h·k_w)/(s_h·s_w) × the `matrix` view C_out × C_in·k·k"),
            methods: [.saSGD]),
        Key(.init("damping", .form("a positive number / `adaptive(0.01, every: 5, min: 1e-6, max: 100)`"),
                  .value(.real(KFACOptions().damping)),
                  "K-FAC's Tikhonov damping λ, split over the two factors by the π-adjustment; `adaptive` starts there and follows the Levenberg–Marquardt rule every `every` steps within [min, max]"),
            methods: [.kfac]),
        Key(.init("factor_decay", .real, .value(.real(KFACOptions().factorDecay)),
                  "weight of the old factors in their moving averages", bounds: .halfOpen(0, 1)), methods: [.kfac]),
        Key(.init("factor_every", .int, .value(.int(KFACOptions().factorEvery)),
                  "form the factors A and G from the batch every this many steps", bounds: .size), methods: [.kfac]),
        Key(.init("inverse_every", .int, .value(.int(KFACOptions().inverseEvery)),
                  "invert the damped factors every this many steps; at least factor_every", bounds: .size),
            methods: [.kfac]),
        Key(.init("fisher", .choice(KFACOptions.Fisher.allCases.map(\.rawValue)), .value(.symbol(KFACOptions().fisher.rawValue)),
                  "whose gradients form G: `empirical`, the batch's labels; `sampled`, labels drawn from the model's softmax (the true Fisher; one more backward pass every factor_every steps; needs loss cross_entropy)"),
            methods: [.kfac]),
        Key(.init("inverse", .choice(KFACOptions.Inverse.allCases.map(\.rawValue)), .value(.symbol(KFACOptions().inverse.rawValue)),
                  "how the damped factors are inverted, in Double: `cholesky` (≈ n³ flops) or `eigen`, by eigendecomposition (≈ 10·n³; exists for every damping)"),
            methods: [.kfac]),
        Key(.init("kl_clip", .form("a positive number / `false`"), .value(.real(KFACOptions().klClip ?? 0)),
                  "bound on lr²·Σ⟨V, ∇⟩, the step's squared Fisher norm; `false` turns it off"), methods: [.kfac]),
        Key(.init("block_size", .int, .value(.int(ShampooOptions().blockSize)),
                  "split each weight into blocks of at most this × this, each with its own statistics", bounds: .size),
            methods: [.shampoo]),
        // A second `beta2` row: Shampoo's allows 1 (plain sums), Adam's cannot (its bias correction).
        Key(.init("beta2", .real, .value(.real(ShampooOptions().beta2)),
                  "Shampoo's statistics decay: L ← β₂·L + G Gᵀ, R ← β₂·R + Gᵀ G; 1 keeps plain sums",
                  bounds: .closed(0, 1)), methods: [.shampoo]),
        Key(.init("epsilon", .real, .value(.real(ShampooOptions().epsilon)),
                  "added to each statistic's eigenvalues before the inverse fourth root, relative to the largest",
                  bounds: .greaterThan(0)), methods: [.shampoo]),
        Key(.init("precondition_every", .int, .value(.int(ShampooOptions().preconditionEvery)),
                  "recompute the inverse fourth roots every this many steps", bounds: .size), methods: [.shampoo]),
        Key(.init("start_step", .int, .value(.int(ShampooOptions().startStep)),
                  "first step with roots; before it the step is the graft's alone", bounds: .size), methods: [.shampoo]),
        Key(.init("graft", .choice(ShampooOptions.Graft.allCases.map(\.rawValue)), .value(.symbol(ShampooOptions().graft.rawValue)),
                  "the rule whose step length, block by block, the Shampoo direction takes; biases and norms take its step"),
            methods: [.shampoo]),
    ]

    /// `layer NAME { … }` inside `optimizer`.
    static let layerOverride: [Key] = [
        Key(.init("lr_scale", .real, .value(.int(1)), "multiplies the learning rate for this layer", bounds: .atLeast(0))),
        Key(.init("weight_decay", .real, .derived("the optimizer's"), "weight decay for this layer", bounds: .atLeast(0))),
    ]

    static let train: [Key] = [
        Key(.init("batch", .int, .value(.int(32)), "samples per step", bounds: .size)),
        Key(.init("epochs", .int, .value(.int(1)), "passes over the training set", bounds: .size)),
        Key(.init("seed", .int, .value(.int(0)), "seeds initialisation, shuffling and dropout",
                  bounds: .atLeast(0))),
        Key(.init("schedule", .form("`constant` / `step(every: 10, factor: 0.1)` / `plateau(patience: 3, factor: 0.5)` / "
                                    + "`cosine(min: 0)` / `one_cycle(rise: 0.3, div: 25, final_div: 10000)`"),
                  .value(.symbol("constant")), "learning-rate schedule")),
        Key(.init("warmup", .int, .value(.int(0)), "steps over which the learning rate rises linearly to its value",
                  bounds: .atLeast(0))),
        Key(.init("early_stop", .int, .derived("none"), "stop when the validation error has not improved for this many epochs",
                  bounds: .size)),
        Key(.init("checkpoint", .string, .derived("none"), "checkpoint path, relative to the .net file")),
        Key(.init("checkpoint_every", .int, .value(.int(1)), "epochs between checkpoints", bounds: .size)),
        Key(.init("eval_every", .int, .value(.int(1)), "epochs between test-set evaluations", bounds: .size)),
        Key(.init("lr_search", .form("`search(every: 10, steps: 30, batches: own)` / `true` / `false`"), .value(.bool(false)),
                  "the papers' learning-rate search; `batches: epoch` trains the candidates on the epoch's first batches, as the authors' LightNet does")),
    ]

    /// "dense 250; conv every k-th column, ≤ 10 000", from SGD2Options.
    private static var sgd2SamplesDefault: String {
        func text(_ d: SGD2Options.LayerDefaults) -> String {
            d.samples.map(String.init) ?? "every k-th column, ≤ \(grouped(SGD2Options.columnLimit))"
        }
        return "dense \(text(SGD2Options.dense)); conv \(text(SGD2Options.convolution))"
    }

    /// 10000 as "10 000".
    private static func grouped(_ n: Int) -> String {
        var digits = Array(String(n)), out = ""
        while digits.count > 3 { out = " " + String(digits.suffix(3)) + out; digits.removeLast(3) }
        return String(digits) + out
    }

    static let optimizerBases: [OptimizerMethod] = [.sgd, .adam, .rmsprop, .adagrad]
}
