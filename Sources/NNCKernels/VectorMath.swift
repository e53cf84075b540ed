// Vectorised exp, tanh and sigmoid on SIMD16<Float> (Cephes' single-precision polynomials),
// so that activations run at vector speed; NaN propagates and ±Inf saturate.

typealias F16 = SIMD16<Float>

/// e^x per lane: within a few ulp over the whole range; +Inf above 88.72, 0 below -103.
/// Written with comparisons, selects and bit casts only: the generic SIMD clamp and
/// float-to-int conversions compile to per-lane calls.
@inline(__always)
func exp16(_ x: F16) -> F16 {
    let hi: Float = 88.72283, lo: Float = -103
    var xc = x.replacing(with: hi, where: x .> hi)
    xc.replace(with: lo, where: x .< lo)
    // x = n·ln2 + r with |r| <= ln2/2; ln2 split in two for exactness.
    var n = (xc * 1.44269504088896341).rounded(.toNearestOrEven)
    n.replace(with: 0, where: n .!= n)
    var r = xc - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = F16(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * (r * r) + r + 1
    // 2^n as two factors 2^n1·2^n2 (so n down to -149 stays in the normal range), each built
    // in the exponent field: adding 1.5·2^23 leaves the integer n in the low mantissa bits.
    let n1 = (n * 0.5).rounded(.down)
    let n2 = n - n1
    let magic = SIMD16<Int32>(repeating: 0x4B40_0000 - 127)
    let e1 = (unsafeBitCast(n1 + 0x1.8p23, to: SIMD16<Int32>.self) &- magic) &<< 23
    let e2 = (unsafeBitCast(n2 + 0x1.8p23, to: SIMD16<Int32>.self) &- magic) &<< 23
    var out = y * unsafeBitCast(e1, to: F16.self) * unsafeBitCast(e2, to: F16.self)
    out.replace(with: .infinity, where: x .> hi)
    out.replace(with: 0, where: x .< lo)
    out.replace(with: x, where: x .!= x)
    return out
}

/// |x| per lane (clears the sign bit, so NaN stays NaN).
@inline(__always)
func abs16(_ x: F16) -> F16 {
    unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: F16.self)
}

/// 1 / (1 + e^-x) per lane.
@inline(__always)
func sigmoid16(_ x: F16) -> F16 {
    1 / (1 + exp16(-x))
}

/// tanh x per lane: an odd polynomial near 0 (no cancellation), 1 - 2/(e^2|x| + 1) elsewhere.
@inline(__always)
func tanh16(_ x: F16) -> F16 {
    let ax = abs16(x)
    let z = x * x
    var p = F16(repeating: -5.70498872745e-3)
    p = p * z + 2.06390887954e-2
    p = p * z - 5.37397155531e-2
    p = p * z + 1.33314422036e-1
    p = p * z - 3.33332819422e-1
    let small = p * z * ax + ax
    var out = 1 - 2 / (exp16(2 * ax) + 1)
    out.replace(with: small, where: ax .< 0.625)
    // tanh is odd: give the magnitude the sign of x (so tanh(-0) = -0).
    let signBit = SIMD16<UInt32>(repeating: 0x8000_0000)
    out = unsafeBitCast(unsafeBitCast(out, to: SIMD16<UInt32>.self)
                            | (unsafeBitCast(x, to: SIMD16<UInt32>.self) & signBit), to: F16.self)
    out.replace(with: x, where: x .!= x)
    return out
}

/// The same functions on one scalar, through the vector code so that every element of a
/// tensor is computed identically wherever it sits.
func expScalar(_ x: Float) -> Float { exp16(F16(repeating: x))[0] }
func tanhScalar(_ x: Float) -> Float { tanh16(F16(repeating: x))[0] }
func sigmoidScalar(_ x: Float) -> Float { sigmoid16(F16(repeating: x))[0] }
