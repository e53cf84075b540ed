/// The initialisers of docs/ALGORITHMS.md "Initialisation", drawn from the seeded generator so that
/// a seed gives the same weights everywhere.
enum ParameterInit {
    /// (n_in, n_out) of a weight: a dense `[out, in]` gives (in, out); a convolution
    /// `[F, C, kh, kw]` gives (C·kh·kw, F·kh·kw); any other tensor its element count both ways.
    static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        switch shape.count {
        case 2: return (shape[1], shape[0])
        case 4:
            let taps = shape[2] * shape[3]
            return (shape[1] * taps, shape[0] * taps)
        default:
            let n = shape.reduce(1, *)
            return (n, n)
        }
    }

    /// The initial values of a tensor of `shape`, in row-major order.
    static func values(_ initializer: Initializer, shape: [Int], random: inout Random) -> [Float] {
        let count = shape.reduce(1, *)
        let (fanIn, fanOut) = fans(shape)
        let sum = Double(max(fanIn + fanOut, 1))
        func normal(_ std: Double) -> [Float] {
            (0..<count).map { _ in Float(std) * random.normal() }
        }
        func uniform(_ limit: Double) -> [Float] {
            (0..<count).map { _ in random.uniform(-Float(limit), Float(limit)) }
        }
        switch initializer {
        case .normal(let std): return normal(std)
        case .uniform(let limit): return uniform(limit)
        case .glorotNormal: return normal((2 / sum).squareRoot())
        case .glorotUniform: return uniform((6 / sum).squareRoot())
        case .heNormal: return normal((4 / sum).squareRoot())
        case .heUniform: return uniform((12 / sum).squareRoot())
        case .zeros: return [Float](repeating: 0, count: count)
        case .ones: return [Float](repeating: 1, count: count)
        case .constant(let c): return [Float](repeating: Float(c), count: count)
        }
    }
}
