import Foundation
import NNC
import NNCSystem

#if MPI
extension MPICommunicator: ProcessGroup {}
#endif

/// How `nnc train` takes part in a data-parallel run that `mpirun -np N` started
/// (docs/DISTRIBUTED.md): it joins the other ranks, keeps quiet unless it is rank 0, and when
/// any rank fails, stops them all — a rank must never wait for ever on one that left.
enum ParallelLaunch {
    #if MPI
    nonisolated(unsafe) private static var world: MPICommunicator?
    #endif

    /// The ranks of this run, or nil when this process trains alone. A build without the MPI
    /// trait that `mpirun` started as one of several refuses: each copy would train alone and
    /// all would write the same checkpoint.
    static func join() throws -> ProcessGroup? {
        let environment = ProcessInfo.processInfo.environment
        #if MPI
        guard let world = MPICommunicator.join(environment: environment) else { return nil }
        self.world = world
        if world.rank != 0 { silenceStandardOutput() }
        return world.size > 1 ? world : nil
        #else
        if let size = (environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"]).flatMap({ Int($0) }), size > 1 {
            throw CommandFailure(.usage, "mpirun started \(size) copies of an nnc built without MPI: each would train alone and "
                                         + "write the same checkpoint; build it with `swift build -c release --traits MPI` "
                                         + "(README, \"Training on several processes\")")
        }
        return nil
        #endif
    }

    /// Ends this process's part: leaves the job after a success; after a failure stops every
    /// rank with the failure's status, naming the rank that failed.
    static func end(_ status: ExitCode) -> ExitCode {
        #if MPI
        guard let world else { return status }
        if status == .success {
            world.finish()
        } else {
            FileHandle.standardError.write(Data("nnc: rank \(world.rank) of \(world.size) failed (exit status \(status.rawValue)); stopping every rank\n".utf8))
            world.abort(status: status.rawValue)
        }
        #endif
        return status
    }
}
