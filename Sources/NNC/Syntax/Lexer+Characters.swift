/// Byte-level character classes and safe display of source bytes for the lexer's messages.
extension Lexer {
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isNameStart(_ b: UInt8) -> Bool {
        (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) || b == UInt8(ascii: "_")
    }
    static func isNameContinue(_ b: UInt8) -> Bool { isNameStart(b) || isDigit(b) }

    /// Bytes shown safely inside a message: printable text as is, control characters as
    /// `\u{7}`, bytes that are not UTF-8 as `\xFF`; cut after `limit` characters.
    static func display(_ bytes: ArraySlice<UInt8>, limit: Int = 24) -> String {
        let array = Array(bytes)
        var out = ""
        var i = 0
        var shown = 0
        while i < array.count {
            if shown == limit { return out + "…" }
            let length = UTF8Bytes.scalarLength(array, i)
            if length == 1, array[i] >= 0x80 {
                out += "\\x" + String(array[i], radix: 16, uppercase: true)
            } else {
                let scalar = String(decoding: array[i..<(i + length)], as: UTF8.self).unicodeScalars.first!
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            i += length
            shown += 1
        }
        return out
    }

    /// Characters that look like ASCII punctuation, typically pasted from a paper or a word processor.
    static func confusableFix(_ character: String) -> String? {
        switch character {
        case "\u{201C}", "\u{201D}", "\u{201E}", "\u{2018}", "\u{2019}": return ParseMessage.use("\"")
        case "\u{2212}", "\u{2013}", "\u{2014}": return ParseMessage.use("-")
        case "\u{00D7}", "\u{22C5}", "\u{00B7}": return ParseMessage.use("*")
        case "\u{00F7}", "\u{2215}": return ParseMessage.use("/")
        case "\u{00A0}", "\u{2009}", "\u{200B}", "\u{3000}": return "use a plain space"
        case "\u{FF0C}": return ParseMessage.use(",")
        case "\u{FF1A}": return ParseMessage.use(":")
        default: return nil
        }
    }
}
