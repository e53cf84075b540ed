/// Pass 4: fusion. Each rule folds an op into another kernel so that a tensor is written and read
/// back one time fewer. A value can only be folded away when exactly one op reads it — any other
/// reader (a backward op that needs it, the runtime) keeps it materialised, which is what keeps,
/// for example, `modu`'s input alive for its derivative.
enum Fusion {
    static func run(_ g: Graph, protected: Set<BufferID>) {
        mergeLossGradient(g)
        while foldOne(g, protected: protected) {}
    }

    /// Rule: softmax + cross-entropy + its gradient in one kernel (likewise MSE). The gradient
    /// needs the same softmax the loss computes; a separate kernel would re-read the logits and
    /// recompute it.
    private static func mergeLossGradient(_ g: Graph) {
        guard let b = g.nodes.firstIndex(where: { if case .lossBackward = $0.op { return true }; return false }),
              case .lossBackward(let grad) = g.nodes[b].op,
              let f = g.nodes.firstIndex(where: { if case .loss = $0.op { return true }; return false }),
              case .loss(var loss) = g.nodes[f].op else { return }
        loss.gradient = grad.gradient
        g.nodes[f].op = .loss(loss)
        g.nodes[f].fuses += g.nodes[b].fuses
        g.nodes.remove(at: b)
    }

    /// An element-wise op that could be applied by the kernel producing its operand.
    private struct Candidate {
        var operand: BufferID
        /// Buffers the step reads besides the operand: they must exist before the host runs.
        var others: [BufferID]
        var step: EpilogueStep
        var output: BufferID
    }

    /// The ways an element-wise op could ride on its operand's producer.
    private static func candidates(_ op: Op) -> [Candidate] {
        switch op {
        case .biasAdd(let p):
            return [Candidate(operand: p.x, others: [p.bias], step: .bias(p.bias), output: p.y)]
        case .activation(let p):
            return [Candidate(operand: p.x, others: [], step: .activation(p.function), output: p.y)]
        case .add(let p):
            return [Candidate(operand: p.b, others: [p.a], step: .add(p.a), output: p.out),
                    Candidate(operand: p.a, others: [p.b], step: .add(p.b), output: p.out)]
        case .activationBackward(let p):
            return [Candidate(operand: p.dy, others: [p.saved],
                              step: .mask(p.function, saved: p.saved, savedIsOutput: p.savedIsOutput),
                              output: p.dx)]
        default:
            return []
        }
    }

    /// Rules, applied to the first op that allows one:
    /// - dense/conv + bias + activation: a GEMM (or convolution) epilogue, so the output is
    ///   written once instead of three times;
    /// - the residual add into the epilogue of the layer before it (and likewise the sum of two
    ///   gradient contributions into the kernel producing one of them);
    /// - an activation's backward mask applied by the kernel producing the gradient (the next
    ///   layer's backward-data GEMM or convolution) rather than in its own pass;
    /// - norm + activation (and a residual add after a norm, as in ResNet blocks): applied as the
    ///   normalised value is stored.
    private static func foldOne(_ g: Graph, protected: Set<BufferID>) -> Bool {
        var producer: [BufferID: Int] = [:]
        var readers: [BufferID: Int] = [:]
        for (i, node) in g.nodes.enumerated() {
            for id in node.op.writes where producer[id] == nil { producer[id] = i }
            for id in node.op.reads { readers[id, default: 0] += 1 }
        }
        for (i, node) in g.nodes.enumerated() {
            for c in candidates(node.op) {
                guard let h = producer[c.operand], h < i, readers[c.operand] == 1,
                      !protected.contains(c.operand), g.nodes[h].phase == node.phase,
                      c.others.allSatisfy({ g.isPersistent($0) || (producer[$0] ?? -1) < h }),
                      let fused = withEpilogue(g.nodes[h].op, c.step, output: c.output) else { continue }
                g.nodes[h].op = fused
                g.nodes[h].fuses += node.fuses
                g.nodes.remove(at: i)
                return true
            }
        }
        return false
    }

    /// Norms take what follows them in the forward pass: an activation and a residual add.
    private static func normAccepts(_ step: EpilogueStep) -> Bool {
        switch step {
        case .activation, .add: return true
        case .bias, .mask: return false
        }
    }

    /// The host op with `step` appended and its output renamed, or nil when it cannot take it.
    private static func withEpilogue(_ op: Op, _ step: EpilogueStep, output: BufferID) -> Op? {
        switch op {
        case .gemm(var p):
            if case .bias = step, p.transA || !p.transB { return nil }
            p.epilogue.append(step); p.c = output
            return .gemm(p)
        case .conv2d(var p):
            if case .mask = step { return nil }
            p.epilogue.append(step); p.y = output
            return .conv2d(p)
        case .conv2dBackwardData(var p):
            if case .bias = step { return nil }
            if case .activation = step { return nil }
            p.epilogue.append(step); p.dx = output
            return .conv2dBackwardData(p)
        case .batchNorm(var p):
            guard normAccepts(step) else { return nil }
            p.epilogue.append(step); p.y = output
            return .batchNorm(p)
        case .rmsNorm(var p):
            guard normAccepts(step) else { return nil }
            p.epilogue.append(step); p.y = output
            return .rmsNorm(p)
        case .layerNorm(var p):
            guard normAccepts(step) else { return nil }
            p.epilogue.append(step); p.y = output
            return .layerNorm(p)
        default:
            return nil
        }
    }
}
