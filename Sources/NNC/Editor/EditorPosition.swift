/// A place as the Language Server Protocol counts it: 0-based line, and UTF-16 code units
/// into the line (the protocol's default encoding), where nnc counts 1-based lines and UTF-8 bytes.
public struct EditorPosition: Hashable, Sendable {
    public var line: Int
    public var character: Int
    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }
}

extension SourceFile {
    /// The protocol's position of a location; a range with no place (`SourceRange.none`) is at the start.
    func editorPosition(_ location: SourceLocation) -> EditorPosition {
        guard location.line >= 1, location.line <= lineStarts.count else { return EditorPosition(line: 0, character: 0) }
        let lineStart = lineStarts[location.line - 1]
        let offset = min(max(location.offset, lineStart), bytes.count)
        let prefix = String(decoding: bytes[lineStart..<offset], as: UTF8.self)
        return EditorPosition(line: location.line - 1, character: prefix.utf16.count)
    }

    /// The byte offset of a protocol position, clamped to its line and to the file.
    func offset(of position: EditorPosition) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        let lineStart = lineStarts[position.line]
        let text = String(decoding: line(position.line + 1), as: UTF8.self)
        var units = 0, offset = lineStart
        for scalar in text.unicodeScalars {
            if units >= position.character { break }
            units += scalar.utf16.count
            offset += scalar.utf8.count
        }
        return offset
    }

    /// The position just past the last byte: where an edit covering the whole file ends.
    var endPosition: EditorPosition {
        let lastLine = lineStarts.count
        return editorPosition(SourceLocation(line: lastLine, column: 0, offset: bytes.count))
    }
}
