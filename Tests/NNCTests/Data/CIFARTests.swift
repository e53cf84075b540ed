import Foundation
import Testing
@testable import NNC

@Suite struct CIFARTests {
    /// `count` CIFAR-10 records: label n mod 10, pixel i of record n = (n + i) mod 256.
    static func records(_ count: Int, first: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        for n in first..<(first + count) {
            bytes.append(UInt8(n % 10))
            bytes += (0..<3072).map { UInt8(($0 + n) % 256) }
        }
        return bytes
    }

    @Test func readsOneBatchFromBytes() throws {
        let dataset = try Dataset.cifar(bytes: Gzip.compress(Self.records(2)), file: "b.bin.gz")
        #expect(dataset.labels == [0, 1] && dataset.count == 2)
        #expect(throws: DataError.recordSize(file: "b.bin", bytes: 3072, recordBytes: 3073)) {
            try Dataset.cifar(bytes: [UInt8](repeating: 0, count: 3072), file: "b.bin")
        }
    }

    @Test func loadsBatchesInOrder() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let first = try files.write("data_batch_1.bin", Self.records(3))
        let second = try files.write("data_batch_2.bin.gz", Gzip.compress(Self.records(2, first: 3)))
        let dataset = try Dataset.cifar(files: [first, second])
        #expect(dataset.count == 5)
        #expect(dataset.sampleShape == [3, 32, 32])
        #expect(dataset.classCount == 10)
        #expect(dataset.labels == [0, 1, 2, 3, 4])
        guard case .bytes(let pixels) = dataset.storage else {
            Issue.record("images must stay bytes")
            return
        }
        // Every image byte, in order, with the label bytes gone from between them (they are packed
        // within the file's buffer).
        let images = (0..<5).flatMap { n in (0..<3072).map { UInt8(($0 + n) % 256) } }
        #expect(pixels == images)
    }

    @Test func cifar100UsesTheFineLabel() throws {
        let image = (0..<3072).map { UInt8($0 % 251) }
        let files = try DataFixtures()
        defer { files.remove() }
        let dataset = try Dataset.cifar(files: [files.write("train.bin", [3, 77] + image + [4, 12] + image.reversed())],
                                        layout: .cifar100)
        #expect(dataset.labels == [77, 12])
        #expect(dataset.classCount == 100)
        guard case .bytes(let pixels) = dataset.storage else { Issue.record("images must stay bytes"); return }
        #expect(pixels == image + image.reversed())
    }

    @Test func truncatedBatch() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let url = try files.write("data_batch_1.bin", Array(Self.records(2).dropLast(100)))
        let error = try #require(throws: DataError.self) { try Dataset.cifar(files: [url]) }
        #expect(error.description == "\(url.path): file size 6046 is not a whole number of 3073-byte records")
        let empty = try files.write("empty.bin", [])
        #expect(throws: DataError.empty(file: empty.path)) { try Dataset.cifar(files: [empty]) }
    }

    @Test func labelOutOfRange() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        var bytes = Self.records(4)
        bytes[2 * 3073] = 10
        let url = try files.write("test_batch.bin", bytes)
        let error = try #require(throws: DataError.self) { try Dataset.cifar(files: [url]) }
        #expect(error.description == "\(url.path): label 10 at item 2 is out of range for 10 classes")
    }

    @Test func truncatedGzipBatch() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let compressed = Gzip.compress(Self.records(3))
        let url = try files.write("data_batch_1.bin.gz", Array(compressed.prefix(compressed.count - 20)))
        let error = try #require(throws: DataError.self) { try Dataset.cifar(files: [url]) }
        #expect(error.description.hasPrefix("\(url.path): truncated gzip stream after "))
    }
}
