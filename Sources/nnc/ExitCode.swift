/// Exit statuses, after sysexits(3), so scripts can tell the kinds of failure apart.
enum ExitCode: Int32 {
    case success = 0
    /// A mistake in the command line itself.
    case usage = 64
    /// The input (a `.net` file, a data file, a checkpoint) has errors.
    case dataError = 65
    /// An input file does not exist or cannot be read.
    case noInput = 66
    /// Training or evaluation failed at run time (a NaN loss, say).
    case failure = 70
    /// Writing an output (a checkpoint, a log) failed.
    case ioError = 74
}
