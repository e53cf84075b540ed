/// Why a checkpoint could not be read or written. Every message names the file.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    case cannotWrite(file: String, reason: String)
    case tooShort(file: String, bytes: Int)
    case headerLength(file: String, length: UInt64, fileBytes: Int)
    case badHeader(file: String, detail: String)
    case badTensor(file: String, tensor: String, detail: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case byteCount(file: String, tensor: String, shape: [Int], dtype: String, expected: Int, actual: Int)
    case outOfBounds(file: String, tensor: String, end: Int, dataBytes: Int)
    case overlap(file: String, tensor: String, other: String)
    case gap(file: String, tensor: String, offset: Int, expected: Int)
    case trailingBytes(file: String, bytes: Int)
    case badMetadata(file: String, detail: String)
    case noTensor(file: String, tensor: String)
    case wrongDType(file: String, tensor: String, dtype: String, wanted: String)
    case invalidTensor(tensor: String, detail: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason):
            return "\(file): cannot read checkpoint: \(reason)"
        case let .cannotWrite(file, reason):
            return "\(file): cannot write checkpoint: \(reason)"
        case let .tooShort(file, bytes):
            return "\(file): file holds \(bytes) bytes, too short for a safetensors header (8 bytes)"
        case let .headerLength(file, length, fileBytes):
            return "\(file): header length \(length) does not fit in the \(fileBytes)-byte file"
        case let .badHeader(file, detail):
            return "\(file): bad safetensors header: \(detail)"
        case let .badTensor(file, tensor, detail):
            return "\(file): tensor '\(tensor)': \(detail)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case let .byteCount(file, tensor, shape, dtype, expected, actual):
            return "\(file): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes but its data_offsets span \(actual)"
        case let .outOfBounds(file, tensor, end, dataBytes):
            return "\(file): tensor '\(tensor)' ends at byte \(end) of a \(dataBytes)-byte data section (file truncated?)"
        case let .overlap(file, tensor, other):
            return "\(file): tensors '\(other)' and '\(tensor)' overlap"
        case let .gap(file, tensor, offset, expected):
            return "\(file): tensor '\(tensor)' starts at byte \(offset) but the previous tensor ends at \(expected)"
        case let .trailingBytes(file, bytes):
            return "\(file): \(bytes) bytes after the last tensor"
        case let .badMetadata(file, detail):
            return "\(file): bad checkpoint metadata: \(detail)"
        case let .noTensor(file, tensor):
            return "\(file): no tensor named '\(tensor)'"
        case let .wrongDType(file, tensor, dtype, wanted):
            return "\(file): tensor '\(tensor)' has dtype \(dtype), not \(wanted)"
        case let .invalidTensor(tensor, detail):
            return "tensor '\(tensor)': \(detail)"
        }
    }
}
