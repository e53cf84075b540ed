import Testing
import NNCKernels

/// The batch load's conversion against its definition, bit for bit: a multiply and then an
/// add per value, for lengths around the vector width and a start inside the output.
@Suite struct BatchConversionTests {
    static let sizes = [0, 1, 15, 16, 17, 33, 784]

    @Test(arguments: sizes)
    func bytesConvertAsTheirDefinition(_ n: Int) {
        var g = SplitMix(UInt64(n) + 1)
        let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: Int(g.floats(1, scale: 1000)[0])) }
        let (m, o) = (g.floats(n), g.floats(n))
        let start = 5
        var out = [Float](repeating: -1, count: n + 9)
        var span = out.mutableSpan
        affineConvert(bytes.span, multiplier: m.span, offset: o.span, into: &span, at: start)
        for i in 0..<n {
            let expected = Float(bytes[i]) * m[i] + o[i]
            #expect(out[start + i].bitPattern == expected.bitPattern, "n=\(n) i=\(i)")
        }
        #expect(out[..<start].allSatisfy { $0 == -1 } && out[(start + n)...].allSatisfy { $0 == -1 }, "n=\(n): wrote outside")
    }

    @Test(arguments: sizes)
    func floatsConvertAsTheirDefinition(_ n: Int) {
        var g = SplitMix(UInt64(n) + 100)
        let (x, m, o) = (g.floats(n, scale: 255), g.floats(n), g.floats(n))
        var out = [Float](repeating: -1, count: n + 3)
        var span = out.mutableSpan
        affineConvert(x.span, multiplier: m.span, offset: o.span, into: &span, at: 3)
        for i in 0..<n {
            let expected = x[i] * m[i] + o[i]
            #expect(out[3 + i].bitPattern == expected.bitPattern, "n=\(n) i=\(i)")
        }
        #expect(out[..<3].allSatisfy { $0 == -1 }, "n=\(n): wrote outside")
    }
}
