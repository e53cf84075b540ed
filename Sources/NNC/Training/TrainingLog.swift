/// The JSON-lines form of training events (docs/LOG.md): one object per line, each with a `type`.
///
/// Numbers are written with Swift's shortest round-trip description, so a script reads back
/// exactly the values the trainer saw; non-finite values become the strings LOG.md names.
public enum TrainingLog {
    /// The log line for `event`, without its newline; nil for events the log does not record.
    public static func line(_ event: TrainingEvent) -> String? {
        var o = JSONObject()
        switch event {
        case .started(let s):
            o.add("type", string: "run")
            o.add("model", string: s.model)
            o.add("file", string: s.file)
            o.add("model_hash", string: s.modelHash)
            o.add("nnc_version", string: s.version)
            o.add("optimizer", string: s.optimizer)
            o.add("lr", s.learningRate)
            o.add("momentum", s.momentum)
            o.add("weight_decay", s.weightDecay)
            o.add("schedule", string: s.schedule)
            o.add("batch", s.batch)
            o.add("epochs", s.epochs)
            o.add("seed", raw: String(s.seed))
            o.add("threads", s.threads)
            o.add("cpu", string: s.cpu)
            o.add("kernels", string: s.kernels)
            o.add("steps_per_epoch", s.stepsPerEpoch)
            o.add("layers", raw: "[" + s.layers.map(JSON.quote).joined(separator: ",") + "]")
            o.add("label", string: s.label)
            o.add("train_samples", s.trainSamples)
            o.add("validation_samples", s.validationSamples)
            o.add("test_samples", s.testSamples)
            if s.resumedStep > 0 {
                o.add("resumed_epoch", s.resumedEpoch)
                o.add("resumed_step", s.resumedStep)
            }
        case .step(let s):
            o.add("type", string: "step")
            o.add("epoch", s.epoch)
            o.add("step", s.step)
            o.add("loss", Double(s.loss))
            o.add("lr", s.learningRate)
            o.add("seconds", s.seconds)
        case .epoch(let e):
            o.add("type", string: "epoch")
            o.add("epoch", e.epoch)
            o.add("step", e.step)
            o.add("train_loss", e.trainLoss)
            if let v = e.testLoss { o.add("test_loss", v) }
            if let v = e.testError { o.add("test_error", v) }
            if let v = e.validationLoss { o.add("validation_loss", v) }
            if let v = e.validationError { o.add("validation_error", v) }
            o.add("lr", e.learningRate)
            o.add("seconds", e.seconds)
            o.add("samples_per_second", e.samplesPerSecond)
        case .searched(let s):
            o.add("type", string: "lr_search")
            o.add("epoch", s.epoch)
            o.add("step", s.step)
            o.add("candidates", raw: "[" + s.candidates.map { c in
                var item = JSONObject()
                item.add("lr", c.learningRate)
                item.add("loss", Double(c.loss))
                return item.text
            }.joined(separator: ",") + "]")
            o.add("chosen", s.chosen)
        case .analysis(let a):
            return a.logLine
        case .evaluating:
            return nil
        case .damping(let epoch, let d):
            o.add("type", string: "damping")
            o.add("epoch", epoch)
            o.add("step", d.step)
            if !d.layer.isEmpty { o.add("layer", string: d.layer) }
            o.add("damping", d.damping)
            o.add("outcome", string: d.outcome.rawValue)
            if let rho = d.rho { o.add("rho", rho) }
        case .checkpointed(let c):
            o.add("type", string: "checkpoint")
            o.add("path", string: c.path)
            o.add("epoch", c.epoch)
            o.add("step", c.step)
            if c.best { o.add("best", raw: "true") }
        case .finished(let end):
            o.add("type", string: "end")
            o.add("status", string: end.status.rawValue)
            if let m = end.message { o.add("message", string: m) }
            o.add("seconds", end.seconds)
            if let e = end.lowestTestError { o.add("best_test_error", e) }
            if let e = end.finalTestError { o.add("final_test_error", e) }
            if let best = end.bestValidation {
                o.add("best_validation_error", best.error)
                o.add("best_validation_epoch", best.epoch)
            }
            if let c = end.checkpoint { o.add("checkpoint", string: c) }
            if let c = end.bestCheckpoint { o.add("best_checkpoint", string: c) }
        }
        return o.text
    }
}
