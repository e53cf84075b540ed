import NNC

/// Refuses a run the machine cannot hold before anything is allocated: the allocator would
/// otherwise abort the process, or the kernel kill it, with nothing said.
enum MemoryCheck {
    /// What is kept free for the process itself, its data structures and the system.
    static let margin = 256 << 20

    /// Throws `.unavailable` when `needed` does not fit in the memory available now (after the
    /// data is loaded, so that counts too).
    static func require(_ needed: MemoryEstimate, for model: Model, batch: Int) throws {
        guard let available = SystemMemory.available(), needed.total + margin > available else { return }
        throw CommandFailure(.unavailable, """
            \(model.name) needs about \(Units.bytes(needed.total)) to run at batch \(batch) \
            (\(describe(needed))), but only \(Units.bytes(available)) of memory is available
            """, notes: ["lower train { batch } (or --batch) or the layers' widths; `nnc plan` shows where the arena goes"])
    }

    /// "train arena 14 GiB, eval arena 7 GiB, workspace 3 MiB"
    static func describe(_ m: MemoryEstimate) -> String {
        "train arena \(Units.bytes(m.trainArena)), eval arena \(Units.bytes(m.evalArena)), workspace \(Units.bytes(m.workspace))"
    }
}
