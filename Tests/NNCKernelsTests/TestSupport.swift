import NNCKernels
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

func libmExp(_ x: Double) -> Double { exp(x) }
func libmTanh(_ x: Double) -> Double { tanh(x) }

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float() * scale } }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Single-precision unit roundoff.
let unitRoundoff: Float = 0x1p-24

/// Equal as IEEE values, treating every NaN as equal to every NaN.
func sameValue(_ x: Float, _ y: Float) -> Bool {
    (x.isNaN && y.isNaN) || x == y
}

/// Bit-for-bit equality of two arrays.
func bitIdentical(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// The first index where `x` and `y` differ by more than `tol(i)` (NaN must match NaN, ±Inf
/// must match exactly), or nil.
func firstMismatch(_ x: [Float], _ y: [Float], tol: (Int) -> Float) -> Int? {
    precondition(x.count == y.count)
    for i in x.indices {
        if x[i].isNaN || y[i].isNaN || x[i].isInfinite || y[i].isInfinite {
            if !sameValue(x[i], y[i]) { return i }
        } else if Swift.abs(x[i] - y[i]) > tol(i) {
            return i
        }
    }
    return nil
}

/// Relative-and-absolute closeness for kernels whose sums are reordered: |x − y| ≤ atol + rtol·|y|.
func close(_ x: [Float], _ y: [Float], rtol: Float, atol: Float) -> Int? {
    firstMismatch(x, y) { atol + rtol * Swift.abs(y[$0]) }
}

extension Array where Element == Float {
    /// Runs `body` with a read-only pointer (non-nil even for empty arrays).
    func withPtr<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if isEmpty { var one: Float = 0; return try body(&one) }
        return try withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
    mutating func withMutPtr<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        if isEmpty { var one: Float = 0; return try body(&one) }
        return try withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}

extension Array where Element == Int32 {
    func withPtr<R>(_ body: (UnsafePointer<Int32>) throws -> R) rethrows -> R {
        if isEmpty { var one: Int32 = 0; return try body(&one) }
        return try withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
    mutating func withMutPtr<R>(_ body: (UnsafeMutablePointer<Int32>) throws -> R) rethrows -> R {
        if isEmpty { var one: Int32 = 0; return try body(&one) }
        return try withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}

/// An n × n matrix from `v`'s lower triangle mirrored: an old curvature factor, which is
/// symmetric (the factor kernels rely on it and write the upper triangle from the lower).
func symmetricFromLower(_ v: [Float], n: Int) -> [Float] {
    (0..<(n * n)).map { v[max($0 / n, $0 % n) * n + min($0 / n, $0 % n)] }
}
