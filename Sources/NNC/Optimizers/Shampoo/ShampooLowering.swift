import NNCKernels

/// Shampoo's ops in the plan, emitted before the updates: one preconditioning per dense and
/// conv weight, and with an adaptive graft one graft per other parameter (biases, norms' scale
/// and shift, PReLU's slopes), which take the graft's step alone. With SGD grafting those keep
/// the plain rule and get no op: the plan shows which parameters Shampoo touches.
enum ShampooLowering {
    static func lower(_ g: Graph, _ options: ShampooOptions) {
        let weights = Dictionary(g.linearLayers.map { ($0.weight, $0) }, uniquingKeysWith: { a, _ in a })
        for binding in g.parameters {
            guard let grad = binding.gradient else { continue }
            let paramName = "\(binding.layer).\(binding.name)"
            guard let l = weights[binding.buffer] else {
                if options.graft != .sgd {
                    let sum = g.tensor("shampoo.graft.\(paramName)", .optimizerState, g.shape(binding.buffer))
                    let p = ShampooGraft(name: paramName, count: g.count(binding.buffer), graft: options.graft,
                                         gradient: grad, sum: sum)
                    g.emit("\(paramName).shampoo_graft", layer: binding.layer, .update, .shampooGraft(p))
                }
                continue
            }
            let shape = g.shape(l.weight)
            let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
            let blocks = shampooBlocks(rows: rows, cols: cols, size: options.blockSize)
            let (left, right) = shampooStatisticCounts(blocks)
            let adaptive = options.graft != .sgd
            let p = ShampooPreconditioning(
                layer: l.name, rows: rows, cols: cols, blockSize: options.blockSize, beta2: options.beta2,
                epsilon: options.epsilon, preconditionEvery: options.preconditionEvery, startStep: options.startStep,
                graft: options.graft, weightGrad: grad,
                left: g.tensor("shampoo.left.\(l.name)", .optimizerState, [left]),
                right: g.tensor("shampoo.right.\(l.name)", .optimizerState, [right]),
                leftRoot: g.tensor("shampoo.left_root.\(l.name)", .optimizerState, [left]),
                rightRoot: g.tensor("shampoo.right_root.\(l.name)", .optimizerState, [right]),
                state: g.tensor("shampoo.state.\(l.name)", .optimizerState, [blocks.count]),
                graftSum: adaptive ? g.tensor("shampoo.graft.\(paramName)", .optimizerState, shape) : nil,
                graftDirection: adaptive ? g.tensor("shampoo.graft_direction.\(l.name)", .workspace, [rows * cols]) : nil,
                work: g.tensor("shampoo.work.\(l.name)", .workspace, [max(2, shampooDirectionWork(blocks))]),
                freshRoots: g.tensor("shampoo.fresh_roots.\(l.name)", .workspace, [left + right]))
            g.emit("\(l.name).shampoo_precondition", layer: l.name, .update, .shampooPrecondition(p))
        }
    }
}
