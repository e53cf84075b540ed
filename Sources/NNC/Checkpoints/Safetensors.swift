import Foundation
import NNCSystem

/// Element types of the safetensors format, with their spellings in the header.
public enum DType: String, CaseIterable, Sendable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
    case u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
    case u32 = "U32", i32 = "I32", f32 = "F32"
    case u64 = "U64", i64 = "I64", f64 = "F64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: return 1
        case .u16, .i16, .f16, .bf16: return 2
        case .u32, .i32, .f32: return 4
        case .u64, .i64, .f64: return 8
        }
    }
}

/// A tensor's entry in a safetensors header.
public struct TensorInfo: Equatable, Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range within the data section (after the header).
    public let dataOffsets: Range<Int>
    /// The product of `shape` (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A tensor to write: name, dtype, shape and little-endian bytes.
public struct TensorData: Equatable, Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// Raw little-endian bytes of any dtype.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor.
    public init(name: String, shape: [Int], floats: [Float]) {
        var bytes = [UInt8](repeating: 0, count: floats.count * 4)
        for (i, value) in floats.enumerated() {
            let bits = value.bitPattern
            bytes[4 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
        self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
    }
}

/// A parsed safetensors file: the tensor list, the `__metadata__` strings and the data.
public struct SafetensorsFile {
    /// The path it was read from, for messages.
    public let file: String
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// Every tensor, in data order, with name, dtype and shape — what a runtime matches against its model.
    public let tensors: [TensorInfo]

    let data: ArraySlice<UInt8>
    private let byName: [String: Int]

    init(file: String, metadata: [String: String], tensors: [TensorInfo], data: ArraySlice<UInt8>) {
        self.file = file
        self.metadata = metadata
        self.tensors = tensors
        self.data = data
        byName = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    /// The entry named `name`, if any.
    public func info(_ name: String) -> TensorInfo? { byName[name].map { tensors[$0] } }

    /// The raw little-endian bytes of tensor `name`.
    public func bytes(_ name: String) throws -> [UInt8] {
        guard let info = info(name) else { throw CheckpointError.noTensor(file: file, tensor: name) }
        let start = data.startIndex + info.dataOffsets.lowerBound
        return Array(data[start..<(start + info.dataOffsets.count)])
    }

    /// The values of an F32 tensor, in row-major order.
    public func floats(_ name: String) throws -> [Float] {
        guard let info = info(name) else { throw CheckpointError.noTensor(file: file, tensor: name) }
        guard info.dtype == .f32 else {
            throw CheckpointError.wrongDType(file: file, tensor: name, dtype: info.dtype.rawValue, wanted: DType.f32.rawValue)
        }
        let start = data.startIndex + info.dataOffsets.lowerBound
        var values = [Float](repeating: 0, count: info.elementCount)
        for i in 0..<values.count {
            let p = start + 4 * i
            let bits = UInt32(data[p]) | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2]) << 16 | UInt32(data[p + 3]) << 24
            values[i] = Float(bitPattern: bits)
        }
        return values
    }
}

/// Reads and writes the safetensors format (as Hugging Face's `safetensors` library does):
/// an 8-byte little-endian header length, a JSON header mapping each tensor name to
/// `dtype`, `shape` and `data_offsets` (plus an optional `__metadata__` string map), then the
/// tensors' bytes, back to back. Python tools read nnc's weights with `safetensors.torch.load_file`.
public enum Safetensors {
    /// The largest header accepted, as the reference implementation (100 MB).
    static let maximumHeaderBytes = 100_000_000

    /// Reads and validates a file; see `parse`.
    public static func read(_ url: URL) throws -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw CheckpointError.cannotRead(file: url.path, reason: reason)
        }
        return try parse([UInt8](data), file: url.path)
    }

    /// Parses a whole file held in memory, checking the header length, the JSON, every dtype
    /// and shape against its byte count, and that the tensors tile the data section exactly
    /// (inside the file, no overlaps, no gaps).
    public static func parse(_ bytes: [UInt8], file: String) throws -> SafetensorsFile {
        guard bytes.count >= 8 else { throw CheckpointError.tooShort(file: file, bytes: bytes.count) }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << UInt64(8 * i) }
        guard length <= UInt64(maximumHeaderBytes), length <= UInt64(bytes.count - 8), length >= 2 else {
            throw CheckpointError.headerLength(file: file, length: length, fileBytes: bytes.count)
        }
        let headerEnd = 8 + Int(length)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw CheckpointError.badHeader(file: file, detail: "not valid json")
        }
        guard let header = json as? [String: Any] else {
            throw CheckpointError.badHeader(file: file, detail: "not a json object")
        }
        let dataBytes = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError.badMetadata(file: file, detail: "__metadata__ is not an object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw CheckpointError.badMetadata(file: file, detail: "value of '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors.append(try tensorInfo(name: name, entry: value, dataBytes: dataBytes, file: file))
        }
        tensors.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
        var end = 0
        for (i, tensor) in tensors.enumerated() {
            if tensor.dataOffsets.lowerBound < end {
                throw CheckpointError.overlap(file: file, tensor: tensor.name, other: tensors[i - 1].name)
            }
            if tensor.dataOffsets.lowerBound > end {
                throw CheckpointError.gap(file: file, tensor: tensor.name, offset: tensor.dataOffsets.lowerBound, expected: end)
            }
            end = tensor.dataOffsets.upperBound
        }
        if end != dataBytes { throw CheckpointError.trailingBytes(file: file, bytes: dataBytes - end) }
        return SafetensorsFile(file: file, metadata: metadata, tensors: tensors, data: bytes[headerEnd...])
    }

    private static func tensorInfo(name: String, entry: Any, dataBytes: Int, file: String) throws -> TensorInfo {
        guard let fields = entry as? [String: Any] else {
            throw CheckpointError.badTensor(file: file, tensor: name, detail: "entry is not an object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw CheckpointError.badTensor(file: file, tensor: name, detail: "missing dtype")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw CheckpointError.unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError.badTensor(file: file, tensor: name, detail: "shape is not a list of non-negative integers")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw CheckpointError.badTensor(file: file, tensor: name, detail: "data_offsets is not [begin, end] with 0 <= begin <= end")
        }
        guard offsets[1] <= dataBytes else {
            throw CheckpointError.outOfBounds(file: file, tensor: name, end: offsets[1], dataBytes: dataBytes)
        }
        // The extents other than 0 must multiply without overflow: a 0 makes the tensor empty
        // whatever the rest say, but `elementCount` multiplies them in order and would trap on
        // [2³², 2³², 0] before reaching the 0.
        var nonzero = dtype.byteSize
        for extent in shape where extent != 0 {
            let (product, overflow) = nonzero.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw CheckpointError.badTensor(file: file, tensor: name, detail: "shape \(shape) has too many elements to count")
            }
            nonzero = product
        }
        let expected = shape.contains(0) ? 0 : nonzero
        guard expected == offsets[1] - offsets[0] else {
            throw CheckpointError.byteCount(file: file, tensor: name, shape: shape, dtype: dtypeName,
                                            expected: expected, actual: offsets[1] - offsets[0])
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: offsets[0]..<offsets[1])
    }

    /// A JSON array of whole numbers, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let items = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in items {
            guard let number = item as? NSNumber, !(item is String) else { return nil }
            let integer = number.int64Value
            guard Double(integer) == number.doubleValue else { return nil }
            result.append(Int(integer))
        }
        return result
    }

    /// The file's bytes: tensors in the order given, header padded with spaces to 8 bytes.
    public static func encode(_ tensors: [TensorData], metadata: [String: String] = [:]) throws -> [UInt8] {
        var names = Set<String>()
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSON.quote($0)):\(JSON.quote(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            guard tensor.name != "__metadata__", names.insert(tensor.name).inserted else {
                throw CheckpointError.invalidTensor(tensor: tensor.name, detail: "name is used twice or reserved")
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.reduce(1, *) * tensor.dtype.byteSize == tensor.bytes.count else {
                throw CheckpointError.invalidTensor(tensor: tensor.name,
                    detail: "shape \(tensor.shape) of \(tensor.dtype.rawValue) does not match its \(tensor.bytes.count) bytes")
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSON.quote(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        // Padding keeps the data 8-byte aligned for readers that map the file.
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> UInt64(8 * i))) }
        out.append(contentsOf: header)
        for tensor in tensors { out.append(contentsOf: tensor.bytes) }
        return out
    }

    /// Writes a checkpoint atomically (`AtomicFile`): a crash at any moment leaves either the
    /// old file or the new one at `url`, never a torn one.
    public static func write(_ tensors: [TensorData], metadata: [String: String] = [:], to url: URL) throws {
        try write(encode(tensors, metadata: metadata), to: url)
    }

    static func write(_ bytes: [UInt8], to url: URL, beforeRename: () throws -> Void = {}) throws {
        do {
            try AtomicFile.write(bytes, to: url, beforeRename: beforeRename)
        } catch let failure as AtomicFile.Failure {
            throw CheckpointError.cannotWrite(file: url.path, reason: failure.reason)
        }
    }
}
