// Loops over a tensor laid out (N, C, S) — batch, channels, positions per channel (S = 1 for
// a dense layer's (B, C)) — in 16-lane chunks whose lanes all have a known channel, so
// per-channel parameters can be read as vectors: for S == 1 a chunk is 16 channels of one
// sample, otherwise up to 16 positions of one channel.

/// Per-channel parameters for the chunk being visited.
struct ChannelChunk {
    let channel: Int
    let lanes: Int
    let spansChannels: Bool

    /// `p[channel]` for every lane.
    @inline(__always)
    func param(_ p: UnsafePointer<Float>) -> F16 {
        spansChannels ? load16(p + channel, lanes) : F16(repeating: p[channel])
    }

    @inline(__always)
    func param(_ p: UnsafeMutablePointer<Float>) -> F16 { param(UnsafePointer(p)) }
}

/// Calls `body(offset, lanes, chunk)` for every chunk of an (N, C, S) tensor.
@inline(__always)
func forEachChannelChunk(_ n: Int, _ c: Int, _ s: Int, threads: Int = 1, _ body: (Int, Int, ChannelChunk) -> Void) {
    // Threads take whole samples.
    parallelChunks(n, threads: threads, grain: max(1, (1 << 15) / max(c * s, 1)), align: 1) { samples in
        forEachChannelChunk(samples, c, s, body)
    }
}

@inline(__always)
private func forEachChannelChunk(_ samples: Range<Int>, _ c: Int, _ s: Int, _ body: (Int, Int, ChannelChunk) -> Void) {
    if s == 1 {
        for i in samples {
            forEachChunk(c) { j, w in body(i * c + j, w, ChannelChunk(channel: j, lanes: w, spansChannels: true)) }
        }
    } else {
        for i in samples {
            for ch in 0..<c {
                let base = (i * c + ch) * s
                let chunk = ChannelChunk(channel: ch, lanes: 16, spansChannels: false)
                forEachChunk(s) { j, w in body(base + j, w, chunk) }
            }
        }
    }
}

/// `acc[c] = Σ over samples and positions of f(chunk)` per channel, in Float (a reordered sum:
/// 16-lane partial sums along positions, then samples in order). Lanes of a partial chunk
/// beyond `lanes` are ignored.
@inline(__always)
func channelSums(_ n: Int, _ c: Int, _ s: Int, into acc: UnsafeMutablePointer<Float>, threads: Int = 1,
                 _ f: (Int, Int, ChannelChunk) -> F16) {
    acc.update(repeating: 0, count: c)
    // Threads take whole channels (16-aligned when channels share a vector); each channel still
    // adds its samples in order.
    let grain = max(1, (1 << 15) / max(n * s, 1))
    if s == 1 {
        forEachChunk(c, threads: threads, grain: max(16, grain)) { j, w in
            for i in 0..<n {
                let v = f(i * c + j, w, ChannelChunk(channel: j, lanes: w, spansChannels: true))
                store16(load16(UnsafePointer(acc + j), w) + v, acc + j, w)
            }
        }
    } else {
        parallelChunks(c, threads: threads, grain: grain, align: 1) { channels in
            for ch in channels {
                let chunk = ChannelChunk(channel: ch, lanes: 16, spansChannels: false)
                for i in 0..<n {
                    let base = (i * c + ch) * s
                    var part = F16()
                    forEachChunk(s) { j, w in
                        var v = f(base + j, w, chunk)
                        if w < 16 { for l in w..<16 { v[l] = 0 } }
                        part += v
                    }
                    acc[ch] += part.sum()
                }
            }
        }
    }
}
