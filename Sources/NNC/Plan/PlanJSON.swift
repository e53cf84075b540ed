/// The JSON form of a plan, for tools. Keys come in a fixed order and the format is versioned;
/// docs/PLAN.md documents every field. Sizes are plain integers (bytes, slots, FLOPs).
public enum PlanJSON {
    /// Bumped when a field changes meaning or disappears (adding a field does not bump it).
    public static let version = 1

    /// The plan as JSON; `phases` limits the kernels listed (buffers and totals are always whole).
    public static func encode(_ plan: Plan, phases: Set<Phase> = Set(Phase.allCases)) -> String {
        root(plan, phases).render(indent: "") + "\n"
    }

    private static func root(_ plan: Plan, _ phases: Set<Phase>) -> JSON {
        let read = plan.kernels.reduce(0) { $0 + $1.bytesRead }, written = plan.kernels.reduce(0) { $0 + $1.bytesWritten }
        var pairs: [(String, JSON)] = [
            ("format", .string("nnc-plan")), ("version", .int(version)),
            ("model", .string(plan.model)), ("mode", .string(plan.mode.rawValue)), ("batch", .int(plan.batch)),
        ]
        let listed: [JSON] = Phase.allCases.filter(phases.contains).map { .string($0.rawValue) }
        pairs.append(("phases", .array(listed)))
        let layout: [(String, JSON)] = [
            ("activations", .string("batch-major, row-major")),
            ("dense", .string("x (B, in), weight (out, in), y (B, out) = x·weightᵀ + bias")),
            ("conv", .string("NCHW; weight (filters, C_in, kh, kw)")),
            ("slot_bytes", .int(4)), ("alignment_slots", .int(Plan.alignment)),
        ]
        pairs.append(("layout", .object(layout)))
        let arena: [(String, JSON)] = [
            ("slots", .int(plan.arenaSlots)), ("bytes", .int(plan.arenaBytes)),
            ("persistent_slots", .int(plan.persistentSlots)),
            ("shared_prefix_slots", .int(plan.sharedPrefixSlots)),
            ("naive_slots", .int(plan.naiveSlots)),
            ("bytes_saved_by_reuse", .int(plan.bytesSavedByReuse)),
            ("bytes_saved_by_fusion", .int(plan.bytesSavedByFusion)),
        ]
        pairs.append(("arena", .object(arena)))
        let totals: [(String, JSON)] = [
            ("kernels", .int(plan.kernels.count)),
            ("flops_per_step", .int(plan.flopsPerStep)),
            ("training_set_size", plan.trainingSetSize.map(JSON.int) ?? .null),
            ("steps_per_epoch", plan.stepsPerEpoch.map(JSON.int) ?? .null),
            ("flops_per_epoch", plan.flopsPerEpoch.map(JSON.int) ?? .null),
            ("parameters", .int(plan.parameterCount)),
            ("bytes_read", .int(read)), ("bytes_written", .int(written)),
        ]
        pairs.append(("totals", .object(totals)))
        let optimizer: [(String, JSON)] = [
            ("method", .string(plan.optimizer.method.rawValue)),
            ("learning_rate", .double(plan.optimizer.learningRate)),
            ("momentum", .double(plan.optimizer.momentum)),
            ("weight_decay", .double(plan.optimizer.weightDecay)),
        ]
        pairs.append(("optimizer", .object(optimizer)))
        pairs += [("input", id(plan.input)), ("labels", id(plan.labels)), ("loss", id(plan.loss)),
                  ("logits", id(plan.logits))]
        pairs.append(("buffers", .array(plan.buffers.map(buffer))))
        pairs.append(("kernels", .array(plan.kernels.filter { phases.contains($0.phase) }.map(kernel))))
        pairs.append(("parameters", .array(plan.parameters.map(binding))))
        pairs.append(("running_statistics", .array(plan.runningStatistics.map(binding))))
        pairs.append(("linear_layers", .array(plan.linearLayers.map(linear))))
        return .object(pairs)
    }

    private static func id(_ b: BufferID?) -> JSON { b.map { .int($0.rawValue) } ?? .null }

    private static func buffer(_ b: Buffer) -> JSON {
        .object([
            ("id", .int(b.id.rawValue)), ("name", .string(b.name)), ("role", .string(b.role.rawValue)),
            ("element", .string(b.element.rawValue)), ("shape", .array(b.shape.map(JSON.int))),
            ("slots", .int(b.slots)), ("offset", .int(b.offset)),
            ("first_use", .int(b.firstUse)), ("last_use", .int(b.lastUse)),
        ])
    }

    private static func kernel(_ k: Kernel) -> JSON {
        .object([
            ("index", .int(k.index)), ("name", .string(k.name)), ("layer", .string(k.layer)),
            ("phase", .string(k.phase.rawValue)), ("op", .string(k.op.kind)),
            ("epilogue", .array(k.op.epilogue.map(step))),
            ("fuses", .array(k.fuses.map(JSON.string))),
            ("attributes", .object(k.op.attributes.map { ($0.key, .string($0.value)) })),
            ("inputs", .array(k.inputs.map(id))), ("outputs", .array(k.outputs.map(id))),
            ("flops", .int(k.flops)), ("bytes_read", .int(k.bytesRead)), ("bytes_written", .int(k.bytesWritten)),
            ("arithmetic_intensity", .double((k.arithmeticIntensity * 1000).rounded() / 1000)),
        ])
    }

    private static func step(_ s: EpilogueStep) -> JSON {
        switch s {
        case .bias(let b): return .object([("step", .string("bias")), ("buffer", id(b))])
        case .activation(let f): return .object([("step", .string("activation")), ("function", .string(f.name))])
        case .add(let b): return .object([("step", .string("add")), ("buffer", id(b))])
        case .mask(let f, let saved, let isOutput):
            return .object([("step", .string("mask")), ("function", .string(f.name)), ("saved", id(saved)),
                            ("saved_is", .string(isOutput ? "output" : "input"))])
        }
    }

    private static func binding(_ b: TensorBinding) -> JSON {
        .object([("layer", .string(b.layer)), ("name", .string(b.name)), ("buffer", id(b.buffer)),
                 ("gradient", id(b.gradient)), ("initial_value", b.initialValue.map(JSON.double) ?? .null)])
    }

    private static func linear(_ l: LinearLayer) -> JSON {
        .object([("name", .string(l.name)), ("x", id(l.x)), ("r", id(l.r)), ("weight", id(l.weight)),
                 ("weight_grad", id(l.weightGrad)), ("bias", id(l.bias)), ("bias_grad", id(l.biasGrad))])
    }
}
