import Foundation

/// An IDX array of unsigned bytes (the MNIST file format): its dimensions and its data.
public struct IDXArray: Equatable {
    /// Dimensions from the header, the item count first.
    public var dimensions: [Int]
    /// The data after the header, row-major.
    public var bytes: [UInt8]
}

/// Reads and writes IDX files: big-endian magic `00 00 tt nd`, `nd` big-endian UInt32
/// dimensions, then the data. Only element type 0x08 (unsigned byte) is used by the
/// image datasets, so only it is accepted.
public enum IDX {
    /// Reads an IDX file, gzip-compressed or raw. `dimensionCount`, when given, is the number of
    /// dimensions the caller needs (1 for labels, 3 for images); a file with another count is
    /// reported as having the wrong magic number. A compressed file is inflated only as far as
    /// its header says it holds: the header first, checked, then the data with one byte to spare.
    public static func read(_ url: URL, dimensionCount: Int? = nil) throws -> IDXArray {
        try decode([UInt8](try readFileBytes(url)), file: url.path, dimensionCount: dimensionCount)
    }

    /// Decodes the contents of an IDX file, gzip-compressed or raw, as `read` does; `file`
    /// names it in errors. For contents that do not come from a file (the fuzz harnesses).
    public static func decode(_ bytes: [UInt8], file: String, dimensionCount: Int? = nil) throws -> IDXArray {
        guard Gzip.isCompressed(bytes) else { return try parse(bytes, file: file, dimensionCount: dimensionCount) }
        let longestHeader = 4 + 4 * 255
        let head = try Gzip.inflate(bytes, file: file, limit: longestHeader, prefix: true)
        // A stream shorter than the longest header is all in `head`, so a header error here is the file's.
        let h = try header(head, file: file, dimensionCount: dimensionCount)
        guard h.dataSize <= maxDataBytes else {
            throw DataError.declaredTooLarge(file: file, declared: h.declared, bytes: h.dataSize, limit: maxDataBytes)
        }
        let raw: [UInt8]
        do {
            raw = try Gzip.inflate(bytes, file: file, limit: h.headerSize + h.dataSize + 1)
        } catch DataError.inflatesTooFar {
            throw DataError.inflatesTooFar(file: file, limit: h.headerSize + h.dataSize,
                                           bound: "more than its header declares (\(h.declared))")
        }
        return try parse(raw, file: file, dimensionCount: dimensionCount)
    }

    /// The most data an IDX file may hold (4 GiB): nnc keeps datasets in memory.
    static let maxDataBytes = Gzip.maxInflatedBytes

    /// The header at the start of `raw`: dimensions, header and data sizes (data size `Int.max`
    /// when the product overflows) and the declared shape in words.
    static func header(_ raw: [UInt8], file: String, dimensionCount: Int? = nil) throws
        -> (dimensions: [Int], headerSize: Int, dataSize: Int, declared: String) {
        guard raw.count >= 4 else {
            throw DataError.tooShort(file: file, bytes: raw.count, needed: 4, what: "an idx magic number")
        }
        let magic = bigEndianUInt32(raw, at: 0)
        let expected = dimensionCount.map { "0x000008" + hexString([UInt8($0)]) + " for an idx file with \($0) dimension" + ($0 == 1 ? "" : "s") }
            ?? "an idx file (0x000008nn)"
        guard raw[0] == 0, raw[1] == 0, raw[3] > 0 else {
            throw DataError.wrongMagic(file: file, found: magic, expected: expected)
        }
        guard raw[2] == 0x08 else { throw DataError.unsupportedElementType(file: file, code: raw[2]) }
        let rank = Int(raw[3])
        if let dimensionCount, rank != dimensionCount {
            throw DataError.wrongMagic(file: file, found: magic, expected: expected)
        }
        let headerSize = 4 + 4 * rank
        guard raw.count >= headerSize else {
            throw DataError.tooShort(file: file, bytes: raw.count, needed: headerSize, what: "an idx header with \(rank) dimensions")
        }
        var dimensions: [Int] = []
        var size = 1
        var overflow = false
        for d in 0..<rank {
            let extent = Int(bigEndianUInt32(raw, at: 4 + 4 * d))
            dimensions.append(extent)
            if !overflow { (size, overflow) = size.multipliedReportingOverflow(by: extent) }
        }
        // A sample of no values would pass the size check (0 == 0) and reach nothing that can use it.
        if rank > 1, dimensions.dropFirst().contains(0) {
            throw DataError.zeroExtent(file: file, dimensions: dimensions)
        }
        let declared = "\(dimensions[0]) items of " + (rank == 1 ? "1 byte" : dimensions.dropFirst().map(String.init).joined(separator: "×"))
        return (dimensions, headerSize, overflow ? Int.max : size, declared)
    }

    static func parse(_ raw: consuming [UInt8], file: String, dimensionCount: Int? = nil) throws -> IDXArray {
        let h = try header(raw, file: file, dimensionCount: dimensionCount)
        let available = raw.count - h.headerSize
        if h.dataSize != available {
            throw DataError.sizeMismatch(file: file, declared: h.declared, expectedBytes: h.dataSize, actualBytes: available)
        }
        // `raw` is consumed, so this moves the 47 MB of MNIST's pixels down in place rather than copying them.
        var bytes = raw
        bytes.removeSubrange(0..<h.headerSize)
        return IDXArray(dimensions: h.dimensions, bytes: bytes)
    }

    /// The IDX encoding of an unsigned-byte array (tests write fixtures with it).
    static func encode(_ array: IDXArray) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(array.dimensions.count)]
        for extent in array.dimensions {
            for shift in [24, 16, 8, 0] { out.append(UInt8(truncatingIfNeeded: extent >> shift)) }
        }
        out.append(contentsOf: array.bytes)
        return out
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

extension Dataset {
    /// Loads an image dataset from an IDX images file (N × rows × cols) and an IDX labels file
    /// (N), either of them gzip-compressed or raw, as MNIST and Fashion-MNIST ship.
    ///
    /// Samples have shape [1, rows, cols]. Labels must lie in 0..<`classCount`.
    public static func idx(images: URL, labels: URL, classCount: Int = 10) throws -> Dataset {
        try idx(images: IDX.read(images, dimensionCount: 3), imagesFile: images.path,
                labels: IDX.read(labels, dimensionCount: 1), labelsFile: labels.path, classCount: classCount)
    }

    /// `idx(images:labels:classCount:)` from the contents of the two files (gzip-compressed or
    /// raw); the file names are for messages.
    public static func idx(imageBytes: [UInt8], imagesFile: String, labelBytes: [UInt8], labelsFile: String,
                           classCount: Int = 10) throws -> Dataset {
        try idx(images: IDX.decode(imageBytes, file: imagesFile, dimensionCount: 3), imagesFile: imagesFile,
                labels: IDX.decode(labelBytes, file: labelsFile, dimensionCount: 1), labelsFile: labelsFile,
                classCount: classCount)
    }

    private static func idx(images imageArray: @autoclosure () throws -> IDXArray, imagesFile: String,
                            labels labelArray: @autoclosure () throws -> IDXArray, labelsFile: String,
                            classCount: Int) throws -> Dataset {
        // Images first, so a broken images file is reported before the labels are even read.
        let imageArray = try imageArray()
        let labelArray = try labelArray()
        let count = imageArray.dimensions[0]
        guard labelArray.dimensions[0] == count else {
            throw DataError.countMismatch(labelsFile: labelsFile, labels: labelArray.dimensions[0],
                                          imagesFile: imagesFile, images: count)
        }
        guard count > 0 else { throw DataError.empty(file: imagesFile) }
        let classLabels = try checkedLabels(labelArray.bytes.lazy.map(Int.init), classCount: classCount, file: labelsFile)
        return Dataset(pixels: imageArray.bytes, labels: classLabels,
                       sampleShape: [1, imageArray.dimensions[1], imageArray.dimensions[2]], classCount: classCount)
    }
}
