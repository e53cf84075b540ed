// Pointwise activations, forward beside backward. Backward kernels write `dx` (or add to it
// with `accumulate: true`, for a tensor read by several ops); `dx` may alias `dy`, `y` may
// alias `x`. The derivatives are `KernelActivation.backward16`'s.

/// Applies `act` to every element: `y = act(x)`.
// x (count) -> y (count)
public func activationForward(_ act: KernelActivation, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                              count: Int, threads: Int = 1) {
    switch act {
    case .none:
        if UnsafePointer(y) != x { forEachChunk(count, threads: threads) { i, w in (y + i).update(from: x + i, count: w) } }
    case .relu: map16(x, y, count, threads: threads) { KernelActivation.relu.apply16($0) }
    case .leakyRelu(let s): map16(x, y, count, threads: threads) { KernelActivation.leakyRelu(slope: s).apply16($0) }
    case .tanh: map16(x, y, count, threads: threads) { tanh16($0) }
    case .sigmoid: map16(x, y, count, threads: threads) { sigmoid16($0) }
    case .abs: map16(x, y, count, threads: threads) { abs16($0) }
    }
}

/// The gradient through `act`: `dx = dy ⊙ f'`, with f' from `saved` — the activation's output
/// when `savedIsOutput`, else its input (modulus needs its input).
// dy, saved (count) -> dx (count)
public func activationBackward(_ act: KernelActivation, dy: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                               savedIsOutput: Bool, dx: UnsafeMutablePointer<Float>, count: Int,
                               accumulate: Bool = false, threads: Int = 1) {
    switch act {
    case .none: zip16(dy, saved, dx, count, accumulate: accumulate, threads: threads) { g, _ in g }
    case .relu:
        zip16(dy, saved, dx, count, accumulate: accumulate, threads: threads) { KernelActivation.relu.backward16($0, saved: $1, savedIsOutput: true) }
    case .leakyRelu(let s):
        zip16(dy, saved, dx, count, accumulate: accumulate, threads: threads) {
            KernelActivation.leakyRelu(slope: s).backward16($0, saved: $1, savedIsOutput: true)
        }
    case .tanh:
        zip16(dy, saved, dx, count, accumulate: accumulate, threads: threads) {
            KernelActivation.tanh.backward16($0, saved: $1, savedIsOutput: savedIsOutput)
        }
    case .sigmoid:
        zip16(dy, saved, dx, count, accumulate: accumulate, threads: threads) {
            KernelActivation.sigmoid.backward16($0, saved: $1, savedIsOutput: savedIsOutput)
        }
    case .abs:
        zip16(dy, saved, dx, count, accumulate: accumulate, threads: threads) { KernelActivation.abs.backward16($0, saved: $1, savedIsOutput: false) }
    }
}

/// The plain definitions: what the fast kernels are tested against.
public func activationForwardReference(_ act: KernelActivation, x: UnsafePointer<Float>,
                                       y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = act.reference(x[i]) }
}

/// The plain gradient, from the activation's input `x`.
public func activationBackwardReference(_ act: KernelActivation, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                        dx: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false) {
    for i in 0..<count {
        let d = act.backwardReference(dy: dy[i], x: x[i])
        dx[i] = accumulate ? dx[i] + d : d
    }
}

/// `out = a + b`: a residual connection, or two gradient contributions summed.
// a, b (count) -> out (count)
public func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count: Int,
                threads: Int = 1) {
    zip16(a, b, out, count, threads: threads) { $0 + $1 }
}

/// `y = x + bias[c]` over (N, C, S), where no GEMM or convolution could take the bias.
// x (N, C, S), bias (C) -> y (N, C, S)
public func biasAdd(x: UnsafePointer<Float>, bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                    batch: Int, channels: Int, spatial: Int) {
    forEachChannelChunk(batch, channels, spatial) { o, w, k in store16(load16(x + o, w) + k.param(bias), y + o, w) }
}

/// `biasGrad[c] = Σ_n Σ_s dy[n, c, s]` (reordered along positions).
// dy (N, C, S) -> biasGrad (C)
public func biasGradient(dy: UnsafePointer<Float>, biasGrad: UnsafeMutablePointer<Float>,
                         batch: Int, channels: Int, spatial: Int, accumulate: Bool = false, threads: Int = 1) {
    if spatial == 1 {
        columnSums(dy, rows: batch, cols: channels, ldx: channels, out: biasGrad, accumulate: accumulate, threads: threads)
        return
    }
    // Threads take whole channels.
    parallelChunks(channels, threads: threads, grain: max(1, (1 << 15) / max(batch * spatial, 1)), align: 1) { range in
        for c in range {
            var total = 0.0
            for n in 0..<batch { total += blockedSum(dy + (n * channels + c) * spatial, spatial) }
            biasGrad[c] = accumulate ? biasGrad[c] + Float(total) : Float(total)
        }
    }
}

/// PReLU with one learned slope per channel: `y = x < 0 ? slope[c]·x : x`.
// x (N, C, S), slope (C) -> y (N, C, S)
public func preluForward(x: UnsafePointer<Float>, slope: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                         batch: Int, channels: Int, spatial: Int) {
    forEachChannelChunk(batch, channels, spatial) { o, w, k in
        let v = load16(x + o, w)
        store16(v.replacing(with: v * k.param(slope), where: v .< 0), y + o, w)
    }
}

/// PReLU's gradients: `dx = x > 0 ? dy : slope[c]·dy` (skipped when `dx` is nil),
/// `dslope[c] = Σ dy·min(x, 0)` (the slope sum is reordered).
// x, dy (N, C, S), slope (C) -> dx (N, C, S), dslope (C)
public func preluBackward(x: UnsafePointer<Float>, slope: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                          dx: UnsafeMutablePointer<Float>?, dslope: UnsafeMutablePointer<Float>,
                          batch: Int, channels: Int, spatial: Int, accumulate: Bool = false) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: max(channels, 1)) { tmp in
        let sums = tmp.baseAddress!
        channelSums(batch, channels, spatial, into: sums) { o, w, _ in
            let v = load16(x + o, w)
            return (v * load16(dy + o, w)).replacing(with: 0, where: v .> 0)
        }
        for c in 0..<channels { dslope[c] = accumulate ? dslope[c] + sums[c] : sums[c] }
    }
    guard let dx else { return }
    forEachChannelChunk(batch, channels, spatial) { o, w, k in
        let g = load16(dy + o, w)
        var d = (g * k.param(slope)).replacing(with: g, where: load16(x + o, w) .> 0)
        if accumulate { d += load16(UnsafePointer(dx + o), w) }
        store16(d, dx + o, w)
    }
}

public func preluBackwardReference(x: UnsafePointer<Float>, slope: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                   dx: UnsafeMutablePointer<Float>, dslope: UnsafeMutablePointer<Float>,
                                   batch: Int, channels: Int, spatial: Int) {
    for c in 0..<channels {
        var sum = 0.0
        for n in 0..<batch {
            for s in 0..<spatial {
                let i = (n * channels + c) * spatial + s
                if x[i] <= 0 { sum += Double(x[i]) * Double(dy[i]) }
                dx[i] = x[i] > 0 ? dy[i] : slope[c] * dy[i]
            }
        }
        dslope[c] = Float(sum)
    }
}

/// Maxout over groups of `k` consecutive channels: `y[n, g, s] = max_j x[n, g·k + j, s]`
/// (NaN if any member is NaN); `indices`, when given, gets the winning `j` (the first on ties).
/// For a dense layer `spatial` is 1.
// x (N, G·k, S) -> y (N, G, S), indices (N, G, S)
public func maxoutForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>?,
                          batch: Int, groups: Int, k: Int, spatial: Int) {
    precondition(k >= 1, "maxout: k must be at least 1")
    for n in 0..<batch {
        for g in 0..<groups {
            let out = y + (n * groups + g) * spatial
            let inp = x + (n * groups + g) * k * spatial
            if let indices {
                let idx = indices + (n * groups + g) * spatial
                for s in 0..<spatial {
                    var best = 0
                    var m = inp[s]
                    for j in 1..<k where !m.isNaN {
                        let v = inp[j * spatial + s]
                        if v > m || v.isNaN { m = v; best = j }
                    }
                    out[s] = m
                    idx[s] = Int32(best)
                }
            } else {
                forEachChunk(spatial) { s, w in
                    var m = load16(inp + s, w)
                    for j in 1..<k { m = max16(m, load16(inp + j * spatial + s, w)) }
                    store16(m, out + s, w)
                }
            }
        }
    }
}

/// Maxout's gradient: each `dy` goes to the member `indices` names, zero to the others.
// dy (N, G, S), indices (N, G, S) -> dx (N, G·k, S)
public func maxoutBackward(dy: UnsafePointer<Float>, indices: UnsafePointer<Int32>, dx: UnsafeMutablePointer<Float>,
                           batch: Int, groups: Int, k: Int, spatial: Int, accumulate: Bool = false) {
    for n in 0..<batch {
        for g in 0..<groups {
            let o = (n * groups + g) * spatial
            let out = dx + o * k
            if !accumulate { out.update(repeating: 0, count: k * spatial) }
            for s in 0..<spatial { out[Int(indices[o + s]) * spatial + s] += dy[o + s] }
        }
    }
}

public func maxoutForwardReference(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                   batch: Int, groups channels: Int, k: Int, spatial: Int) {
    for n in 0..<batch {
        for c in 0..<channels {
            for s in 0..<spatial {
                var m = -Float.infinity
                var sawNaN = false
                for j in 0..<k {
                    let v = x[((n * channels + c) * k + j) * spatial + s]
                    if v.isNaN { sawNaN = true }
                    m = Swift.max(m, v)
                }
                y[(n * channels + c) * spatial + s] = sawNaN ? .nan : m
            }
        }
    }
}

/// Inverted dropout's mask from uniform [0, 1) numbers: 0 with probability `p`,
/// `1/(1 − p)` otherwise, so that no rescaling is needed at evaluation. `mask` may alias
/// `uniform` (fill the mask with the step's random numbers, then call this in place).
// uniform (count) -> mask (count)
public func dropoutMask(uniform: UnsafePointer<Float>, p: Float, mask: UnsafeMutablePointer<Float>, count: Int) {
    precondition(p >= 0 && p < 1, "dropout: p must be in [0, 1)")
    let keep = 1 / (1 - p)
    map16(uniform, mask, count) { u in F16(repeating: keep).replacing(with: 0, where: u .< p) }
}

/// Applies a dropout mask, forward (`y = x·mask`) and backward (`dx = dy·mask`) alike.
// x (count), mask (count) -> y (count)
public func dropoutApply(x: UnsafePointer<Float>, mask: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                         count: Int, accumulate: Bool = false) {
    zip16(x, mask, y, count, accumulate: accumulate) { $0 * $1 }
}

/// `y[i] = f(x[i])` 16 lanes at a time (or `y[i] += f(x[i])`).
@inline(__always)
func map16(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
           accumulate: Bool = false, threads: Int = 1, _ f: (F16) -> F16) {
    if accumulate {
        forEachChunk(count, threads: threads) { i, w in store16(load16(UnsafePointer(y + i), w) + f(load16(x + i, w)), y + i, w) }
    } else {
        forEachChunk(count, threads: threads) { i, w in store16(f(load16(x + i, w)), y + i, w) }
    }
}

/// `z[i] = f(x[i], y[i])` 16 lanes at a time (or `z[i] += …`).
@inline(__always)
func zip16(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ count: Int,
           accumulate: Bool = false, threads: Int = 1, _ f: (F16, F16) -> F16) {
    if accumulate {
        forEachChunk(count, threads: threads) { i, w in
            store16(load16(UnsafePointer(z + i), w) + f(load16(x + i, w), load16(y + i, w)), z + i, w)
        }
    } else {
        forEachChunk(count, threads: threads) { i, w in store16(f(load16(x + i, w), load16(y + i, w)), z + i, w) }
    }
}
