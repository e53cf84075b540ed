import Foundation
import Testing

/// ARCHITECTURE.md's rule for the library's folders: each uses only the folders listed above it.
/// The compiler keeps the arrows between targets; inside `NNC` this test keeps them, by name:
/// a type or free function declared in one folder and named in a file of a folder listed above
/// it is an arrow pointing the wrong way. The one exception is ARCHITECTURE.md's: the optimizer
/// rooms' option types and lowering, which the checker, the plan and lowering name.
@Suite struct FolderArrowsTests {
    static let order = ["Support", "Diagnostics", "Syntax", "Semantics", "Plan", "Lowering", "Optimizers", "Data",
                        "Execution", "Checkpoints", "Analysis", "Training", "Report", "Export", "Tuning", "Editor"]
    static let allowed: Set<String> = ["SGD2Options", "SGD2Lowering", "ScaleAmendLowering", "KFACOptions", "KFACLowering",
                                       "ShampooOptions", "ShampooLowering", "AdaptiveDamping"]

    @Test func everyFolderUsesOnlyTheFoldersAboveIt() throws {
        let root = TestPaths.repoRoot.appendingPathComponent("Sources/NNC")
        var files: [(folder: String, path: String, text: String)] = []
        for folder in Self.order {
            let url = root.appendingPathComponent(folder)
            let list = try #require(FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil), "cannot list \(folder)")
            for case let file as URL in list where file.pathExtension == "swift" {
                files.append((folder, folder + file.path.dropFirst(url.path.count), try String(contentsOf: file, encoding: .utf8)))
            }
        }
        let declaration = try Regex(#"(?m)^(?:public |final )*(?:struct|enum|class|protocol|typealias|func) +([A-Za-z_]\w*)"#)
        var home: [String: String] = [:]
        for file in files {
            for match in file.text.matches(of: declaration) {
                if let name = match.output[1].substring.map(String.init), home[name] == nil { home[name] = file.folder }
            }
        }
        #expect(home.count > 200, "found only \(home.count) declarations under Sources/NNC")
        let word = try Regex(#"[A-Za-z_]\w*"#)
        var wrong: Set<String> = []
        for file in files {
            let rank = Self.order.firstIndex(of: file.folder)!
            // Comments and string literals name things without using them.
            let code = file.text.split(separator: "\n").map { line in
                String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            }.joined(separator: "\n").replacing(#/"[^"\n]*"/#, with: "")
            for match in code.matches(of: word) {
                let name = String(code[match.range])
                if let folder = home[name], Self.order.firstIndex(of: folder)! > rank, !Self.allowed.contains(name) {
                    wrong.insert("\(file.path) uses \(name) of \(folder)")
                }
            }
        }
        #expect(wrong.isEmpty, "arrows pointing down the table: \(wrong.sorted().joined(separator: "; "))")
    }
}
