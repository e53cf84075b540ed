import Foundation
import Testing

/// The built `nnc`, run as a user runs it: every command-line test goes through here.
enum CLI {
    /// The `nnc` executable SwiftPM builds beside the test bundle (further up inside an .xctest bundle).
    static let executable: URL? = {
        var folders = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
                       Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let exe = Bundle.main.executableURL { folders.append(exe.deletingLastPathComponent()) }
        folders += folders.map { $0.deletingLastPathComponent().deletingLastPathComponent() }
        return folders.map { $0.appendingPathComponent("nnc") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// `nnc arguments…`: its status, stdout and stderr. Kernel wisdom a user's `nnc tune` left
    /// in their home is not read (the built-in parameters, as in the library's tests) unless the
    /// environment given names a file.
    static func run(_ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
                    interrupt: ((String) -> Bool)? = nil) throws -> ProcessOutput {
        let nnc = try #require(executable, "nnc is not built beside the test bundle (swift build first)")
        var environment = environment ?? ProcessInfo.processInfo.environment
        if environment["NNC_WISDOM"] == nil { environment["NNC_WISDOM"] = "/nonexistent/nnc-test-wisdom.json" }
        return try runProcess(nnc, arguments, environment: environment, directory: directory, interrupt: interrupt)
    }

    /// A fresh folder under the temporary directory; the caller removes it.
    static func temporaryFolder(_ prefix: String = "nnc-cli") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `text` written to a fresh `.net` file under the temporary directory; the caller removes it.
    static func temporaryNet(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-cli-\(UUID().uuidString).net")
        try Data(text.utf8).write(to: url)
        return url
    }
}
