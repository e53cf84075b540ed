import Foundation
import Testing
@testable import NNC
@testable import NNCSystem

@Suite struct GzipTests {
    let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: ($0 * 7) ^ ($0 >> 9)) }

    @Test func roundTripsAndDetectsRawFiles() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let compressed = Gzip.compress(payload)
        #expect(Gzip.isCompressed(compressed))
        #expect(!Gzip.isCompressed(payload))
        #expect(try Gzip.readFile(files.write("a.gz", compressed)) == payload)
        #expect(try Gzip.readFile(files.write("a", payload)) == payload)
    }

    @Test func inflatingStopsAtItsLimit() throws {
        let compressed = Gzip.compress(payload)
        #expect(try Gzip.inflate(compressed, file: "p", limit: 10, prefix: true) == Array(payload.prefix(10)))
        #expect(try Gzip.inflate(compressed, file: "p", limit: payload.count + 1) == payload)
        #expect(throws: DataError.inflatesTooFar(file: "p", limit: 1000, bound: "more than nnc holds in memory")) {
            try Gzip.inflate(compressed, file: "p", limit: 1000)
        }
    }

    /// A gzip trailer states the inflated size, and a plausible one sized the first buffer: a
    /// forged trailer on 100 KB claiming 100 MB made 100 MB of zeros before inflating a byte.
    /// What a trailer says is trusted only up to `maxInitialCapacity`; past it the stream must
    /// deliver the bytes.
    @Test func aForgedTrailerSizesNoLargeBuffer() throws {
        var forged = [UInt8](repeating: 0, count: 100_000)
        forged[0] = 0x1f
        forged[1] = 0x8b
        let claimed = 100_000_000
        for i in 0..<4 { forged[forged.count - 4 + i] = UInt8(truncatingIfNeeded: claimed >> (8 * i)) }
        #expect(Zlib.initialCapacity(forged) <= Zlib.maxInitialCapacity)
        #expect(Zlib.maxInitialCapacity < claimed)
        // A real one still gets its room in one piece.
        let compressed = Gzip.compress(payload)
        #expect(Zlib.initialCapacity(compressed) >= payload.count)
        #expect(try Gzip.inflate(compressed, file: "p") == payload)
    }

    // The system gzip writes headers with a file name and timestamp, as the MNIST files have.
    @Test func readsFilesWrittenByGzip() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let raw = try files.write("plain.bin", payload)
        let gzip = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["gzip", "-k", "-9", raw.path])
        try #require(gzip.status == 0, "gzip not available")
        #expect(try Gzip.readFile(files.directory.appendingPathComponent("plain.bin.gz")) == payload)
    }

    @Test func readsConcatenatedMembersAndZlib() throws {
        let first = Array(payload[..<1000]), second = Array(payload[1000...])
        #expect(try Gzip.inflate(Gzip.compress(first) + Gzip.compress(second), file: "two.gz") == payload)
        // A zlib stream: deflate's raw output wrapped as zlib by hand (header 78 9c, Adler-32 trailer).
        let gz = Gzip.compress(Array("hello, zlib".utf8))
        let deflated = Array(gz[10..<(gz.count - 8)])
        var adlerA: UInt32 = 1, adlerB: UInt32 = 0
        for byte in "hello, zlib".utf8 { adlerA = (adlerA + UInt32(byte)) % 65521; adlerB = (adlerB + adlerA) % 65521 }
        let adler = adlerB << 16 | adlerA
        let zlib = [0x78, 0x9c] + deflated + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: adler >> UInt32($0)) }
        #expect(Gzip.isCompressed(zlib))
        #expect(try Gzip.inflate(zlib, file: "z") == Array("hello, zlib".utf8))
    }

    @Test func truncatedStreamNamesFileAndProgress() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let compressed = Gzip.compress(payload)
        let url = try files.write("cut.gz", Array(compressed[..<(compressed.count / 2)]))
        let error = try #require(throws: DataError.self) { try Gzip.readFile(url) }
        guard case .truncatedGzip(let file, let produced) = error else {
            Issue.record("wrong error: \(error)")
            return
        }
        #expect(file == url.path)
        #expect(produced > 0 && produced < payload.count)
        #expect(error.description == "\(url.path): truncated gzip stream after \(produced) bytes")
        // Cut inside the trailer: all data inflated, the checksum missing.
        let noTrailer = Array(compressed.dropLast(3))
        #expect(throws: DataError.truncatedGzip(file: "t.gz", decompressedBytes: payload.count)) {
            try Gzip.inflate(noTrailer, file: "t.gz")
        }
        // Only the 10-byte header.
        #expect(throws: DataError.truncatedGzip(file: "h.gz", decompressedBytes: 0)) {
            try Gzip.inflate(Array(compressed[..<10]), file: "h.gz")
        }
    }

    @Test func corruptStreamIsAnErrorNotACrash() throws {
        var damaged = Gzip.compress(payload)
        for i in stride(from: 20, to: damaged.count - 20, by: 97) { damaged[i] ^= 0x5a }
        let error = try #require(throws: DataError.self) { try Gzip.inflate(damaged, file: "bad.gz") }
        guard case .corruptGzip(let file, _) = error else {
            Issue.record("wrong error: \(error)")
            return
        }
        #expect(file == "bad.gz")
        #expect(error.description.hasPrefix("bad.gz: corrupt gzip stream: "))
        // Intact data followed by junk.
        #expect(throws: DataError.corruptGzip(file: "junk.gz", detail: "3 bytes of trailing garbage")) {
            try Gzip.inflate(Gzip.compress(payload) + [1, 2, 3], file: "junk.gz")
        }
    }
}
