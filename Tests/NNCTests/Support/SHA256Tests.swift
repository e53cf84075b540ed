import Testing
@testable import NNC

@Suite struct SHA256Tests {
    // FIPS 180-4 examples and well-known digests.
    @Test func knownVectors() {
        #expect(hexString(SHA256.hash(Array("".utf8))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hexString(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hexString(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hexString(SHA256.hash(Array("The quick brown fox jumps over the lazy dog".utf8)))
                == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
    }

    @Test func millionAs() {
        #expect(hexString(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // Chunked updates must agree with one call at every split, including splits inside a block
    // and around the 55/56/64-byte padding boundaries.
    @Test func streamingMatchesOneShot() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 200] {
            let whole = SHA256.hash(message[..<length])
            for split in stride(from: 0, through: length, by: 7) {
                var hasher = SHA256()
                hasher.update(message[..<split])
                hasher.update(message[split..<length])
                #expect(hasher.finalize() == whole, "length \(length), split \(split)")
            }
        }
    }
}
