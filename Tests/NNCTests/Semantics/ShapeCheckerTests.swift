import Testing
@testable import NNC

@Suite struct ShapeCheckerTests {
    static func out(_ op: LayerOp, _ input: Shape) -> Shape? {
        if case .success(let s) = ShapeChecker.output(of: op, input: input) { return s }
        return nil
    }

    @Test func convAndPoolSizes() {
        let conv = { (k: Int, s: Int, p: Int) in
            LayerOp.conv(filters: 8, kernel: Size2(square: k), stride: Size2(square: s), padding: Size2(square: p),
                         bias: true, initializer: .glorotUniform)
        }
        #expect(Self.out(conv(5, 1, 0), [1, 28, 28]) == [8, 24, 24])
        #expect(Self.out(conv(5, 1, 2), [1, 28, 28]) == [8, 28, 28])
        #expect(Self.out(conv(3, 2, 1), [3, 32, 32]) == [8, 16, 16])
        #expect(Self.out(conv(4, 1, 0), [64, 4, 4]) == [8, 1, 1])
        #expect(Self.out(conv(5, 1, 0), [1, 4, 4]) == nil)
        #expect(Self.out(.maxPool(size: Size2(square: 3), stride: Size2(square: 2), padding: Size2(square: 1)),
                         [32, 7, 7]) == [32, 4, 4])
        #expect(Self.out(.avgPool(size: Size2(2, 3), stride: Size2(2, 3), padding: Size2(0, 0)), [4, 6, 9]) == [4, 3, 3])
        #expect(Self.out(.globalAvgPool, [16, 7, 7]) == [16])
        #expect(Self.out(.flatten, [16, 7, 7]) == [784])
    }

    @Test func rankRules() {
        #expect(Self.out(.dense(units: 10, bias: true, initializer: .zeros), [8, 2, 2]) == nil)
        #expect(Self.out(.globalAvgPool, [10]) == nil)
        #expect(Self.out(.maxout(k: 2), [10]) == [5])
        #expect(Self.out(.maxout(k: 2), [10, 3, 3]) == [5, 3, 3])
        #expect(Self.out(.maxout(k: 3), [10]) == nil)
        #expect(Self.out(.batchNorm(affine: true, momentum: 0.1, epsilon: 1e-5), [4, 2, 2]) == [4, 2, 2])
    }

    @Test func parametersInDocumentedOrder() {
        let dense = ShapeChecker.parameters(of: .dense(units: 3, bias: true, initializer: .heNormal), input: [5])
        #expect(dense.map(\.name) == ["weight", "bias"] && dense.map(\.shape) == [[3, 5], [3]])
        #expect(dense.map(\.decays) == [true, false])
        let conv = ShapeChecker.parameters(of: .conv(filters: 8, kernel: Size2(3, 5), stride: Size2(square: 1),
                                                     padding: Size2(square: 0), bias: false, initializer: .zeros),
                                           input: [4, 9, 9])
        #expect(conv.map(\.shape) == [[8, 4, 3, 5]])
        let bn = ShapeChecker.parameters(of: .batchNorm(affine: true, momentum: 0.1, epsilon: 1e-5), input: [6, 2, 2])
        #expect(bn.map(\.name) == ["scale", "shift"] && bn.map(\.shape) == [[6], [6]])
        #expect(ShapeChecker.state(of: .rmsNorm(history: 0.1, relativeEpsilon: 0.01), input: [20]).map(\.shape) == [[20], [1]])
        #expect(ShapeChecker.parameters(of: .activation(.prelu(initialSlope: 0.25)), input: [7]).map(\.shape) == [[7]])
    }

    @Test func overflowingSizesAreErrors() {
        let huge = LayerOp.dense(units: 1 << 30, bias: true, initializer: .zeros)
        #expect(Self.out(huge, [1 << 30]) == nil)
        let conv = LayerOp.conv(filters: 1 << 30, kernel: Size2(square: 1), stride: Size2(square: 1),
                                padding: Size2(square: 0), bias: true, initializer: .zeros)
        #expect(Self.out(conv, [1 << 20, 1 << 10, 1 << 10]) == nil)
    }
}
