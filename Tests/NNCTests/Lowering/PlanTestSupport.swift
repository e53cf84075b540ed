import Foundation
import Testing
@testable import NNC

/// Shared helpers of the lowering and plan tests: examples, inline models, lowering that fails
/// the test on diagnostics.
enum PlanTests {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldenDirectory = repoRoot.appendingPathComponent("Tests/NNCTests/Fixtures/plans")

    /// Every `examples/*.net`, by file name without extension, sorted.
    static var exampleNames: [String] {
        let dir = repoRoot.appendingPathComponent("examples")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".net") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Examples with more than a handful of layers, where buffer reuse must pay off.
    static let deepExamples = ["mlp10_rmsnorm", "mlp50_modu", "mlp50_relu", "resnet_small", "resnet_small_mnist",
                               "vgg_bn", "vgg_bn_mnist", "cifar_conv", "cifar_conv_mnist",
                               "resnet20_mnist", "resnet20_preact_mnist", "resnet20_bn_mnist"]

    static func example(_ name: String) throws -> Model {
        let url = repoRoot.appendingPathComponent("examples/\(name).net")
        let data = try #require(FileManager.default.contents(atPath: url.path), "cannot read \(url.path)")
        return try check(SourceFile(path: url.path, bytes: [UInt8](data)))
    }

    /// A model from inline `.net` text.
    static func model(_ text: String) throws -> Model {
        try check(SourceFile(path: "inline.net", text: text))
    }

    private static func check(_ file: SourceFile) throws -> Model {
        let (model, diagnostics) = Frontend.check(file)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        return try #require(model)
    }

    static func lower(_ model: Model, batch: Int? = nil, mode: Plan.Mode = .train,
                      keepLayerBuffers: Bool = false) throws -> Plan {
        let (plan, diagnostics) = Lowering.lower(model, batch: batch ?? model.training.batch, mode: mode,
                                                 keepLayerBuffers: keepLayerBuffers)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(plan)
    }

    /// An MLP with one residual block whose body ends in a dense layer.
    static let residualMLP = """
        net res {
          input [20]
          dense 16
          relu
          residual {
            dense 16
            relu
            dense 16
          }
          relu
          dense 3
          loss cross_entropy
        }
        optimizer adam { lr: 0.001 }
        train { batch: 8 }
        """

    static func kernel(_ plan: Plan, _ name: String) throws -> Kernel {
        try #require(plan.kernels.first { $0.name == name }, "no kernel \(name) in \(plan.kernels.map(\.name))")
    }
}
