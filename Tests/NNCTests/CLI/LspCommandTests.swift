import Foundation
import Testing

/// `nnc lsp` as an editor runs it: a scripted client writes a whole session to its standard
/// input and reads the framed replies from its standard output.
@Suite struct LspCommandTests {
    static let uri = "file:///tmp/session.net"

    static func frame(_ object: [String: Any]) -> Data {
        let body = try! JSONSerialization.data(withJSONObject: object)
        return Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    static func request(_ id: Int, _ method: String, _ params: [String: Any] = [:]) -> Data {
        frame(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
    }

    static func notification(_ method: String, _ params: [String: Any] = [:]) -> Data {
        frame(["jsonrpc": "2.0", "method": method, "params": params])
    }

    static func at(_ line: Int, _ character: Int) -> [String: Any] {
        ["textDocument": ["uri": uri], "position": ["line": line, "character": character]]
    }

    /// Runs `nnc lsp` on `input` to its end; its status and the messages it wrote, in order.
    static func session(_ input: Data) throws -> (status: Int32, messages: [[String: Any]], stderr: String) {
        let nnc = try #require(CLI.executable, "nnc is not built beside the test bundle (swift build first)")
        let process = Process()
        process.executableURL = nnc
        process.arguments = ["lsp"]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Written from another thread, so a server that answers before reading everything cannot
        // deadlock against a full pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        final class Box: @unchecked Sendable { var data = Data() }
        let errors = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        var output = [UInt8](stdout.fileHandleForReading.readDataToEndOfFile())
        group.wait()
        process.waitUntilExit()
        var messages: [[String: Any]] = []
        while let headerEnd = output.firstRange(of: Array("\r\n\r\n".utf8)) {
            let header = String(decoding: output[..<headerEnd.lowerBound], as: UTF8.self)
            let length = try #require(Int(header.replacingOccurrences(of: "Content-Length: ", with: "")), "header '\(header)'")
            let body = Data(output[headerEnd.upperBound..<(headerEnd.upperBound + length)])
            messages.append(try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any]))
            output.removeFirst(headerEnd.upperBound + length)
        }
        #expect(output.isEmpty, "bytes after the last message: \(output.count)")
        return (process.terminationStatus, messages, String(decoding: errors.data, as: UTF8.self))
    }

    static func reply(_ messages: [[String: Any]], id: Int) throws -> [String: Any] {
        try #require(messages.first { $0["id"] as? Int == id }, "no reply to request \(id)")
    }

    static func diagnostics(_ messages: [[String: Any]]) -> [[[String: Any]]] {
        messages.filter { $0["method"] as? String == "textDocument/publishDiagnostics" }
            .compactMap { ($0["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] }
    }

    @Test func aScriptedSession() throws {
        let text = try String(contentsOf: TestPaths.examples.appendingPathComponent("mnist_mlp.net"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let headLine = try #require(lines.firstIndex { $0.contains("head: dense 10") })
        let letLine = try #require(lines.firstIndex { $0.hasPrefix("let width") })
        let widthUse = try #require(lines.firstIndex { $0.contains("dense width") })
        var input = Self.request(1, "initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": [String: Any]()])
        input += Self.notification("initialized")
        input += Self.notification("textDocument/didOpen", ["textDocument": ["uri": Self.uri, "languageId": "nnc",
                                                                             "version": 1, "text": text]])
        input += Self.request(2, "textDocument/hover", Self.at(headLine, 9))
        input += Self.request(3, "textDocument/completion", Self.at(headLine, 2))
        input += Self.request(4, "textDocument/definition", Self.at(widthUse, 9))
        input += Self.notification("textDocument/didChange", [
            "textDocument": ["uri": Self.uri, "version": 2],
            "contentChanges": [["text": text.replacingOccurrences(of: "head: dense 10", with: "head: desne 10")]]])
        input += Self.request(5, "shutdown")
        input += Self.notification("exit")
        let (status, messages, stderr) = try Self.session(input)
        #expect(status == 0, "exit after shutdown")
        #expect(stderr == "")

        let capabilities = (try Self.reply(messages, id: 1)["result"] as? [String: Any])?["capabilities"] as? [String: Any]
        #expect(capabilities?["hoverProvider"] as? Bool == true)
        let published = Self.diagnostics(messages)
        #expect(published.count == 2, "one publication per open and change")
        #expect(published.first?.isEmpty == true)
        #expect(published.last?.first?["message"] as? String == "unknown layer 'desne'")

        let hover = try Self.reply(messages, id: 2)["result"] as? [String: Any]
        let shown = (hover?["contents"] as? [String: Any])?["value"] as? String ?? ""
        #expect(shown.contains("**head** `dense 10` → `[10]`, 1,290 parameters"), "\(shown)")
        let items = try Self.reply(messages, id: 3)["result"] as? [[String: Any]] ?? []
        #expect(items.contains { $0["label"] as? String == "conv" && $0["documentation"] != nil })
        let location = try Self.reply(messages, id: 4)["result"] as? [String: Any]
        let start = (location?["range"] as? [String: Any])?["start"] as? [String: Any]
        #expect(start?["line"] as? Int == letLine && start?["character"] as? Int == 4)
        #expect(try Self.reply(messages, id: 5)["result"] is NSNull)
    }

    /// Broken frames, broken JSON and unknown methods each get an error reply; the session goes on.
    @Test func malformedInputGetsErrorsNotACrash() throws {
        var input = Data("Content-Length: twelve\r\n\r\n{}".utf8)
        input += Self.request(1, "initialize")
        input += Data("Content-Length: 9\r\n\r\n{not json".utf8)
        input += Self.request(2, "workspace/nothingHere")
        input += Data("garbage without a header\r\n\r\n".utf8)
        input += Self.request(3, "shutdown")
        // No exit: the input just ends, as when an editor dies.
        let (status, messages, _) = try Self.session(input)
        #expect(status == 1)
        let codes = messages.compactMap { ($0["error"] as? [String: Any])?["code"] as? Int }
        #expect(codes == [-32700, -32700, -32601, -32700], "\(messages)")
        #expect(try Self.reply(messages, id: 1)["result"] != nil)
        #expect(try Self.reply(messages, id: 3)["result"] is NSNull)
    }
}
