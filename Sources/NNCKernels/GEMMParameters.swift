import Dispatch

/// The GEMM blocking a machine runs with: what `nnc tune` searches, stores as wisdom and hands
/// back at the next start. The micro-kernels (6 × 32, 8 × 32 and 12 × 16) are fixed; these say how much
/// of A and B each level of the loop nest (GEMMDriver.swift) keeps in which cache.
///
/// Any valid set gives correct products, and the same bits on every thread count; two sets
/// with different `kc` sum K in different blocks, so they may differ in the last bits.
public struct GEMMParameters: Equatable, Sendable, CustomStringConvertible {
    /// Largest K block (B's micro-panel depth).
    public var kc: Int
    /// Rows of A per block; a multiple of 12 (the 8-row kernel runs the largest multiple of 8 below it).
    public var mc: Int
    /// Columns of B per packed block; a multiple of 32, the wide kernel's NR.
    public var nc: Int
    /// Pack a row-major B once at least this many rows of C reuse it.
    public var packBMinM: Int

    public init(kc: Int, mc: Int, nc: Int, packBMinM: Int) {
        self.kc = kc; self.mc = mc; self.nc = nc; self.packBMinM = packBMinM
    }

    /// The set measured on AMD Zen 4 (32 KiB L1d, 1 MiB L2 per core) with `nnc-bench kernels
    /// --sweep` (BENCHMARKS.md); what nnc runs with unless wisdom for this CPU says otherwise.
    public static let builtIn = GEMMParameters(kc: 384, mc: 96, nc: 480, packBMinM: 256)

    /// The built-in set scaled to other caches: `kc` with the L1d, and `mc` and `nc` so that the
    /// A and B blocks take the same share of L2 as on Zen 4. At Zen 4's caches it is `builtIn`.
    /// A first guess for `nnc tune` to start from, not a measured set.
    public static func scaled(l1dBytes: Int, l2Bytes: Int) -> GEMMParameters {
        let base = builtIn
        let kc = roundedMultiple(Double(base.kc) * Double(l1dBytes) / 32768, of: 16, in: 128...1024)
        let share = Double(l2Bytes) / 1_048_576 * Double(base.kc) / Double(kc)
        return GEMMParameters(kc: kc,
                              mc: roundedMultiple(Double(base.mc) * share, of: 12, in: 24...480),
                              nc: roundedMultiple(Double(base.nc) * share, of: 32, in: 64...4096),
                              packBMinM: base.packBMinM)
    }

    /// What is wrong with this set, or nil when the driver can run it. The bounds keep a
    /// thread's packing buffers under 64 MiB whatever a wisdom file says.
    public var problem: String? {
        if !(16...2048).contains(kc) { return "kc \(kc) is not within 16…2048" }
        if !(12...1020).contains(mc) || mc % 12 != 0 { return "mc \(mc) is not a multiple of 12 within 12…1020" }
        if !(32...4096).contains(nc) || nc % 32 != 0 { return "nc \(nc) is not a multiple of 32 within 32…4096" }
        if packBMinM < 0 { return "packBMinM \(packBMinM) is negative" }
        return nil
    }

    public var description: String { "kc \(kc), mc \(mc), nc \(nc), pack B from m ≥ \(packBMinM)" }

    /// The set `gemm` (and every kernel built on it) uses from now on. Set it before work
    /// starts, not while another thread runs a product; invalid sets are refused.
    public static var current: GEMMParameters {
        get { GEMMBlocking.current.parameters }
        set {
            precondition(newValue.problem == nil, "GEMMParameters: \(newValue.problem ?? "")")
            GEMMBlocking.current.parameters = newValue
        }
    }

    private static func roundedMultiple(_ x: Double, of unit: Int, in range: ClosedRange<Int>) -> Int {
        let n = Int((x / Double(unit)).rounded()) * unit
        return min(range.upperBound, max(range.lowerBound, n))
    }
}

extension GEMMBlocking {
    /// The tunable part of the blocking.
    var parameters: GEMMParameters {
        get { GEMMParameters(kc: kc, mc: mc, nc: nc, packBMinM: packBMinM) }
        set { kc = newValue.kc; mc = newValue.mc; nc = newValue.nc; packBMinM = newValue.packBMinM }
    }
}

/// Times products under a parameter set, for `nnc tune`: operands of each shape filled once
/// with fixed values, the set applied, the product run repeatedly on the calling thread.
public final class GEMMTimingProblem {
    public let m: Int, n: Int, k: Int
    public let transA: Bool, transB: Bool
    private let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    private let workspace = GEMMWorkspace()

    /// `op(A)` m × k times `op(B)` k × n.
    public init(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) {
        precondition(m > 0 && n > 0 && k > 0, "GEMMTimingProblem: empty product")
        self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
        a = .allocate(capacity: m * k)
        b = .allocate(capacity: k * n)
        c = .allocate(capacity: m * n)
        for i in 0..<(m * k) { a[i] = Float(i % 17) / 17 - 0.5 }
        for i in 0..<(k * n) { b[i] = Float(i % 13) / 13 - 0.5 }
        c.initialize(repeating: 0, count: m * n)
    }

    deinit { a.deallocate(); b.deallocate(); c.deallocate() }

    public var flop: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// The shortest of `trials` timings, each of as many products as fill `minSeconds`, in
    /// seconds per product, with `parameters` on one thread.
    public func seconds(with parameters: GEMMParameters, trials: Int, minSeconds: Double) -> Double {
        precondition(parameters.problem == nil, "GEMMTimingProblem: \(parameters.problem ?? "")")
        var blocking = GEMMBlocking.current
        blocking.parameters = parameters
        func once() {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                 a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: 0, c: c, ldc: n,
                 epilogue: .none, threads: 1, workspace: workspace, blocking: blocking)
        }
        once()
        var best = Double.infinity
        for _ in 0..<max(1, trials) {
            var runs = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                once()
                runs += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            } while elapsed < minSeconds
            best = min(best, elapsed / Double(runs))
        }
        return best
    }
}
