import Foundation

/// `nnc lsp`'s logic: JSON-RPC messages in, JSON-RPC messages out, no I/O (the executable's
/// stdio loop frames them with `MessageFramer`).
///
/// Full-document sync; on every open and change the file is checked as `nnc check` checks it
/// and its diagnostics published (messages, ranges, notes as related information, the fix as
/// related information and, when it is a plain edit, a quick-fix code action). Hover, completion,
/// go to definition and formatting (`Formatter`, as `nnc fmt`) answer requests. A malformed
/// message gets a JSON-RPC error, never a crash.
public struct LanguageServer {
    /// JSON-RPC's and the protocol's error codes.
    enum ErrorCode: Int {
        case parseError = -32700, invalidRequest = -32600, methodNotFound = -32601, invalidParams = -32602
        case serverNotInitialized = -32002
    }

    private var documents: [String: EditorDocument] = [:]
    private var initialized = false
    private var shutdownRequested = false
    /// Set by the `exit` notification: 0 after a `shutdown` request, 1 without (as the protocol says).
    public private(set) var exitStatus: Int32?
    let version: String

    public init(version: String) {
        self.version = version
    }

    /// Answers one message body: the responses and notifications to send, as bodies.
    public mutating func handle(_ body: [UInt8]) -> [[UInt8]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return [error(id: nil, .parseError, "the message is not valid JSON")]
        }
        guard let message = object as? [String: Any], let method = message["method"] as? String else {
            // A response from the client (to a request the server never sends) is dropped.
            if let message = object as? [String: Any], message["method"] == nil,
               message["result"] != nil || message["error"] != nil { return [] }
            return [error(id: (object as? [String: Any])?["id"], .invalidRequest, "a request needs a 'method'")]
        }
        let id = message["id"]
        let params = message["params"] as? [String: Any] ?? [:]
        let isRequest = id != nil
        if !initialized && method != "initialize" && method != "exit" {
            return isRequest ? [error(id: id, .serverNotInitialized, "the server is not initialized")] : []
        }
        switch method {
        case "initialize":
            initialized = true
            return [result(id: id, Self.capabilities(version: version))]
        case "initialized", "$/cancelRequest", "$/setTrace", "textDocument/didSave", "workspace/didChangeConfiguration":
            return []
        case "shutdown":
            shutdownRequested = true
            return [result(id: id, NSNull())]
        case "exit":
            exitStatus = shutdownRequested ? 0 : 1
            return []
        case "textDocument/didOpen":
            guard let item = params["textDocument"] as? [String: Any], let uri = item["uri"] as? String,
                  let text = item["text"] as? String else { return [] }
            return open(uri, text)
        case "textDocument/didChange":
            // Full sync: the last change holds the whole text.
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String,
                  let text = (params["contentChanges"] as? [[String: Any]])?.last?["text"] as? String else { return [] }
            return open(uri, text)
        case "textDocument/didClose":
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else { return [] }
            documents[uri] = nil
            return [notification("textDocument/publishDiagnostics", ["uri": uri, "diagnostics": [Any]()])]
        case "textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/formatting",
             "textDocument/codeAction":
            guard isRequest else { return [] }
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String,
                  let document = documents[uri] else {
                return [error(id: id, .invalidParams, "'\(method)' needs the uri of an open document")]
            }
            return [result(id: id, answer(method, document, params))]
        default:
            return isRequest ? [error(id: id, .methodNotFound, "unknown method '\(method)'")] : []
        }
    }

    /// The error reply to a message the framer could not read.
    public func malformed(_ reason: String) -> [UInt8] {
        error(id: nil, .parseError, reason)
    }

    static func capabilities(version: String) -> [String: Any] {
        [
            "capabilities": [
                "textDocumentSync": ["openClose": true, "change": 1],
                "hoverProvider": true,
                "completionProvider": ["triggerCharacters": [":"]],
                "definitionProvider": true,
                "documentFormattingProvider": true,
                "codeActionProvider": true,
            ] as [String: Any],
            "serverInfo": ["name": "nnc", "version": version],
        ]
    }

    private mutating func open(_ uri: String, _ text: String) -> [[UInt8]] {
        let document = EditorDocument(uri: uri, text: text)
        documents[uri] = document
        return [notification("textDocument/publishDiagnostics",
                             ["uri": uri, "diagnostics": document.diagnostics.map { Self.diagnostic($0, document) }])]
    }

    private func answer(_ method: String, _ document: EditorDocument, _ params: [String: Any]) -> Any {
        let offset = Self.position(params["position"]).map(document.file.offset(of:)) ?? 0
        switch method {
        case "textDocument/hover":
            guard let (text, range) = document.hover(at: offset) else { return NSNull() }
            return ["contents": ["kind": "markdown", "value": text], "range": Self.range(range, document.file)]
        case "textDocument/completion":
            return EditorCompletion.items(document, at: offset).map { item -> [String: Any] in
                var json: [String: Any] = ["label": item.label, "kind": item.kind.rawValue, "detail": item.detail,
                                           "documentation": ["kind": "markdown", "value": item.documentation]]
                if let insert = item.insertText { json["insertText"] = insert }
                return json
            }
        case "textDocument/definition":
            guard let definition = document.definition(at: offset) else { return NSNull() }
            return ["uri": document.uri, "range": Self.range(definition.identifier.range, document.file)]
        case "textDocument/formatting":
            guard !document.isTooLarge, let text = Formatter.format(document.file).text else { return NSNull() }
            if Array(text.utf8) == document.file.bytes { return [Any]() }
            let whole = ["start": ["line": 0, "character": 0], "end": Self.json(document.file.endPosition)]
            return [["range": whole, "newText": text]]
        default:
            return codeActions(document, params)
        }
    }

    /// A quick fix for every diagnostic in the asked range whose fix is a plain edit.
    private func codeActions(_ document: EditorDocument, _ params: [String: Any]) -> [[String: Any]] {
        let asked = params["range"] as? [String: Any]
        let from = Self.position(asked?["start"]).map(document.file.offset(of:)) ?? 0
        let to = Self.position(asked?["end"]).map(document.file.offset(of:)) ?? document.file.bytes.count
        return document.diagnostics.compactMap { d -> [String: Any]? in
            guard let fix = d.fix, d.range.end.offset >= from, d.range.start.offset <= to,
                  let newText = QuickFix.replacement(fix) else { return nil }
            var range = d.range
            if QuickFix.inserts(fix) { range.end = range.start }
            let edit: [String: Any] = ["range": Self.range(range, document.file), "newText": newText]
            return ["title": fix, "kind": "quickfix", "diagnostics": [Self.diagnostic(d, document)],
                    "edit": ["changes": [document.uri: [edit]]]]
        }
    }

    // MARK: JSON

    static func diagnostic(_ d: Diagnostic, _ document: EditorDocument) -> [String: Any] {
        var json: [String: Any] = [
            "range": range(d.range, document.file),
            "severity": d.severity == .error ? 1 : d.severity == .warning ? 2 : 3,
            "source": "nnc",
            "message": d.message,
        ]
        var related = d.notes.map { note -> [String: Any] in
            ["location": ["uri": document.uri, "range": range(note.range, document.file)], "message": note.message]
        }
        if let fix = d.fix {
            related.insert(["location": ["uri": document.uri, "range": range(d.range, document.file)],
                            "message": "fix: \(fix)"], at: 0)
        }
        if !related.isEmpty { json["relatedInformation"] = related }
        return json
    }

    static func range(_ r: SourceRange, _ file: SourceFile) -> [String: Any] {
        ["start": json(file.editorPosition(r.start)), "end": json(file.editorPosition(r.end))]
    }

    static func json(_ p: EditorPosition) -> [String: Any] { ["line": p.line, "character": p.character] }

    static func position(_ value: Any?) -> EditorPosition? {
        guard let p = value as? [String: Any], let line = p["line"] as? Int, let character = p["character"] as? Int else {
            return nil
        }
        return EditorPosition(line: line, character: character)
    }

    private func result(id: Any?, _ value: Any) -> [UInt8] {
        Self.encode(["jsonrpc": "2.0", "id": id ?? NSNull(), "result": value])
    }

    private func error(id: Any?, _ code: ErrorCode, _ message: String) -> [UInt8] {
        Self.encode(["jsonrpc": "2.0", "id": id ?? NSNull(), "error": ["code": code.rawValue, "message": message]])
    }

    private func notification(_ method: String, _ params: [String: Any]) -> [UInt8] {
        Self.encode(["jsonrpc": "2.0", "method": method, "params": params])
    }

    private static func encode(_ object: [String: Any]) -> [UInt8] {
        // Everything encoded is built above from strings, numbers, arrays and dictionaries.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            preconditionFailure("the language server built a value JSON cannot hold")
        }
        return [UInt8](data)
    }
}

/// The fixes that are plain edits at the diagnostic's range: `did you mean 'x'?`, `use 'x'`,
/// `write 'x'` and `write it as an integer: 'x'` replace it, `insert 'x'` inserts before it,
/// `remove it` deletes it.
enum QuickFix {
    static func replacement(_ fix: String) -> String? {
        if fix == "remove it" { return "" }
        for prefix in ["did you mean '", "use '", "write '", "insert '", "write it as an integer: '"] where fix.hasPrefix(prefix) {
            var rest = fix.dropFirst(prefix.count)
            if rest.hasSuffix("?") { rest = rest.dropLast() }
            guard rest.hasSuffix("'"), rest.count > 1, !rest.dropLast().contains("'") else { return nil }
            return String(rest.dropLast())
        }
        return nil
    }

    static func inserts(_ fix: String) -> Bool { fix.hasPrefix("insert '") }
}
