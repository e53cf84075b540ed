import Foundation
import NNCKernels

/// `nnc train --analyze`: watches the training steps through an executor probe and turns what
/// it sees into `AnalysisRecord`s (docs/ALGORITHMS.md; fields in docs/LOG.md).
///
/// Every observed step adds each layer's residual and weight-gradient RMS, read at the end of
/// the backward phase (before an update or SGD2 rewrites the gradient). On a recording step
/// it also takes the activation statistics right after the kernel that writes each layer's
/// activation. `record`, called right after the recording step, adds the Kronecker factors'
/// spectra from that step's X and R (still in the arena) and what depends on the weights
/// (σ_max, the bound, the RMS-norm factors, the scale-amended scalars), and starts a new
/// window; the heavy work is there, outside the step and its timing. The session should keep its layer buffers
/// (`keepLayerBuffers`); without them X and R are unreadable and their fields stay absent.
final class LayerAnalyzer: ExecutorProbe {
    /// What the analyzer needs to know about one dense/conv layer, found once from the plan.
    struct Target {
        var layer: LinearLayer
        /// The weight viewed as rows × cols (a conv kernel as C_out × C_in·kh·kw).
        var rows: Int, cols: Int
        var isConvolution: Bool
        /// The buffer holding the layer's output after its activation, the kernel that last
        /// writes it in the forward pass, and the activation's flat region (nil: none counted).
        var activation: BufferID?
        var activationWriter: Int?
        var flat: (low: Float, high: Float, dead: Bool, saturated: Bool)?
        /// The RMS norm in front of the layer: its `d`, `steps` and options.
        var norm: (name: String, history: Double, relativeEpsilon: Double, epsilonOf: RMSEpsilonBase)?
        /// How often the layer reads an input value in scale-amended SGD's view (ScaleAmendWalk.swift):
        /// (k_h·k_w)/(s_h·s_w) for a conv under `conv_hessian: taps`, else 1.
        var inputTaps = 1.0
    }


    let session: Session
    let model: Model
    let targets: [Target]
    /// Every RMS norm of the model, for the bound.
    private let norms: [(name: String, history: Double, relativeEpsilon: Double, epsilonOf: RMSEpsilonBase)]
    private let boundApplies: Bool
    /// Per kernel: the targets whose activation statistics are read after it.
    private let activationsAfter: [[Int]]
    /// Per kernel: the targets whose X does not last to the end of the step (the input batch
    /// itself, whose memory the plan may reuse), so A is formed right after the layer reads it.
    private let inputsAfter: [[Int]]
    private let endOfBackward: Int?
    /// K-FAC's preconditioning of each layer, by name (optimizer kfac only).
    private let kfac: [String: KFACPreconditioning]

    private var residualRMSSum: [Double]
    private var gradientRMSSum: [Double]
    private var residualSteps: [Int]
    private var gradientSteps: [Int]
    private var steps = 0
    private var recording = false
    /// Whether the last observed step was a recording one (its X and R are in the arena).
    private var recorded = false
    private var activations: [ActivationSummary?]
    private var inputSpectra: [Spectrum?]
    private var analysisSeconds = 0.0
    private var trainingSeconds = 0.0
    private var probeSeconds = 0.0

    init(session: Session) {
        self.session = session
        model = session.model
        let plan = session.trainPlan
        let layers = model.allLayers
        let byName = Dictionary(plan.buffers.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        var lastWriter: [Int: Int] = [:]
        for k in plan.kernels where k.phase == .forward { for b in k.outputs { lastWriter[b.rawValue] = k.index } }

        kfac = Dictionary(plan.kernels.compactMap { k -> (String, KFACPreconditioning)? in
            if case .kfacPrecondition(let p) = k.op { return (p.layer, p) }
            return nil
        }, uniquingKeysWith: { a, _ in a })
        let convHessian = model.optimizer.convHessian
        targets = plan.linearLayers.map { l in
            let w = plan.buffer(l.weight)
            let rows = w.shape.first ?? 1
            var t = Target(layer: l, rows: rows, cols: w.count / max(rows, 1), isConvolution: w.shape.count == 4)
            if convHessian == .taps, case .conv(_, let k, let s, _, _, _)? = layers.first(where: { $0.name == l.name })?.op {
                t.inputTaps = Double(k.h * k.w) / Double(s.h * s.w)
            }
            if let index = layers.firstIndex(where: { $0.name == l.name }) {
                // The first activation after the layer, before the next layer that mixes units.
                var output = l.name
                for next in layers[(index + 1)...] {
                    if LayerAnalyzer.endsLayer(next.op) { break }
                    if case .activation(let a) = next.op {
                        output = next.name
                        t.flat = LayerAnalyzer.flatRegion(a)
                        break
                    }
                }
                t.activation = byName["\(output).out"]
                t.activationWriter = t.activation.flatMap { lastWriter[$0.rawValue] }
                for previous in layers[..<index].reversed() {
                    if LayerAnalyzer.endsLayer(previous.op) { break }
                    if case .rmsNorm(let history, let relativeEpsilon, let epsilonOf) = previous.op {
                        t.norm = (previous.name, history, relativeEpsilon, epsilonOf)
                        break
                    }
                }
            }
            return t
        }
        norms = layers.compactMap { layer in
            if case .rmsNorm(let history, let relativeEpsilon, let epsilonOf) = layer.op {
                return (layer.name, history, relativeEpsilon, epsilonOf)
            }
            return nil
        }
        boundApplies = OperatorNormBound.applies(to: model)
        var after = [[Int]](repeating: [], count: plan.kernels.count)
        for (i, t) in targets.enumerated() { if let k = t.activationWriter { after[k].append(i) } }
        activationsAfter = after
        var inputs = [[Int]](repeating: [], count: plan.kernels.count)
        for (i, t) in targets.enumerated() where !session.survives[t.layer.x.rawValue] {
            if let k = plan.kernels.first(where: { $0.phase == .forward && $0.inputs.contains(t.layer.x) }) {
                inputs[k.index].append(i)
            }
        }
        inputsAfter = inputs
        endOfBackward = plan.kernels.last(where: { $0.phase == .backward })?.index
        let n = targets.count
        residualRMSSum = Array(repeating: 0, count: n)
        gradientRMSSum = Array(repeating: 0, count: n)
        residualSteps = Array(repeating: 0, count: n)
        gradientSteps = Array(repeating: 0, count: n)
        activations = Array(repeating: nil, count: n)
        inputSpectra = Array(repeating: nil, count: n)
    }

    /// Runs one training step (`body`) under observation; `recording` when a record follows it.
    func observe<T>(recording: Bool, _ body: () throws -> T) rethrows -> T {
        self.recording = recording
        probeSeconds = 0
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            analysisSeconds += probeSeconds
            trainingSeconds += max(total - probeSeconds, 0)
            self.recording = false
        }
        let result = try session.observed(by: self, body)
        steps += 1
        recorded = recording
        return result
    }

    func willRun(_ kernel: Int) {}

    func didRun(_ kernel: Int, _ v: BufferView) {
        let isEnd = kernel == endOfBackward
        guard isEnd || (recording && !(activationsAfter[kernel].isEmpty && inputsAfter[kernel].isEmpty)) else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { probeSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        if recording {
            for i in activationsAfter[kernel] { activations[i] = activationSummary(targets[i], v) }
            for i in inputsAfter[kernel] {
                inputSpectra[i] = spectrum(of: targets[i].layer.x, channels: targets[i].isConvolution,
                                           batch: session.trainPlan.batch, scale: 1, v)
            }
        }
        guard isEnd else { return }
        for (i, t) in targets.enumerated() {
            if let r = t.layer.r, session.survives[r.rawValue], v.counts[r.rawValue] > 0 {
                residualRMSSum[i] += (v.sumOfSquares(r) / Double(v.counts[r.rawValue])).squareRoot()
                residualSteps[i] += 1
            }
            if let g = t.layer.weightGrad, v.counts[g.rawValue] > 0 {
                gradientRMSSum[i] += (v.sumOfSquares(g) / Double(v.counts[g.rawValue])).squareRoot()
                gradientSteps[i] += 1
            }
        }
    }

    /// The record of the window since the previous one; starts the next window. Call it right
    /// after a recording step, before anything else runs the train plan.
    func record(epoch: Int, step: Int) -> AnalysisRecord {
        let start = DispatchTime.now().uptimeNanoseconds
        var layers: [LayerAnalysis] = []
        var sigmas: [Double] = []
        var blocks: [(rows: Int, cols: Int, sumOfSquares: Double, taps: Double)] = []
        let batch = session.trainPlan.batch
        let haveStep = recorded
        session.withTrainView { v in
            for (i, t) in targets.enumerated() {
                var a = LayerAnalysis(name: t.layer.name)
                if residualSteps[i] > 0 { a.residualRMS = residualRMSSum[i] / Double(residualSteps[i]) }
                if gradientSteps[i] > 0 { a.gradientRMS = gradientRMSSum[i] / Double(gradientSteps[i]) }
                if let s = activations[i], s.count > 0 {
                    let mean = s.sum / Double(s.count)
                    a.activationMean = mean
                    a.activationStd = max(s.sumOfSquares / Double(s.count) - mean * mean, 0).squareRoot()
                    if let flat = t.flat {
                        if flat.dead && s.units > 0 { a.deadFraction = Double(s.flatUnits) / Double(s.units) }
                        if flat.saturated { a.saturatedFraction = Double(s.flatElements) / Double(s.count) }
                    }
                }
                if haveStep && session.survives[t.layer.x.rawValue] {
                    a.input = spectrum(of: t.layer.x, channels: t.isConvolution, batch: batch, scale: 1, v)
                } else if haveStep {
                    a.input = inputSpectra[i]
                }
                if haveStep, let r = t.layer.r, session.survives[r.rawValue] {
                    // R = ∂L/∂Y of the mean loss, so a sample's own gradient is B·R: S = B² · R Rᵀ / N.
                    a.output = spectrum(of: r, channels: t.isConvolution, batch: batch,
                                        scale: Double(batch) * Double(batch), v)
                }
                let sigma = v.largestSingularValue(t.layer.weight, rows: t.rows, cols: t.cols)
                a.sigmaMax = sigma
                sigmas.append(sigma)
                let squares = v.sumOfSquares(t.layer.weight)
                blocks.append((t.rows, t.cols, squares, t.inputTaps))
                if squares > 0 { a.saWeightScale = Double(t.rows) / squares }
                a.saInputScale = t.inputTaps * Double(t.rows) / Double(max(t.cols, 1))
                if let norm = t.norm { a.normMinFactor = normMinFactor(norm) }
                if let p = kfac[t.layer.name] { kfacFactors(p, v, into: &a) }
                layers.append(a)
            }
        }
        // The scale-amended walk goes from the output back to the input.
        let factors = ScaleAmendWalk.factors(blocks.reversed())
        for (i, f) in factors.reversed().enumerated() { layers[i].saGradientFactor = f }
        var bound: Double?
        if boundApplies {
            let factors = norms.compactMap(normMinFactor)
            if factors.count == norms.count { bound = OperatorNormBound.bound(sigmas: sigmas, normMinFactors: factors) }
        }
        analysisSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let record = AnalysisRecord(epoch: epoch, step: step, steps: steps, layers: layers, operatorNormBound: bound,
                                    analysisSeconds: analysisSeconds, trainingSeconds: trainingSeconds)
        reset()
        return record
    }

    /// The spectra of K-FAC's averaged factors once formed, and the λ of the inverses held.
    private func kfacFactors(_ p: KFACPreconditioning, _ v: BufferView, into a: inout LayerAnalysis) {
        let state = v.withSpan(p.state) { s in (0..<KFACStep.slots).map { Double(s[$0]) } }
        guard state[KFACStep.formations] > 0 else { return }
        a.kfacA = Spectrum(eigenvalues: v.symmetricEigenvalues(ofFloat: p.a, n: p.n))
        a.kfacG = Spectrum(eigenvalues: v.symmetricEigenvalues(ofFloat: p.g, n: p.rows))
        if state[KFACStep.held] == 1 { a.kfacDamping = state[KFACStep.usedDamping] }
    }

    private func reset() {
        for i in targets.indices {
            residualRMSSum[i] = 0; gradientRMSSum[i] = 0
            residualSteps[i] = 0; gradientSteps[i] = 0
            activations[i] = nil
            inputSpectra[i] = nil
        }
        steps = 0
        recorded = false
        analysisSeconds = 0
        trainingSeconds = 0
    }

    private func normMinFactor(_ norm: (name: String, history: Double, relativeEpsilon: Double, epsilonOf: RMSEpsilonBase)) -> Double? {
        let updates = session.read("\(norm.name).steps").first.map { $0 >= 0 && $0 < 1e15 ? Int($0) : 0 } ?? 0
        return OperatorNormBound.rmsNormMinFactor(d: session.read("\(norm.name).d"), updates: updates,
                                                  history: norm.history, relativeEpsilon: norm.relativeEpsilon,
                                                  epsilonOf: norm.epsilonOf)
    }

    private func activationSummary(_ t: Target, _ v: BufferView) -> ActivationSummary? {
        guard let id = t.activation else { return nil }
        let (batch, units, spatial) = LayerAnalyzer.layout(session.trainPlan.buffer(id).shape)
        return v.activationSummary(id, batch: batch, units: units, spatial: spatial,
                                            low: t.flat?.low ?? -.infinity, high: t.flat?.high ?? .infinity)
    }

    /// The second moment of a batch buffer: over its elements as units for a dense layer; over
    /// its C channels for a convolution's (B, C, H, W), every sample and position a column,
    /// more than 10 000 columns thinned to every k-th as SGD2 does.
    private func spectrum(of id: BufferID, channels: Bool, batch: Int, scale: Double, _ v: BufferView) -> Spectrum? {
        let shape = session.trainPlan.buffer(id).shape
        let (b, units, spatial) = channels ? LayerAnalyzer.layout(shape) : (shape.first ?? 0, shape.dropFirst().reduce(1, *), 1)
        guard b == batch, units > 0 else { return nil }
        let eigenvalues: [Double]
        if spatial == 1 {
            eigenvalues = v.secondMomentEigenvalues(x: id, featureStride: 1, sampleStride: units, features: units,
                                                  samples: b, scale: scale)
        } else {
            let columns = b * spatial
            let every = (columns + 9_999) / 10_000
            let indices = stride(from: 0, to: columns, by: every).map { c in (c / spatial) * units * spatial + c % spatial }
            eigenvalues = v.secondMomentEigenvalues(x: id, featureStride: spatial, sampleStride: 1, features: units,
                                                  samples: columns, sampleIndices: indices, scale: scale)
        }
        return Spectrum(eigenvalues: eigenvalues)
    }

    /// (batch, units, positions per unit) of a buffer shape: (B, n) is n units, (B, C, H, W)
    /// is C channels of H·W positions. A dense layer's X behind a flatten keeps its (B, C, H, W)
    /// shape, but every element is then a unit of its own.
    static func layout(_ shape: [Int]) -> (Int, Int, Int) {
        guard let batch = shape.first else { return (0, 0, 0) }
        if shape.count == 4 { return (batch, shape[1], shape[2] * shape[3]) }
        return (batch, shape.dropFirst().reduce(1, *), 1)
    }

    /// Layers that start another stage: the search for a layer's activation or its norm stops there.
    static func endsLayer(_ op: LayerOp) -> Bool {
        switch op {
        case .dense, .conv, .residual, .maxPool, .avgPool, .globalAvgPool, .maxout: return true
        default: return false
        }
    }

    /// Where an activation is flat (its derivative below 1 % of its largest), and whether a
    /// unit flat for a whole batch counts as dead (ReLU, modulus) or the flat elements as
    /// saturated (tanh, sigmoid). Leaky and parametric ReLUs have no flat region.
    static func flatRegion(_ a: Activation) -> (low: Float, high: Float, dead: Bool, saturated: Bool)? {
        switch a {
        case .relu, .modulus: return (0, .infinity, true, false)
        case .tanh: return (-0.995, 0.995, true, true)            // 1 − y² < 0.01
        case .sigmoid: return (0.002506, 0.997494, true, true)     // y(1 − y) < 0.0025
        default: return nil
        }
    }
}
