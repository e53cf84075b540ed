// The blocked GEMM loop nest (after BLIS/Goto):
//
//   for jc in N by nc:                  B block (kc × nc) packed once, kept in L2
//     for pc in K by kc:                C += A[:, pc] · B[pc, jc]; the last block runs the epilogue
//       for ic in M by mc:              A block packed or read in place
//         for ir in mc by MR:           A micro-panel (MR × kc) stays in L1
//           for jr in nc by NR:         B micro-panel streamed from L2
//             micro-kernel → C tile
//           epilogue on the MR × nc row panel, still in L1
//
// Nothing here depends on the thread split: a thread runs the same nest over its own band of
// whole micro-tiles, so each element sees the same operations in the same order.

/// Blocking constants and packing choices; the defaults are Zen 4's (32 KiB L1d, 1 MiB L2 per
/// core), and `GEMMParameters` (what `nnc tune` measures per CPU) replaces kc, mc, nc and packBMinM. Measured
/// with `nnc-bench kernels --sweep` (BENCHMARKS.md): reading A in place beat packing it on every
/// benchmark shape, so A is packed only above a threshold that no shape reaches; B is packed
/// when enough rows reuse it (always when transposed).
struct GEMMBlocking {
    /// Largest K block; K is cut into equal blocks no larger than this.
    var kc = GEMMParameters.builtIn.kc
    /// Rows of A packed at a time (a multiple of every kernel's MR).
    var mc = GEMMParameters.builtIn.mc
    /// Columns of B per block.
    var nc = GEMMParameters.builtIn.nc
    /// Pack A only when each packed element is reused across at least this many columns.
    var packAMinN = Int.max
    /// Pack a row-major B (a transposed B is always packed) when at least this many rows of C reuse it.
    var packBMinM = GEMMParameters.builtIn.packBMinM
    /// A thread is worth starting for this much work (2·m·n·k FLOP).
    var minFlopsPerPart = 1 << 19
    /// Split with `DispatchQueue.concurrentPerform` instead of `WorkerPool` (for comparison).
    var useDispatch = false

    /// What `gemm` uses; the benchmark's sweep changes it through `_GEMMTuning`.
    nonisolated(unsafe) static var current = GEMMBlocking()

    static let maxNR = 32
    static let maxTile = 12 * 32
}

enum GEMMKernel {
    case wide     // 6 × 32
    case eightRow // 8 × 32, for m <= 64 in multiples of 8
    case narrow   // 12 × 16, for n <= 16

    var mr: Int {
        switch self {
        case .wide: 6
        case .eightRow: 8
        case .narrow: 12
        }
    }
    var nr: Int { self == .narrow ? 16 : 32 }

    /// The tile for an m × n output: every kernel sums each element's products in the same
    /// order, so the choice changes the speed, never the bits.
    static func choose(m: Int, n: Int) -> GEMMKernel {
        if n <= 16 { return .narrow }
        return m <= 64 && m % 8 == 0 ? .eightRow : .wide
    }
}

struct GEMMProblem {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, rsA: Int, csA: Int
    let b: UnsafePointer<Float>, rsB: Int, csB: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let alpha: Float, beta: Float
    let epilogue: GEMMEpilogue
    let kernel: GEMMKernel
    let kcBlock: Int
    let packA: Bool
    let packB: Bool
    let splitRows: Bool
    let blocking: GEMMBlocking

    init(m: Int, n: Int, k: Int,
         a: UnsafePointer<Float>, rsA: Int, csA: Int,
         b: UnsafePointer<Float>, rsB: Int, csB: Int,
         c: UnsafeMutablePointer<Float>, ldc: Int,
         alpha: Float, beta: Float, epilogue: GEMMEpilogue, blocking: GEMMBlocking) {
        self.blocking = blocking
        self.m = m; self.n = n; self.k = k
        self.a = a; self.rsA = rsA; self.csA = csA
        self.b = b; self.rsB = rsB; self.csB = csB
        self.c = c; self.ldc = ldc
        self.alpha = alpha; self.beta = beta
        self.epilogue = epilogue
        kernel = GEMMKernel.choose(m: m, n: n)
        let blocks = (k + blocking.kc - 1) / blocking.kc
        kcBlock = (k + blocks - 1) / blocks
        packA = n >= blocking.packAMinN
        packB = csB != 1 || m >= blocking.packBMinM
        let tilesM = (m + kernel.mr - 1) / kernel.mr
        let tilesN = (n + kernel.nr - 1) / kernel.nr
        splitRows = tilesM >= tilesN
    }

    /// How many bands to split the output into for `threads` threads.
    func partCount(threads: Int) -> Int {
        if threads <= 1 { return 1 }
        let tiles = splitRows ? (m + kernel.mr - 1) / kernel.mr : (n + kernel.nr - 1) / kernel.nr
        let flops = 2 * m * n * k
        return max(1, min(threads, tiles, flops / blocking.minFlopsPerPart))
    }

    /// Runs band `part` of `parts` (whole micro-tiles) with the buffers of `slot`.
    func run(part: Int, of parts: Int, slot: GEMMWorkspace.Slot) {
        var rows = 0..<m
        var cols = 0..<n
        if parts > 1 {
            let unit = splitRows ? kernel.mr : kernel.nr
            let total = splitRows ? m : n
            let tiles = (total + unit - 1) / unit
            let lo = min(total, tiles * part / parts * unit)
            let hi = min(total, tiles * (part + 1) / parts * unit)
            if splitRows { rows = lo..<hi } else { cols = lo..<hi }
        }
        if rows.isEmpty || cols.isEmpty { return }
        switch kernel {
        case .wide:
            blocked(rows: rows, cols: cols, slot: slot, mr: 6, nr: 32,
                    packA ? microKernel6x32PackedA : microKernel6x32)
        case .eightRow:
            blocked(rows: rows, cols: cols, slot: slot, mr: 8, nr: 32,
                    packA ? microKernel8x32PackedA : microKernel8x32)
        case .narrow:
            blocked(rows: rows, cols: cols, slot: slot, mr: 12, nr: 16,
                    packA ? microKernel12x16PackedA : microKernel12x16)
        }
    }

    typealias MicroKernel = (Int, UnsafePointer<Float>, Int, Int, Int, UnsafePointer<Float>, Int,
                             UnsafeMutablePointer<Float>, Int, Float, Float) -> Void

    @inline(__always)
    private func blocked(rows: Range<Int>, cols: Range<Int>, slot: GEMMWorkspace.Slot,
                         mr MR: Int, nr NR: Int, _ kernel: MicroKernel) {
        let NC = blocking.nc / NR * NR
        let MC = blocking.mc / MR * MR
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let nc = min(NC, cols.upperBound - jc)
            var pc = 0
            while pc < k {
                let kc = min(kcBlock, k - pc)
                let betaHere: Float = pc == 0 ? beta : 1
                let last = pc + kc == k
                if packB {
                    packPanels(src: b + pc * rsB + jc * csB, rs: rsB, cs: csB,
                               rows: kc, cols: nc, panel: NR, dst: slot.bPack)
                } else if nc % NR != 0 {
                    let j = nc / NR * NR
                    packPanels(src: b + pc * rsB + (jc + j) * csB, rs: rsB, cs: csB,
                               rows: kc, cols: nc - j, panel: NR, dst: slot.bEdge)
                }
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mc = min(MC, rows.upperBound - ic)
                    if packA {
                        packPanelsTransposed(src: a + ic * rsA + pc * csA, rs: rsA, cs: csA,
                                             rows: mc, cols: kc, panel: MR, dst: slot.aPack)
                    }
                    var ir = 0
                    while ir < mc {
                        let mValid = min(MR, mc - ir)
                        let aPanel: UnsafePointer<Float>, ars: Int, acs: Int, amr: Int
                        if packA {
                            aPanel = UnsafePointer(slot.aPack + ir * kc)
                            ars = 1; acs = MR; amr = MR
                        } else {
                            aPanel = a + (ic + ir) * rsA + pc * csA
                            ars = rsA; acs = csA; amr = mValid
                        }
                        var jr = 0
                        while jr < nc {
                            let nValid = min(NR, nc - jr)
                            let bPanel: UnsafePointer<Float>, brs: Int
                            if packB {
                                bPanel = UnsafePointer(slot.bPack + jr * kc)
                                brs = NR
                            } else if nValid < NR {
                                bPanel = UnsafePointer(slot.bEdge)
                                brs = NR
                            } else {
                                bPanel = b + pc * rsB + (jc + jr)
                                brs = rsB
                            }
                            let cTile = c + (ic + ir) * ldc + jc + jr
                            if mValid == MR && nValid == NR {
                                kernel(kc, aPanel, ars, acs, amr, bPanel, brs, cTile, ldc, alpha, betaHere)
                            } else {
                                kernel(kc, aPanel, ars, acs, amr, bPanel, brs, slot.tile, NR, 1, 0)
                                mergeTile(slot.tile, NR, into: cTile, ldc, rows: mValid, cols: nValid,
                                          alpha: alpha, beta: betaHere)
                            }
                            jr += NR
                        }
                        // The epilogue once per row panel, not per tile: its rows are still
                        // in L1, and with a short K a call per tile cost as much as the tile.
                        if last && !epilogue.isIdentity {
                            applyEpilogue(epilogue, c: c, ldc: ldc,
                                          rows: (ic + ir)..<(ic + ir + mValid), cols: jc..<(jc + nc))
                        }
                        ir += MR
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }
}

/// Writes the valid part of a computed tile into C with the micro-kernel's own arithmetic.
@inline(never)
func mergeTile(_ t: UnsafeMutablePointer<Float>, _ ldt: Int, into c: UnsafeMutablePointer<Float>, _ ldc: Int,
               rows: Int, cols: Int, alpha: Float, beta: Float) {
    for i in 0..<rows {
        let src = t + i * ldt
        let dst = c + i * ldc
        if beta == 0 {
            for j in 0..<cols { dst[j] = alpha * src[j] }
        } else {
            for j in 0..<cols { dst[j] = alpha * src[j] + beta * dst[j] }
        }
    }
}

/// Packs a `rows × cols` block (element (p, j) at `src[p·rs + j·cs]`) into panels of `panel`
/// columns, each `rows × panel` row-major and zero-padded: the layout the micro-kernel reads B in.
@inline(never)
func packPanels(src: UnsafePointer<Float>, rs: Int, cs: Int, rows: Int, cols: Int, panel: Int,
                dst: UnsafeMutablePointer<Float>) {
    var j0 = 0
    var out = dst
    while j0 < cols {
        let w = min(panel, cols - j0)
        if cs == 1 && w == panel && panel % 16 == 0 {
            for p in 0..<rows {
                let s = UnsafeRawPointer(src + p * rs + j0)
                let d = UnsafeMutableRawPointer(out + p * panel)
                for v in 0..<(panel / 16) {
                    d.storeBytes(of: s.loadUnaligned(fromByteOffset: v * 64, as: F16.self),
                                 toByteOffset: v * 64, as: F16.self)
                }
            }
        } else if cs == 1 {
            for p in 0..<rows {
                let s = src + p * rs + j0
                let d = out + p * panel
                for j in 0..<w { d[j] = s[j] }
                for j in w..<panel { d[j] = 0 }
            }
        } else {
            // Column j of the block is strided by cs (a transposed operand): 16 × 16 blocks are
            // transposed in registers when columns are contiguous (rs == 1), the rest gathered.
            var p0 = 0
            while p0 < rows {
                let h = min(16, rows - p0)
                var j = 0
                if rs == 1 && h == 16 {
                    while j + 16 <= w {
                        transpose16x16(src + (j0 + j) * cs + p0, cs, out + p0 * panel + j, panel)
                        j += 16
                    }
                }
                while j < w {
                    let s = src + (j0 + j) * cs + p0 * rs
                    let d = out + p0 * panel + j
                    for p in 0..<h { d[p * panel] = s[p * rs] }
                    j += 1
                }
                p0 += 16
            }
            if w < panel {
                for p in 0..<rows {
                    for j in w..<panel { out[p * panel + j] = 0 }
                }
            }
        }
        out += rows * panel
        j0 += panel
    }
}

/// Packs a `rows × cols` block of A (element (i, p) at `src[i·rs + p·cs]`) into panels of
/// `panel` rows, each stored column by column (`cols × panel`) and zero-padded: the layout
/// the micro-kernel broadcasts A from.
@inline(never)
func packPanelsTransposed(src: UnsafePointer<Float>, rs: Int, cs: Int, rows: Int, cols: Int,
                          panel: Int, dst: UnsafeMutablePointer<Float>) {
    var i0 = 0
    var out = dst
    while i0 < rows {
        let h = min(panel, rows - i0)
        if rs == 1 {
            for p in 0..<cols {
                let s = src + i0 + p * cs
                let d = out + p * panel
                for i in 0..<h { d[i] = s[i] }
                for i in h..<panel { d[i] = 0 }
            }
        } else {
            // Rows are contiguous (cs == 1): read `h` rows side by side, 16 columns at a time.
            var p0 = 0
            while p0 < cols {
                let w = min(16, cols - p0)
                for i in 0..<h {
                    let s = src + (i0 + i) * rs + p0 * cs
                    let d = out + p0 * panel + i
                    for p in 0..<w { d[p * panel] = s[p * cs] }
                }
                p0 += 16
            }
            if h < panel {
                for p in 0..<cols {
                    for i in h..<panel { out[p * panel + i] = 0 }
                }
            }
        }
        out += cols * panel
        i0 += panel
    }
}

/// The blocking constants, exposed for `nnc-bench kernels --sweep` only; not for the runtime.
public enum _GEMMTuning {
    public static var kc: Int { get { GEMMBlocking.current.kc } set { GEMMBlocking.current.kc = newValue } }
    public static var mc: Int { get { GEMMBlocking.current.mc } set { GEMMBlocking.current.mc = newValue } }
    public static var nc: Int { get { GEMMBlocking.current.nc } set { GEMMBlocking.current.nc = newValue } }
    public static var packAMinN: Int {
        get { GEMMBlocking.current.packAMinN } set { GEMMBlocking.current.packAMinN = newValue }
    }
    public static var packBMinM: Int {
        get { GEMMBlocking.current.packBMinM } set { GEMMBlocking.current.packBMinM = newValue }
    }
    public static var useDispatch: Bool {
        get { GEMMBlocking.current.useDispatch } set { GEMMBlocking.current.useDispatch = newValue }
    }
    public static var minFlopsPerPart: Int {
        get { GEMMBlocking.current.minFlopsPerPart } set { GEMMBlocking.current.minFlopsPerPart = newValue }
    }
}
