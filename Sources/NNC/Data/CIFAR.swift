import Foundation

/// The CIFAR binary format: fixed-size records of label byte(s) then a 3×32×32 image,
/// channel-planar (all red, then green, then blue), with no header.
public enum CIFAR {
    /// The record layout of a CIFAR variant.
    public struct Layout: Equatable {
        /// Label bytes before each image (1 for CIFAR-10; 2 for CIFAR-100, coarse then fine).
        public var labelBytes: Int
        /// Which label byte is the class (0 for CIFAR-10; 1 for CIFAR-100's fine labels).
        public var labelIndex: Int
        /// Number of classes.
        public var classCount: Int
        /// Image shape [C, H, W].
        public var imageShape: [Int]

        public init(labelBytes: Int, labelIndex: Int, classCount: Int, imageShape: [Int] = [3, 32, 32]) {
            self.labelBytes = labelBytes
            self.labelIndex = labelIndex
            self.classCount = classCount
            self.imageShape = imageShape
        }

        /// CIFAR-10: one label byte, ten classes.
        public static let cifar10 = Layout(labelBytes: 1, labelIndex: 0, classCount: 10)
        /// CIFAR-100 with its 100 fine labels.
        public static let cifar100 = Layout(labelBytes: 2, labelIndex: 1, classCount: 100)

        var imageBytes: Int { imageShape.reduce(1, *) }
        var recordBytes: Int { labelBytes + imageBytes }
    }

    /// The training batch file names of CIFAR-10's binary version.
    public static let cifar10TrainFiles = (1...5).map { "data_batch_\($0).bin" }
    /// The test batch file name of CIFAR-10's binary version.
    public static let cifar10TestFile = "test_batch.bin"
}

extension Dataset {
    /// Loads CIFAR binary batch files (raw or gzip-compressed) as one dataset, in file order.
    public static func cifar(files: [URL], layout: CIFAR.Layout = .cifar10) throws -> Dataset {
        guard !files.isEmpty else { throw DataError.invalidOption("no cifar batch files given") }
        var pixels: [UInt8] = []
        var labels: [Int32] = []
        for file in files {
            // All files together inflate to at most the bound one file may reach.
            let limit = Gzip.maxInflatedBytes - pixels.count
            try appendCIFARRecords(Gzip.readFile(file, limit: limit), file: file.path, layout: layout,
                                   pixels: &pixels, labels: &labels)
        }
        return Dataset(pixels: pixels, labels: labels, sampleShape: layout.imageShape, classCount: layout.classCount)
    }

    /// `cifar(files:layout:)` for one batch file's contents (raw or gzip-compressed); `file`
    /// names it in errors.
    public static func cifar(bytes: [UInt8], file: String, layout: CIFAR.Layout = .cifar10) throws -> Dataset {
        var pixels: [UInt8] = []
        var labels: [Int32] = []
        try appendCIFARRecords(Gzip.contents(bytes, file: file), file: file, layout: layout, pixels: &pixels, labels: &labels)
        return Dataset(pixels: pixels, labels: labels, sampleShape: layout.imageShape, classCount: layout.classCount)
    }

    /// Appends a file's records. The images are packed within the file's own buffer, over the
    /// label bytes, so a file of several GiB is held once, not twice.
    private static func appendCIFARRecords(_ raw: consuming [UInt8], file name: String, layout: CIFAR.Layout,
                                           pixels: inout [UInt8], labels: inout [Int32]) throws {
        let record = layout.recordBytes, image = layout.imageBytes
        guard raw.count % record == 0 else {
            throw DataError.recordSize(file: name, bytes: raw.count, recordBytes: record)
        }
        let count = raw.count / record
        guard count > 0 else { throw DataError.empty(file: name) }
        labels.reserveCapacity(labels.count + count)
        for item in 0..<count {
            let label = Int(raw[item * record + layout.labelIndex])
            guard label < layout.classCount else {
                throw DataError.labelOutOfRange(file: name, label: label, item: item, classCount: layout.classCount)
            }
            labels.append(Int32(label))
        }
        // Each image moves down to its place; it never lands on bytes not yet moved.
        for item in 0..<count {
            let from = item * record + layout.labelBytes, to = item * image
            for j in 0..<image { raw[to + j] = raw[from + j] }
        }
        raw.removeLast(count * layout.labelBytes)
        if pixels.isEmpty { pixels = raw } else { pixels.append(contentsOf: raw) }
    }
}
