import NNCSystem
import Foundation

/// Reads files that may be gzip- or zlib-compressed, telling them from raw files by their
/// first bytes, so `train-images-idx3-ubyte` and `train-images-idx3-ubyte.gz` load alike.
/// zlib itself is reached through `NNCSystem.Zlib`.
enum Gzip {
    /// The most a compressed file may inflate to (4 GiB) when its reader knows no tighter bound:
    /// a few megabytes of zeros must not grow into gigabytes before anything is checked.
    static let maxInflatedBytes = 1 << 32

    /// The file's contents, inflated when they start like a gzip or zlib stream, to at most `limit` bytes.
    static func readFile(_ url: URL, limit: Int = maxInflatedBytes) throws -> [UInt8] {
        try contents([UInt8](try readFileBytes(url)), file: url.path, limit: limit)
    }

    /// A file's bytes as `readFile` returns them: inflated when compressed, else as they are.
    static func contents(_ bytes: [UInt8], file: String, limit: Int = maxInflatedBytes) throws -> [UInt8] {
        isCompressed(bytes) ? try inflate(bytes, file: file, limit: limit) : bytes
    }

    /// True for a gzip member (1f 8b) or a zlib header (deflate, check bits, no preset dictionary).
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        if bytes[0] == 0x1f && bytes[1] == 0x8b { return true }
        let header = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        return bytes[0] & 0x0f == 8 && bytes[0] >> 4 <= 7 && bytes[1] & 0x20 == 0 && header % 31 == 0
    }

    /// Inflates a gzip (possibly several members back to back) or zlib stream read from `file`,
    /// to at most `limit` bytes; with `prefix`, only its first `limit` bytes.
    static func inflate(_ input: [UInt8], file: String, limit: Int = maxInflatedBytes, prefix: Bool = false) throws -> [UInt8] {
        do {
            return try Zlib.inflate(input, limit: limit, prefix: prefix)
        } catch .corrupt(let detail) {
            throw DataError.corruptGzip(file: file, detail: detail)
        } catch .truncated(let produced) {
            throw DataError.truncatedGzip(file: file, decompressedBytes: produced)
        } catch .tooLarge(let limit) {
            throw DataError.inflatesTooFar(file: file, limit: limit, bound: "more than nnc holds in memory")
        }
    }

    /// Compresses `bytes` as one gzip member (tests write fixtures with it).
    static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        Zlib.compress(bytes, level: level)
    }
}
