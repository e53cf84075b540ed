import Testing
@testable import NNCKernels

/// The parameter sets `nnc tune` can choose: every one the search reaches on any CPU is run here
/// against the plain reference, so a set chosen on another machine is still checked on this one.
@Suite struct GEMMParametersTests {
    /// The built-in set; the sets scaled to Intel's Sapphire Rapids (48 KiB, 2 MiB), to a small
    /// core (32 KiB, 256 KiB) and to a large one; the bounds' extremes; and the search's steps
    /// away from the built-in set.
    static let sets: [GEMMParameters] = [
        .builtIn,
        .scaled(l1dBytes: 48 << 10, l2Bytes: 2 << 20),
        .scaled(l1dBytes: 32 << 10, l2Bytes: 256 << 10),
        .scaled(l1dBytes: 64 << 10, l2Bytes: 4 << 20),
        GEMMParameters(kc: 16, mc: 12, nc: 32, packBMinM: 0),
        GEMMParameters(kc: 2048, mc: 1020, nc: 4096, packBMinM: 1 << 30),
        GEMMParameters(kc: 192, mc: 48, nc: 224, packBMinM: 64),
        GEMMParameters(kc: 768, mc: 288, nc: 960, packBMinM: 0),
    ]

    @Test func theScaledSetAtZen4sCachesIsTheBuiltInSet() {
        #expect(GEMMParameters.scaled(l1dBytes: 32 << 10, l2Bytes: 1 << 20) == .builtIn)
        // kc grows with L1d (384 · 48/32); mc and nc keep the blocks' share of a twice larger L2.
        #expect(GEMMParameters.scaled(l1dBytes: 48 << 10, l2Bytes: 2 << 20)
                == GEMMParameters(kc: 576, mc: 132, nc: 640, packBMinM: 256))
        for p in Self.sets { #expect(p.problem == nil, "\(p)") }
    }

    @Test func setsTheDriverCannotRunAreNamed() {
        let base = GEMMParameters.builtIn
        var bad: [GEMMParameters] = []
        for kc in [0, 15, 2049] { var p = base; p.kc = kc; bad.append(p) }
        for mc in [0, 13, 1032, -12] { var p = base; p.mc = mc; bad.append(p) }
        for nc in [0, 48, 4128] { var p = base; p.nc = nc; bad.append(p) }
        var p = base; p.packBMinM = -1; bad.append(p)
        for p in bad { #expect(p.problem != nil, "\(p) passed") }
    }

    @Test(arguments: 0..<sets.count)
    func everySetMatchesTheReference(_ which: Int) {
        var blocking = GEMMBlocking()
        blocking.parameters = Self.sets[which]
        // Shapes beyond one block in every dimension for the small sets, the MLP's and a conv's
        // shapes, both kernels (n ≤ 16 takes the 12 × 16 one), every transpose.
        for (m, n, k) in [(1, 1, 1), (37, 70, 45), (130, 10, 129), (50, 300, 600), (500, 128, 78), (13, 785, 40)] {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                GEMMCase(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, beta: 1.5, activation: .relu,
                         columnBias: true, blocking: blocking).check()
            }
        }
        let cs = GEMMCase(transA: false, transB: true, m: 203, n: 150, k: 300, beta: 1, blocking: blocking)
        let d = cs.data(seed: 7)
        #expect(bitIdentical(cs.run(d, threads: 1), cs.run(d, threads: 2)))
    }

    /// (`GEMMParameters.current` is not set here: tests run in parallel, and the thread-count
    /// tests elsewhere compare two products that must see the same blocking.)
    @Test func theParametersAreTheBlockingsTunablePart() {
        var blocking = GEMMBlocking()
        #expect(blocking.parameters == .builtIn)
        let small = GEMMParameters(kc: 16, mc: 12, nc: 32, packBMinM: 0)
        blocking.parameters = small
        #expect(blocking.kc == 16 && blocking.mc == 12 && blocking.nc == 32 && blocking.packBMinM == 0)
        #expect(blocking.parameters == small)
        #expect(blocking.packAMinN == GEMMBlocking().packAMinN)
    }

    @Test func aTimingProblemTimesAndLeavesTheCurrentSetAlone() {
        let before = GEMMParameters.current
        let p = GEMMTimingProblem(m: 20, n: 40, k: 30, transA: true, transB: false)
        #expect(p.flop == 2 * 20 * 40 * 30)
        let s = p.seconds(with: GEMMParameters(kc: 16, mc: 12, nc: 32, packBMinM: 0), trials: 2, minSeconds: 0.001)
        #expect(s > 0 && s < 0.01)
        #expect(GEMMParameters.current == before)
    }
}
