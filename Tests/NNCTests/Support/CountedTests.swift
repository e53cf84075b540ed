import Foundation
import Testing
@testable import NNC

/// Counts are printed with their noun in the right number: never "1 epochs".
@Suite struct CountedTests {
    @Test func nounAgreesWithTheCount() {
        #expect(counted(1, "epoch") == "1 epoch")
        #expect(counted(0, "epoch") == "0 epochs")
        #expect(counted(2, "batch") == "2 batches")
        #expect(counted(1, "class") == "1 class")
        #expect(counted(3, "class") == "3 classes")
        #expect(counted(2, "training sample") == "2 training samples")
        #expect(counted(2, "matrix", plural: "matrices") == "2 matrices")
    }

    /// Where a user meets it first: the line that starts one epoch of training on one thread.
    @Test func printedCountsAgree() throws {
        let dir = try CLI.temporaryFolder("nnc-counted")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path
        let r = try CLI.run(["train", spirals, "--epochs", "1", "--threads", "1",
                             "--checkpoint", dir.appendingPathComponent("s.safetensors").path])
        #expect(r.status == 0, "\(r.stderr)")
        let first = r.stdout.split(separator: "\n").first { $0.hasPrefix("training ") } ?? ""
        #expect(first.contains(", 1 epoch, ") && first.contains(", 1 thread"), "\(first)")
        #expect(!r.stdout.contains(" 1 epochs") && !r.stderr.contains(" 1 epochs"))
    }
}
