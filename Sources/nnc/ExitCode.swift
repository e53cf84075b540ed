import NNC

/// Exit statuses, after sysexits(3), so scripts can tell the kinds of failure apart.
enum ExitCode: Int32 {
    case success = 0
    /// `nnc fmt --check` found a file not in the canonical layout (as `gofmt -l` and
    /// `rustfmt --check` do, so CI reads it like theirs).
    case notFormatted = 1
    /// A mistake in the command line itself.
    case usage = 64
    /// The input (a `.net` file, a data file, a checkpoint, a log) has errors.
    case dataError = 65
    /// An input file does not exist or cannot be read.
    case noInput = 66
    /// The machine lacks what the run needs (memory for its arenas).
    case unavailable = 69
    /// Training or evaluation failed at run time (a NaN loss, say).
    case failure = 70
    /// Writing an output (a checkpoint, a log, a report, a download) failed.
    case ioError = 74
}

extension ExitCode {
    /// The one mapping from what went wrong to the status nnc exits with.
    init(for error: Error) {
        switch error {
        case is CommandLineError:
            self = .usage
        case let e as CommandFailure:
            self = e.status
        case is DiagnosticsError, is CheckpointMismatch, RuntimeError.lowering:
            self = .dataError
        case let e as DataError:
            switch e {
            case .notFound, .cannotRead: self = .noInput
            case .cannotWrite: self = .ioError
            // Every mirror served a file with the wrong checksum: the data, not the network, is at fault.
            case .fetchFailed(_, let attempts):
                self = !attempts.isEmpty && attempts.allSatisfy { $0.contains("checksum mismatch") } ? .dataError : .ioError
            default: self = .dataError
            }
        case let e as CheckpointError:
            switch e {
            case .cannotRead: self = .noInput
            case .cannotWrite: self = .ioError
            default: self = .dataError
            }
        case let e as TrainingFailure:
            switch e {
            case .nonFinite: self = .failure
            case .data: self = .dataError
            case .checkpoint: self = .ioError
            }
        case let e as RunLogError:
            if case .cannotRead = e { self = .noInput } else { self = .dataError }
        default:
            self = .failure
        }
    }
}
