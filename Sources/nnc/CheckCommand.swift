import Foundation
import NNC

/// Placeholder until the command is written; fails loudly rather than pretending.
enum CheckCommand {
    static func run(_ args: [String]) -> ExitCode {
        FileHandle.standardError.write(Data("nnc: this command is not built yet\n".utf8))
        return .failure
    }
}
