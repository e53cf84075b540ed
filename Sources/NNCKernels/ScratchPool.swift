import Foundation

/// Float scratch for the kernels beyond what the plan's arena holds (the convolutions' per-thread
/// im2col and Winograd buffers, K-FAC's and Shampoo's work space). A kernel call takes every
/// buffer it needs at once, carved from one slab, and gives them back together; slabs are kept
/// and reused, so after the first training step no call allocates. The smallest free slab that
/// fits is used; when none fits, the largest free one is released before a larger one is made.
/// So calls made one after another keep a single slab, as large as the largest call's
/// `slabFloats`: the figure the memory estimate counts (`conv2dScratchFloats` and its kin).
/// Safe from any thread; calls on several threads at once keep a slab each.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()

    private let lock = NSLock()
    private var free: [(base: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var capacities: [UnsafeMutablePointer<Float>: Int] = [:]
    private var recorders = 0

    /// Floats of the slab that holds buffers of `counts` floats, each starting 64 bytes apart.
    static func slabFloats(_ counts: [Int]) -> Int {
        counts.isEmpty ? 0 : max(16, counts.reduce(0) { $0 + ($1 + 15) / 16 * 16 })
    }

    /// Buffers of `counts[i]` floats (64-byte aligned), carved from one slab; give them back with
    /// `give`. No buffers for no counts.
    func take(_ counts: [Int]) -> [UnsafeMutablePointer<Float>] {
        let need = Self.slabFloats(counts)
        if need == 0 { return [] }
        lock.lock()
        if recorders > 0, let record = Thread.current.threadDictionary[Self.recordKey] as? TakeRecord {
            record.slabs.append(need)
        }
        let base: UnsafeMutablePointer<Float>
        if let i = free.indices.filter({ free[$0].capacity >= need }).min(by: { free[$0].capacity < free[$1].capacity }) {
            base = free.remove(at: i).base
        } else {
            if let i = free.indices.max(by: { free[$0].capacity < free[$1].capacity }) {
                let old = free.remove(at: i).base
                capacities[old] = nil
                old.deallocate()
            }
            base = UnsafeMutableRawPointer.allocate(byteCount: need * 4, alignment: 64).bindMemory(to: Float.self, capacity: need)
            capacities[base] = need
        }
        lock.unlock()
        var out: [UnsafeMutablePointer<Float>] = []
        out.reserveCapacity(counts.count)
        var offset = 0
        for c in counts {
            out.append(base + offset)
            offset += (c + 15) / 16 * 16
        }
        return out
    }

    /// `parts` buffers of `count` floats each, from one slab.
    func take(count: Int, parts: Int) -> [UnsafeMutablePointer<Float>] {
        take([Int](repeating: count, count: parts))
    }

    /// Gives back the buffers of one `take` (its first buffer starts the slab).
    func give(_ buffers: [UnsafeMutablePointer<Float>]) {
        guard let base = buffers.first else { return }
        lock.lock()
        defer { lock.unlock() }
        free.append((base, capacities[base]!))
    }

    /// The slab sizes (floats) of the takes `body` makes on the calling thread, in order: how the
    /// tests hold each kernel's scratch estimate to what it takes.
    static func recordingTakes(_ body: () -> Void) -> [Int] {
        let record = TakeRecord()
        shared.lock.lock(); shared.recorders += 1; shared.lock.unlock()
        Thread.current.threadDictionary[recordKey] = record
        body()
        Thread.current.threadDictionary[recordKey] = nil
        shared.lock.lock(); shared.recorders -= 1; shared.lock.unlock()
        return record.slabs
    }

    private static let recordKey = "nnc.ScratchPool.record"
    private final class TakeRecord { var slabs: [Int] = [] }
}
