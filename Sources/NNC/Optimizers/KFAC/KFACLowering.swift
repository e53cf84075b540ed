import NNCKernels

/// K-FAC's ops in the plan: one preconditioning per dense and conv layer, one diagonal block per
/// batch or layer norm with a scale or shift, then (with `kl_clip`) one clip over all of them,
/// emitted before the updates. Parameters of other layers (PReLU's slopes) keep the plain rule:
/// the plan shows which layers have a `kfac_precondition` or `kfac_diagonal` op.
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
        for node in g.nodes {
            let sizes: NormSizes, norm: KFACDiagonal.Norm, dy: BufferID, x: BufferID, mean: BufferID, invStd: BufferID
            let scaleGrad: BufferID?, shiftGrad: BufferID?
            switch node.op {
            case .batchNormBackward(let p):
                (sizes, norm, dy, x, mean, invStd) = (p.sizes, .batch, p.dy, p.x, p.savedMean, p.savedInvStd)
                (scaleGrad, shiftGrad) = (p.scaleGrad, p.shiftGrad)
            case .layerNormBackward(let p):
                (sizes, norm, dy, x, mean, invStd) = (p.sizes, .layer, p.dy, p.x, p.savedMean, p.savedInvStd)
                (scaleGrad, shiftGrad) = (p.scaleGrad, p.shiftGrad)
            default:
                continue
            }
            guard let first = scaleGrad ?? shiftGrad else { continue }
            let name = node.layer
            var p = KFACDiagonal(
                layer: name, norm: norm, sizes: sizes, damping: options.damping, adaptive: options.adaptive,
                factorDecay: options.factorDecay, factorEvery: options.factorEvery, inverseEvery: options.inverseEvery,
                dy: dy, x: x, savedMean: mean, savedInvStd: invStd, scaleGrad: scaleGrad, shiftGrad: shiftGrad,
                fisher: first, inverse: first, state: g.tensor("kfac.state.\(name)", .optimizerState, [KFACStep.slots]))
            p.fisher = g.tensor("kfac.fisher.\(name)", .optimizerState, [p.count])
            p.inverse = g.tensor("kfac.fisher_inverse.\(name)", .optimizerState, [p.count])
            g.emit("\(name).kfac_diagonal", layer: name, .update, .kfacDiagonal(p))
            clipped.append(KFACClip.Layer(state: p.state, weightGrad: first, biasGrad: scaleGrad == nil ? nil : shiftGrad))
        }
        if let limit = options.klClip, !clipped.isEmpty {
            g.emit("optimizer.kfac_clip", layer: "optimizer", .update, .kfacClip(KFACClip(limit: limit, layers: clipped)))
        }
    }
}
