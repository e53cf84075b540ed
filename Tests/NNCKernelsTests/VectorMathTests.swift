import Testing
@testable import NNCKernels

@Suite struct VectorMathTests {
    /// |fast − libm| ≤ `ulps`·ulp(libm) over a dense sweep of arguments.
    func sweep(_ f: (Float) -> Float, _ ref: (Double) -> Double, from: Float, to: Float, ulps: Float,
               absolute: Float = 0) -> (Float, Float)? {
        var x = from
        let step = (to - from) / 20000
        while x <= to {
            let r = Float(ref(Double(x)))
            let y = f(x)
            if Swift.abs(y - r) > ulps * r.ulp + absolute { return (x, y) }
            x += step
        }
        return nil
    }

    // Cephes' polynomials are good to ~2 ulp; 4 ulp leaves room for the range reduction.
    @Test func expAccuracy() {
        #expect(sweep(expScalar, _exp, from: -87, to: 88, ulps: 4) == nil)
        #expect(sweep(expScalar, _exp, from: -1, to: 1, ulps: 4) == nil)
    }

    @Test func tanhAndSigmoidAccuracy() {
        #expect(sweep(tanhScalar, _tanh, from: -10, to: 10, ulps: 4, absolute: 1e-7) == nil)
        #expect(sweep(tanhScalar, _tanh, from: -0.7, to: 0.7, ulps: 4) == nil)
        #expect(sweep(sigmoidScalar, { 1 / (1 + _exp(-$0)) }, from: -30, to: 30, ulps: 4, absolute: 1e-8) == nil)
    }

    @Test func specialValues() {
        #expect(expScalar(.nan).isNaN)
        #expect(expScalar(.infinity) == .infinity)
        #expect(expScalar(-.infinity) == 0)
        #expect(expScalar(89) == .infinity)
        #expect(expScalar(0) == 1)
        #expect(expScalar(-100) > 0 && expScalar(-100) < 1e-37)
        #expect(tanhScalar(.nan).isNaN)
        #expect(tanhScalar(.infinity) == 1 && tanhScalar(-.infinity) == -1)
        #expect(tanhScalar(-0.0).sign == .minus)
        #expect(sigmoidScalar(.nan).isNaN)
        #expect(sigmoidScalar(.infinity) == 1 && sigmoidScalar(-.infinity) == 0)
    }
}
