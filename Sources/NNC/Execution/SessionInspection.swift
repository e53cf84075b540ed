import NNCKernels

// Reading what a step left behind: where a diverged step first went non-finite, and a linear
// layer's X and R for the analyses. Only buffers whose memory no later kernel reused are read.
extension Session {
    /// After a non-finite loss: the first layer whose output or gradient holds a NaN or an
    /// infinity — forward outputs in execution order, then gradients in backward order, then
    /// the parameters — among the buffers still intact at the end of the step.
    public func firstNonFinite() -> (layer: String, buffer: String)? {
        let plan = trainPlan
        let ordered = plan.kernels.filter { $0.phase == .forward } + plan.kernels.filter { $0.phase == .backward }
        return train.arena.withPlanView(train.table) { v -> (layer: String, buffer: String)? in
            func bad(_ b: Buffer) -> Bool {
                b.element == .float32 && v.withSpan(b.id) { span in span.indices.contains { !span[$0].isFinite } }
            }
            for k in ordered {
                for id in k.outputs where survives[id.rawValue] {
                    let b = plan.buffer(id)
                    if !b.role.isPersistent && bad(b) { return (k.layer, b.name) }
                }
            }
            for p in plan.parameters where bad(plan.buffer(p.buffer)) {
                return (p.layer, plan.buffer(p.buffer).name)
            }
            return nil
        }
    }

    /// Copies of a linear layer's input batch X and residual R = ∂L/∂Y from the last step, or
    /// nil when the plan let their memory be reused (make the session with `keepLayerBuffers`).
    public func layerBatch(_ layer: String) -> (x: [Float], r: [Float])? {
        guard let l = trainPlan.linearLayers.first(where: { $0.name == layer }), let r = l.r,
              survives[l.x.rawValue], survives[r.rawValue] else { return nil }
        return train.arena.withPlanView(train.table) { v in (v.copy(l.x), v.copy(r)) }
    }

    /// Per buffer: true when no kernel after the buffer's last use writes memory it occupies.
    static func survivingBuffers(_ plan: Plan) -> [Bool] {
        plan.buffers.map { b in
            if b.role.isPersistent { return true }
            let end = b.offset + b.slots
            return !plan.buffers.contains { c in
                c.id != b.id && c.firstUse > b.lastUse && c.offset < end && b.offset < c.offset + c.slots
            }
        }
    }
}
