/// A position in a source file: 1-based line and column (in UTF-8 bytes), and the byte offset.
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
    public var description: String { "\(line):\(column)" }
}

/// A half-open span `[start, end)` of a source file; every token and AST node carries one.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
    public var start: SourceLocation
    public var end: SourceLocation

    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    /// A range for things with no place in any file (command-line overrides, defaults).
    public static let none = SourceRange(start: SourceLocation(line: 0, column: 0, offset: 0),
                                         end: SourceLocation(line: 0, column: 0, offset: 0))
    public var isNone: Bool { start.line == 0 }
    public var description: String { "@\(start)-\(end)" }
}

/// The text of one source file, kept as bytes so any input (non-UTF-8 included) can be read.
public struct SourceFile: Sendable {
    public let path: String
    public let bytes: [UInt8]
    /// Byte offset at which each line starts; `lineStarts[0] == 0`.
    public let lineStarts: [Int]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The bytes of 1-based line `n`, without its newline; empty when out of range.
    public func line(_ n: Int) -> ArraySlice<UInt8> {
        guard n >= 1, n <= lineStarts.count else { return [] }
        let start = lineStarts[n - 1]
        var end = n < lineStarts.count ? lineStarts[n] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<max(start, end)]
    }

    /// The source text a range covers, decoded leniently.
    public func text(_ range: SourceRange) -> String {
        let lo = max(0, min(range.start.offset, bytes.count))
        let hi = max(lo, min(range.end.offset, bytes.count))
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}
