// Winograd's minimal filtering F(m, r) for the convolutions of ConvWinograd.swift: the
// matrices, computed, and the one-dimensional transforms of each tile size written out.

/// F(m, r)'s matrices by Toom–Cook at the points 0, 1, −1 (, 2, −2) and ∞: G evaluates the
/// filter, Aᵀ the output, Bᵀ is the transposed inverse of the α-point evaluation (so it
/// depends on α alone: F(2, 5) and F(4, 3) share it). Each row of
/// Bᵀ is scaled to integers and G's row divided by the same factor, so the input transform
/// rounds nothing. The kernels spell Bᵀ and Aᵀ out (`WinogradKernel`); the tests check them
/// against these.
struct WinogradMatrices {
    let m: Int, r: Int
    var alpha: Int { m + r - 1 }
    /// α × r, row-major.
    private(set) var g: [Double]
    /// α × α, row-major: v = Bᵀ d.
    private(set) var bt: [Double]
    /// m × α, row-major: y = Aᵀ m.
    private(set) var at: [Double]

    init(m: Int, r: Int) {
        self.m = m; self.r = r
        let alpha = m + r - 1
        let points = Array([0.0, 1, -1, 2, -2].prefix(alpha - 1))
        // α × n: row k is (1, a_k, a_k², …), the last row (∞) is (0, …, 0, 1).
        func evaluation(_ n: Int) -> [Double] {
            var e = [Double](repeating: 0, count: alpha * n)
            for (k, a) in points.enumerated() {
                var power = 1.0
                for j in 0..<n { e[k * n + j] = power; power *= a }
            }
            e[(alpha - 1) * n + n - 1] = 1
            return e
        }
        g = evaluation(r)
        let em = evaluation(m)
        at = (0..<(m * alpha)).map { em[($0 % alpha) * m + $0 / alpha] }
        let interpolation = Self.inverse(evaluation(alpha), alpha)
        bt = (0..<(alpha * alpha)).map { interpolation[($0 % alpha) * alpha + $0 / alpha] }
        for k in 0..<alpha {
            let row = (0..<alpha).map { abs(bt[k * alpha + $0]) }
            let smallest = row.filter { $0 > 1e-9 }.min() ?? 1
            for l in 0..<alpha { bt[k * alpha + l] = (bt[k * alpha + l] / smallest).rounded() }
            for j in 0..<r { g[k * r + j] *= smallest }
        }
    }

    /// The inverse of an n × n matrix by Gauss–Jordan with partial pivoting (tiny, well posed).
    private static func inverse(_ m: [Double], _ n: Int) -> [Double] {
        var a = m, b = [Double](repeating: 0, count: n * n)
        for i in 0..<n { b[i * n + i] = 1 }
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0 * n + col]) < abs(a[$1 * n + col]) }!
            for j in 0..<n {
                a.swapAt(col * n + j, pivot * n + j)
                b.swapAt(col * n + j, pivot * n + j)
            }
            let d = a[col * n + col]
            for j in 0..<n { a[col * n + j] /= d; b[col * n + j] /= d }
            for row in 0..<n where row != col {
                let f = a[row * n + col]
                if f == 0 { continue }
                for j in 0..<n { a[row * n + j] -= f * a[col * n + j]; b[row * n + j] -= f * b[col * n + j] }
            }
        }
        return b
    }
}

/// One F(m, r): its matrices and its one-dimensional transforms written out, each over vectors
/// with independent lanes.
protocol WinogradKernel {
    static var matrices: WinogradMatrices { get }
    /// Stores `v(i, (Bᵀ d)_i)` for i in 0..<α.
    static func input(_ d: (Int) -> F16, _ v: (Int, F16) -> Void)
    /// Stores `y(q, (Aᵀ m)_q)` for q in 0..<m.
    static func output(_ m: (Int) -> F16, _ y: (Int, F16) -> Void)
    /// Stores `z(k, (A y)_k)` for k in 0..<α: m outputs' gradients expanded (the weight gradient).
    static func expand(_ y: (Int) -> F16, _ z: (Int, F16) -> Void)
}

/// F(2, 3), α = 4.
enum WinogradF2x3: WinogradKernel {
    static let matrices = WinogradMatrices(m: 2, r: 3)

    @inline(__always)
    static func input(_ d: (Int) -> F16, _ v: (Int, F16) -> Void) {
        let d0 = d(0), d1 = d(1), d2 = d(2), d3 = d(3)
        v(0, d0 - d2); v(1, d1 + d2); v(2, d2 - d1); v(3, d3 - d1)
    }

    @inline(__always)
    static func output(_ m: (Int) -> F16, _ y: (Int, F16) -> Void) {
        let m1 = m(1), m2 = m(2)
        y(0, m(0) + m1 + m2); y(1, m1 - m2 + m(3))
    }

    @inline(__always)
    static func expand(_ y: (Int) -> F16, _ z: (Int, F16) -> Void) {
        let y0 = y(0), y1 = y(1)
        z(0, y0); z(1, y0 + y1); z(2, y0 - y1); z(3, y1)
    }
}

/// F(2, 5), α = 6.
enum WinogradF2x5: WinogradKernel {
    static let matrices = WinogradMatrices(m: 2, r: 5)

    @inline(__always)
    static func input(_ d: (Int) -> F16, _ v: (Int, F16) -> Void) {
        let d0 = d(0), d1 = d(1), d2 = d(2), d3 = d(3), d4 = d(4), d5 = d(5)
        let two = F16(repeating: 2), four = F16(repeating: 4), five = F16(repeating: 5)
        let s12 = d1 + d2, s34 = d3 + d4, t21 = d2 - d1, t34 = d3 - d4, t31 = d3 - d1, t42 = d4 - d2
        v(0, (d4 - five * d2).addingProduct(four, d0))
        v(1, (-s34).addingProduct(four, s12))
        v(2, t34.addingProduct(four, t21))
        v(3, t42.addingProduct(two, t31))
        v(4, t42 - two * t31)
        v(5, (d5 - five * d3).addingProduct(four, d1))
    }

    @inline(__always)
    static func output(_ m: (Int) -> F16, _ y: (Int, F16) -> Void) {
        let m1 = m(1), m2 = m(2), m3 = m(3), m4 = m(4)
        y(0, m(0) + m1 + m2 + m3 + m4)
        y(1, (m1 - m2 + m(5)).addingProduct(F16(repeating: 2), m3 - m4))
    }

    @inline(__always)
    static func expand(_ y: (Int) -> F16, _ z: (Int, F16) -> Void) {
        let y0 = y(0), y1 = y(1), two = F16(repeating: 2)
        z(0, y0); z(1, y0 + y1); z(2, y0 - y1); z(3, y0.addingProduct(two, y1)); z(4, y0 - two * y1); z(5, y1)
    }
}

/// F(4, 3), α = 6: F(2, 5)'s points, so its input transform.
enum WinogradF4x3: WinogradKernel {
    static let matrices = WinogradMatrices(m: 4, r: 3)

    @inline(__always)
    static func input(_ d: (Int) -> F16, _ v: (Int, F16) -> Void) { WinogradF2x5.input(d, v) }

    @inline(__always)
    static func output(_ m: (Int) -> F16, _ y: (Int, F16) -> Void) {
        let m1 = m(1), m2 = m(2), m3 = m(3), m4 = m(4)
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        y(0, m(0) + s12 + s34)
        y(1, d12.addingProduct(F16(repeating: 2), d34))
        y(2, s12.addingProduct(F16(repeating: 4), s34))
        y(3, (d12 + m(5)).addingProduct(F16(repeating: 8), d34))
    }

    @inline(__always)
    static func expand(_ y: (Int) -> F16, _ z: (Int, F16) -> Void) {
        let y0 = y(0), y1 = y(1), y2 = y(2), y3 = y(3)
        let even = y0 + y2, odd = y1 + y3
        let evenTwo = y0.addingProduct(F16(repeating: 4), y2), oddTwo = (y1 + y1).addingProduct(F16(repeating: 8), y3)
        z(0, y0); z(1, even + odd); z(2, even - odd); z(3, evenTwo + oddTwo); z(4, evenTwo - oddTwo); z(5, y3)
    }
}
