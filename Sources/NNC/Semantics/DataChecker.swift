/// The `data { … }` block: sources, validation and preprocessing.
extension ConfigChecker {
    static let sourceKinds = ["idx", "cifar10", "csv"]

    func data(_ items: [ConfigItem], range: SourceRange) -> DataSpec? {
        let table = ConfigTable.data
        let e = entries(items, table, block: "data")
        var spec = DataSpec(range: range)
        if let v = e.values["train"] { spec.train = source(v, phrase("train", "data")); if spec.train == nil { e.failed = true } }
        if let v = e.values["test"] { spec.test = source(v, phrase("test", "data")); if spec.test == nil { e.failed = true } }
        if let v = e.values["validation"] {
            let split = StatementSpec("split", "", positional: .init("fraction", .real, .required, "",
                                                                     bounds: Bounds(lower: 0, lowerInclusive: false,
                                                                                    upper: 1, upperInclusive: false)))
            if let a = call(v, split) {
                let fraction = a.real("fraction")
                if let fraction, !a.failed { spec.validation = .split(fraction: fraction) } else { e.failed = true }
            } else if let s = source(v, phrase("validation", "data")) {
                spec.validation = .source(s)
            } else { e.failed = true }
        }
        spec.scale = read(e, "scale", table, "data") { evaluator.real($0, $1, $2) }
        if let v = e.values["center"] {
            if case .bool(let b) = v.kind { spec.center = b }
            else if let s = evaluator.symbol(v, phrase("center", "data"), among: ["mean", "mean_image", "none"]) {
                spec.center = s != "none"
                spec.perValue = s == "mean_image"
            } else { e.failed = true }
        }
        spec.standardize = read(e, "standardize", table, "data") { v, w, _ in evaluator.bool(v, w) } ?? false
        spec.minmax = read(e, "minmax", table, "data") { v, w, _ in evaluator.bool(v, w) } ?? false
        if spec.minmax {
            // Min-max sets the scale and the centre itself; a second map on top would be silently composed.
            for key in ["scale", "center", "standardize"] where e.keys[key] != nil {
                sink.error("'\(key)' and 'minmax' both set how values are mapped; keep one", at: e.keys[key]!.range,
                           fix: "remove '\(key)': minmax already maps each channel to [−1, 1]")
                e.failed = true
            }
        }
        return e.failed ? nil : spec
    }

    /// `idx("images", "labels")`, `cifar10("a.bin", …)`, `csv("file.csv", label: 0, header: true)`.
    func source(_ v: Value, _ what: String) -> DataSource? {
        guard case .call(let f, let args) = v.kind else {
            if let (name, range) = head(v), !Self.sourceKinds.contains(name) {
                sink.error(CheckMessage.unknownSource(name), at: range,
                           fix: Suggestions.fix(for: name, among: Self.sourceKinds))
            } else {
                evaluator.mismatch(v, what, CheckMessage.sourceExpectation)
            }
            return nil
        }
        switch f.name {
        case "idx":
            var files: [String: String] = [:]
            var ok = true
            for (i, a) in args.enumerated() {
                let name = a.label?.name ?? (i == 0 ? "images" : i == 1 ? "labels" : "")
                guard name == "images" || name == "labels", files[name] == nil else {
                    sink.error(a.label == nil ? CheckMessage.tooManyArguments("idx")
                                              : CheckMessage.unknownOption(a.label!.name, of: "idx"),
                               at: a.label?.range ?? a.value.range,
                               fix: a.label.flatMap { Suggestions.fix(for: $0.name, among: ["images", "labels"]) })
                    ok = false
                    continue
                }
                guard let s = evaluator.string(a.value, "the \(name) file of 'idx'") else { ok = false; continue }
                files[name] = s
            }
            guard ok else { return nil }
            guard let images = files["images"], let labels = files["labels"] else {
                sink.error(CheckMessage.idxNeedsTwoFiles, at: v.range, fix: CheckMessage.idxFix)
                return nil
            }
            return .idx(images: images, labels: labels, range: v.range)
        case "cifar10":
            var files: [String] = []
            var ok = true
            for a in args {
                if let label = a.label {
                    sink.error(CheckMessage.unknownOption(label.name, of: "cifar10"), at: label.range)
                    ok = false
                } else if let s = evaluator.string(a.value, "a file of 'cifar10'") {
                    files.append(s)
                } else { ok = false }
            }
            guard ok else { return nil }
            guard !files.isEmpty else {
                sink.error(CheckMessage.cifarNeedsFiles, at: v.range, fix: CheckMessage.cifarFix)
                return nil
            }
            return .cifar10(files: files, range: v.range)
        case "csv":
            let spec = StatementSpec("csv", "", positional: .init("path", .string, .required, ""),
                                     options: [.init("label", .int, .value(.int(0)), "", bounds: nil),
                                               .init("header", .bool, .value(.bool(true)), "")])
            let a = Arguments(args, spec: spec, at: v.range, evaluator: evaluator)
            let path = a.string("path"), label = a.int("label"), header = a.bool("header")
            guard let path, let label, let header, !a.failed else { return nil }
            return .csv(path: path, labelColumn: label, header: header, range: v.range)
        default:
            sink.error(CheckMessage.unknownSource(f.name), at: f.range,
                       fix: Suggestions.fix(for: f.name, among: Self.sourceKinds))
            return nil
        }
    }
}
