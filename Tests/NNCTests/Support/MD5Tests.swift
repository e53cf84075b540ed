import Testing
@testable import NNC

@Suite struct MD5Tests {
    // RFC 1321, appendix A.5.
    @Test func rfcVectors() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (message, digest) in vectors {
            #expect(hexString(MD5.hash(Array(message.utf8))) == digest, "md5(\"\(message)\")")
        }
    }

    @Test func streamingMatchesOneShot() {
        let message = (0..<150).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let whole = MD5.hash(message)
        for split in 0...150 {
            var hasher = MD5()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            #expect(hasher.finalize() == whole, "split \(split)")
        }
    }
}
