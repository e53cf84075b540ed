@testable import NNC

/// A protobuf message read back field by field: the reverse of `ProtobufWriter`, enough to
/// check what the exporter wrote without trusting the writer that wrote it.
struct DecodedMessage {
    struct Field {
        var number: Int
        /// Wire type 0.
        var varint: UInt64?
        /// Wire types 2 (the payload) and 5 (four bytes).
        var bytes: [UInt8]?
    }

    struct Malformed: Error {}

    var fields: [Field] = []

    init(_ data: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < data.count, shift < 64 else { throw Malformed() }
                let b = data[i]
                i += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }
        while i < data.count {
            let tag = try varint()
            let number = Int(tag >> 3)
            switch tag & 7 {
            case 0: fields.append(Field(number: number, varint: try varint()))
            case 2:
                let n = Int(try varint())
                guard i + n <= data.count else { throw Malformed() }
                fields.append(Field(number: number, bytes: Array(data[i..<(i + n)])))
                i += n
            case 5:
                guard i + 4 <= data.count else { throw Malformed() }
                fields.append(Field(number: number, bytes: Array(data[i..<(i + 4)])))
                i += 4
            default: throw Malformed()
            }
        }
    }

    func messages(_ number: Int) throws -> [DecodedMessage] {
        try fields.filter { $0.number == number }.compactMap(\.bytes).map(DecodedMessage.init)
    }

    func message(_ number: Int) throws -> DecodedMessage? { try messages(number).first }

    func strings(_ number: Int) -> [String] {
        fields.filter { $0.number == number }.compactMap(\.bytes).map { String(decoding: $0, as: UTF8.self) }
    }

    func string(_ number: Int) -> String? { strings(number).first }

    func int(_ number: Int) -> Int64? {
        fields.first { $0.number == number }?.varint.map { Int64(bitPattern: $0) }
    }

    /// A packed repeated int64 field.
    func packedInts(_ number: Int) throws -> [Int64] {
        guard let payload = fields.first(where: { $0.number == number })?.bytes else { return [] }
        var out: [Int64] = []
        var i = 0
        while i < payload.count {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < payload.count, shift < 64 else { throw Malformed() }
                let b = payload[i]
                i += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { break }
                shift += 7
            }
            out.append(Int64(bitPattern: value))
        }
        return out
    }
}
