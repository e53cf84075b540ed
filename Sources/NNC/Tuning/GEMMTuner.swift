import NNCKernels

/// `nnc tune`'s search: which GEMM parameters run a representative set of products fastest on
/// this CPU, one thread. It starts from the built-in set and the set scaled to this CPU's caches,
/// then moves one parameter at a time (kc, nc, mc, the B-packing threshold) while that helps.
/// Every comparison times the incumbent and its rivals interleaved, in the same rounds, so a
/// load that comes and goes falls on all of them alike, and a rival must beat the incumbent by
/// `margin` to replace it: noise alone does not move the choice.
public struct GEMMTuner {
    /// One timed product and how often a step runs it.
    public struct Product: Sendable {
        public var name: String
        public var m: Int, n: Int, k: Int
        public var transA: Bool, transB: Bool

        public init(_ name: String, m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
            self.name = name; self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
        }
    }

    /// The eight products of one SGD step of the MNIST MLP (784-128-128-10, batch 500), the
    /// first convolution layers' im2col products of the conv nets (per sample: channels ×
    /// patch · patch × positions, and the weight gradient over a batch of 32), K-FAC's
    /// preconditioning of the MLP's first layer and a 512 square.
    public static let products: [Product] = [
        Product("fwd1", m: 500, n: 128, k: 784, transB: true),
        Product("fwd2", m: 500, n: 128, k: 128, transB: true),
        Product("fwd3", m: 500, n: 10, k: 128, transB: true),
        Product("dW1", m: 128, n: 784, k: 500, transA: true),
        Product("dW2", m: 128, n: 128, k: 500, transA: true),
        Product("dW3", m: 10, n: 128, k: 500, transA: true),
        Product("dH1", m: 500, n: 128, k: 128),
        Product("dH2", m: 500, n: 128, k: 10),
        Product("conv fwd", m: 64, n: 256, k: 576),
        Product("conv dW", m: 64, n: 576, k: 8192, transB: true),
        Product("kfac ∇·A⁻¹", m: 128, n: 785, k: 785),
        Product("square 512", m: 512, n: 512, k: 512),
    ]

    /// Rounds of interleaved timing per comparison; each product keeps its best.
    public var rounds = 3
    /// Trials per product per round, each at least `minSeconds` long.
    public var trials = 2
    public var minSeconds = 0.02
    /// How much faster (total time over the products) a rival must be to replace the incumbent.
    public var margin = 0.02

    public init() {}

    /// One comparison: the parameter sets timed and their totals (seconds over all products).
    public struct Comparison: Sendable {
        public var what: String
        public var candidates: [GEMMParameters]
        public var seconds: [Double]
        public var chosen: Int
    }

    /// What the search found.
    public struct Outcome: Sendable {
        public var best: GEMMParameters
        public var comparisons: [Comparison]
        /// The built-in set's total over the best set's, timed head to head at the end.
        public var speedup: Double
        /// Per product: the built-in set's seconds and the best set's, from the final comparison
        /// (the search's last candidate when it lost there).
        public var perProduct: [(product: Product, builtIn: Double, best: Double)]
    }

    /// Runs the search on one thread; `progress` hears each comparison as it ends.
    public func run(caches: CPUCaches?, progress: (Comparison) -> Void = { _ in }) -> Outcome {
        let problems = Self.products.map {
            GEMMTimingProblem(m: $0.m, n: $0.n, k: $0.k, transA: $0.transA, transB: $0.transB)
        }
        var comparisons: [Comparison] = []
        func compare(_ what: String, _ incumbent: GEMMParameters, _ rivals: [GEMMParameters]) -> GEMMParameters {
            var candidates = [incumbent]
            for r in rivals where r.problem == nil && !candidates.contains(r) { candidates.append(r) }
            if candidates.count == 1 { return incumbent }
            let perProduct = time(candidates, problems)
            let totals = perProduct.map { $0.reduce(0, +) }
            var chosen = 0
            for i in 1..<candidates.count where totals[i] < totals[chosen] * (chosen == 0 ? 1 - margin : 1) {
                chosen = i
            }
            let c = Comparison(what: what, candidates: candidates, seconds: totals, chosen: chosen)
            comparisons.append(c)
            progress(c)
            return candidates[chosen]
        }
        var best = GEMMParameters.builtIn
        if let caches {
            best = compare("the built-in set against the set scaled to \(caches)", best,
                           [.scaled(l1dBytes: caches.l1dBytes, l2Bytes: caches.l2Bytes)])
        }
        best = compare("kc", best, [best.kc / 2, best.kc * 2 / 3, best.kc * 4 / 3, best.kc * 2].map {
            var p = best; p.kc = max(16, $0 / 16 * 16); return p
        })
        best = compare("nc", best, [best.nc / 2, best.nc * 3 / 4, best.nc * 3 / 2, best.nc * 2].map {
            var p = best; p.nc = max(32, $0 / 32 * 32); return p
        })
        best = compare("mc", best, [best.mc / 2, best.mc * 2, best.mc * 3].map {
            var p = best; p.mc = max(12, $0 / 12 * 12); return p
        })
        best = compare("when B is packed", best, [0, 64, 1 << 30].map {
            var p = best; p.packBMinM = $0; return p
        })
        // The final word: the winner against the built-in set, head to head; a gain that does
        // not hold up by half the margin is noise, and the built-in set stays.
        let final = time([.builtIn, best], problems)
        var speedup = best == .builtIn ? 1 : final[0].reduce(0, +) / final[1].reduce(0, +)
        if speedup < 1 + margin / 2 {
            best = .builtIn
            speedup = 1
        }
        let perProduct = Self.products.indices.map { (Self.products[$0], final[0][$0], final[1][$0]) }
        return Outcome(best: best, comparisons: comparisons, speedup: speedup, perProduct: perProduct)
    }

    /// Seconds per product for each candidate: rounds × (every product × every candidate in
    /// turn), each product's best kept.
    private func time(_ candidates: [GEMMParameters], _ problems: [GEMMTimingProblem]) -> [[Double]] {
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: problems.count), count: candidates.count)
        for _ in 0..<rounds {
            for (j, problem) in problems.enumerated() {
                for (i, c) in candidates.enumerated() {
                    best[i][j] = min(best[i][j], problem.seconds(with: c, trials: trials, minSeconds: minSeconds))
                }
            }
        }
        return best
    }
}
