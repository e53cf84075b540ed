import Foundation
import Testing

/// `nnc fetch` run as a user runs it.
@Suite struct FetchCommandTests {
    /// A failed fetch prints its error and nothing else, and takes back the folders it made
    /// (nothing listens on the discard port, so every download fails).
    @Test func failedFetchPrintsOnlyItsErrorAndLeavesNoFolder() throws {
        let dir = try CLI.temporaryFolder("nnc-fetch-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("new/data")
        let r = try CLI.run(["fetch", "mnist", "--data", data.path, "--mirror", "http://127.0.0.1:9/"])
        #expect(r.status == 74)
        #expect(r.stdout == "")
        #expect(r.stderr.hasPrefix("nnc fetch: error: cannot fetch 'train-images-idx3-ubyte.gz'"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
        // A folder that was there stays.
        let r2 = try CLI.run(["fetch", "mnist", "--data", dir.path, "--mirror", "http://127.0.0.1:9/"])
        #expect(r2.status == 74)
        #expect(FileManager.default.fileExists(atPath: dir.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
    }
}
