/// Turns a checked model into the plan of one training (or evaluation) step.
public enum Lowering {
    /// Lowers `model` at batch size `batch`.
    /// - `trainingSetSize`: when known, the plan reports FLOPs per epoch.
    /// - `keepLayerBuffers`: keep every linear layer's X and R alive to the end of the step, so
    ///   the analyses can read them after it (costs arena space).
    /// - `ranks`: `batch` is one rank's slice of a data-parallel run's (docs/DISTRIBUTED.md).
    /// Returns the plan, or nil with diagnostics for a request that cannot be lowered.
    public static func lower(_ model: Model, batch: Int, mode: Plan.Mode = .train,
                             trainingSetSize: Int? = nil,
                             keepLayerBuffers: Bool = false, ranks: Int = 1) -> (plan: Plan?, diagnostics: [Diagnostic]) {
        guard batch > 0 else {
            return (nil, [.error("batch must be a positive integer, got \(batch)", at: model.training.range)])
        }
        if let n = trainingSetSize, n <= 0 {
            return (nil, [.error("training set size must be positive, got \(n)", at: .none)])
        }

        // The passes, in order; each rewrites the graph the previous one left.
        let g = ForwardLowering.build(model, batch: batch, mode: mode)          // forward ops, unfused
        g.ranks = max(ranks, 1)
        if mode == .train {
            Autodiff.differentiate(g)                                  // backward ops by per-op rules
            UpdateLowering.lower(g, model: model)                      // one update per parameter
        }
        var protected: Set<BufferID> = [g.input, g.labels, g.loss, g.logits]
        if keepLayerBuffers { for l in g.linearLayers { protected.insert(l.x); if let r = l.r { protected.insert(r) } } }
        let unfusedBytes = g.trafficBytes()
        Fusion.run(g, protected: protected)                            // element-wise ops into producers
        let fusedBytes = g.trafficBytes()
        let always = [g.input, g.labels, g.loss, g.logits] + g.parameters.map(\.buffer)
            + g.runningStatistics.map(\.buffer)
        // Adaptive damping (K-FAC's, SGD2's) runs the forward pass again after the update, on the same batch.
        let rerunsForward = mode == .train && (model.optimizer.kfac?.adaptive ?? model.optimizer.sgd2?.adaptive) != nil
        let memory = MemoryPlanner.plan(g, always: always,              // lifetimes and offsets
                                        liveToEnd: rerunsForward ? protected : protected.subtracting([g.input, g.labels]))
        return (assemble(g, memory, model: model, trainingSetSize: trainingSetSize,
                         bytesSavedByFusion: unfusedBytes - fusedBytes), [])
    }

    /// Renumbers the surviving buffers and writes the plan's plain data.
    private static func assemble(_ g: Graph, _ memory: MemoryPlanner.Result, model: Model,
                                 trainingSetSize: Int?, bytesSavedByFusion: Int) -> Plan {
        let map = memory.renumbering
        func id(_ old: BufferID) -> BufferID {
            guard let new = map[old] else { preconditionFailure("buffer \(g.name(old)) was dropped but is used") }
            return new
        }
        let kernels = g.nodes.enumerated().map { i, node -> Kernel in
            let op = node.op.remapped(id)
            let read = op.reads.reduce(0) { $0 + memory.buffers[$1.rawValue].bytes }
            let written = op.writes.reduce(0) { $0 + memory.buffers[$1.rawValue].bytes }
            return Kernel(index: i, name: node.name, layer: node.layer, phase: node.phase, op: op,
                          fuses: node.fuses, flops: op.flops, bytesRead: read, bytesWritten: written)
        }
        func binding(_ b: TensorBinding) -> TensorBinding {
            var b = b
            b.buffer = id(b.buffer)
            b.gradient = b.gradient.map(id)
            return b
        }
        let linear = g.linearLayers.map { l in
            LinearLayer(name: l.name, x: id(l.x), r: l.r.flatMap { map[$0] }, weight: id(l.weight),
                        weightGrad: l.weightGrad.map(id), bias: l.bias.map(id), biasGrad: l.biasGrad.map(id))
        }
        return Plan(model: model.name, mode: g.mode, batch: g.batch, buffers: memory.buffers, kernels: kernels,
                    arenaSlots: memory.arenaSlots, persistentSlots: memory.persistentSlots,
                    sharedPrefixSlots: memory.sharedPrefixSlots, bytesSavedByFusion: bytesSavedByFusion,
                    trainingSetSize: trainingSetSize, optimizer: OptimizerSummary(model.optimizer), input: id(g.input),
                    labels: id(g.labels), loss: id(g.loss), logits: id(g.logits),
                    parameters: g.parameters.map(binding), runningStatistics: g.runningStatistics.map(binding),
                    linearLayers: linear)
    }
}
