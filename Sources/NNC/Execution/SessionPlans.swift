import NNCKernels

/// A session's two plans, lowered but not yet allocated, and what allocating them will take:
/// the commands check it against the memory the machine has before making the session, so a
/// model too large for it is refused with the figures, not killed by the allocator.
public struct SessionPlans {
    public let model: Model
    public let train: Plan
    public let eval: Plan

    /// Lowers `model` for training at `batch` and for evaluation at `evalBatch`; throws
    /// `RuntimeError.lowering` when lowering refuses it. `keepLayerBuffers` as for `Session`;
    /// `ranks` when `batch` is one rank's slice of a data-parallel run's.
    public init(model: Model, batch: Int, evalBatch: Int, keepLayerBuffers: Bool = false, ranks: Int = 1) throws {
        func lower(_ batch: Int, _ mode: Plan.Mode) throws -> Plan {
            let (plan, diagnostics) = Lowering.lower(model, batch: batch, mode: mode,
                                                     keepLayerBuffers: keepLayerBuffers && mode == .train, ranks: ranks)
            guard let plan else { throw RuntimeError.lowering(diagnostics) }
            return plan
        }
        self.model = model
        train = try lower(batch, .train)
        eval = try lower(evalBatch, .eval)
    }

    /// The bytes a session of these plans on `threads` threads will allocate.
    public func memory(threads: Int) -> MemoryEstimate {
        MemoryEstimate(trainArena: train.arenaBytes, evalArena: eval.arenaBytes,
                       workspace: Executor.workspaceBytes(train, threads: threads) + Executor.workspaceBytes(eval, threads: threads))
    }
}

/// What a session allocates, by part.
public struct MemoryEstimate: Equatable {
    /// The train plan's arena: parameters, optimizer state, SGD2's factors, activations.
    public var trainArena: Int
    /// The eval plan's arena.
    public var evalArena: Int
    /// Outside the arenas: SGD2's scratch, the kernels' scratch (with the largest slab of their
    /// pool) and GEMM's packing buffers.
    public var workspace: Int

    public var total: Int { trainArena + evalArena + workspace }
}
