import Foundation

/// Why a data file could not be found, read or trusted. Every message names the file.
///
/// All data-layer messages are written here, lower-case, so they read the same everywhere.
public enum DataError: Error, Equatable, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    case truncatedGzip(file: String, decompressedBytes: Int)
    case corruptGzip(file: String, detail: String)
    case tooShort(file: String, bytes: Int, needed: Int, what: String)
    case wrongMagic(file: String, found: UInt32, expected: String)
    case unsupportedElementType(file: String, code: UInt8)
    case sizeMismatch(file: String, declared: String, expectedBytes: Int, actualBytes: Int)
    case countMismatch(labelsFile: String, labels: Int, imagesFile: String, images: Int)
    case labelOutOfRange(file: String, label: Int, item: Int, classCount: Int)
    case recordSize(file: String, bytes: Int, recordBytes: Int)
    case csvFieldCount(file: String, line: Int, expected: Int, found: Int)
    case csvNotANumber(file: String, line: Int, column: Int, text: String)
    case csvLabel(file: String, line: Int, text: String)
    case csvLabelTooLarge(file: String, line: Int, text: String, limit: Int)
    case zeroExtent(file: String, dimensions: [Int])
    case inflatesTooFar(file: String, limit: Int, bound: String)
    case declaredTooLarge(file: String, declared: String, bytes: Int, limit: Int)
    case badStatistics(String)
    case csvUnknownClass(file: String, line: Int, text: String, classes: [String])
    case csvNoColumn(file: String, column: String)
    case empty(file: String)
    /// `nearest`: a file that is there under a near name; `range`: the data block entry that
    /// names the file, once `TrainingData` knows it (`.none` until then).
    case notFound(file: String, looked: [String], nearest: String? = nil, range: SourceRange = .none)
    case invalidOption(String)
    case cannotWrite(file: String, reason: String)
    case fetchFailed(file: String, attempts: [String])
    case checksumMismatch(file: String, algorithm: String, expected: String, actual: String)
    case archive(file: String, detail: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .truncatedGzip(file, bytes):
            return "\(file): truncated gzip stream after \(bytes) bytes"
        case let .corruptGzip(file, detail):
            return "\(file): corrupt gzip stream: \(detail)"
        case let .tooShort(file, bytes, needed, what):
            return "\(file): file holds \(bytes) bytes, too short for \(what) (\(needed) bytes)"
        case let .wrongMagic(file, found, expected):
            return "\(file): wrong magic number \(hex32(found)); expected \(expected)"
        case let .unsupportedElementType(file, code):
            return "\(file): idx element type 0x\(hexString([code])) is not supported; only unsigned bytes (0x08)"
        case let .sizeMismatch(file, declared, expected, actual):
            return "\(file): header declares \(declared) (\(expected) bytes of data) but the file holds \(actual)"
        case let .countMismatch(labelsFile, labels, imagesFile, images):
            return "\(labelsFile): labels file has \(labels) items but images file \(imagesFile) has \(images)"
        case let .labelOutOfRange(file, label, item, classCount):
            return "\(file): label \(label) at item \(item) is out of range for \(counted(classCount, "class"))"
        case let .recordSize(file, bytes, record):
            return "\(file): file size \(bytes) is not a whole number of \(record)-byte records"
        case let .csvFieldCount(file, line, expected, found):
            return "\(file):\(line): expected \(expected) fields but found \(found)"
        case let .csvNotANumber(file, line, column, text):
            return "\(file):\(line): field \(column) '\(text)' is not a number"
        case let .csvLabel(file, line, text):
            return "\(file):\(line): label '\(text)' is not a class index (a whole number from 0)"
        case let .csvLabelTooLarge(file, line, text, limit):
            return "\(file):\(line): label '\(text)' is above the largest class index nnc takes (\(limit))"
        case let .zeroExtent(file, dimensions):
            return "\(file): header declares samples of \(dimensions.dropFirst().map(String.init).joined(separator: "×")): "
                + "a zero extent leaves every sample empty"
        case let .inflatesTooFar(file, limit, bound):
            return "\(file): decompresses to more than \(limit) bytes, \(bound)"
        case let .declaredTooLarge(file, declared, bytes, limit):
            return "\(file): header declares \(declared) (\(bytes == Int.max ? "more than \(Int.max)" : String(bytes)) bytes), "
                + "more than nnc holds in memory (\(limit))"
        case let .badStatistics(detail):
            return "preprocessing statistics: \(detail)"
        case let .csvUnknownClass(file, line, text, classes):
            return "\(file):\(line): label '\(text)' is not one of the training set's classes (\(classes.joined(separator: ", ")))"
        case let .csvNoColumn(file, column):
            return "\(file): has no column '\(column)'"
        case let .empty(file):
            return "\(file): holds no samples"
        case let .notFound(file, looked, nearest, _):
            return "cannot find data file '\(file)'; looked in:\n" + looked.map { "  " + $0 }.joined(separator: "\n")
                + (nearest.map { "\n" + Self.didYouMean($0) } ?? "")
        case let .invalidOption(message):
            return message
        case let .cannotWrite(file, reason):
            return "\(file): cannot write: \(reason)"
        case let .fetchFailed(file, attempts):
            return "cannot fetch '\(file)':\n" + attempts.map { "  " + $0 }.joined(separator: "\n")
        case let .checksumMismatch(file, algorithm, expected, actual):
            return "\(file): \(algorithm) checksum mismatch: expected \(expected), got \(actual)"
        case let .archive(file, detail):
            return "\(file): bad tar archive: \(detail)"
        }
    }
}

extension DataError {
    /// A file the `.net` file names and that is not there, as a diagnostic at the data block
    /// entry that names it (the places looked in follow it, `lookedIn`); nil for other errors
    /// and before the entry is known.
    public var diagnostic: Diagnostic? {
        guard case let .notFound(file, _, nearest, range) = self, !range.isNone else { return nil }
        return .error("cannot find data file '\(file)'", at: range, fix: nearest.map(Self.didYouMean))
    }

    /// The places a missing file was looked for, one a line.
    public var lookedIn: String {
        guard case let .notFound(_, looked, _, _) = self else { return "" }
        return "looked in:\n" + looked.map { "  " + $0 + "\n" }.joined()
    }

    static func didYouMean(_ path: String) -> String { "did you mean '\(path)'?" }
}

private func hex32(_ value: UInt32) -> String {
    "0x" + hexString([24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) })
}

/// Reads a whole file, turning Foundation's errors into a `DataError` that names it.
func readFileBytes(_ url: URL) throws -> Data {
    switch PathKind.of(url.path) {
    case .missing: throw DataError.cannotRead(file: url.path, reason: "no such file")
    case .directory: throw DataError.cannotRead(file: url.path, reason: "is a directory")
    case .file: break
    }
    do {
        return try Data(contentsOf: url)
    } catch {
        throw DataError.cannotRead(file: url.path, reason: error.localizedDescription)
    }
}
