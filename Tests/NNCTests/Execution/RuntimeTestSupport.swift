import Testing
@testable import NNC

/// Shared helpers of the runtime tests: sessions from inline `.net` text, seeded batches, a
/// labelled tolerance, and a small Double solver for the references.
enum RuntimeTests {
    /// A session for inline `.net` text, initialised with `seed`.
    static func session(_ text: String, batch: Int, evalBatch: Int? = nil, threads: Int = 1,
                        seed: UInt64 = 1) throws -> Session {
        let (model, diagnostics) = Frontend.check(SourceFile(path: "inline.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let s = try Session(model: try #require(model), batch: batch, evalBatch: evalBatch ?? batch, threads: threads)
        s.initialize(seed: seed)
        return s
    }

    /// A batch of standard-normal inputs and uniform labels for `session`'s train plan.
    static func batch(_ s: Session, seed: UInt64 = 42, scale: Float = 1) -> (input: [Float], labels: [Int32]) {
        var r = Random(seed: seed)
        let plan = s.trainPlan
        let count = plan.buffer(plan.input).count
        let classes = s.model.outputShape.count
        let input = (0..<count).map { _ in scale * r.normal() }
        let labels = (0..<plan.batch).map { _ in Int32(r.nextInt(below: classes)) }
        return (input, labels)
    }

    /// Reads a tensor the test knows exists.
    static func read(_ s: Session, _ name: String) throws -> [Float] {
        let v = s.read(name)
        try #require(!v.isEmpty, "no tensor \(name)")
        return v
    }

    /// Solves `X·M = B` for X (rows of B are right-hand sides): `X = B·M⁻¹`, M square, by
    /// Gaussian elimination with partial pivoting on Mᵀ.
    static func solveRight(_ b: [[Double]], _ m: [[Double]]) -> [[Double]] {
        let n = m.count
        return b.map { row in
            // Solve Mᵀ xᵀ = rowᵀ.
            var a = (0..<n).map { i in (0..<n).map { j in m[j][i] } + [row[i]] }
            for c in 0..<n {
                let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
                a.swapAt(c, p)
                for r in 0..<n where r != c {
                    let f = a[r][c] / a[c][c]
                    for k in c...n { a[r][k] -= f * a[c][k] }
                }
            }
            return (0..<n).map { a[$0][n] / a[$0][$0] }
        }
    }
}

/// The tolerance of a comparison, with its name in the failure message:
/// |actual − expected| ≤ relative·max(|actual|, |expected|) + absolute.
struct Tolerance: CustomStringConvertible {
    var name: String
    var relative: Double
    var absolute: Double

    /// Central differences in Float through a small net: h²-truncation and rounding/h.
    static let gradientCheck = Tolerance(name: "gradient check", relative: 1e-2, absolute: 5e-4)
    /// A Float computation against its Double reference.
    static let float = Tolerance(name: "float vs double", relative: 1e-4, absolute: 1e-6)

    func accepts(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= relative * max(abs(actual), abs(expected)) + absolute
    }

    var description: String { "\(name) (rel \(relative), abs \(absolute))" }
}

/// Expects every pair to agree within `tolerance`, reporting the first few misses.
func expectClose(_ actual: [Double], _ expected: [Double], _ tolerance: Tolerance, _ what: String,
                 sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    var misses: [String] = []
    for i in 0..<min(actual.count, expected.count) where !tolerance.accepts(actual[i], expected[i]) {
        misses.append("[\(i)] \(actual[i]) vs \(expected[i])")
    }
    let more = misses.count > 5 ? " … (\(misses.count) in all)" : ""
    let shown = misses.prefix(5).joined(separator: ", ")
    #expect(misses.isEmpty, "\(what) outside \(tolerance): \(shown)\(more)", sourceLocation: sourceLocation)
}
