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
        return train.arena.withView { v -> (layer: String, buffer: String)? in
            func bad(_ b: Buffer) -> Bool {
                b.element == .float32 && v.buffer(b.offset, b.count).contains { !$0.isFinite }
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
        let bx = trainPlan.buffer(l.x), br = trainPlan.buffer(r)
        return train.arena.withView { v in (Array(v.buffer(bx.offset, bx.count)), Array(v.buffer(br.offset, br.count))) }
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
