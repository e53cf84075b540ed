import Testing
import NNCKernels

@Suite struct ReductionsTests {
    static let sizes = [0, 1, 3, 7, 17, 33, 129, 4097, 100_003]

    // Reordered sums: within (count/16 + 300)·u·Σ|x| of the Double sum (16-lane partials in
    // blocks of 4096, blocks added in Double).
    @Test func sumMeanMeanOfSquares() {
        for n in Self.sizes {
            var g = SplitMix(UInt64(n))
            let x = g.floats(n, scale: 3)
            let absSum = x.reduce(0.0) { $0 + Double(Swift.abs($1)) }
            let sqSum = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            let tol = Double(min(n, 4096) / 16 + 300) * 0x1p-24
            x.withPtr { xp in
                let ref = sumReference(xp, count: n)
                #expect(Swift.abs(Double(sum(xp, count: n)) - ref) <= tol * absSum + 1e-30)
                if n > 0 {
                    #expect(Swift.abs(Double(mean(xp, count: n)) - ref / Double(n)) <= tol * absSum / Double(n) + 1e-30)
                    #expect(Swift.abs(Double(meanOfSquares(xp, count: n)) - sqSum / Double(n)) <= tol * sqSum / Double(n))
                } else {
                    #expect(mean(xp, count: 0) == 0 && meanOfSquares(xp, count: 0) == 0)
                }
            }
        }
    }

    @Test func nanAndInfPropagate() {
        var x = [Float](repeating: 1, count: 100)
        x[37] = .nan
        x.withPtr { #expect(sum($0, count: 100).isNaN && meanOfSquares($0, count: 100).isNaN) }
        x[37] = .infinity
        x.withPtr { #expect(sum($0, count: 100) == .infinity) }
        x[38] = -.infinity
        x.withPtr { #expect(sum($0, count: 100).isNaN) }
    }

    // Column sums keep the row order: within rows·u·Σ|x| per column.
    @Test func columnAndRowSums() {
        for rows in [0, 1, 3, 17, 129] {
            for cols in [1, 7, 16, 33] {
                var g = SplitMix(UInt64(rows * 100 + cols))
                let ld = cols + 5
                let x = g.floats(max(rows * ld, 1))
                var out = [Float](repeating: 0, count: cols), ref = out
                x.withPtr { xp in
                    out.withMutPtr { columnSums(xp, rows: rows, cols: cols, ldx: ld, out: $0) }
                    ref.withMutPtr { columnSumsReference(xp, rows: rows, cols: cols, ldx: ld, out: $0) }
                }
                #expect(close(out, ref, rtol: 0, atol: Float(rows + 1) * unitRoundoff * Float(rows)) == nil)
                var acc = [Float](repeating: 1, count: cols)
                x.withPtr { xp in acc.withMutPtr { columnSums(xp, rows: rows, cols: cols, ldx: ld, out: $0, accumulate: true) } }
                #expect(close(acc, ref.map { $0 + 1 }, rtol: 0, atol: Float(rows + 2) * unitRoundoff * Float(rows + 1)) == nil)
                var rs = [Float](repeating: 0, count: rows)
                x.withPtr { xp in rs.withMutPtr { rowSums(xp, rows: rows, cols: cols, ldx: ld, out: $0) } }
                for r in 0..<rows {
                    let s = (0..<cols).reduce(0.0) { $0 + Double(x[r * ld + $1]) }
                    #expect(Swift.abs(Double(rs[r]) - s) <= Double(cols) * 1e-7)
                }
            }
        }
    }

    @Test func argmax() {
        let x: [Float] = [1, 3, 3, 0,  -1, -2, -3, -4,  0, .nan, 5, 1]
        var out = [Int32](repeating: -1, count: 3)
        x.withPtr { xp in out.withUnsafeMutableBufferPointer { rowArgmax(xp, rows: 3, cols: 4, ldx: 4, out: $0.baseAddress!) } }
        #expect(out == [1, 0, 1])
    }
}
