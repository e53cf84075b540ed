import Foundation
import Testing
import NNC
@testable import nnc

/// A mistake lowering finds is a mistake in the file: rendered against it as `nnc check` renders
/// diagnostics, and exit 65. No `.net` file reaches lowering's refusals through the command line
/// (the checker and the option parser stop a batch below 1 first), so this drives `ModelFile`
/// directly with the batch only a caller could pass.
@Suite struct ModelFileTests {
    @Test func loweringRefusalIsALocatedErrorInTheFile() throws {
        let url = try CLI.temporaryNet(RuntimeErrorTests.text)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try ModelFile(url.path, color: false)
        let error = try #require(throws: DiagnosticsError.self) {
            try file.session(file.model, batch: 0, evalBatch: 4, threads: 1)
        }
        #expect(ExitCode(for: error) == .dataError)
        #expect(error.rendered == """
            \(url.path):6:1: error: batch must be a positive integer, got 0
            train { batch: 4, epochs: 1 }
            ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
            1 error

            """)
    }

    @Test func missingFileIsNoInput() throws {
        let error = try #require(throws: CommandFailure.self) { try ModelFile("/nonexistent/m.net", color: false) }
        #expect(ExitCode(for: error) == .noInput)
        #expect(error.message == "cannot read '/nonexistent/m.net': no such file")
    }

    /// A file past 1 MiB is refused before the checker builds its tree (a flood of 8 MB once took
    /// 780 MB); a file at the limit is read and checked as any other.
    @Test func oversizedFileIsRefusedUnread() throws {
        let line = "desne 4\n"
        let justUnder = String(repeating: line, count: ModelFile.sizeLimit / line.utf8.count)
        let under = try CLI.temporaryNet(justUnder)
        let over = try CLI.temporaryNet(justUnder + String(repeating: line, count: 1))
        defer { for url in [under, over] { try? FileManager.default.removeItem(at: url) } }
        let error = try #require(throws: CommandFailure.self) { try ModelFile(over.path, color: false) }
        #expect(ExitCode(for: error) == .dataError)
        #expect(error.message.hasPrefix("'\(over.path)' is larger than 1 MiB"))
        #expect(throws: DiagnosticsError.self) { try ModelFile(under.path, color: false) }
        // A checkpoint's copy of the file meets the same bound.
        #expect(throws: CommandFailure.self) {
            try ModelFile(path: "copy.net", bytes: [UInt8](repeating: 0x20, count: ModelFile.sizeLimit + 1), color: false)
        }
    }
}
