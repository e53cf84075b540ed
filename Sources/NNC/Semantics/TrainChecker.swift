/// The `train { … }` block.
extension ConfigChecker {
    func train(_ items: [ConfigItem], range: SourceRange) -> TrainingSpec? {
        let table = ConfigTable.train
        let e = entries(items, table, block: "train")
        var spec = TrainingSpec()
        spec.range = range
        func int(_ key: String) -> Int? { read(e, key, table, "train") { evaluator.int($0, $1, $2) } }
        spec.batch = int("batch") ?? spec.batch
        spec.epochs = int("epochs") ?? spec.epochs
        if let seed = int("seed") { spec.seed = UInt64(seed) }
        spec.checkpointEvery = int("checkpoint_every") ?? spec.checkpointEvery
        spec.evaluateEvery = int("eval_every") ?? spec.evaluateEvery
        spec.checkpoint = read(e, "checkpoint", table, "train") { v, w, _ in evaluator.string(v, w) }
        spec.warmup = int("warmup") ?? spec.warmup
        spec.earlyStop = int("early_stop")
        if let v = e.values["early_stop"] { spec.earlyStopRange = v.range }
        if let v = e.values["schedule"] {
            if let s = schedule(v) { spec.schedule = s } else { e.failed = true }
        }
        if let v = e.values["lr_search"] {
            if case .bool(let b) = v.kind {
                spec.lrSearch = b ? LRSearch() : nil
            } else {
                let searchSpec = StatementSpec("search", "", options: [
                    .init("every", .int, .value(.int(10)), "", bounds: .size),
                    .init("steps", .int, .value(.int(30)), "", bounds: .size),
                    .init("batches", .choice(LRSearch.Batches.allCases.map(\.rawValue)), .value(.symbol("own")), "")])
                if let a = call(v, searchSpec) {
                    let every = a.int("every"), steps = a.int("steps")
                    let batches = a.choice("batches").flatMap(LRSearch.Batches.init(rawValue:))
                    if let every, let steps, let batches, !a.failed {
                        spec.lrSearch = LRSearch(every: every, steps: steps, batches: batches)
                    } else { e.failed = true }
                } else {
                    evaluator.mismatch(v, phrase("lr_search", "train"), CheckMessage.searchExpectation)
                    e.failed = true
                }
            }
        }
        return e.failed ? nil : spec
    }

    private func schedule(_ v: Value) -> Schedule? {
        let factor = Bounds.openClosed(0, 1)
        let step = StatementSpec("step", "", options: [
            .init("every", .int, .value(.int(10)), "", bounds: .size),
            .init("factor", .real, .value(.real(0.1)), "", bounds: factor)])
        let plateau = StatementSpec("plateau", "", options: [
            .init("patience", .int, .value(.int(3)), "", bounds: .size),
            .init("factor", .real, .value(.real(0.5)), "", bounds: factor)])
        if case .symbol("constant") = v.kind { return .constant }
        if let a = call(v, step) {
            let every = a.int("every"), f = a.real("factor")
            guard let every, let f, !a.failed else { return nil }
            return .step(every: every, factor: f)
        }
        if let a = call(v, plateau) {
            let patience = a.int("patience"), f = a.real("factor")
            guard let patience, let f, !a.failed else { return nil }
            return .plateau(patience: patience, factor: f)
        }
        let cosine = StatementSpec("cosine", "", options: [.init("min", .real, .value(.real(0)), "", bounds: .atLeast(0))])
        if let a = call(v, cosine) {
            guard let minimum = a.real("min"), !a.failed else { return nil }
            return .cosine(minimum: minimum)
        }
        let oneCycle = StatementSpec("one_cycle", "", options: [
            .init("rise", .real, .value(.real(0.3)), "", bounds: Bounds.openClosed(0, 1)),
            .init("div", .real, .value(.real(25)), "", bounds: .atLeast(1)),
            .init("final_div", .real, .value(.real(1e4)), "", bounds: .atLeast(1))])
        if let a = call(v, oneCycle) {
            guard let rise = a.real("rise"), let div = a.real("div"), let finalDiv = a.real("final_div"), !a.failed else { return nil }
            return .oneCycle(rise: rise, divisor: div, finalDivisor: finalDiv)
        }
        let kinds = ["constant", "step", "plateau", "cosine", "one_cycle"]
        if let (name, range) = head(v) {
            sink.error(CheckMessage.unknownChoice(name, for: phrase("schedule", "train"), choices: kinds), at: range,
                       fix: Suggestions.fix(for: name, among: kinds))
        } else {
            evaluator.mismatch(v, phrase("schedule", "train"), CheckMessage.oneOf(kinds))
        }
        return nil
    }
}
