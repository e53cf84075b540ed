import Foundation

/// Where tests find the repository and the shared data, wherever the clone lives.
enum TestPaths {
    /// The repository root, found from this file's own path.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let examples = repoRoot.appendingPathComponent("examples")
    static let fixtures = repoRoot.appendingPathComponent("Tests/NNCTests/Fixtures")

    /// The data folder with `mnist/` in it: `$NNC_DATA`, else `../shared/data` beside the clone.
    /// Nil on a user's machine that has neither; tests that need it skip with a message.
    static var sharedData: URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["NNC_DATA"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        candidates.append(repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data"))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("mnist").path)
        }
    }

    /// The MNIST folder, or nil with the reason tests print when they skip.
    static var mnist: URL? { sharedData?.appendingPathComponent("mnist") }
    static let mnistMissing = "MNIST not found: set NNC_DATA to a folder holding mnist/ (see README, 'Data'); skipping"
}
