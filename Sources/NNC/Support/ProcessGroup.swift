/// The processes of a data-parallel run (`mpirun -np N nnc train`): each trains on its slice
/// of every global batch, and what the update needs is summed across them, so every rank
/// applies the same update to the same weights (docs/DISTRIBUTED.md). The command line
/// provides Open MPI's; the tests an in-process one.
public protocol ProcessGroup: AnyObject {
    /// This process's index, 0..<size; rank 0 writes checkpoints and the log.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces every value by its sum over the ranks, in place and identical on every rank.
    func sum(_ values: inout MutableSpan<Float>)
    func sum(_ values: inout MutableSpan<Double>)
    /// Whether every rank passed the same value.
    func agree(_ value: UInt64) -> Bool
}

extension ProcessGroup {
    /// Replaces every value by its mean over the ranks.
    func average(_ values: inout MutableSpan<Float>) {
        sum(&values)
        let scale = 1 / Float(size)
        for i in 0..<values.count { values[i] *= scale }
    }

    func average(_ values: inout MutableSpan<Double>) {
        sum(&values)
        let scale = 1 / Double(size)
        for i in 0..<values.count { values[i] *= scale }
    }
}
