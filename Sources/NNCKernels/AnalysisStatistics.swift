// The per-layer analyses' reductions (docs/ALGORITHMS.md "Gradient energy", "Layer-wise
// conditioning"): sums of squares and activation statistics in Double, and the spectrum of a
// second-moment matrix. They run once per step or per record, never in a plain training step.

/// Σ x² in Double, in plain order (the gradient energy of a residual or a weight gradient).
// x (count) -> scalar
public func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = 0
    while i + 4 <= count {
        let a = Double(x[i]), b = Double(x[i + 1]), c = Double(x[i + 2]), d = Double(x[i + 3])
        s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
        i += 4
    }
    while i < count {
        let a = Double(x[i])
        s0 += a * a
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// What `activationSummary` counts over a batch of activations.
public struct ActivationSummary: Equatable, Sendable {
    public var count: Int
    public var sum: Double
    public var sumOfSquares: Double
    /// Elements outside the open interval (low, high): where the activation is flat.
    public var flatElements: Int
    /// Units (channels) whose every element in the batch is flat.
    public var flatUnits: Int
    public var units: Int

    public init(count: Int = 0, sum: Double = 0, sumOfSquares: Double = 0, flatElements: Int = 0,
                flatUnits: Int = 0, units: Int = 0) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.flatElements = flatElements
        self.flatUnits = flatUnits
        self.units = units
    }
}

/// Sums, sums of squares and flat-region counts of a batch of activations laid out
/// (batch, units, spatial). An element is flat when `y <= low` or `y >= high` (for a ReLU
/// `low = 0, high = ∞`: the zeros; for tanh `±0.995`: the saturated tails).
// y (batch, units, spatial) -> summary
public func activationSummary(_ y: UnsafePointer<Float>, batch: Int, units: Int, spatial: Int,
                              low: Float, high: Float) -> ActivationSummary {
    var s = ActivationSummary(count: batch * units * spatial, units: units)
    var active = [Bool](repeating: false, count: units)
    for n in 0..<batch {
        for c in 0..<units {
            let row = y + (n * units + c) * spatial
            var sum = 0.0, squares = 0.0, flat = 0
            for k in 0..<spatial {
                let v = row[k]
                sum += Double(v)
                squares += Double(v) * Double(v)
                if v <= low || v >= high { flat += 1 }
            }
            s.sum += sum
            s.sumOfSquares += squares
            s.flatElements += flat
            if flat < spatial { active[c] = true }
        }
    }
    s.flatUnits = batch * spatial == 0 ? 0 : active.reduce(0) { $0 + ($1 ? 0 : 1) }
    return s
}

/// Eigenvalues, largest first, of the second-moment matrix `M = scale · X Xᵀ / N` of a Float
/// matrix X (features × samples, element (f, s) at `x[f·featureStride + s·sampleStride]`,
/// `sampleIndices` selecting N of the samples when given): `syrk`, then tridiagonal QL
/// (`symmetricEigenvalues`; NaN if it fails to converge), all in Double.
// X (features, samples) -> eigenvalues (features), descending
public func secondMomentEigenvalues(x: UnsafePointer<Float>, featureStride: Int, sampleStride: Int,
                                    features: Int, samples: Int, sampleIndices: [Int]? = nil,
                                    scale: Double = 1) -> [Double] {
    guard features > 0 else { return [] }
    let n = sampleIndices?.count ?? samples
    var m = [Double](repeating: 0, count: features * features)
    var values = [Double](repeating: 0, count: features)
    m.withUnsafeMutableBufferPointer { mp in
        let out = mp.baseAddress!
        if let sampleIndices {
            sampleIndices.withUnsafeBufferPointer { ip in
                syrk(x: x, featureStride: featureStride, sampleStride: sampleStride, features: features,
                     samples: n, sampleIndices: ip.baseAddress, out: out, ldo: features)
            }
        } else {
            syrk(x: x, featureStride: featureStride, sampleStride: sampleStride, features: features,
                 samples: n, out: out, ldo: features)
        }
        if scale != 1 { for i in 0..<(features * features) { out[i] *= scale } }
        // A failed QL leaves NaNs, which the caller's summary reads as no spectrum.
        _ = values.withUnsafeMutableBufferPointer { vp in
            symmetricEigenvalues(out, n: features, lda: features, eigenvalues: vp.baseAddress!)
        }
    }
    return values
}

/// The largest singular value of a Float matrix given as an array (rows × cols, row-major):
/// `largestSingularValue` for callers that hold a copy rather than a pointer.
public func largestSingularValue(_ w: [Float], rows: Int, cols: Int) -> Double {
    precondition(w.count >= rows * cols, "largestSingularValue: \(w.count) values for \(rows) × \(cols)")
    if rows == 0 || cols == 0 { return 0 }
    return w.withUnsafeBufferPointer { largestSingularValue($0.baseAddress!, rows: rows, cols: cols, ldw: max(cols, 1)) }
}
