import NNC
import NNCKernels

/// The kernel parameters this process runs with (`KernelChoice`: this CPU's wisdom, else the
/// built-in set), applied once, before the first session is allocated: the GEMM workspace a
/// memory check counts depends on them.
enum KernelSetup {
    static let choice: KernelChoice = {
        let c = KernelChoice.select(wisdomAt: KernelWisdom.path(), cpu: CPUModel.name, caches: CPUCaches.thisMachine)
        if let warning = c.warning { writeError(warning + "\n") }
        GEMMParameters.current = c.gemm
        return c
    }()

    static func apply() { _ = choice }

    /// One line for `nnc time` and `nnc tune --show`.
    static var summary: String { "GEMM \(choice.gemm), \(choice.source)" }
}
