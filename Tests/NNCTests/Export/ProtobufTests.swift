import Testing
@testable import NNC

/// The wire writer against bytes worked out by hand from the encoding guide
/// (https://protobuf.dev/programming-guides/encoding/), whose own examples are among them.
@Suite struct ProtobufTests {
    private func bytes(_ body: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var w = ProtobufWriter()
        body(&w)
        return w.bytes
    }

    @Test func varints() {
        #expect(bytes { $0.varint(0) } == [0x00])
        #expect(bytes { $0.varint(1) } == [0x01])
        #expect(bytes { $0.varint(127) } == [0x7F])
        #expect(bytes { $0.varint(128) } == [0x80, 0x01])
        // The guide's 150 as field 1: tag 08, then 96 01.
        #expect(bytes { $0.int(1, 150) } == [0x08, 0x96, 0x01])
        #expect(bytes { $0.varint(300) } == [0xAC, 0x02])
        #expect(bytes { $0.varint(UInt64.max) } == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        // Field 20 (AttributeProto.type) needs a two-byte tag: 20 << 3 = 160.
        #expect(bytes { $0.int(20, 7) } == [0xA0, 0x01, 0x07])
    }

    /// A negative int64 is its two's complement as an unsigned varint: always ten bytes.
    @Test func negativeInt64() {
        #expect(bytes { $0.int(1, -1) } == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(bytes { $0.int(1, -2) } == [0x08, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(bytes { $0.int(1, Int64.min) } == [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
    }

    @Test func floatsAndStrings() {
        // Wire type 5 (fixed32), little-endian IEEE bits: 1.0 is 3F800000.
        #expect(bytes { $0.float(2, 1) } == [0x15, 0x00, 0x00, 0x80, 0x3F])
        #expect(bytes { $0.float(2, -0.5) } == [0x15, 0x00, 0x00, 0x00, 0xBF])
        // The guide's "testing" as field 2.
        #expect(bytes { $0.string(2, "testing") } == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
        #expect(bytes { $0.string(3, "") } == [0x1A, 0x00])
    }

    @Test func packedRepeatedFields() {
        // The guide's packed example: field 4, values 3, 270, 86942.
        #expect(bytes { $0.packedInts(4, [3, 270, 86942]) } == [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        #expect(bytes { $0.packedInts(8, [-1]) }
                == [0x42, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(bytes { $0.packedFloats(4, [1, -2]) } == [0x22, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
        // An empty repeated field is absent, not an empty run.
        #expect(bytes { $0.packedInts(1, []) }.isEmpty)
        #expect(bytes { $0.packedFloats(1, []) }.isEmpty)
    }

    @Test func nestedMessages() {
        // The guide's Test3 { c: Test1 { a: 150 } }: 1a 03 08 96 01.
        #expect(bytes { $0.message(3) { $0.int(1, 150) } } == [0x1A, 0x03, 0x08, 0x96, 0x01])
        // Two levels, the inner length counted before the outer one.
        #expect(bytes { $0.message(1) { $0.message(2) { $0.string(1, "ab") } } }
                == [0x0A, 0x06, 0x12, 0x04, 0x0A, 0x02, 0x61, 0x62])
        #expect(bytes { $0.message(5) { _ in } } == [0x2A, 0x00])
    }

    @Test func rawData() {
        #expect(RawData.floats([1, -2]) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
        #expect(RawData.int64s([1, -1]) == [1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    /// ONNX messages built from the writer, by hand: a symbolic batch dimension and an int attribute.
    @Test func onnxMessages() {
        let info = ONNXValueInfo(name: "x", dims: [nil, 2], symbol: "N")
        // name "x"; type { tensor_type { elem_type FLOAT; shape { dim { dim_param "N" } dim { dim_value 2 } } } }
        #expect(bytes { info.encode(into: &$0) } == [0x0A, 0x01, 0x78,
                                                     0x12, 0x0F, 0x0A, 0x0D, 0x08, 0x01,
                                                     0x12, 0x09, 0x0A, 0x03, 0x12, 0x01, 0x4E, 0x0A, 0x02, 0x08, 0x02])
        let axis = ONNXAttribute("axis", .int(-1))
        #expect(bytes { axis.encode(into: &$0) } == [0x0A, 0x04, 0x61, 0x78, 0x69, 0x73,
                                                     0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                                                     0xA0, 0x01, 0x02])
        let tensor = ONNXTensor.floats("w", [1, 2], [1, -2])
        // dims packed [1, 2]; data_type FLOAT; name "w"; raw_data 8 bytes.
        #expect(bytes { tensor.encode(into: &$0) } == [0x0A, 0x02, 0x01, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77,
                                                       0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    }
}
