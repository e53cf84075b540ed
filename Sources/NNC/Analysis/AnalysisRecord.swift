/// When `nnc train --analyze` writes an analysis record.
public enum AnalysisSchedule: Equatable, Sendable {
    /// After each epoch's last step.
    case everyEpoch
    /// After every n-th step (counted over the run).
    case everySteps(Int)

    /// Whether `step` (1-based over the run), the `batchInEpoch`-th of `stepsPerEpoch`, ends with a record.
    func records(step: Int, batchInEpoch: Int, stepsPerEpoch: Int) -> Bool {
        switch self {
        case .everyEpoch: return batchInEpoch == stepsPerEpoch
        case .everySteps(let n): return step % max(n, 1) == 0
        }
    }
}

/// One `analysis` record of the log (docs/LOG.md): per dense/conv layer, first to last, the
/// quantities docs/ALGORITHMS.md defines, and the network's operator-norm bound.
public struct AnalysisRecord: Sendable {
    public var epoch: Int
    public var step: Int
    /// Training steps the RMS values average over (those since the previous record).
    public var steps: Int
    public var layers: [LayerAnalysis]
    /// Π σ_max(W) · Π RMS-norm gain; nil when the network is not a chain the bound covers.
    public var operatorNormBound: Double?
    /// Time spent on the analysis since the previous record, this record's computation included.
    public var analysisSeconds: Double
    /// Time of the training steps since the previous record, the analysis's share excluded.
    public var trainingSeconds: Double

    /// The analysis's cost relative to the training it watched (0.05 = 5 %).
    public var overhead: Double { trainingSeconds > 0 ? analysisSeconds / trainingSeconds : 0 }
}

/// One layer's analysis. A field is nil when it does not apply (no RMS norm in front, an
/// activation without a flat region) or its buffers were not readable.
public struct LayerAnalysis: Sendable {
    public var name: String
    public var residualRMS: Double?
    public var gradientRMS: Double?
    public var activationMean: Double?
    public var activationStd: Double?
    public var deadFraction: Double?
    public var saturatedFraction: Double?
    public var sigmaMax: Double?
    /// A = E[x xᵀ] (inputs) and S = E[δ δᵀ] (per-sample output gradients).
    public var input: Spectrum?
    public var output: Spectrum?
    public var normMinFactor: Double?
    /// Scale-amended SGD's m_{b,W} and m_{b,z}, and the factor its walk multiplies G by.
    public var saWeightScale: Double?
    public var saInputScale: Double?
    public var saGradientFactor: Double?

    /// K-FAC's moving-average factors A and G as its last step held them, and the λ of the
    /// inverses in use (optimizer kfac only).
    public var kfacA: Spectrum?
    public var kfacG: Spectrum?
    public var kfacDamping: Double?

    public init(name: String) { self.name = name }

    /// cond(A ⊗ S) = cond(A) · cond(S): the product's eigenvalues are the pairwise products.
    public var productCondition: Double? {
        guard let a = input?.condition, let s = output?.condition else { return nil }
        return a * s
    }

    /// The fields in log order, by their log names; nil values left out.
    public var fields: [(String, Double)] {
        let all: [(String, Double?)] = [
            ("residual_rms", residualRMS), ("gradient_rms", gradientRMS),
            ("activation_mean", activationMean), ("activation_std", activationStd),
            ("dead_fraction", deadFraction), ("saturated_fraction", saturatedFraction),
            ("sigma_max", sigmaMax),
            ("input_eig_max", input?.eigMax), ("input_eig_min", input?.eigMin),
            ("input_condition", input?.condition), ("input_general_condition", input?.generalCondition),
            ("input_rank", input.map { Double($0.rank) }),
            ("output_eig_max", output?.eigMax), ("output_eig_min", output?.eigMin),
            ("output_condition", output?.condition), ("output_general_condition", output?.generalCondition),
            ("output_rank", output.map { Double($0.rank) }),
            ("product_condition", productCondition), ("norm_min_factor", normMinFactor),
            ("sa_weight_scale", saWeightScale), ("sa_input_scale", saInputScale),
            ("sa_gradient_factor", saGradientFactor),
            ("kfac_a_condition", kfacA?.condition), ("kfac_a_general_condition", kfacA?.generalCondition),
            ("kfac_g_condition", kfacG?.condition), ("kfac_g_general_condition", kfacG?.generalCondition),
            ("kfac_damping", kfacDamping),
        ]
        return all.compactMap { name, value in value.map { (name, $0) } }
    }
}

extension AnalysisRecord {
    /// The record as one JSON line of the training log (without its newline).
    public var logLine: String {
        var o = JSONObject()
        o.add("type", string: "analysis")
        o.add("epoch", epoch)
        o.add("step", step)
        o.add("steps", steps)
        o.add("layers", raw: "[" + layers.map { layer in
            var item = JSONObject()
            item.add("name", string: layer.name)
            for (key, value) in layer.fields { item.add(key, value) }
            return item.text
        }.joined(separator: ",") + "]")
        if let bound = operatorNormBound { o.add("operator_norm_bound", bound) }
        o.add("analysis_seconds", analysisSeconds)
        o.add("training_seconds", trainingSeconds)
        return o.text
    }
}
