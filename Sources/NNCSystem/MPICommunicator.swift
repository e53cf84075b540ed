#if MPI
import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The processes `mpirun` started, as Open MPI's `MPI_COMM_WORLD`: what data-parallel training
/// needs of it and nothing more — sums across ranks, a check that all ranks agree, and a way to
/// stop them all. Built only under the MPI trait (Package.swift).
public final class MPICommunicator {
    public let rank: Int
    public let size: Int
    private let world: MPI_Comm

    /// Joins the job when `mpirun` (or another launcher of Open MPI) started this process, else
    /// nil: a plain `nnc train` never initialises MPI. The kernels' threads never call MPI, so the
    /// main thread alone does (`MPI_THREAD_FUNNELED`).
    public static func join(environment: [String: String]) -> MPICommunicator? {
        guard environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil else { return nil }
        var provided: Int32 = 0
        guard MPI_Init_thread(nil, nil, nnc_mpi_thread_funneled(), &provided) == MPI_SUCCESS else { return nil }
        return MPICommunicator()
    }

    private init() {
        world = nnc_mpi_comm_world()
        var r: Int32 = 0, s: Int32 = 1
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &s)
        rank = Int(r)
        size = Int(s)
    }

    /// Replaces every value by its sum over the ranks, in one collective.
    public func sum(_ values: inout MutableSpan<Float>) {
        let count = Int32(values.count)
        values.withUnsafeMutableBytes { buffer in
            _ = MPI_Allreduce(nnc_mpi_in_place(), buffer.baseAddress, count, nnc_mpi_float(), nnc_mpi_sum(), world)
        }
    }

    /// `sum` for Double values (SGD2's factors).
    public func sum(_ values: inout MutableSpan<Double>) {
        let count = Int32(values.count)
        values.withUnsafeMutableBytes { buffer in
            _ = MPI_Allreduce(nnc_mpi_in_place(), buffer.baseAddress, count, nnc_mpi_double(), nnc_mpi_sum(), world)
        }
    }

    /// Whether every rank passed the same value (their minimum and maximum agree).
    public func agree(_ value: UInt64) -> Bool {
        var low = value, high = value
        withUnsafeMutablePointer(to: &low) { _ = MPI_Allreduce(nnc_mpi_in_place(), $0, 1, nnc_mpi_uint64(), nnc_mpi_min(), world) }
        withUnsafeMutablePointer(to: &high) { _ = MPI_Allreduce(nnc_mpi_in_place(), $0, 1, nnc_mpi_uint64(), nnc_mpi_max(), world) }
        return low == high
    }

    /// Stops every rank with `status`: one rank's failure must not leave the others waiting in
    /// a collective for ever.
    public func abort(status: Int32) -> Never {
        MPI_Abort(world, status)
        exit(status)
    }

    /// Leaves the job after the last collective.
    public func finish() {
        MPI_Finalize()
    }
}
#endif
