/// The text form of a plan, for people: kernels in execution order with their buffers, then
/// totals. Columns are described in docs/PLAN.md.
public enum PlanPrinter {
    /// Prints the kernels of `phases` (all by default) and the totals of the whole step.
    public static func text(_ plan: Plan, phases: Set<Phase> = Set(Phase.allCases)) -> String {
        var out = header(plan)
        for phase in Phase.allCases where phases.contains(phase) {
            let kernels = plan.kernels.filter { $0.phase == phase }
            guard !kernels.isEmpty else { continue }
            out += "\n\(phase.rawValue)\n"
            out += "  " + Units.padLeft("#", 4) + "  " + Units.pad("kernel", 34) + Units.pad("op", 28)
                + Units.padLeft("FLOPs", 12) + Units.padLeft("read", 12) + Units.padLeft("written", 12)
                + Units.padLeft("FLOP/B", 8) + "\n"
            for k in kernels { out += kernel(k, plan) }
            let flops = kernels.reduce(0) { $0 + $1.flops }
            let read = kernels.reduce(0) { $0 + $1.bytesRead }, written = kernels.reduce(0) { $0 + $1.bytesWritten }
            out += "  " + Units.pad("", 4) + "  " + Units.pad("\(phase.rawValue) total: \(counted(kernels.count, "kernel"))", 62)
                + Units.padLeft(Units.flops(flops), 12) + Units.padLeft(Units.bytes(read), 12)
                + Units.padLeft(Units.bytes(written), 12) + "\n"
        }
        return out + "\n" + totals(plan)
    }

    private static func header(_ plan: Plan) -> String {
        var s = "plan \(plan.model): \(plan.mode == .train ? "training" : "evaluation") step, batch \(plan.batch)\n"
        s += "layout: activations batch-major, row-major; dense (B, in)·Wᵀ + b -> (B, out); conv NCHW;\n"
        s += "        offsets (@) in 4-byte slots, aligned to \(Plan.alignment) slots (64 bytes)\n"
        let plain = uncoveredByKFAC(plan)
        if !plain.isEmpty { s += "K-FAC: the plain rule for \(plain.joined(separator: ", ")) (no curvature block)\n" }
        return s
    }

    /// The parameters of a K-FAC plan whose gradient no `kfac_precondition` or `kfac_diagonal`
    /// op preconditions (PReLU's slopes): they take the momentum-SGD update on their plain gradient.
    static func uncoveredByKFAC(_ plan: Plan) -> [String] {
        guard plan.mode == .train, plan.optimizer.method == .kfac else { return [] }
        var covered: Set<BufferID> = []
        for k in plan.kernels {
            switch k.op {
            case .kfacPrecondition(let p): covered.insert(p.weightGrad); if let b = p.biasGrad { covered.insert(b) }
            case .kfacDiagonal(let p): for g in [p.scaleGrad, p.shiftGrad].compactMap({ $0 }) { covered.insert(g) }
            default: break
            }
        }
        return plan.parameters.filter { $0.gradient.map { !covered.contains($0) } ?? false }.map { "\($0.layer).\($0.name)" }
    }

    private static func kernel(_ k: Kernel, _ plan: Plan) -> String {
        let op = ([k.op.kind] + k.op.epilogue.map(\.label)).joined(separator: " ")
        var s = "  " + Units.padLeft("\(k.index)", 4) + "  " + Units.pad(k.name, 34) + Units.pad(op, 28)
            + Units.padLeft(Units.flops(k.flops), 12) + Units.padLeft(Units.bytes(k.bytesRead), 12)
            + Units.padLeft(Units.bytes(k.bytesWritten), 12)
            + Units.padLeft(String(format: "%.2f", k.arithmeticIntensity), 8) + "\n"
        let indent = "          "
        if k.fuses.count > 1 { s += indent + "fuses " + k.fuses.joined(separator: ", ") + "\n" }
        s += indent + k.op.attributes.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n"
        let inputs = k.inputs, outputs = k.outputs
        for id in inputs { s += bufferLine(outputs.contains(id) ? "inout" : "in", plan.buffer(id), indent) }
        for id in outputs where !inputs.contains(id) { s += bufferLine("out", plan.buffer(id), indent) }
        return s
    }

    private static func bufferLine(_ access: String, _ b: Buffer, _ indent: String) -> String {
        let shape = "[" + b.shape.map(String.init).joined(separator: ", ") + "]"
            + (b.element == .float32 ? "" : " " + b.element.rawValue)
        return indent + Units.pad(access, 6) + Units.pad("\(b.id)", 6) + Units.pad(b.name, 40) + Units.pad(shape, 24)
            + "@" + Units.padLeft("\(b.offset)", 10) + Units.padLeft(Units.bytes(b.bytes), 12) + "\n"
    }

    private static func totals(_ plan: Plan) -> String {
        func row(_ label: String, _ value: String) -> String { "  " + Units.pad(label, 22) + value + "\n" }
        var s = "totals (whole step)\n"
        s += row("kernels", "\(plan.kernels.count)")
        s += row("FLOPs per step", Units.flops(plan.flopsPerStep))
        if let epoch = plan.flopsPerEpoch, let n = plan.trainingSetSize, let steps = plan.stepsPerEpoch {
            s += row("FLOPs per epoch", "\(Units.flops(epoch)) (\(Units.grouped(n)) sample\(n == 1 ? "" : "s"), \(counted(steps, "step")))")
        } else {
            s += row("FLOPs per epoch", "unknown: the training-set size is not known (per step only)")
        }
        let read = plan.kernels.reduce(0) { $0 + $1.bytesRead }, written = plan.kernels.reduce(0) { $0 + $1.bytesWritten }
        s += row("memory traffic", "\(Units.bytes(read)) read, \(Units.bytes(written)) written")
        let paramBytes = plan.parameters.reduce(0) { $0 + plan.buffer($1.buffer).bytes }
        s += row("parameters", "\(Units.grouped(plan.parameterCount)) (\(Units.bytes(paramBytes)))")
        s += row("arena", "\(Units.bytes(plan.arenaBytes)) (\(Units.grouped(plan.arenaSlots)) slots; persistent \(Units.bytes(plan.persistentSlots * 4)))")
        s += row("sum of all buffers", "\(Units.bytes(plan.naiveSlots * 4)) (\(counted(plan.buffers.count, "buffer")))")
        s += row("saved by reuse", Units.bytes(plan.bytesSavedByReuse))
        s += row("saved by fusion", "\(Units.bytes(plan.bytesSavedByFusion)) of memory traffic per step")
        return s
    }
}
