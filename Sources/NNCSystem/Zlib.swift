import CZlib

/// zlib's inflate and deflate for nnc's data readers and tests. zlib is a C library and needs
/// raw pointers; they stay inside the `withUnsafe…` closures below, in this target, the one
/// outside the kernels that the strict memory-safety check does not cover.
public enum Zlib {
    /// Why a stream did not inflate; the caller names the file.
    public enum Failure: Error, Equatable {
        case corrupt(String)
        /// The stream stopped early, after this many bytes of output.
        case truncated(decompressedBytes: Int)
        /// The stream holds more than the `limit` bytes the caller allowed.
        case tooLarge(limit: Int)
    }

    /// Inflates a gzip (possibly several members back to back) or zlib stream, holding at most
    /// `limit` bytes of output: past it the stream is `tooLarge`, or with `prefix` its first
    /// `limit` bytes are the answer (a header read before deciding how much to allow). The
    /// output grows as the stream delivers, never to a size the stream only claims.
    public static func inflate(_ input: [UInt8], limit: Int = .max, prefix: Bool = false) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(min(initialCapacity(input), limit), 1))
        var produced = 0
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }

        try input.withUnsafeBufferPointer { (source) throws(Failure) in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count {
                    guard produced < limit else {
                        if prefix { return }
                        throw Failure.tooLarge(limit: limit)
                    }
                    output.append(contentsOf: repeatElement(0, count: min(max(output.count, 1 << 16), limit - produced)))
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
                        throw Failure.corrupt("\(stream.avail_in) bytes of trailing garbage")
                    }
                    inflateReset(&stream)
                case Z_OK, Z_BUF_ERROR:
                    // With all input consumed and room left to write, the stream simply stopped early.
                    if stream.avail_in == 0 && stream.avail_out > 0 {
                        throw Failure.truncated(decompressedBytes: produced)
                    }
                case Z_NEED_DICT:
                    throw Failure.corrupt("stream needs a preset dictionary")
                case Z_MEM_ERROR:
                    throw Failure.corrupt("out of memory")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw Failure.corrupt(detail + " after \(produced) bytes")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Compresses `bytes` as one gzip member (tests write fixtures with it).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
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

    /// The most room made before the stream has delivered anything (64 MiB, more than MNIST's
    /// largest file inflates to): the trailer's size is the file's word, not yet its bytes, and a
    /// forged one on a small file asked for 2 GiB of zeros up front. Past it the output grows
    /// as the stream fills it.
    static let maxInitialCapacity = 1 << 26

    /// Room for the whole output when a gzip trailer gives its size (mod 2^32), else a guess.
    static func initialCapacity(_ input: [UInt8]) -> Int {
        var guess = input.count * 4
        if input.count >= 18, input[0] == 0x1f {
            let n = input.count
            let size = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            // A truncated or odd trailer can say anything; only trust plausible ratios. The slack
            // lets inflate read the trailer without a full-size regrowth.
            if size >= input.count / 2 && size <= input.count * 1100 { guess = size + 4096 }
        }
        return max(min(guess, maxInitialCapacity), 1 << 16)
    }
}
