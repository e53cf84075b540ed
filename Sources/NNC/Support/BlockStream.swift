/// The framing MD5 and SHA-256 share: a byte stream cut into 64-byte blocks, and the final
/// padding (0x80, zeros, the message length in bits in the last 8 bytes).
struct BlockStream {
    private var pending = ContiguousArray<UInt8>()
    private var length: UInt64 = 0

    init() { pending.reserveCapacity(64) }

    /// Feeds bytes; `compress(data, offset)` is called for each whole block.
    mutating func feed<Bytes: Collection>(_ bytes: Bytes, _ compress: (ContiguousArray<UInt8>, Int) -> Void)
    where Bytes.Element == UInt8 {
        length &+= UInt64(bytes.count)
        var index = bytes.startIndex
        // Top up a partial block first, then hash whole blocks straight from the input.
        while !pending.isEmpty, index != bytes.endIndex {
            pending.append(bytes[index])
            index = bytes.index(after: index)
            if pending.count == 64 { compress(pending, 0); pending.removeAll(keepingCapacity: true) }
        }
        let whole = ContiguousArray(bytes[index...])
        var offset = 0
        while whole.count - offset >= 64 {
            compress(whole, offset)
            offset += 64
        }
        pending.append(contentsOf: whole[offset...])
    }

    /// Pads and compresses the last block(s); MD5 writes the length little-endian, SHA-256 big-endian.
    mutating func finish(lengthBigEndian: Bool, _ compress: (ContiguousArray<UInt8>, Int) -> Void) {
        let bitLength = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for i in 0..<8 {
            let shift = UInt64(lengthBigEndian ? 56 - 8 * i : 8 * i)
            tail.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        feed(tail, compress)
    }
}
