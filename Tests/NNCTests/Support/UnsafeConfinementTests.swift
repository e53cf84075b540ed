import Foundation
import Testing

/// The house rule: unsafe pointers live in Sources/NNCKernels. Sources/NNC and Sources/nnc must
/// not spell "Unsafe"; zlib interop (Gzip.swift) is the one exception, as C calls need pointers.
@Suite struct UnsafeConfinementTests {
    static let exempt: Set<String> = ["Sources/NNC/Data/Gzip.swift"]

    @Test func onlyKernelsSpellUnsafe() throws {
        var scanned = 0
        var offenders: [String] = []
        for folder in ["Sources/NNC", "Sources/nnc"] {
            let root = TestPaths.repoRoot.appendingPathComponent(folder)
            let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil),
                                     "cannot list \(folder)")
            for case let url as URL in files where url.pathExtension == "swift" {
                let relative = folder + url.path.dropFirst(root.path.count)
                scanned += 1
                guard !Self.exempt.contains(relative) else { continue }
                let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (i, line) in lines.enumerated() where line.contains("Unsafe") {
                    offenders.append("\(relative):\(i + 1)")
                }
            }
        }
        #expect(scanned > 10, "found only \(scanned) Swift files under Sources/NNC and Sources/nnc")
        #expect(offenders.isEmpty, "unsafe pointers outside Sources/NNCKernels: \(offenders.joined(separator: ", "))")
        for file in Self.exempt {
            #expect(FileManager.default.fileExists(atPath: TestPaths.repoRoot.appendingPathComponent(file).path),
                    "\(file) is exempt but gone; drop it from the list")
        }
    }
}
