import Foundation
import NNC
import NNCSystem

/// Renders training events: on a terminal a live progress bar per epoch (on stderr) and one
/// line per epoch (on stdout); otherwise plain lines only; and every event as a JSON line to
/// the `--log` file.
final class TrainingReporter {
    private let live: Bool
    private let log: FileHandle?
    private let logEvery: Int
    private var lastDraw = Date.distantPast
    private var barShown = false
    /// The run's epochs, and the wall time of the last whole epoch (steps and evaluation),
    /// for the run's ETA.
    private var epochs = 0
    private var lastEpochSeconds: Double?
    private(set) var logFailure: String?

    init(live: Bool, log: FileHandle?, logEvery: Int) {
        self.live = live
        self.log = log
        self.logEvery = max(logEvery, 1)
    }

    func handle(_ event: TrainingEvent) {
        writeLog(event)
        switch event {
        case .started(let s):
            epochs = s.epochs
            var line = "training \(s.model): \(counted(s.trainSamples, "sample"))"
            if s.validationSamples > 0 { line += " (+\(s.validationSamples) validation)" }
            if s.testSamples > 0 { line += ", \(s.testSamples) test" }
            line += "; \(s.optimizer) lr \(format(s.learningRate)), batch \(s.batch), \(counted(s.stepsPerEpoch, "step")) per epoch, \(counted(s.epochs, "epoch")), seed \(s.seed), \(counted(s.threads, "thread"))"
            if s.resumedStep > 0 { line += "\nresuming after epoch \(s.resumedEpoch), step \(s.resumedStep)" }
            output(line)
        case .searched(let s):
            let tried = s.candidates.map { "\(format($0.learningRate)): \($0.loss.isFinite ? String(format: "%.4f", $0.loss) : "diverged")" }
            output("learning-rate search before epoch \(s.epoch): \(tried.joined(separator: ", ")) → lr \(format(s.chosen))")
        case .step(let s):
            guard live else { return }
            let now = Date()
            guard s.batchInEpoch == s.stepsPerEpoch || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            drawBar(s)
        case .evaluating(let epoch, let set, let samples):
            guard live else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K epoch \(epoch) evaluating \(samples) \(set) samples…".utf8))
            barShown = true
        case .epoch(let e):
            clearBar()
            lastEpochSeconds = e.seconds + e.evaluationSeconds
            var line = "epoch \(pad(e.epoch, e.epochs))/\(e.epochs)  train loss \(String(format: "%.4f", e.trainLoss))"
            if let v = e.validationLoss, let err = e.validationError {
                line += "  val loss \(String(format: "%.4f", v)) error \(String(format: "%.2f", err * 100))%"
            }
            if let v = e.testLoss, let err = e.testError {
                line += "  test loss \(String(format: "%.4f", v)) error \(String(format: "%.2f", err * 100))%"
            }
            line += "  lr \(format(e.learningRate))  \(String(format: e.seconds < 10 ? "%.2f" : "%.1f", e.seconds)) s (\(Int(e.samplesPerSecond.rounded())) samples/s)"
            output(line)
        case .analysis(let a):
            clearBar()
            output(a.table())
        case .damping(_, let d):
            // Adaptation happens every few steps: the log has it, the terminal would drown in it.
            guard d.outcome != .adapted else { return }
            clearBar()
            output("\(d.outcome.method), step \(d.step), layer '\(d.layer)': " + d.outcome.explanation(damping: format(d.damping)))
        case .checkpointed:
            break
        case .finished(let end):
            clearBar()
            switch end.status {
            case .completed:
                // The test error of the model that was saved, never a minimum picked on the test set.
                if let message = end.message { output(message) }
                var line = "done in \(String(format: "%.1f", end.seconds)) s"
                if let e = end.finalTestError { line += String(format: "; final test error %.2f%%", e * 100) }
                if let b = end.bestValidation {
                    line += String(format: "; best validation error %.2f%% at epoch %d", b.error * 100, b.epoch)
                }
                output(line)
            case .stopped:
                output("stopped: \(end.message ?? "interrupted"); \(counted(end.epoch, "epoch")) complete")
            case .failed:
                break
            }
        }
    }

    private func drawBar(_ s: StepRecord) {
        let width = 24
        let filled = s.stepsPerEpoch > 0 ? width * s.batchInEpoch / s.stepsPerEpoch : 0
        let rate = s.epochSeconds > 0 ? Double(s.epochSamples) / s.epochSeconds : 0
        let perStep = s.epochSeconds / Double(max(s.epochSamples > 0 ? s.batchInEpoch : 1, 1))
        let eta = perStep * Double(s.stepsPerEpoch - s.batchInEpoch)
        // Later epochs take what the last whole one took (evaluation included), else this one's pace.
        let later = Double(max(epochs - s.epoch, 0)) * (lastEpochSeconds ?? perStep * Double(s.stepsPerEpoch))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let text = "\r\u{1B}[K epoch \(s.epoch) \(bar) \(s.batchInEpoch)/\(s.stepsPerEpoch)  loss \(String(format: "%.4f", s.loss))  \(Int(rate.rounded())) samples/s  ETA \(duration(eta))\(later > 0 ? ", run \(duration(eta + later))" : "")"
        FileHandle.standardError.write(Data(text.utf8))
        barShown = true
    }

    private func clearBar() {
        guard barShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        barShown = false
    }

    private func output(_ line: String) {
        print(line)
        flushStandardOutput()
    }

    private func writeLog(_ event: TrainingEvent) {
        guard let log, logFailure == nil else { return }
        if case .step(let s) = event, s.step % logEvery != 0 { return }
        guard let line = TrainingLog.line(event) else { return }
        do {
            try log.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            logFailure = error.localizedDescription
        }
    }

    /// `42 s`, `12 min 5 s`, `3 h 20 min`.
    private func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }

    private func pad(_ n: Int, _ of: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(String(of).count - s.count, 0)) + s
    }
}

/// A learning rate as written in a file: `0.1`, `0.0005`, `1e-05`.
/// A learning rate to 6 significant digits: a decayed 0.07 is 0.007, not 0.007000000000000001.
func format(_ rate: Double) -> String {
    String(format: "%.6g", rate)
}
