import Foundation

/// Writes realistic training logs in the docs/LOG.md format, deterministically, until real
/// ones exist: plain SGD with residuals that vanish towards the first layers and an operator
/// bound that grows to ~1230, against SGD2 with a flat energy profile and a shrinking bound
/// (the values the SGD2 paper reports). Values span decades, as real ones do.
struct SyntheticLog {
    var label = "mlp10/sgd"
    var optimizer = "sgd"
    var layers = 10
    var epochs = 5
    var stepsPerEpoch = 100
    var analysisEvery = 50
    /// How fast loss and error fall; SGD2 learns faster.
    var speed = 1.0
    /// log10 of the residual RMS lost per layer towards the input.
    var energyDecay = 0.45
    /// The operator-norm bound after the last epoch (it starts at 10).
    var finalBound = 1230.6

    static let sgd = SyntheticLog()
    static let sgd2 = SyntheticLog(label: "mlp10/sgd2", optimizer: "sgd2", speed: 1.8, energyDecay: 0.08, finalBound: 0.27)

    /// The log text, one JSON object per line.
    func text() -> String {
        var random = UInt64(optimizer.utf8.reduce(17) { $0 &* 31 &+ UInt64($1) })
        func noise() -> Double {
            // A 64-bit LCG is plenty for plot wiggle and identical on every machine.
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Double(random >> 11) / Double(1 << 53) - 0.5
        }
        let names = (1...layers).map { "fc\($0)" }
        var lines: [String] = []
        lines.append(#"{"type":"run","model":"mlp10","file":"examples/mlp10.net","optimizer":"\#(optimizer)","lr":0.05,"#
            + #""batch":600,"epochs":\#(epochs),"seed":1,"threads":2,"steps_per_epoch":\#(stepsPerEpoch),"#
            + #""layers":[\#(names.map { "\"\($0)\"" }.joined(separator: ","))],"label":"\#(label)"}"#)
        var best = 1.0
        for epoch in 1...epochs {
            for inEpoch in 1...stepsPerEpoch {
                let step = (epoch - 1) * stepsPerEpoch + inEpoch
                let t = Double(step) / Double(stepsPerEpoch)
                let loss = (2.3 * exp(-1.1 * speed * t) + 0.06 / speed) * (1 + 0.5 * noise())
                lines.append(#"{"type":"step","epoch":\#(epoch),"step":\#(step),"loss":\#(n(loss)),"lr":0.05,"seconds":\#(n(Double(step) * 0.021))}"#)
                if step % analysisEvery == 0 { lines.append(analysis(epoch: epoch, step: step, t: t, names: names)) }
            }
            let e = Double(epoch)
            let testError = 0.85 * exp(-1.4 * speed * e) + 0.02 / speed
            best = min(best, testError)
            lines.append(#"{"type":"epoch","epoch":\#(epoch),"step":\#(epoch * stepsPerEpoch),"#
                + #""train_loss":\#(n(2.3 * exp(-1.1 * speed * (e - 0.5)) + 0.06 / speed)),"#
                + #""test_loss":\#(n(2.3 * exp(-1.0 * speed * e) + 0.08 / speed)),"test_error":\#(n(testError)),"#
                + #""lr":0.05,"seconds":2.1,"samples_per_second":28571.4}"#)
        }
        lines.append(#"{"type":"end","status":"completed","seconds":\#(n(Double(epochs) * 2.3)),"best_test_error":\#(n(best))}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    private func analysis(epoch: Int, step: Int, t: Double, names: [String]) -> String {
        let progress = t / Double(epochs)
        let layerRecords = names.enumerated().map { (index, name) -> String in
            let l = Double(index + 1), depth = Double(layers - index - 1)
            let residual = 0.01 * pow(10, -depth * energyDecay) * (1 + 0.2 * t)
            let inputCondition = pow(10, 1.5 + 0.25 * l + 0.3 * progress)
            let outputCondition = pow(10, 1 + 0.3 * depth + (optimizer == "sgd" ? 1.2 : 0.2) * progress)
            let fields: [(String, Double)] = [
                ("residual_rms", residual), ("gradient_rms", residual * 3.2),
                ("activation_mean", 0.3 + 0.02 * l), ("activation_std", 0.6), ("dead_fraction", 0.05 * progress),
                ("saturated_fraction", 0), ("sigma_max", pow(finalBound / 10, progress / Double(layers)) * 1.26),
                ("input_eig_max", inputCondition * 1e-3), ("input_eig_min", 1e-3), ("input_condition", inputCondition),
                ("input_general_condition", inputCondition / 20),
                ("output_eig_max", outputCondition * 1e-9), ("output_eig_min", 1e-9), ("output_condition", outputCondition),
                ("output_general_condition", outputCondition / 20), ("product_condition", inputCondition * outputCondition),
            ]
            return #"{"name":"\#(name)",\#(fields.map { "\"\($0.0)\":\(n($0.1))" }.joined(separator: ","))}"#
        }
        let bound = 10 * pow(finalBound / 10, progress)
        return #"{"type":"analysis","epoch":\#(epoch),"step":\#(step),"layers":[\#(layerRecords.joined(separator: ","))],"#
            + #""operator_norm_bound":\#(n(bound))}"#
    }

    /// JSON for a number: six significant digits, and the log's strings for non-finite values.
    private func n(_ value: Double) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
        return String(format: "%.6g", value)
    }
}
