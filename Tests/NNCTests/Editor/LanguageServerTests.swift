import Foundation
import Testing
@testable import NNC

/// `LanguageServer`'s message handling, without a process: each request's answer, the
/// diagnostics it publishes, and the errors for what it cannot read.
@Suite struct LanguageServerTests {
    static let uri = "file:///work/m.net"
    static let model = """
        let width = 16

        block hidden(w) {
          dense w, init: he_normal
          relu
        }

        net m {
          input [784]
          repeat 2 { hidden(width) }
          head: dense 10
          loss cross_entropy
        }

        optimizer sgd {
          lr: 0.1
          layer head { lr_scale: 0.5 }
        }

        """

    /// A server that has been initialized and has `text` open; the replies to the opening.
    static func server(_ text: String = model) -> (LanguageServer, [[String: Any]]) {
        var server = LanguageServer(version: "test")
        _ = server.handle(request(1, "initialize", [:]))
        let opened = server.handle(notification("textDocument/didOpen",
                                                ["textDocument": ["uri": uri, "languageId": "nnc", "version": 1, "text": text]]))
        return (server, opened.map(decode))
    }

    static func request(_ id: Int, _ method: String, _ params: [String: Any]) -> [UInt8] {
        encode(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
    }

    static func notification(_ method: String, _ params: [String: Any]) -> [UInt8] {
        encode(["jsonrpc": "2.0", "method": method, "params": params])
    }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        [UInt8](try! JSONSerialization.data(withJSONObject: object))
    }

    static func decode(_ body: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// The one reply to a request at `line`, `character` (0-based) of the open document.
    static func ask(_ server: inout LanguageServer, _ method: String, line: Int, character: Int) -> Any? {
        let replies = server.handle(request(7, method, ["textDocument": ["uri": uri],
                                                        "position": ["line": line, "character": character]]))
        #expect(replies.count == 1)
        let reply = decode(replies[0])
        #expect(reply["id"] as? Int == 7)
        #expect(reply["error"] == nil, "\(reply)")
        return reply["result"]
    }

    static func errorCode(_ replies: [[UInt8]]) -> Int? {
        guard replies.count == 1 else { return nil }
        return (decode(replies[0])["error"] as? [String: Any])?["code"] as? Int
    }

    @Test func initializeAnnouncesWhatTheServerDoes() throws {
        var server = LanguageServer(version: "test")
        let reply = Self.decode(try #require(server.handle(Self.request(1, "initialize", [:])).first))
        let capabilities = try #require((reply["result"] as? [String: Any])?["capabilities"] as? [String: Any])
        #expect((capabilities["textDocumentSync"] as? [String: Any])?["change"] as? Int == 1)
        for key in ["hoverProvider", "definitionProvider", "documentFormattingProvider", "codeActionProvider"] {
            #expect(capabilities[key] as? Bool == true, "\(key)")
        }
        #expect(capabilities["completionProvider"] != nil)
    }

    @Test func aCleanFilePublishesNoDiagnostics() throws {
        let (_, opened) = Self.server()
        #expect(opened.count == 1)
        #expect(opened[0]["method"] as? String == "textDocument/publishDiagnostics")
        let params = try #require(opened[0]["params"] as? [String: Any])
        #expect(params["uri"] as? String == Self.uri)
        #expect((params["diagnostics"] as? [Any])?.isEmpty == true)
    }

    /// The checker's message, range and fix, as `nnc check` has them; the fix also as a quick fix.
    @Test func diagnosticsAndQuickFixesOnChange() throws {
        var (server, _) = Self.server()
        let broken = Self.model.replacingOccurrences(of: "  relu\n", with: "  rleu\n")
        let published = server.handle(Self.notification("textDocument/didChange", [
            "textDocument": ["uri": Self.uri, "version": 2], "contentChanges": [["text": broken]]])).map(Self.decode)
        let diagnostics = try #require((published.first?["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]])
        let expected = Frontend.check(SourceFile(path: "m.net", text: broken)).diagnostics
        #expect(expected.count == 1 && expected[0].fix == "did you mean 'relu'?", "\(expected)")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?["message"] as? String == "unknown layer 'rleu'")
        #expect(diagnostics.first?["severity"] as? Int == 1)
        let range = diagnostics.first?["range"] as? [String: Any]
        #expect((range?["start"] as? [String: Any])?["line"] as? Int == 4)
        #expect((range?["start"] as? [String: Any])?["character"] as? Int == 2)
        #expect((range?["end"] as? [String: Any])?["character"] as? Int == 6)
        let related = diagnostics.first?["relatedInformation"] as? [[String: Any]]
        #expect(related?.first?["message"] as? String == "fix: did you mean 'relu'?")

        let replies = server.handle(Self.request(9, "textDocument/codeAction", [
            "textDocument": ["uri": Self.uri],
            "range": ["start": ["line": 4, "character": 0], "end": ["line": 4, "character": 6]],
            "context": ["diagnostics": [Any]()]]))
        let actionReply = try #require(replies.first)
        let actions = try #require(Self.decode(actionReply)["result"] as? [[String: Any]])
        #expect(actions.count == 1)
        #expect(actions.first?["title"] as? String == "did you mean 'relu'?")
        let edits = ((actions.first?["edit"] as? [String: Any])?["changes"] as? [String: Any])?[Self.uri] as? [[String: Any]]
        #expect(edits?.first?["newText"] as? String == "relu")
    }

    @Test func hoverOnALayerShowsItsShapeAndParameters() throws {
        var (server, _) = Self.server()
        // `dense w` in the block, used twice: both copies, 784·16+16 and 16·16+16 parameters.
        let hover = try #require(Self.ask(&server, "textDocument/hover", line: 3, character: 3) as? [String: Any])
        let text = try #require((hover["contents"] as? [String: Any])?["value"] as? String)
        #expect(text.contains("**dense1** `dense 16` → `[16]`, 12,560 parameters"), "\(text)")
        #expect(text.contains("**dense2** `dense 16` → `[16]`, 272 parameters"), "\(text)")
        #expect(text.contains("`dense`: fully connected layer"))
        let head = try #require(Self.ask(&server, "textDocument/hover", line: 10, character: 9) as? [String: Any])
        #expect(((head["contents"] as? [String: Any])?["value"] as? String)?.contains("**head** `dense 10` → `[10]`, 170 parameters") == true)
    }

    @Test func hoverOnANameShowsItsDefinition() throws {
        var (server, _) = Self.server()
        let hover = try #require(Self.ask(&server, "textDocument/hover", line: 9, character: 23) as? [String: Any])
        #expect(((hover["contents"] as? [String: Any])?["value"] as? String)?.contains("`let width = 16`") == true)
        #expect(Self.ask(&server, "textDocument/hover", line: 1, character: 0) is NSNull)
    }

    @Test func goToDefinitionOfAConstantABlockAParameterAndALabel() throws {
        var (server, _) = Self.server()
        func target(_ line: Int, _ character: Int) -> (Int, Int)? {
            guard let location = Self.ask(&server, "textDocument/definition", line: line, character: character) as? [String: Any],
                  let start = (location["range"] as? [String: Any])?["start"] as? [String: Any] else { return nil }
            #expect(location["uri"] as? String == Self.uri)
            return (start["line"] as? Int ?? -1, start["character"] as? Int ?? -1)
        }
        #expect(target(9, 24).map { [$0.0, $0.1] } == [0, 4])   // width → let width
        #expect(target(9, 14).map { [$0.0, $0.1] } == [2, 6])   // hidden(…) → block hidden
        #expect(target(3, 8).map { [$0.0, $0.1] } == [2, 13])   // w → the parameter
        #expect(target(16, 9).map { [$0.0, $0.1] } == [10, 2])  // layer head → head: dense 10
        #expect(Self.ask(&server, "textDocument/definition", line: 4, character: 3) is NSNull)  // relu: a keyword of the language
    }

    static func labels(_ result: Any?) -> [String] {
        (result as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
    }

    @Test func completionFitsThePlace() throws {
        var (server, _) = Self.server()
        // The start of a net line: every statement, with its documentation, and the file's blocks.
        let atStart = try #require(Self.ask(&server, "textDocument/completion", line: 10, character: 2) as? [[String: Any]])
        #expect(Self.labels(atStart).contains("dense") && Self.labels(atStart).contains("hidden")
                && Self.labels(atStart).contains("leaky_relu"))
        let dense = try #require(atStart.first { $0["label"] as? String == "dense" })
        #expect(((dense["documentation"] as? [String: Any])?["value"] as? String)?.contains("`init`: initialiser") == true)
        // After `init:`, the initialisers.
        let inits = Self.labels(Self.ask(&server, "textDocument/completion", line: 3, character: 17))
        #expect(inits.contains("he_normal") && inits.contains("normal(0.01)") && !inits.contains("dense"), "\(inits)")
        // After a statement's first word, its options.
        let options = Self.labels(Self.ask(&server, "textDocument/completion", line: 3, character: 11))
        #expect(Set(options) == ["bias", "init"], "\(options)")
        // In the optimizer block, its keys; in a layer section, the override keys.
        let keys = Self.labels(Self.ask(&server, "textDocument/completion", line: 15, character: 2))
        #expect(keys.contains("momentum") && keys.contains("lr"), "\(keys)")
        let overrides = Self.labels(Self.ask(&server, "textDocument/completion", line: 16, character: 15))
        #expect(overrides.contains("lr_scale") && !overrides.contains("momentum"), "\(overrides)")
        // Between declarations, the declaration keywords.
        #expect(Set(Self.labels(Self.ask(&server, "textDocument/completion", line: 13, character: 0)))
                == ["let", "block", "net", "data", "optimizer", "train"])
    }

    @Test func formattingIsNncFmt() throws {
        var (server, _) = Self.server("net m {\ninput [4]\n  loss mse }\n")
        let replies = server.handle(Self.request(3, "textDocument/formatting", ["textDocument": ["uri": Self.uri],
                                                                                "options": ["tabSize": 2, "insertSpaces": true]]))
        let reply = try #require(replies.first)
        let edits = try #require(Self.decode(reply)["result"] as? [[String: Any]])
        #expect(edits.count == 1)
        #expect(edits.first?["newText"] as? String == "net m {\n  input [4]\n  loss mse }\n")
        let end = ((edits.first?["range"] as? [String: Any])?["end"] as? [String: Any])
        #expect(end?["line"] as? Int == 3 && end?["character"] as? Int == 0)
    }

    /// A file past 1 MiB is refused with one diagnostic, as `nnc check` refuses it, not checked.
    @Test func aFileTooLargeIsNotChecked() throws {
        let huge = String(repeating: "relu\n", count: (1 << 20) / 5 + 1)
        let (_, opened) = Self.server(huge)
        let diagnostics = try #require((opened.first?["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        #expect((diagnostics.first?["message"] as? String)?.hasPrefix("the file is larger than 1 MiB") == true)
    }

    @Test func positionsCountUTF16() {
        let file = SourceFile(path: "u.net", text: "# σ² 😀\nlet a = 1\n")
        // "# σ² 😀": σ and ² are one UTF-16 unit and two bytes each, 😀 two units and four bytes.
        #expect(file.editorPosition(SourceLocation(line: 1, column: 12, offset: 11)) == EditorPosition(line: 0, character: 7))
        #expect(file.offset(of: EditorPosition(line: 0, character: 7)) == 11)
        #expect(file.offset(of: EditorPosition(line: 1, character: 4)) == 16)
        #expect(file.offset(of: EditorPosition(line: 9, character: 0)) == file.bytes.count)
    }

    @Test func malformedMessagesGetJSONRPCErrors() {
        var server = LanguageServer(version: "test")
        #expect(Self.errorCode(server.handle(Array("{not json".utf8))) == -32700)
        #expect(Self.errorCode(server.handle(Array("[1, 2]".utf8))) == -32600)
        #expect(Self.errorCode(server.handle(Self.encode(["jsonrpc": "2.0", "id": 1]))) == -32600)
        #expect(Self.errorCode(server.handle(Self.request(2, "textDocument/hover", [:]))) == -32002, "before initialize")
        _ = server.handle(Self.request(3, "initialize", [:]))
        #expect(Self.errorCode(server.handle(Self.request(4, "no/such/method", [:]))) == -32601)
        #expect(server.handle(Self.notification("no/such/notification", [:])).isEmpty, "unknown notifications are ignored")
        #expect(Self.errorCode(server.handle(Self.request(5, "textDocument/hover", ["textDocument": ["uri": "file:///closed.net"],
                                                                                    "position": ["line": 0, "character": 0]]))) == -32602)
        #expect(Self.errorCode([server.malformed("invalid Content-Length 'x'")]) == -32700)
    }

    @Test func exitAfterShutdownIsZeroWithoutItOne() {
        var clean = LanguageServer(version: "test")
        _ = clean.handle(Self.request(1, "initialize", [:]))
        let reply = Self.decode(clean.handle(Self.request(2, "shutdown", [:]))[0])
        #expect(reply["result"] is NSNull)
        #expect(clean.exitStatus == nil)
        _ = clean.handle(Self.notification("exit", [:]))
        #expect(clean.exitStatus == 0)
        var abrupt = LanguageServer(version: "test")
        _ = abrupt.handle(Self.notification("exit", [:]))
        #expect(abrupt.exitStatus == 1)
    }

    @Test func quickFixesAreOnlyPlainEdits() {
        #expect(QuickFix.replacement("did you mean 'dense'?") == "dense")
        #expect(QuickFix.replacement("insert ','") == ",")
        #expect(QuickFix.replacement("remove it") == "")
        #expect(QuickFix.replacement("write 'normal(0.01)'") == "normal(0.01)")
        #expect(QuickFix.replacement("insert '\"' after 'a.gz'") == nil)
        #expect(QuickFix.replacement("choose another name, such as 'net_'") == nil)
    }
}
