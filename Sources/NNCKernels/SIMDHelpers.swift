// Loads and stores of 16-lane vectors at any alignment, with partial vectors for tails: a
// tail element goes through the same vector code as every other element.

@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> F16 {
    UnsafeRawPointer(p).loadUnaligned(as: F16.self)
}

@inline(__always)
func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self)
}

/// The first `w` (1…16) lanes from `p`, the rest `fill`.
@inline(__always)
func load16(_ p: UnsafePointer<Float>, _ w: Int, fill: Float = 0) -> F16 {
    if w == 16 { return load16(p) }
    var v = F16(repeating: fill)
    for l in 0..<w { v[l] = p[l] }
    return v
}

/// Stores the first `w` (1…16) lanes at `p`.
@inline(__always)
func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>, _ w: Int) {
    if w == 16 { store16(v, p); return }
    for l in 0..<w { p[l] = v[l] }
}

/// Lane-wise maximum that propagates NaN from either side.
@inline(__always)
func max16(_ a: F16, _ b: F16) -> F16 {
    a.replacing(with: b, where: (a .< b) .| (b .!= b))
}

/// Largest element of a vector, NaN if any lane is NaN.
@inline(__always)
func horizontalMax(_ v: F16) -> Float {
    var m = v[0]
    for l in 1..<16 where !m.isNaN && (v[l] > m || v[l].isNaN) { m = v[l] }
    return m
}

/// Runs `body(i, w)` over `0..<count` in chunks of 16 (`w` lanes valid in the last).
@inline(__always)
func forEachChunk(_ count: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i + 16 <= count {
        body(i, 16)
        i += 16
    }
    if i < count { body(i, count - i) }
}

/// Sum of `count` floats: 16-lane partial sums over blocks of 4096, blocks added in Double,
/// so the error stays near 300 ulp of Σ|x| whatever the length (a reordered sum).

func blockedSum(_ x: UnsafePointer<Float>, _ count: Int, squares: Bool = false) -> Double {
    var total = 0.0
    var start = 0
    while start < count {
        let end = min(count, start + 4096)
        var a0 = F16(), a1 = F16()
        var i = start
        while i + 32 <= end {
            let v0 = load16(x + i), v1 = load16(x + i + 16)
            if squares { a0.addProduct(v0, v0); a1.addProduct(v1, v1) } else { a0 += v0; a1 += v1 }
            i += 32
        }
        while i < end {
            let w = min(16, end - i)
            let v = load16(x + i, w)
            if squares { a0.addProduct(v, v) } else { a0 += v }
            i += w
        }
        total += Double((a0 + a1).sum())
        start = end
    }
    return total
}
