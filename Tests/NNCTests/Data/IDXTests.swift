import Foundation
import Testing
@testable import NNC

@Suite struct IDXTests {
    @Test func loadsGzipAndRawPairs() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let images = DataFixtures.images(count: 12), labels = DataFixtures.labels(count: 12)
        for compressed in [false, true] {
            let encode: ([UInt8]) -> [UInt8] = { compressed ? Gzip.compress($0) : $0 }
            let dataset = try Dataset.idx(images: files.write("i\(compressed)", encode(IDX.encode(images))),
                                          labels: files.write("l\(compressed)", encode(IDX.encode(labels))))
            #expect(dataset.count == 12)
            #expect(dataset.sampleShape == [1, 4, 3])
            #expect(dataset.sampleSize == 12)
            #expect(dataset.classCount == 10)
            #expect(dataset.labels == (0..<12).map { Int32($0 % 10) })
            guard case .bytes(let pixels) = dataset.storage else {
                Issue.record("images must stay bytes")
                continue
            }
            #expect(pixels == images.bytes)
        }
    }

    // The fuzz harness reads contents, not files: the same reader, the same names in errors.
    @Test func bytesReadAsTheFileWould() throws {
        let images = DataFixtures.images(count: 3), labels = DataFixtures.labels(count: 3)
        let dataset = try Dataset.idx(imageBytes: Gzip.compress(IDX.encode(images)), imagesFile: "i.gz",
                                      labelBytes: IDX.encode(labels), labelsFile: "l")
        #expect(dataset.labels == [0, 1, 2] && dataset.sampleShape == [1, 4, 3])
        #expect(throws: DataError.countMismatch(labelsFile: "l", labels: 2, imagesFile: "i", images: 3)) {
            try Dataset.idx(imageBytes: IDX.encode(images), imagesFile: "i",
                            labelBytes: IDX.encode(DataFixtures.labels(count: 2)), labelsFile: "l")
        }
    }

    @Test func wrongMagicNumber() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        // A labels file where images are expected (and the reverse).
        let images = try files.write("images", IDX.encode(DataFixtures.images(count: 3)))
        let labels = try files.write("labels", IDX.encode(DataFixtures.labels(count: 3)))
        #expect(throws: DataError.wrongMagic(file: labels.path, found: 0x0000_0801, expected: "0x00000803 for an idx file with 3 dimensions")) {
            try Dataset.idx(images: labels, labels: labels)
        }
        #expect(throws: DataError.wrongMagic(file: images.path, found: 0x0000_0803, expected: "0x00000801 for an idx file with 1 dimension")) {
            try Dataset.idx(images: images, labels: images)
        }
        // Not an idx file at all.
        let text = try files.write("notes.txt", text: "hello world, not idx")
        let error = try #require(throws: DataError.self) { try IDX.read(text) }
        #expect(error.description == "\(text.path): wrong magic number 0x68656c6c; expected an idx file (0x000008nn)")
        // Another element type (0x0d = float).
        var floats = IDX.encode(DataFixtures.labels(count: 2))
        floats[2] = 0x0d
        #expect(throws: DataError.unsupportedElementType(file: "f", code: 0x0d)) { try IDX.parse(floats, file: "f") }
    }

    @Test func truncatedAndOversizedFiles() throws {
        let encoded = IDX.encode(DataFixtures.images(count: 5))
        #expect(throws: DataError.sizeMismatch(file: "cut", declared: "5 items of 4×3", expectedBytes: 60, actualBytes: 59)) {
            try IDX.parse(Array(encoded.dropLast()), file: "cut")
        }
        #expect(throws: DataError.sizeMismatch(file: "long", declared: "5 items of 4×3", expectedBytes: 60, actualBytes: 61)) {
            try IDX.parse(encoded + [0], file: "long")
        }
        #expect(throws: DataError.tooShort(file: "h", bytes: 10, needed: 16, what: "an idx header with 3 dimensions")) {
            try IDX.parse(Array(encoded[..<10]), file: "h")
        }
        #expect(throws: DataError.tooShort(file: "e", bytes: 0, needed: 4, what: "an idx magic number")) {
            try IDX.parse([], file: "e")
        }
        // A zero extent makes the size check pass (0 == 0) with samples of no values.
        let flat: [UInt8] = [0, 0, 8, 3, 0, 0, 1, 0xf4, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: DataError.zeroExtent(file: "flat", dimensions: [500, 0, 0])) { try IDX.parse(flat, file: "flat") }
        // Dimensions whose product overflows must not trap.
        let huge: [UInt8] = [0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]
        #expect(throws: DataError.self) { try IDX.parse(huge, file: "huge") }
    }

    /// A compressed file is inflated only as far as its header allows: a few hundred kilobytes
    /// of zeros that would inflate to 32 MB behind a header of 1 000 bytes, or behind a magic
    /// number that is wrong, stop at the header's bound; a header claiming more than nnc holds
    /// is refused before anything is inflated.
    @Test func compressedFilesInflateOnlyWhatTheirHeaderDeclares() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let zeros = [UInt8](repeating: 0, count: 32 << 20)
        let bomb = try files.write("bomb.gz", Gzip.compress([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10] + zeros))
        #expect(throws: DataError.inflatesTooFar(file: bomb.path, limit: 1016,
                                                 bound: "more than its header declares (10 items of 10×10)")) {
            try IDX.read(bomb, dimensionCount: 3)
        }
        let garbage = try files.write("garbage.gz", Gzip.compress([1, 2, 3, 4] + zeros))
        #expect(throws: DataError.wrongMagic(file: garbage.path, found: 0x0102_0304,
                                             expected: "0x00000803 for an idx file with 3 dimensions")) {
            try IDX.read(garbage, dimensionCount: 3)
        }
        // 5 000 × 1 000 × 1 000 bytes: 5 GB declared, a few bytes present.
        let claim = try files.write("claim.gz", Gzip.compress([0, 0, 8, 3, 0, 0, 0x13, 0x88, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8, 7]))
        #expect(throws: DataError.declaredTooLarge(file: claim.path, declared: "5000 items of 1000×1000", bytes: 5_000_000_000,
                                                   limit: IDX.maxDataBytes)) {
            try IDX.read(claim, dimensionCount: 3)
        }
        // The same bound passes a file that holds exactly what it declares, and a short one says so.
        let exact = DataFixtures.images(count: 5)
        #expect(try IDX.read(files.write("exact.gz", Gzip.compress(IDX.encode(exact))), dimensionCount: 3) == exact)
        let short = try files.write("short.gz", Gzip.compress(Array(IDX.encode(exact).dropLast())))
        #expect(throws: DataError.self) { try IDX.read(short, dimensionCount: 3) }
    }

    @Test func truncatedGzipIsReportedByName() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let compressed = Gzip.compress(IDX.encode(DataFixtures.images(count: 400)))
        let images = try files.write("train-images-idx3-ubyte.gz", Array(compressed.dropLast(40)))
        let labels = try files.write("train-labels-idx1-ubyte.gz", Gzip.compress(IDX.encode(DataFixtures.labels(count: 400))))
        let error = try #require(throws: DataError.self) { try Dataset.idx(images: images, labels: labels) }
        #expect(error.description.hasPrefix("\(images.path): truncated gzip stream after "))
    }

    @Test func countsThatDisagree() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let images = try files.write("images", IDX.encode(DataFixtures.images(count: 6)))
        let labels = try files.write("labels", IDX.encode(DataFixtures.labels(count: 5)))
        let error = try #require(throws: DataError.self) { try Dataset.idx(images: images, labels: labels) }
        #expect(error == .countMismatch(labelsFile: labels.path, labels: 5, imagesFile: images.path, images: 6))
        #expect(error.description == "\(labels.path): labels file has 5 items but images file \(images.path) has 6")
    }

    @Test func labelOutOfRange() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        var labelArray = DataFixtures.labels(count: 9)
        labelArray.bytes[7] = 12
        let images = try files.write("images", IDX.encode(DataFixtures.images(count: 9)))
        let labels = try files.write("labels", IDX.encode(labelArray))
        let error = try #require(throws: DataError.self) { try Dataset.idx(images: images, labels: labels) }
        #expect(error.description == "\(labels.path): label 12 at item 7 is out of range for 10 classes")
        // With 13 classes the same file is fine.
        #expect(try Dataset.idx(images: images, labels: labels, classCount: 13).labels[7] == 12)
    }

    @Test func missingFileIsNamed() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let missing = files.directory.appendingPathComponent("nope.gz")
        #expect(throws: DataError.cannotRead(file: missing.path, reason: "no such file")) { try IDX.read(missing) }
        #expect(throws: DataError.cannotRead(file: files.directory.path, reason: "is a directory")) { try IDX.read(files.directory) }
    }
}
