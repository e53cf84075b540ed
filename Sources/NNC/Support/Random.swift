import Foundation

/// A small seeded generator: xoshiro256** (Blackman & Vigna) seeded through splitmix64.
///
/// Every draw is defined by integer arithmetic, so a seed gives the same weights, dropout
/// masks and shuffles on every platform and Swift version (unlike the standard library's
/// `shuffle`, whose algorithm is not promised). The four state words go into checkpoints
/// (`state`, `init?(state:)`), so a resumed run continues the same stream.
public struct Random {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the generator; any seed, including 0, gives a good non-zero state.
    public init(seed: UInt64) {
        var mixer = seed
        s0 = Random.splitmix64(&mixer)
        s1 = Random.splitmix64(&mixer)
        s2 = Random.splitmix64(&mixer)
        s3 = Random.splitmix64(&mixer)
    }

    /// An independent generator for sub-stream `stream` of `seed` (for example, one per epoch),
    /// so a stream can be recreated without replaying the ones before it.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = seed ^ (stream &* 0xd1b5_4a32_d192_ed03)
        self.init(seed: Random.splitmix64(&mixer) ^ stream)
    }

    /// Restores a generator from `state`; nil unless it is four words, not all zero.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    /// The four state words, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits, every value exactly representable.
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextFloat() }

    /// Uniform integer in 0..<bound, without modulo bias (Lemire's method). `bound` must be positive.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A standard normal draw (Box–Muller in Double, rounded to Float).
    ///
    /// One value per call, so the state alone says where the stream is; `log` and `cos` come
    /// from the C library, which may differ in a Double's last bit between platforms — far
    /// below what rounding to Float keeps.
    public mutating func normal() -> Float {
        let u1 = 1.0 - nextDouble()  // in (0, 1], so log is finite
        let u2 = nextDouble()
        return Float((-2.0 * Foundation.log(u1)).squareRoot() * Foundation.cos(2.0 * Double.pi * u2))
    }

    /// A normal draw with the given mean and standard deviation.
    public mutating func normal(mean: Float, std: Float) -> Float { mean + std * normal() }

    /// Shuffles `array` in place (Fisher–Yates from the last element down).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    private static func splitmix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9e37_79b9_7f4a_7c15
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    @inline(__always) fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
