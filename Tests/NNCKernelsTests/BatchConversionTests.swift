import Testing
import NNCKernels

/// The batch load's gather against its definition, bit for bit: row r is sample `samples[r]`,
/// each value a multiply and then an add, for row lengths around the vector width, on 1 and 2
/// threads, leaving the output past the rows alone.
@Suite struct BatchConversionTests {
    static let sizes = [1, 15, 16, 17, 33, 784]

    /// 40 draws from 50 stored samples (repeats allowed, as a shard of a shuffled epoch never
    /// has them but nothing in the kernel needs that).
    func samples(_ g: inout SplitMix) -> [Int32] { (0..<40).map { _ in Int32(g.int(50)) } }

    @Test(arguments: sizes)
    func bytesGatherAsTheirDefinition(_ n: Int) {
        var g = SplitMix(UInt64(n) + 1)
        let stored = (0..<(50 * n)).map { _ in UInt8(truncatingIfNeeded: g.int(256)) }
        check(stored, n, &g, as: { Float($0) }) { out, order, m, o, threads in
            gatherConverted(stored.span, size: n, samples: order.span, multiplier: m.span, offset: o.span,
                            into: &out, threads: threads)
        }
    }

    @Test(arguments: sizes)
    func floatsGatherAsTheirDefinition(_ n: Int) {
        var g = SplitMix(UInt64(n) + 100)
        let stored = g.floats(50 * n, scale: 255)
        check(stored, n, &g, as: { $0 }) { out, order, m, o, threads in
            gatherConverted(stored.span, size: n, samples: order.span, multiplier: m.span, offset: o.span,
                            into: &out, threads: threads)
        }
    }

    /// Runs `gather` on 40 rows of `n` values drawn from `stored`, on 1 and 2 threads, against
    /// `Float(value) · multiplier + offset` for every value, and checks nothing past the rows moved.
    func check<T>(_ stored: [T], _ n: Int, _ g: inout SplitMix, as float: (T) -> Float,
                  _ gather: (inout MutableSpan<Float>, [Int32], [Float], [Float], Int) -> Void) {
        let (m, o) = (g.floats(n), g.floats(n))
        let order = samples(&g)
        for threads in [1, 2] {
            var out = [Float](repeating: -1, count: 40 * n + 9)
            var span = out.mutableSpan
            gather(&span, order, m, o, threads)
            for r in 0..<40 {
                for i in 0..<n {
                    let expected = float(stored[Int(order[r]) * n + i]) * m[i] + o[i]
                    #expect(out[r * n + i].bitPattern == expected.bitPattern, "n=\(n) row \(r) value \(i) threads \(threads)")
                }
            }
            #expect(out[(40 * n)...].allSatisfy { $0 == -1 }, "n=\(n): wrote past the rows")
        }
    }
}
