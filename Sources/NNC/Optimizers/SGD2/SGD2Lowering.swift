/// SGD2's op in the plan: one correction per linear layer, with every size and setting
/// resolved from the block's options and the layer kind's defaults (SGD2Options). A layer
/// larger than `chunk` under `large_layers: plain` gets no op: the plan shows it by absence.
enum SGD2Lowering {
    static func lower(_ l: LinearLayer, _ layer: Layer, _ options: SGD2Options, _ g: Graph) {
        guard let weightGrad = l.weightGrad else { return }
        let w = g.shape(l.weight)
        let isConv = w.count == 4
        let rows = isConv ? w[0] * w[2] * w[3] : w[0]
        let inputs = w[1]
        let columns = isConv ? g.batch * layer.inputShape.dims[1] * layer.inputShape.dims[2] : g.batch
        var sampled = columns
        var random = false
        // A data-parallel rank forms A from its share of the columns one process would use, each
        // rank the same count; the ranks' blocks are then averaged (docs/DISTRIBUTED.md).
        let ranks = g.ranks
        if let s = options.samples(convolution: isConv) {
            sampled = min((s + ranks - 1) / ranks, columns)
            random = sampled < columns
        } else if isConv && columns * ranks > SGD2Options.columnLimit {
            // LightNet keeps every k-th column, k = ⌈min(50, cols/10⁴)⌉, of the global batch's columns.
            let k = Int(min(Double(SGD2Options.maxColumnStride),
                            (Double(columns * ranks) / Double(SGD2Options.columnLimit)).rounded(.up)))
            sampled = (columns + k - 1) / k
        }
        let correctsBias = options.correctBias && l.biasGrad != nil
        let n = inputs + (correctsBias ? 1 : 0)
        if options.largeLayers == .plain && n > options.chunk(convolution: isConv) { return }
        let chunk = min(options.chunk(convolution: isConv), n)
        let factor = g.tensor("sgd2.factor.\(l.name)", .optimizerState, [n, chunk], .float64)
        let damping = options.adaptive.map { _ in
            g.tensor("sgd2.damping.\(l.name)", .optimizerState, [SGD2Corrector.dampingSlots])
        }
        g.emit("\(l.name).sgd2_precondition", layer: l.name, .update, .sgd2Precondition(SGD2Correction(
            layer: l.name, isConvolution: isConv, rows: rows, inputs: inputs, columns: columns,
            sampledColumns: sampled, randomColumns: random, chunk: chunk, every: options.every(convolution: isConv),
            correctsBias: correctsBias, lambda: options.lambda, adaptive: options.adaptive, damping: damping,
            noise: options.noise,
            x: l.x, weightGrad: weightGrad, biasGrad: l.biasGrad, factor: factor)))
    }
}
