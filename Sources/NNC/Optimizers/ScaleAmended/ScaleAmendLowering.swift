/// Scale-amended SGD's op in the plan: one walk over every linear layer, output first, emitted
/// before the updates. Returns the weights whose decay the walk adds, so that their updates
/// add none.
enum ScaleAmendLowering {
    static func lower(_ g: Graph, layers: [Layer], convHessian: ConvHessian,
                      decay: (TensorBinding) -> Double) -> Set<BufferID> {
        let blocks = g.linearLayers.reversed().compactMap { l -> ScaleBlock? in
            guard let wg = l.weightGrad, let binding = g.parameters.first(where: { $0.buffer == l.weight })
            else { return nil }
            let shape = g.shape(l.weight)
            // A conv reads an interior input pixel once per tap: (k_h·k_w)/(s_h·s_w) (ScaleAmendWalk.swift).
            var taps = 1.0
            if convHessian == .taps, case .conv(_, let k, let s, _, _, _)? = layers.first(where: { $0.name == l.name })?.op {
                taps = Double(k.h * k.w) / Double(s.h * s.w)
            }
            return ScaleBlock(layer: l.name, rows: shape[0], cols: shape.dropFirst().reduce(1, *), inputTaps: taps,
                              weightDecay: decay(binding), weight: l.weight, weightGrad: wg, biasGrad: l.biasGrad)
        }
        guard !blocks.isEmpty else { return [] }
        g.emit("optimizer.scale_amend", layer: "optimizer", .update, .scaleAmend(ScaleAmend(blocks: blocks)))
        return Set(blocks.map(\.weight))
    }
}
