// Losses, each forward fused with its gradient: one pass over the logits.

/// Softmax cross-entropy, mean over the batch. Returns the loss; when `dlogits` is given,
/// writes the gradient of that mean loss, `(softmax(logits) − onehot(label)) / batch`, and
/// when `probabilities` is given, the softmax. A NaN or +Inf logit makes its sample's loss
/// and gradient NaN. `dlogits` may alias `logits`.
// logits (B, C) row stride ldl, labels (B) -> loss, dlogits (B, C), probabilities (B, C)
public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                batch: Int, classes: Int, ldl: Int? = nil,
                                dlogits: UnsafeMutablePointer<Float>? = nil,
                                probabilities: UnsafeMutablePointer<Float>? = nil, threads: Int = 1) -> Float {
    let ld = ldl ?? classes
    let invB = 1 / Float(max(batch, 1))
    // Rows are independent; each row's loss term is kept and the terms are added in row order
    // afterwards, so threads (taking whole rows) give the 1-thread bits.
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(batch, 1)) { terms in
        // 2048 logits a part at least: a 500 × 10 batch's two halves each cost more than the hand-off.
        parallelChunks(batch, threads: threads, grain: max(1, (1 << 11) / max(classes, 1)), align: 1) { rows in
            if classes <= 16 {
                for b in rows {
                    terms[b] = softmaxCrossEntropyRow(logits, labels, b, batch: batch, classes: classes, ld: ld,
                                                      invB: invB, dlogits: dlogits, probabilities: probabilities)
                }
                return
            }
            for b in rows {
                let row = logits + b * ld
                let label = Int(labels[b])
                precondition(label >= 0 && label < classes, "softmaxCrossEntropy: label \(label) outside 0..<\(classes)")
                var mv = F16(repeating: -.infinity)
                forEachChunk(classes) { j, w in mv = max16(mv, load16(row + j, w, fill: -.infinity)) }
                let m = horizontalMax(mv)
                let m16 = F16(repeating: m)
                var sv = F16()
                forEachChunk(classes) { j, w in
                    // Lanes beyond the row hold -inf and contribute e^-inf = 0.
                    sv += exp16(load16(row + j, w, fill: -.infinity) - m16)
                }
                let s = sv.sum()
                let logSum = Float(_log(Double(s)))
                terms[b] = Double(logSum) - Double(row[label] - m)
                if dlogits != nil || probabilities != nil {
                    let scale = 1 / s
                    let target = row[label]
                    forEachChunk(classes) { j, w in
                        let p = exp16(load16(row + j, w) - m16) * scale
                        if let pr = probabilities { store16(p, pr + b * classes + j, w) }
                        if let d = dlogits { store16(p * invB, d + b * ld + j, w) }
                    }
                    if let d = dlogits {
                        // The one-hot term, from the softmax of the label's logit itself.
                        let pl = expScalar(target - m) * scale
                        d[b * ld + label] = (pl - 1) * invB
                    }
                }
            }
        }
        var total = 0.0
        for b in 0..<batch { total += terms[b] }
        return batch == 0 ? 0 : Float(total / Double(batch))
    }
}

/// One row of `softmaxCrossEntropy` when it fits one vector (classes ≤ 16): the same bits as
/// the general loop, with each exponential computed once and the row read with one full load
/// wherever 16 values from its start stay inside the logits (lanes past it made −∞), since
/// building a 10-lane vector value by value cost more than the arithmetic on it.
@inline(__always)
private func softmaxCrossEntropyRow(_ logits: UnsafePointer<Float>, _ labels: UnsafePointer<Int32>, _ b: Int,
                                    batch: Int, classes: Int, ld: Int, invB: Float,
                                    dlogits: UnsafeMutablePointer<Float>?,
                                    probabilities: UnsafeMutablePointer<Float>?) -> Double {
    let row = logits + b * ld
    let label = Int(labels[b])
    precondition(label >= 0 && label < classes, "softmaxCrossEntropy: label \(label) outside 0..<\(classes)")
    let v: F16
    if b * ld + 16 <= (batch - 1) * ld + classes {
        v = load16(row).replacing(with: -.infinity, where: lanes16 .>= SIMD16<Int32>(repeating: Int32(classes)))
    } else {
        v = load16(row, classes, fill: -.infinity)
    }
    let m = any(v .!= v) ? Float.nan : reduceMax(v)
    let e = exp16(v - F16(repeating: m))
    let s = e.sum()
    let logSum = Float(_log(Double(s)))
    if dlogits != nil || probabilities != nil {
        let scale = 1 / s
        let p = e * scale
        if let pr = probabilities { store16(p, pr + b * classes, classes) }
        if let d = dlogits {
            store16(p * invB, d + b * ld, classes)
            d[b * ld + label] = (e[label] * scale - 1) * invB
        }
    }
    return Double(logSum) - Double(row[label] - m)
}

/// Row-wise softmax, for predictions.
// x (B, C) -> y (B, C)
public func softmax(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch: Int, classes: Int) {
    for b in 0..<batch {
        let row = x + b * classes
        var mv = F16(repeating: -.infinity)
        forEachChunk(classes) { j, w in mv = max16(mv, load16(row + j, w, fill: -.infinity)) }
        let m16 = F16(repeating: horizontalMax(mv))
        var sv = F16()
        forEachChunk(classes) { j, w in
            let e = exp16(load16(row + j, w, fill: -.infinity) - m16)
            sv += e
            store16(e, y + b * classes + j, w)
        }
        let scale = 1 / sv.sum()
        forEachChunk(classes) { j, w in store16(load16(UnsafePointer(y + b * classes + j), w) * scale, y + b * classes + j, w) }
    }
}

/// The plain definition in Double: loss = mean_b (log Σ_j e^{x_bj} − x_b,label).
public func softmaxCrossEntropyReference(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                         batch: Int, classes: Int,
                                         dlogits: UnsafeMutablePointer<Float>?) -> Float {
    var total = 0.0
    for b in 0..<batch {
        let row = logits + b * classes
        var m = -Double.infinity
        var nan = false
        for j in 0..<classes { m = max(m, Double(row[j])); if row[j].isNaN { nan = true } }
        if nan { m = .nan }
        var s = 0.0
        for j in 0..<classes { s += _exp(Double(row[j]) - m) }
        let label = Int(labels[b])
        total += _log(s) + m - Double(row[label])
        if let d = dlogits {
            for j in 0..<classes {
                let p = _exp(Double(row[j]) - m) / s
                d[b * classes + j] = Float((p - (j == label ? 1 : 0)) / Double(batch))
            }
        }
    }
    return batch == 0 ? 0 : Float(total / Double(batch))
}

/// Mean squared error over all elements, `mean((pred − target)²)`, and its gradient
/// `2(pred − target)/count` when `grad` is given (the sum is reordered).
// pred, target (count) -> loss, grad (count)
public func meanSquaredError(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                             grad: UnsafeMutablePointer<Float>? = nil) -> Float {
    if count == 0 { return 0 }
    let scale = 2 / Float(count)
    var total = 0.0
    var start = 0
    while start < count {
        let end = min(count, start + 4096)
        var acc = F16()
        var i = start
        while i < end {
            let w = min(16, end - i)
            let d = load16(prediction + i, w) - load16(target + i, w)
            acc.addProduct(d, d)
            if let g = grad { store16(d * scale, g + i, w) }
            i += w
        }
        total += Double(acc.sum())
        start = end
    }
    return Float(total / Double(count))
}

public func meanSquaredErrorReference(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                                      grad: UnsafeMutablePointer<Float>?) -> Float {
    var s = 0.0
    for i in 0..<count {
        let d = Double(prediction[i]) - Double(target[i])
        s += d * d
        grad?[i] = Float(2 * d / Double(count))
    }
    return count == 0 ? 0 : Float(s / Double(count))
}
