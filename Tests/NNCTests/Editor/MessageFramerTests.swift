import Testing
@testable import NNC

/// `MessageFramer`: messages split across reads or run together come out whole; a bad header
/// costs one `.malformed`, and the next good message is still read.
@Suite struct MessageFramerTests {
    static func framed(_ json: String) -> [UInt8] { MessageFramer.frame(Array(json.utf8)) }

    static func drain(_ framer: inout MessageFramer) -> [MessageFramer.Frame] {
        var frames: [MessageFramer.Frame] = []
        while let f = framer.next() { frames.append(f) }
        return frames
    }

    @Test func aMessageSplitByteByByteComesOutWhole() {
        var framer = MessageFramer()
        var frames: [MessageFramer.Frame] = []
        for byte in Self.framed("{\"a\":1}") {
            framer.append([byte])
            frames += Self.drain(&framer)
        }
        #expect(frames == [.message(Array("{\"a\":1}".utf8))])
    }

    @Test func twoMessagesInOneRead() {
        var framer = MessageFramer()
        framer.append(Self.framed("[1]") + Self.framed("[2]"))
        #expect(Self.drain(&framer) == [.message(Array("[1]".utf8)), .message(Array("[2]".utf8))])
    }

    @Test func otherHeadersAndCaseAreAccepted() {
        var framer = MessageFramer()
        framer.append(Array("content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".utf8))
        #expect(Self.drain(&framer) == [.message(Array("{}".utf8))])
    }

    @Test(arguments: ["Content-Length: abc\r\n\r\n{}", "Content-Length: -5\r\n\r\n{}", "Content-Length: 99999999999\r\n\r\n",
                      "Content-Type: x\r\n\r\n{}", "\r\n\r\n"])
    func aBadHeaderIsReportedAndTheNextMessageRead(_ bad: String) {
        var framer = MessageFramer()
        framer.append(Array(bad.utf8) + Self.framed("[3]"))
        let frames = Self.drain(&framer)
        #expect(frames.count == 2, "\(frames)")
        if case .malformed = frames.first {} else { Issue.record("\(bad): \(frames)") }
        #expect(frames.last == .message(Array("[3]".utf8)))
    }

    @Test func aHeaderThatNeverEndsIsReportedNotAwaited() {
        var framer = MessageFramer()
        framer.append([UInt8](repeating: UInt8(ascii: "x"), count: MessageFramer.maxHeader + 10))
        guard case .malformed = framer.next() else { Issue.record("no error for an endless header"); return }
        #expect(framer.next() == nil)
    }

    @Test func anIncompleteBodyWaits() {
        var framer = MessageFramer()
        framer.append(Array("Content-Length: 8\r\n\r\n{\"a\":".utf8))
        #expect(framer.next() == nil)
        framer.append(Array("12}".utf8) + Array("Content-Length: 2\r\n\r\n".utf8))
        #expect(framer.next() == .message(Array("{\"a\":12}".utf8)))
        #expect(framer.next() == nil)
    }
}
