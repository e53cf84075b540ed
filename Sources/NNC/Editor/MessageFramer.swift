/// The Language Server Protocol's framing over a byte stream: `Content-Length: N`, a blank
/// line, then N bytes of JSON. Bytes go in as they arrive; whole messages come out.
///
/// A bad header (no length, a length that is not a number or too large, no blank line within
/// `maxHeader` bytes) comes out as `.malformed` and the framer resynchronises at the next
/// `Content-Length`, so one broken message costs an error reply, not the session.
public struct MessageFramer {
    public enum Frame: Equatable, Sendable {
        case message([UInt8])
        case malformed(String)
    }

    /// The longest body accepted, 16 MiB; a `.net` file is at most 1 MiB.
    public static let maxLength = 1 << 24
    /// The longest header section accepted.
    public static let maxHeader = 4096

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes arrive.
    public mutating func next() -> Frame? {
        guard start < buffer.count else { return nil }
        guard let (headerEnd, bodyStart) = headerBounds() else {
            if buffer.count - start > Self.maxHeader {
                resynchronize()
                return .malformed("no blank line ends the header within \(Self.maxHeader) bytes")
            }
            return nil
        }
        let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
        var length: Int?
        var lengthText: String?
        for line in header.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { continue }
            lengthText = parts[1].trimmingSpaces
            length = Int(parts[1].trimmingSpaces)
        }
        guard let length, length >= 0, length <= Self.maxLength else {
            resynchronize()
            if let lengthText {
                return .malformed("invalid Content-Length '\(lengthText.prefix(40))'")
            }
            return .malformed("the header has no Content-Length")
        }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        compact()
        return .message(body)
    }

    /// The end of the header and the start of the body: the first `\r\n\r\n` (or `\n\n`).
    private func headerBounds() -> (Int, Int)? {
        var i = start
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if i + 1 < buffer.count, buffer[i + 1] == 0x0A { return (i, i + 2) }
                if i + 2 < buffer.count, buffer[i + 1] == 0x0D, buffer[i + 2] == 0x0A { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    /// Skips to the next `Content-Length` after the current position, or drops what is held.
    private mutating func resynchronize() {
        let marker = Array("Content-Length".utf8)
        var i = start + 1
        while i + marker.count <= buffer.count {
            if buffer[i..<(i + marker.count)].elementsEqual(marker) {
                start = i
                compact()
                return
            }
            i += 1
        }
        // Keep a tail that may be the start of a marker still arriving.
        start = max(start + 1, buffer.count - marker.count + 1)
        compact()
    }

    private mutating func compact() {
        if start > 0 {
            buffer.removeFirst(min(start, buffer.count))
            start = 0
        }
    }

    /// One message body framed for sending.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
