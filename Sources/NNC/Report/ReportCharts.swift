import Foundation

/// The charts a report can draw (`nnc report --chart …`).
public enum ReportChart: String, CaseIterable, Sendable {
    /// Training loss per step and test loss per epoch, runs overlaid.
    case loss
    /// Test (and validation) error per epoch.
    case error
    /// RMS of the residual each layer receives, first layer to last (SGD2 paper, Fig. 4).
    case energy
    /// Condition numbers of each layer's Kronecker factors over training.
    case conditioning
    /// The network's operator-norm upper bound over training.
    case bound
    /// K-FAC's or SGD2's damping λ over training (adaptive damping, or raised for a layer).
    case damping
}

/// Builds `LineChart`s from run logs. Time runs along x in epochs when every run says how
/// many steps an epoch has (so runs with different batch sizes line up), else in steps.
struct ReportCharts {
    let runs: [RunLog]
    /// Legend names, made unique when two runs share a label.
    let labels: [String]

    init(runs: [RunLog]) {
        self.runs = runs
        var seen: [String: Int] = [:]
        labels = runs.map { run in
            let count = (seen[run.label] ?? 0) + 1
            seen[run.label] = count
            return count == 1 ? run.label : "\(run.label) (\(count))"
        }
    }

    private var inEpochs: Bool { runs.allSatisfy { $0.stepsPerEpoch != nil } }
    private var timeLabel: String { inEpochs ? "epoch" : "step" }

    private func time(_ run: RunLog, step: Int) -> Double {
        guard inEpochs, let n = run.stepsPerEpoch else { return Double(step) }
        return Double(step) / Double(n)
    }

    func charts(_ kind: ReportChart) -> [LineChart] {
        switch kind {
        case .loss: return [loss()]
        case .error: return [error()]
        case .energy: return energy()
        case .conditioning: return conditioning()
        case .bound: return [bound()]
        case .damping: return [damping()]
        }
    }

    func loss() -> LineChart {
        var series: [ChartSeries] = []
        for (index, run) in runs.enumerated() {
            let color = ChartPalette.run(index)
            if !run.steps.isEmpty {
                // Step losses are noisy, and two runs' raw curves hide each other: each is drawn
                // faint, with its smoothed curve over it.
                let times = run.steps.map { time(run, step: $0.step) }, losses = run.steps.map(\.loss)
                let (xs, ys) = Self.thin(times, losses, to: 400)
                series.append(ChartSeries(name: "\(labels[index]) train (raw)", xs: xs, ys: ys, color: color,
                                          width: 1, opacity: 0.3, markers: false, inLegend: false))
                let (sx, sy) = Self.thin(times, Self.smooth(losses, window: max(5, Double(losses.count) / 50)), to: 400)
                series.append(ChartSeries(name: "\(labels[index]) train", xs: sx, ys: sy, color: color,
                                          width: 1.4, markers: false))
            } else {
                let epochs = run.epochs.filter { $0.trainLoss != nil }
                series.append(ChartSeries(name: "\(labels[index]) train", xs: epochs.map { epochTime(run, $0) },
                                          ys: epochs.map { $0.trainLoss! }, color: color, width: 1.2))
            }
            let tested = run.epochs.filter { $0.testLoss != nil }
            if !tested.isEmpty {
                series.append(ChartSeries(name: "\(labels[index]) test", xs: tested.map { epochTime(run, $0) },
                                          ys: tested.map { $0.testLoss! }, color: color,
                                          stroke: .dashed, width: 1.8, markers: true))
            }
            let validated = run.epochs.filter { $0.validationLoss != nil }
            if !validated.isEmpty {
                series.append(ChartSeries(name: "\(labels[index]) validation", xs: validated.map { epochTime(run, $0) },
                                          ys: validated.map { $0.validationLoss! }, color: color,
                                          stroke: .dotted, width: 1.8, markers: true))
            }
        }
        return LineChart(title: "Loss", xLabel: timeLabel, yLabel: "loss", series: series, xIntegers: true)
    }

    func error() -> LineChart {
        var series: [ChartSeries] = []
        for (index, run) in runs.enumerated() {
            let color = ChartPalette.run(index)
            let tested = run.epochs.filter { $0.testError != nil }
            series.append(ChartSeries(name: "\(labels[index]) test", xs: tested.map { epochTime(run, $0) },
                                      ys: tested.map { $0.testError! * 100 }, color: color, width: 1.6))
            let validated = run.epochs.filter { $0.validationError != nil }
            if !validated.isEmpty {
                series.append(ChartSeries(name: "\(labels[index]) validation", xs: validated.map { epochTime(run, $0) },
                                          ys: validated.map { $0.validationError! * 100 }, color: color,
                                          stroke: .dashed, width: 1.6))
            }
        }
        return LineChart(title: "Test error", xLabel: timeLabel, yLabel: "error (%)", series: series, xIntegers: true)
    }

    /// Residual RMS (and gradient RMS when logged) per layer: one line per run and epoch,
    /// later epochs darker, at most six epochs a run so the legend stays readable; dots on
    /// the last epoch only, where ten lines of dots would be clutter.
    func energy() -> [LineChart] {
        let fields = [("residual_rms", "Gradient energy: residual RMS per layer", "RMS of residual R"),
                      ("gradient_rms", "Weight-gradient RMS per layer", "RMS of gradient G")]
        var charts: [LineChart] = []
        for (field, title, yLabel) in fields {
            guard field == "residual_rms" || hasField(field) else { continue }
            var series: [ChartSeries] = []
            var names: [String] = []
            for (index, run) in runs.enumerated() {
                let records = Self.spread(Self.lastPerEpoch(run.analyses), upTo: 6)
                for (k, record) in records.enumerated() {
                    let layers = record.layers
                    if layers.count > names.count { names = layers.map(\.name) }
                    let shade = records.count > 1 ? 0.7 * (1 - Double(k) / Double(records.count - 1)) : 0
                    let when = record.epoch > 0 ? "epoch \(record.epoch)" : "step \(record.step)"
                    series.append(ChartSeries(
                        name: "\(labels[index]) · \(when)", xs: layers.indices.map { Double($0 + 1) },
                        ys: layers.map { $0[field] ?? .nan }, color: ChartPalette.lighten(ChartPalette.run(index), shade),
                        stroke: index % 2 == 0 ? .solid : .dashed, width: 1.5,
                        markers: k == records.count - 1))
                }
            }
            if names.isEmpty { names = runs.first?.header.layers ?? [] }
            charts.append(LineChart(title: title, xLabel: "layer (first → last)", yLabel: yLabel,
                                    series: series, xCategories: names))
        }
        return charts
    }

    /// For each factor, each run's condition number per layer over time, one line per layer;
    /// the runs of one factor come next to each other (side by side on the page) and share the
    /// y range, so their conditioning compares at a glance. The general condition number
    /// λ₁/λₖ (docs/ALGORITHMS.md) follows each factor's full one: the layer-wise conditioning
    /// paper compares normalisations by it, since λ_min of a rank-deficient batch factor is noise.
    func conditioning() -> [LineChart] {
        let full = "condition number λmax/λmin", general = "general condition number λ1/λk"
        let factors = [("input_condition", "Conditioning of A = E[x xᵀ]", full),
                       ("input_general_condition", "General conditioning of A = E[x xᵀ]", general),
                       ("output_condition", "Conditioning of S = E[δ δᵀ]", full),
                       ("output_general_condition", "General conditioning of S = E[δ δᵀ]", general),
                       ("product_condition", "Conditioning of A ⊗ S", full)]
        var charts: [LineChart] = []
        let present = factors.filter { hasField($0.0) }
        for (field, factor, yLabel) in present.isEmpty ? [factors[0]] : present {
            let all = runs.flatMap { $0.analyses.flatMap { $0.layers.compactMap { $0[field] } } }.filter { $0.isFinite && $0 > 0 }
            let range = [all.min(), all.max()].compactMap { $0 }
            // A run without analysis records has nothing to draw here: no chart of its own.
            for (index, run) in runs.enumerated() where !run.analyses.isEmpty {
                let names = run.analyses.last?.layers.map(\.name) ?? run.header.layers
                let colors = ChartPalette.sequential(names.count)
                let series = names.enumerated().map { (k, name) in
                    ChartSeries(name: name, xs: run.analyses.map { time(run, step: $0.step) },
                                ys: run.analyses.map { k < $0.layers.count ? $0.layers[k][field] ?? .nan : .nan },
                                color: colors[k], width: 1.4)
                }
                charts.append(LineChart(title: "\(factor): \(labels[index])", xLabel: timeLabel,
                                        yLabel: yLabel, series: series, yAlsoCovers: range,
                                        xIntegers: true))
            }
        }
        return charts
    }

    func bound() -> LineChart {
        let series = runs.enumerated().map { (index, run) in
            ChartSeries(name: labels[index], xs: run.analyses.map { time(run, step: $0.step) },
                        ys: run.analyses.map { $0.operatorNormBound ?? .nan }, color: ChartPalette.run(index), width: 1.6)
        }
        return LineChart(title: "Operator-norm bound", xLabel: timeLabel, yLabel: "Π σmax(W) · Π norm gain",
                         series: series, xIntegers: true)
    }

    /// λ of every run's adaptive damping (the records without a layer), on a log scale; a layer's
    /// raised λ, which holds for one inversion, is a marker-sized series of its own.
    func damping() -> LineChart {
        var series: [ChartSeries] = []
        for (index, run) in runs.enumerated() {
            let whole = run.damping.filter { $0.layer == nil }
            if !whole.isEmpty {
                series.append(ChartSeries(name: labels[index], xs: whole.map { time(run, step: $0.step) },
                                          ys: whole.map(\.damping), color: ChartPalette.run(index), width: 1.6))
            }
            let raised = run.damping.filter { $0.layer != nil && $0.outcome == "raised" }
            if !raised.isEmpty {
                series.append(ChartSeries(name: "\(labels[index]): raised for a layer", xs: raised.map { time(run, step: $0.step) },
                                          ys: raised.map(\.damping), color: ChartPalette.run(index), width: 0.8))
            }
        }
        return LineChart(title: "Curvature damping", xLabel: timeLabel, yLabel: "λ", series: series, yScale: .log)
    }

    private func epochTime(_ run: RunLog, _ record: RunLog.Epoch) -> Double {
        inEpochs ? Double(record.epoch) : Double(record.step)
    }

    private func hasField(_ field: String) -> Bool {
        runs.contains { $0.analyses.contains { $0.layers.contains { $0[field] != nil } } }
    }

    /// The last analysis record of each epoch, in order: the profile the epoch ended with.
    static func lastPerEpoch(_ records: [RunLog.Analysis]) -> [RunLog.Analysis] {
        var out: [RunLog.Analysis] = []
        for record in records {
            if let last = out.last, last.epoch == record.epoch { out[out.count - 1] = record } else { out.append(record) }
        }
        return out
    }

    /// At most `limit` items, evenly spread, always keeping the first and the last.
    static func spread<T>(_ items: [T], upTo limit: Int) -> [T] {
        guard items.count > limit, limit > 1 else { return items }
        return (0..<limit).map { items[Int((Double($0) * Double(items.count - 1) / Double(limit - 1)).rounded())] }
    }

    /// An exponential moving average over about `window` points, debiased at the start (as
    /// TensorBoard smooths); non-finite values stay gaps and do not enter the average.
    static func smooth(_ ys: [Double], window: Double) -> [Double] {
        let keep = 1 - 1 / max(window, 1)
        var average = 0.0, weight = 0.0
        return ys.map { y in
            guard y.isFinite else { return .nan }
            average = keep * average + (1 - keep) * y
            weight = keep * weight + (1 - keep)
            return average / weight
        }
    }

    /// Averages consecutive points into at most `count` buckets; a long run's step losses
    /// would otherwise make a megabyte of SVG that no screen can show. Non-finite values are
    /// left out of a bucket's mean; a bucket with nothing finite stays a gap.
    static func thin(_ xs: [Double], _ ys: [Double], to count: Int) -> ([Double], [Double]) {
        guard xs.count > count else { return (xs, ys) }
        let size = (xs.count + count - 1) / count
        var outX: [Double] = [], outY: [Double] = []
        for start in stride(from: 0, to: xs.count, by: size) {
            let range = start..<min(start + size, xs.count)
            let finite = range.map { ys[$0] }.filter(\.isFinite)
            outX.append(xs[range.last!])
            outY.append(finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count))
        }
        return (outX, outY)
    }
}
