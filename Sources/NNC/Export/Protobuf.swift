/// Protocol Buffers' wire format, the encoding half only, for the few messages an ONNX file
/// needs (https://protobuf.dev/programming-guides/encoding/). Fields are written in the order
/// they are added; a reader accepts any order, and packed or unpacked repeated numbers alike.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// The wire types this writer uses.
    enum WireType: UInt64 {
        case varint = 0
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// Base-128, least significant group first, the high bit set on every byte but the last.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// An int64 or int32 field: a negative value is its 64-bit two's complement, ten bytes.
    mutating func int(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A float field: four little-endian bytes.
    mutating func float(_ field: Int, _ value: Float) {
        tag(field, .fixed32)
        fixed32(value.bitPattern)
    }

    mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }

    /// A bytes field (or any length-delimited payload).
    mutating func data(_ field: Int, _ payload: [UInt8]) {
        tag(field, .lengthDelimited)
        varint(UInt64(payload.count))
        bytes += payload
    }

    /// An embedded message, written by `body` into a writer of its own.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        data(field, inner.bytes)
    }

    /// A repeated int64 field, packed: one length-delimited run of varints.
    mutating func packedInts(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for v in values { inner.varint(UInt64(bitPattern: v)) }
        data(field, inner.bytes)
    }

    /// A repeated float field, packed: four little-endian bytes per value.
    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for v in values { inner.fixed32(v.bitPattern) }
        data(field, inner.bytes)
    }

    private mutating func fixed32(_ bits: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
}

/// Little-endian bytes of floats and int64s: ONNX's `raw_data` of a tensor.
enum RawData {
    static func floats(_ values: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 4)
        for v in values {
            let b = v.bitPattern
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: b >> UInt32(shift))) }
        }
        return out
    }

    static func int64s(_ values: [Int64]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 8)
        for v in values {
            let b = UInt64(bitPattern: v)
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: b >> UInt64(shift))) }
        }
        return out
    }
}
