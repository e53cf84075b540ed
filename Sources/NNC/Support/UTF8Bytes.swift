/// UTF-8 decoding shared by the lexer and the diagnostic renderer, which must see the same
/// characters in the same bytes.
enum UTF8Bytes {
    /// The length of the valid UTF-8 sequence at `i`, or 1 for a byte that begins none.
    static func scalarLength(_ bytes: [UInt8], _ i: Int) -> Int {
        let b = bytes[i]
        let length: Int
        switch b {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 1
        }
        guard i + length <= bytes.count else { return 1 }
        for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return 1 }
        // Reject overlong forms, surrogates and values above U+10FFFF.
        let second = bytes[i + 1]
        if b == 0xE0 && second < 0xA0 || b == 0xED && second > 0x9F
            || b == 0xF0 && second < 0x90 || b == 0xF4 && second > 0x8F { return 1 }
        return length
    }
}
