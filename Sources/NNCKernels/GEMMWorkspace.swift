import Foundation

/// Packing buffers for `gemm`, one slot per thread. Their sizes depend only on the blocking
/// constants, never on the problem, so a workspace that has served a call with `threads: t`
/// serves every later call with at most `t` threads without allocating.
///
/// A workspace must not be used by two `gemm` calls at the same time; `gemm` without a
/// workspace takes one from a process-wide pool, which is safe from any thread.
public final class GEMMWorkspace {
    final class Slot {
        let aPack: UnsafeMutablePointer<Float>
        let bPack: UnsafeMutablePointer<Float>
        let bEdge: UnsafeMutablePointer<Float>
        let tile: UnsafeMutablePointer<Float>
        let aCapacity: Int, bCapacity: Int, edgeCapacity: Int

        init(aCapacity: Int, bCapacity: Int, edgeCapacity: Int) {
            func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
                let p = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
                    .bindMemory(to: Float.self, capacity: n)
                p.initialize(repeating: 0, count: n)
                return p
            }
            self.aCapacity = aCapacity
            self.bCapacity = bCapacity
            self.edgeCapacity = edgeCapacity
            aPack = alloc(aCapacity)
            bPack = alloc(bCapacity)
            bEdge = alloc(edgeCapacity)
            tile = alloc(GEMMBlocking.maxTile)
        }

        deinit {
            aPack.deallocate()
            bPack.deallocate()
            bEdge.deallocate()
            tile.deallocate()
        }
    }

    var slots: [Slot] = []

    public init() {}

    /// What one thread's slot takes at the current blocking, for estimating a run's memory.
    public static var bytesPerThread: Int {
        let b = GEMMBlocking.current
        return 4 * (b.mc * b.kc + b.kc * b.nc + b.kc * GEMMBlocking.maxNR + GEMMBlocking.maxTile)
    }

    /// Makes sure `n` slots exist, sized for `blocking`.
    func reserve(slots n: Int, blocking: GEMMBlocking) {
        let aNeed = blocking.mc * blocking.kc
        let bNeed = blocking.kc * blocking.nc
        let edgeNeed = blocking.kc * GEMMBlocking.maxNR
        // Every slot is checked, not just the first: after a call with smaller blocking had
        // appended small slots behind a large one, a larger blocking overran them.
        slots.removeAll { $0.aCapacity < aNeed || $0.bCapacity < bNeed || $0.edgeCapacity < edgeNeed }
        while slots.count < n {
            slots.append(Slot(aCapacity: aNeed, bCapacity: bNeed, edgeCapacity: edgeNeed))
        }
    }

    /// Workspaces for calls that bring none; grows to the number of concurrent callers.
    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [GEMMWorkspace] = []

        func take() -> GEMMWorkspace {
            lock.lock()
            defer { lock.unlock() }
            return free.popLast() ?? GEMMWorkspace()
        }

        func give(_ ws: GEMMWorkspace) {
            lock.lock()
            free.append(ws)
            lock.unlock()
        }
    }

    static let pool = Pool()
}
