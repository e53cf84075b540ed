/// Lists the regular files in a tar archive (ustar, with GNU long names), enough to unpack
/// the CIFAR-10 download without shelling out to `tar`.
enum Tar {
    /// A regular file in the archive: its path and the byte range of its contents.
    struct Entry: Equatable {
        let path: String
        let contents: Range<Int>
    }

    static func entries(_ bytes: [UInt8], file: String) throws -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        var longName: String?
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { return entries }
            guard checksumMatches(header, at: offset) else {
                throw DataError.archive(file: file, detail: "header checksum mismatch at byte \(offset)")
            }
            guard let size = octal(bytes[(offset + 124)..<(offset + 136)]) else {
                throw DataError.archive(file: file, detail: "unreadable size field at byte \(offset)")
            }
            let start = offset + 512
            guard size <= bytes.count - start else {
                throw DataError.archive(file: file, detail: "entry at byte \(offset) runs past the end (truncated archive?)")
            }
            let type = bytes[offset + 156]
            switch type {
            case UInt8(ascii: "0"), 0:
                var path = longName ?? text(bytes[offset..<(offset + 100)])
                let prefix = text(bytes[(offset + 345)..<(offset + 500)])
                if longName == nil, !prefix.isEmpty { path = prefix + "/" + path }
                entries.append(Entry(path: path, contents: start..<(start + size)))
                longName = nil
            case UInt8(ascii: "L"):
                longName = text(bytes[start..<(start + size)])
            default:
                // Directories, links and pax records carry nothing to unpack.
                longName = nil
            }
            offset = start + (size + 511) / 512 * 512
        }
        throw DataError.archive(file: file, detail: "archive ends without its end-of-archive blocks (truncated?)")
    }

    private static func checksumMatches(_ header: ArraySlice<UInt8>, at offset: Int) -> Bool {
        guard let stored = octal(header[(offset + 148)..<(offset + 156)]) else { return false }
        var sum = 0
        for i in header.indices { sum += (offset + 148..<offset + 156).contains(i) ? 32 : Int(header[i]) }
        return sum == stored
    }

    /// An octal number field, NUL- or space-terminated.
    private static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        var value = 0
        var digits = 0
        for byte in field {
            if byte == 0 || byte == 32 { if digits > 0 { break } else { continue } }
            guard byte >= 48, byte <= 55 else { return nil }
            value = value * 8 + Int(byte - 48)
            digits += 1
        }
        return value
    }

    private static func text(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}
