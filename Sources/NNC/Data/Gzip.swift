import CZlib
import Foundation

/// Reads files that may be gzip- or zlib-compressed, telling them from raw files by their
/// first bytes, so `train-images-idx3-ubyte` and `train-images-idx3-ubyte.gz` load alike.
///
/// zlib needs raw pointers; they stay inside the `withUnsafe…` closures below and never
/// leave this file.
enum Gzip {
    /// The file's contents, inflated when they start like a gzip or zlib stream.
    static func readFile(_ url: URL) throws -> [UInt8] {
        let data = try readFileBytes(url)
        let bytes = [UInt8](data)
        return isCompressed(bytes) ? try inflate(bytes, file: url.path) : bytes
    }

    /// True for a gzip member (1f 8b) or a zlib header (deflate, check bits, no preset dictionary).
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        if bytes[0] == 0x1f && bytes[1] == 0x8b { return true }
        let header = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        return bytes[0] & 0x0f == 8 && bytes[0] >> 4 <= 7 && bytes[1] & 0x20 == 0 && header % 31 == 0
    }

    /// Inflates a gzip (possibly several members back to back) or zlib stream.
    static func inflate(_ input: [UInt8], file: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: initialCapacity(input))
        var produced = 0
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.corruptGzip(file: file, detail: "zlib could not start")
        }
        defer { inflateEnd(&stream) }

        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: max(output.count, 1 << 16)))
                }
                let status: Int32 = output.withUnsafeMutableBufferPointer { target in
                    let room = min(target.count - produced, Int(UInt32.max))
                    stream.next_out = target.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else { return }
                    // Another gzip member follows (what `cat a.gz b.gz` makes); anything else is garbage.
                    let next = source.count - Int(stream.avail_in)
                    guard stream.avail_in >= 2, source[next] == 0x1f, source[next + 1] == 0x8b else {
                        throw DataError.corruptGzip(file: file, detail: "\(stream.avail_in) bytes of trailing garbage")
                    }
                    inflateReset(&stream)
                case Z_OK, Z_BUF_ERROR:
                    // With all input consumed and room left to write, the stream simply stopped early.
                    if stream.avail_in == 0 && stream.avail_out > 0 {
                        throw DataError.truncatedGzip(file: file, decompressedBytes: produced)
                    }
                case Z_NEED_DICT:
                    throw DataError.corruptGzip(file: file, detail: "stream needs a preset dictionary")
                case Z_MEM_ERROR:
                    throw DataError.corruptGzip(file: file, detail: "out of memory")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError.corruptGzip(file: file, detail: detail + " after \(produced) bytes")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Compresses `bytes` as one gzip member (tests write fixtures with it).
    static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let started = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                    zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var produced = 0
        bytes.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish in one call")
                produced = target.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Room for the whole output when a gzip trailer gives its size (mod 2^32), else a guess.
    private static func initialCapacity(_ input: [UInt8]) -> Int {
        var guess = input.count * 4
        if input.count >= 18, input[0] == 0x1f {
            let n = input.count
            let size = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            // A truncated or odd trailer can say anything; only trust plausible ratios. The slack
            // lets inflate read the trailer without a full-size regrowth.
            if size >= input.count / 2 && size <= input.count * 1100 { guess = size + 4096 }
        }
        return max(min(guess, 1 << 31), 1 << 16)
    }
}
