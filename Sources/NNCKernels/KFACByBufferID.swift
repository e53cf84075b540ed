// K-FAC's kernels as the runtime calls them, operands by buffer id (see KernelsByBufferID.swift).

extension BufferView {
    // x (B, f) -> a (n, n), n = f + (bias ? 1 : 0)
    public func kfacDenseInputFactor<K: BufferKey>(x: K, batch: Int, features: Int, bias: Bool, a: K, keep: Float,
                                                   add: Float, threads: Int, workspace: GEMMWorkspace) {
        let n = features + (bias ? 1 : 0)
        NNCKernels.kfacDenseInputFactor(x: input(x, batch * features), batch: batch, features: features, bias: bias,
                                        a: out(a, n * n), keep: keep, add: add, threads: threads, workspace: workspace)
    }

    // x (B, C, H, W) -> a (n, n), n = C·kh·kw + (bias ? 1 : 0); columns: kfacColumnCount(s)
    public func kfacConvInputFactor<K: BufferKey>(x: K, shape s: Conv2dShape, bias: Bool, a: K, keep: Float, add: Float,
                                                  columns: K, threads: Int, workspace: GEMMWorkspace) {
        let n = s.patchSize + (bias ? 1 : 0)
        NNCKernels.kfacConvInputFactor(x: input(x, s.batch * s.inPlane), shape: s, bias: bias, a: out(a, n * n),
                                       keep: keep, add: add, columns: out(columns, kfacColumnCount(s)),
                                       threads: threads, workspace: workspace)
    }

    // r (B, u, P) -> g (u, u)
    public func kfacOutputFactor<K: BufferKey>(r: K, batch: Int, units: Int, positions: Int, g: K, keep: Float,
                                               add: Float, threads: Int, workspace: GEMMWorkspace) {
        NNCKernels.kfacOutputFactor(r: input(r, batch * units * positions), batch: batch, units: units,
                                    positions: positions, g: out(g, units * units), keep: keep, add: add,
                                    threads: threads, workspace: workspace)
    }

    /// Σ of the diagonal of the n × n float32 buffer `a`, in Double.
    public func trace<K: BufferKey>(_ a: K, n: Int) -> Double {
        NNCKernels.trace(input(a, n * n), n: n)
    }

    /// `(factor + δI)⁻¹` into `inverse`, by Cholesky or (`eigen`) by eigendecomposition; `work` is
    /// a float64 buffer of 2·n² elements.
    public func dampedInverse<K: BufferKey>(_ factor: K, n: Int, damping: Double, eigen: Bool = false, work: K,
                                            inverse: K, threads: Int = 1) -> Bool {
        let fp = input(factor, n * n), ip = out(inverse, n * n)
        assert(2 * n * n <= counts[work.rawValue], "dampedInverse: work buffer too small")
        return double(work) {
            eigen ? NNCKernels.dampedInverseEigen(fp, n: n, damping: damping, work: $0, inverse: ip)
                : NNCKernels.dampedInverse(fp, n: n, damping: damping, work: $0, inverse: ip, threads: threads)
        }
    }

    // weightGrad (m, f), biasGrad (m), aInverse (n, n), gInverse (m, m), work (2·m·n) -> weightGrad, biasGrad
    public func kfacPrecondition<K: BufferKey>(weightGrad: K, biasGrad: K?, rows m: Int, inputs f: Int, aInverse: K,
                                               gInverse: K, work: K, threads: Int, workspace: GEMMWorkspace) -> Double? {
        let n = f + (biasGrad == nil ? 0 : 1)
        return NNCKernels.kfacPrecondition(weightGrad: out(weightGrad, m * f), biasGrad: optional(biasGrad, m), rows: m,
                                           inputs: f, aInverse: input(aInverse, n * n), gInverse: input(gInverse, m * m),
                                           work: out(work, 2 * m * n), threads: threads, workspace: workspace)
    }
}

extension BufferView {
    /// Eigenvalues (largest first) of the symmetric n × n float32 buffer `a`, computed in Double
    /// from its lower triangle (K-FAC's factors, for `--analyze`).
    public func symmetricEigenvalues<K: BufferKey>(ofFloat a: K, n: Int) -> [Double] {
        let p = input(a, n * n)
        var copy = [Double](repeating: 0, count: n * n)
        for i in 0..<(n * n) { copy[i] = Double(p[i]) }
        var values = [Double](repeating: 0, count: n)
        copy.withUnsafeMutableBufferPointer { c in
            values.withUnsafeMutableBufferPointer { e in
                _ = NNCKernels.symmetricEigenvalues(c.baseAddress!, n: n, lda: n, eigenvalues: e.baseAddress!)
            }
        }
        return values
    }
}

extension BufferView {
    // dy, x (B, C, S), mean/invStd (C or B) -> fisher (C·(scale + shift))
    public func kfacDiagonalFactor<K: BufferKey>(dy: K, x: K, mean: K, invStd: K, batch: Int, channels: Int,
                                                 positions: Int, perChannel: Bool, scale: Bool, shift: Bool,
                                                 fisher: K, keep: Double) {
        let values = batch * channels * positions, statistics = perChannel ? channels : batch
        let count = channels * ((scale ? 1 : 0) + (shift ? 1 : 0))
        NNCKernels.kfacDiagonalFactor(dy: input(dy, values), x: input(x, values), mean: input(mean, statistics),
                                      invStd: input(invStd, statistics), batch: batch, channels: channels,
                                      positions: positions, perChannel: perChannel, scale: scale, shift: shift,
                                      fisher: out(fisher, count), keep: keep)
    }

    // fisher (count) -> inverse (count)
    public func kfacDiagonalInverse<K: BufferKey>(_ fisher: K, count: Int, damping: Double, inverse: K) -> Bool {
        NNCKernels.kfacDiagonalInverse(input(fisher, count), count: count, damping: damping, inverse: out(inverse, count))
    }

    // scaleGrad, shiftGrad (C each), inverse (C per present) -> the gradients
    public func kfacDiagonalPrecondition<K: BufferKey>(scaleGrad: K?, shiftGrad: K?, channels: Int, inverse: K) -> Double? {
        let present = (scaleGrad == nil ? 0 : 1) + (shiftGrad == nil ? 0 : 1)
        return NNCKernels.kfacDiagonalPrecondition(scaleGrad: optional(scaleGrad, channels),
                                                   shiftGrad: optional(shiftGrad, channels), channels: channels,
                                                   inverse: input(inverse, present * channels))
    }
}
