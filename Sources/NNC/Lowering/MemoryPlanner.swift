/// Pass 5: lifetimes and arena offsets. Every buffer's lifetime is the span of kernels that touch
/// it, so placement is an interval-packing problem solved once, at compile time: a training step
/// then allocates nothing. Persistent buffers come first, in a fixed order (parameters, running
/// statistics, optimizer state), so the train and eval plans agree on where the weights are;
/// transient buffers are placed largest first, each in the tightest gap left by the buffers
/// already placed whose lifetimes overlap its own (greedy best fit).
enum MemoryPlanner {
    struct Result {
        var buffers: [Buffer]
        /// Old tensor id → buffer id (tensors no kernel touches are dropped).
        var renumbering: [BufferID: BufferID]
        var arenaSlots: Int
        var persistentSlots: Int
        var sharedPrefixSlots: Int
    }

    /// `always` are kept even if no kernel touches them; `liveToEnd` are read after the step.
    static func plan(_ g: Graph, always: [BufferID], liveToEnd: Set<BufferID>) -> Result {
        let last = max(0, g.nodes.count - 1)
        var first: [BufferID: Int] = [:], lastUse: [BufferID: Int] = [:]
        for (i, node) in g.nodes.enumerated() {
            for id in node.op.reads + node.op.writes {
                first[id] = min(first[id] ?? i, i)
                lastUse[id] = max(lastUse[id] ?? i, i)
            }
        }
        for id in always where first[id] == nil { first[id] = 0; lastUse[id] = 0 }

        var renumbering: [BufferID: BufferID] = [:]
        var buffers: [Buffer] = []
        for (i, t) in g.tensors.enumerated() {
            let old = BufferID(i)
            guard var start = first[old], var end = lastUse[old] else { continue }
            if t.role.isPersistent || t.role == .input || t.role == .labels { start = 0 }
            if t.role.isPersistent || liveToEnd.contains(old) { end = last }
            let id = BufferID(buffers.count)
            renumbering[old] = id
            buffers.append(Buffer(id: id, name: t.name, role: t.role, shape: t.shape, element: t.element,
                                  firstUse: start, lastUse: end, offset: 0))
        }

        var top = 0
        var sharedPrefix = 0
        for role in [BufferRole.parameter, .runningStatistic, .optimizerState] {
            for i in buffers.indices where buffers[i].role == role {
                buffers[i].offset = top
                top += Plan.aligned(buffers[i].slots)
            }
            if role == .runningStatistic { sharedPrefix = top }
        }
        let persistent = top

        let transient = buffers.indices.filter { !buffers[$0].role.isPersistent }.sorted {
            let a = buffers[$0], b = buffers[$1]
            if a.slots != b.slots { return a.slots > b.slots }
            if a.firstUse != b.firstUse { return a.firstUse < b.firstUse }
            return a.id < b.id
        }
        var placed: [Int] = []
        var arena = persistent
        for i in transient {
            let size = Plan.aligned(buffers[i].slots)
            let busy = placed.map { buffers[$0] }.filter { $0.livesWith(buffers[i]) }
                .map { ($0.offset, $0.offset + Plan.aligned($0.slots)) }.sorted { $0.0 < $1.0 }
            var best: (offset: Int, gap: Int)? = nil
            var cursor = persistent
            for (start, end) in busy {
                let gap = start - cursor
                if gap >= size, gap < (best?.gap ?? Int.max) { best = (cursor, gap) }
                cursor = max(cursor, end)
            }
            buffers[i].offset = best?.offset ?? cursor
            arena = max(arena, buffers[i].offset + size)
            placed.append(i)
        }
        return Result(buffers: buffers, renumbering: renumbering, arenaSlots: arena,
                      persistentSlots: persistent, sharedPrefixSlots: sharedPrefix)
    }
}
