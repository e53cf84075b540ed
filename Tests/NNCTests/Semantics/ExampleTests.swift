import Foundation
import Testing
@testable import NNC

/// Every example checks clean, and the parameter counts and shapes of the papers' models
/// match hand computation.
@Suite struct ExampleTests {
    static let examples: [String] = {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.examples.path)) ?? []
        return all.filter { $0.hasSuffix(".net") }.sorted()
    }()

    static func model(_ name: String) throws -> Model {
        let url = TestPaths.examples.appendingPathComponent(name)
        let file = SourceFile(path: name, bytes: Array(try Data(contentsOf: url)))
        let (model, diagnostics) = Frontend.check(file)
        #expect(diagnostics.isEmpty, "\(name): \(diagnostics.map(\.description))")
        return try #require(model, "\(name) did not check")
    }

    @Test func theExamplesAreThere() {
        for name in ["mnist_mlp.net", "mlp10_rmsnorm.net", "mlp50_modu.net", "mlp50_relu.net", "cifar_conv.net",
                     "cifar_conv_mnist.net", "vgg_bn.net", "vgg_bn_mnist.net", "resnet_small.net",
                     "resnet_small_mnist.net", "spirals.net", "mnist_mlp_bn.net", "mnist_conv_bn.net",
                     "resnet20_mnist.net", "resnet20_preact_mnist.net", "resnet20_bn_mnist.net"] {
            #expect(Self.examples.contains(name), "\(name) is missing")
        }
    }

    @Test(arguments: examples)
    func checksClean(_ name: String) throws {
        let model = try Self.model(name)
        let header = try String(contentsOf: TestPaths.examples.appendingPathComponent(name), encoding: .utf8)
        #expect(header.hasPrefix("# "), "\(name) needs a header comment saying what it reproduces")
        #expect(model.data != nil, "\(name) names its data")
    }

    @Test func mnistMLP() throws {
        let m = try Self.model("mnist_mlp.net")
        #expect(m.parameterCount == 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10)
        #expect(m.parameterCount == 118_282)
        #expect(m.layers.map(\.name) == ["dense1", "relu1", "dense2", "relu2", "head"])
        #expect(m.layers[0].op == .dense(units: 128, bias: true, initializer: .normal(std: 0.01)))
        #expect(m.optimizer.method == .sgd2 && m.training.batch == 500)
    }

    @Test func deepMLPs() throws {
        // 784 → 128, eight 128 → 128, 128 → 10; RMS norms have no parameters.
        let mlp10 = try Self.model("mlp10_rmsnorm.net")
        #expect(mlp10.parameterCount == (784 * 128 + 128) + 8 * (128 * 128 + 128) + (128 * 10 + 10))
        #expect(mlp10.allLayers.filter(\.op.isLinear).count == 10)
        #expect(mlp10.allLayers.filter { $0.op.keyword == "rmsnorm" }.count == 9)
        // 784 → 20, 48 × (20 → 20), 20 → 10: fifty linear layers.
        for name in ["mlp50_modu.net", "mlp50_relu.net"] {
            let m = try Self.model(name)
            #expect(m.parameterCount == (784 * 20 + 20) + 48 * (20 * 20 + 20) + (20 * 10 + 10))
            #expect(m.allLayers.filter(\.op.isLinear).count == 50)
        }
        let modu = try Self.model("mlp50_modu.net")
        #expect(modu.allLayers.contains { $0.op == .activation(.modulus) })
        #expect(modu.allLayers.first { $0.op.keyword == "rmsnorm" }?.op == .rmsNorm(history: 0.1, relativeEpsilon: 0.01))
    }

    @Test func convNets() throws {
        // Kernels 5×5: 3→32, 32→32, 32→64; then 4×4: 64→64; then dense 64→10; biases everywhere.
        let tail = (32 * 32 * 25 + 32) + (32 * 64 * 25 + 64) + (64 * 64 * 16 + 64) + (64 * 10 + 10)
        let cifar = try Self.model("cifar_conv.net")
        #expect(cifar.parameterCount == (3 * 32 * 25 + 32) + tail)
        let mnist = try Self.model("cifar_conv_mnist.net")
        #expect(mnist.parameterCount == (1 * 32 * 25 + 32) + tail)
        #expect(mnist.inputShape == [1, 28, 28])
        // 28 → 14 → 7 → 4 through the three pools, and the 4×4 convolution leaves 1×1.
        let convs = mnist.allLayers.filter { $0.op.keyword == "conv" }
        #expect(convs.map(\.outputShape) == [[32, 28, 28], [32, 14, 14], [64, 7, 7], [64, 1, 1]])
    }

    @Test func vggAndResNet() throws {
        let vgg = try Self.model("vgg_bn_mnist.net")
        // 3×3 kernels, no biases: 1→32, 32→32, 32→64, 64→64, 64→128, 128→128; dense 128·3·3 → 10.
        #expect(vgg.parameterCount == 9 * (32 + 32 * 32 + 32 * 64 + 64 * 64 + 64 * 128 + 128 * 128) + 1152 * 10)
        #expect(vgg.allLayers.filter { $0.op.keyword == "batchnorm" }.allSatisfy { $0.parameterCount == 0 })
        let res = try Self.model("resnet_small_mnist.net")
        // Stem 1→16, four 16→16 convs, 16→32 stride 2, four 32→32 convs; batch norms 2·C each;
        // the final batch norm (32) and dense 32 → 10.
        let convs = 9 * (16 + 4 * 16 * 16 + 16 * 32 + 4 * 32 * 32)
        let norms = 2 * (16 + 4 * 16 + 32 + 4 * 32 + 32)
        #expect(res.parameterCount == convs + norms + 32 * 10 + 10)
        let last = try #require(res.layers.last)
        #expect(last.name == "head")
        #expect(res.layers[res.layers.count - 2].op.keyword == "batchnorm")
        #expect(res.layers.filter { if case .residual = $0.op { return true } else { return false } }.count == 4)
    }

    /// The layer-wise conditioning paper's nets (EXPERIMENTS.md, section 7): the norm-swapping
    /// script finds exactly one batch-norm line to swap, and the three ResNet-20 forms differ only
    /// where the paper says they do.
    @Test func layerWiseConditioningNets() throws {
        for name in ["mnist_mlp_bn.net", "mnist_conv_bn.net"] {
            let text = try String(contentsOf: TestPaths.examples.appendingPathComponent(name), encoding: .utf8)
            #expect(text.components(separatedBy: "  batchnorm\n").count == 2, "\(name): one batch-norm line")
        }
        let mlp = try Self.model("mnist_mlp_bn.net")
        #expect(mlp.allLayers.filter(\.op.isLinear).count == 5)
        #expect(mlp.allLayers.filter { $0.op.keyword == "batchnorm" }.count == 4)

        func isResidual(_ layer: Layer) -> Bool { if case .residual = layer.op { return true } else { return false } }
        let original = try Self.model("resnet20_mnist.net")
        let preact = try Self.model("resnet20_preact_mnist.net")
        let fixed = try Self.model("resnet20_bn_mnist.net")
        for m in [original, preact, fixed] {
            #expect(m.allLayers.filter { $0.op.keyword == "conv" }.count == 21, "\(m.name): 21 convolutions")
            #expect(m.allLayers.filter(\.op.isLinear).count == 22)
            #expect(m.layers.filter(isResidual).count == 9)
            #expect(m.layers.last?.name == "head")
        }
        // Stem 1→8; three stages of six c→c convs, joined by 8→16 and 16→32; 21 batch norms of
        // 2·C parameters in both forms; dense 32 → 10.
        let convs = 9 * (8 + 6 * 8 * 8 + 8 * 16 + 6 * 16 * 16 + 16 * 32 + 6 * 32 * 32)
        let norms = 2 * (7 * 8 + 7 * 16 + 7 * 32)
        #expect(original.parameterCount == convs + norms + 32 * 10 + 10)
        #expect(preact.parameterCount == original.parameterCount)
        #expect(fixed.parameterCount == original.parameterCount + 2 * 32)
        // The fix is one batch norm between the pooling and the head; the original has none there.
        #expect(fixed.layers[fixed.layers.count - 2].op.keyword == "batchnorm")
        #expect(original.layers[original.layers.count - 2].op.keyword == "global_avgpool")
        // Post-activation: a ReLU after every residual sum; pre-activation: none.
        let after = { (m: Model) in zip(m.layers, m.layers.dropFirst()).filter { isResidual($0.0) }.map(\.1.op.keyword) }
        #expect(after(original).allSatisfy { $0 == "relu" })
        #expect(!after(preact).contains("relu"))
    }

    @Test func spirals() throws {
        let m = try Self.model("spirals.net")
        #expect(m.parameterCount == (2 * 64 + 64) + (64 * 64 + 64) + (64 * 3 + 3))
        guard case .csv(let path, let label, let header, _)? = m.data?.train else {
            Issue.record("spirals trains from a csv file")
            return
        }
        #expect(path == "data/spirals.csv" && label == 0 && header)
        let csv = TestPaths.examples.appendingPathComponent(path)
        let size = (try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as? Int) ?? 0
        #expect(size > 0 && size <= 200_000)
    }
}
