import Foundation
import Testing
import NNC
@testable import nnc

/// The one mapping from what went wrong to the exit status, case by case (sysexits: 64 usage,
/// 65 bad input, 66 missing input, 70 run-time failure, 74 cannot write).
@Suite struct ExitCodeTests {
    @Test func everyKindOfErrorHasItsStatus() {
        let file = SourceFile(path: "m.net", text: "")
        let cases: [(Error, ExitCode)] = [
            (CommandLineError.missing("the .net file to train"), .usage),
            (DiagnosticsError(file: file, diagnostics: [], color: false), .dataError),
            (RuntimeError.lowering([]), .dataError),
            (RuntimeError.unsupported("x"), .failure),
            (DataError.notFound(file: "a", looked: []), .noInput),
            (DataError.cannotRead(file: "a", reason: "r"), .noInput),
            (DataError.empty(file: "a"), .dataError),
            (DataError.cannotWrite(file: "a", reason: "r"), .ioError),
            (DataError.fetchFailed(file: "a", attempts: ["u: http status 404"]), .ioError),
            (DataError.fetchFailed(file: "a", attempts: ["u: md5 checksum mismatch: expected 1, got 2"]), .dataError),
            (CheckpointError.cannotRead(file: "c", reason: "r"), .noInput),
            (CheckpointError.tooShort(file: "c", bytes: 3), .dataError),
            (CheckpointError.cannotWrite(file: "c", reason: "r"), .ioError),
            (TrainingFailure.nonFinite(step: 1, epoch: 1, layer: nil, buffer: nil, what: "nan"), .failure),
            (TrainingFailure.data("d"), .dataError),
            (TrainingFailure.checkpoint(CheckpointError.cannotWrite(file: "c", reason: "r")), .ioError),
            (RunLogError.cannotRead(file: "l", reason: "r"), .noInput),
            (RunLogError.empty(file: "l"), .dataError),
            (CommandFailure(.ioError, "cannot write the log 'l'"), .ioError),
            (CommandFailure(DataError.empty(file: "a"), context: "loading"), .dataError),
        ]
        for (error, status) in cases {
            #expect(ExitCode(for: error) == status, "\(error)")
        }
    }
}
