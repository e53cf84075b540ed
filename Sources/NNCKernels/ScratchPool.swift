import Foundation

/// Float buffers for kernels that need scratch per thread (the convolutions' im2col buffers
/// when they split samples over threads). Buffers are kept and reused, so after the first
/// training step no call allocates; safe from any thread.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()

    private let lock = NSLock()
    private var free: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []

    /// `parts` buffers of at least `count` floats each (64-byte aligned).
    func take(count: Int, parts: Int) -> [UnsafeMutablePointer<Float>] {
        lock.lock()
        defer { lock.unlock() }
        var out: [UnsafeMutablePointer<Float>] = []
        out.reserveCapacity(parts)
        for _ in 0..<parts {
            if let i = free.lastIndex(where: { $0.capacity >= count }) {
                out.append(free.remove(at: i).pointer)
            } else {
                let n = max(count, 1)
                let p = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64).bindMemory(to: Float.self, capacity: n)
                capacities[p] = n
                out.append(p)
            }
        }
        return out
    }

    func give(_ buffers: [UnsafeMutablePointer<Float>]) {
        lock.lock()
        defer { lock.unlock() }
        for p in buffers { free.append((p, capacities[p]!)) }
    }

    private var capacities: [UnsafeMutablePointer<Float>: Int] = [:]
}
