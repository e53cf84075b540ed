import NNCKernels

/// K-FAC's ops in the plan: one preconditioning per dense and conv layer, then (with `kl_clip`)
/// one clip over all of them, emitted before the updates. Parameters of other layers (norms'
/// scale and shift, PReLU's slopes) keep the plain rule: the plan shows which layers have a
/// `kfac_precondition` op.
enum KFACLowering {
    static func lower(_ g: Graph, _ options: KFACOptions) {
        var clipped: [KFACClip.Layer] = []
        for l in g.linearLayers {
            guard let weightGrad = l.weightGrad, let r = l.r else { continue }
            let w = g.shape(l.weight)
            let rows = w[0], inputs = w.dropFirst().reduce(1, *)
            let geometry = g.nodes.lazy.compactMap { node -> ConvGeometry? in
                if case .conv2d(let c) = node.op, c.weight == l.weight { return c.geometry }
                return nil
            }.first
            let positions = geometry.map { $0.outHeight * $0.outWidth } ?? 1
            let n = inputs + (l.biasGrad == nil ? 0 : 1)
            let columns = geometry.map { kfacColumnCount($0.kernelShape) } ?? 0
            let state = g.tensor("kfac.state.\(l.name)", .optimizerState, [KFACStep.slots])
            let p = KFACPreconditioning(
                layer: l.name, convolution: geometry, batch: g.batch, rows: rows, inputs: inputs, positions: positions,
                damping: options.damping, adaptive: options.adaptive, factorDecay: options.factorDecay, factorEvery: options.factorEvery,
                inverseEvery: options.inverseEvery, inverse: options.inverse,
                sampledFisher: options.fisher == .sampled, x: l.x, r: r, weightGrad: weightGrad, biasGrad: l.biasGrad,
                a: g.tensor("kfac.a.\(l.name)", .optimizerState, [n, n]),
                g: g.tensor("kfac.g.\(l.name)", .optimizerState, [rows, rows]),
                aInverse: g.tensor("kfac.a_inverse.\(l.name)", .optimizerState, [n, n]),
                gInverse: g.tensor("kfac.g_inverse.\(l.name)", .optimizerState, [rows, rows]),
                state: state,
                work: g.tensor("kfac.work.\(l.name)", .workspace, [max(2 * rows * n, columns)]),
                inverseWork: g.tensor("kfac.inverse_work.\(l.name)", .workspace, [2 * max(n, rows) * max(n, rows)],
                                      .float64))
            g.emit("\(l.name).kfac_precondition", layer: l.name, .update, .kfacPrecondition(p))
            clipped.append(KFACClip.Layer(state: state, weightGrad: weightGrad, biasGrad: l.biasGrad))
        }
        if let limit = options.klClip, !clipped.isEmpty {
            g.emit("optimizer.kfac_clip", layer: "optimizer", .update, .kfacClip(KFACClip(limit: limit, layers: clipped)))
        }
    }
}
