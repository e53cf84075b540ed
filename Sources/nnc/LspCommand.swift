import Foundation
import NNC

/// `nnc lsp`: the language server on standard input and output. Only the loop is here; what
/// the messages mean is `LanguageServer`'s, in the library.
enum LspCommand: Command {
    static let spec = CommandSpec(
        name: "lsp",
        abstract: "a language server for editors, over standard input and output",
        discussion: """
            Speaks the Language Server Protocol on standard input and output, for an editor to
            start: diagnostics as 'nnc check' gives them (fixes as quick fixes), hover with each
            layer's output shape and parameter count, completion of statements, options and
            initialisers, go to definition of blocks, constants and labels, and formatting as
            'nnc fmt'. README.md, "Editors", shows how to set up VS Code, Neovim and Helix.
            """,
        arguments: [],
        options: [],
        exitStatus: """
            0 after the client's shutdown and exit, 1 on exit without shutdown or at the
            end of the input, 64 usage error
            """)

    static func run(_ arguments: ParsedArguments) throws {
        var server = LanguageServer(version: version)
        var framer = MessageFramer()
        let input = FileHandle.standardInput, output = FileHandle.standardOutput
        while true {
            let chunk = input.availableData
            if chunk.isEmpty { break }
            framer.append(chunk)
            while let frame = framer.next() {
                let replies: [[UInt8]]
                switch frame {
                case .message(let body): replies = server.handle(body)
                case .malformed(let reason): replies = [server.malformed(reason)]
                }
                for reply in replies { output.write(Data(MessageFramer.frame(reply))) }
                if let status = server.exitStatus { exit(status) }
            }
        }
        // The client went away without `exit`: the protocol's status for an unclean end.
        exit(1)
    }
}
