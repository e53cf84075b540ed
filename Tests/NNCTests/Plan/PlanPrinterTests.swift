import Foundation
import Testing
@testable import NNC

@Suite struct PlanPrinterTests {
    @Test func textListsKernelsWithBuffersAndTotals() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 500)
        let text = PlanPrinter.text(plan)
        #expect(text.contains("layout: activations batch-major, row-major"))
        #expect(text.contains("dense1.forward"))
        #expect(text.contains("fuses dense1.forward, dense1.bias_add, relu1.forward"))
        #expect(text.contains("[500, 784]"))
        #expect(text.contains("MFLOP"))
        #expect(text.contains("FLOPs per epoch       unknown"))
        #expect(text.contains("saved by reuse"))
        for phase in Phase.allCases { #expect(text.contains("\n\(phase.rawValue)\n")) }
    }

    /// Under K-FAC the header names the parameters no curvature block covers (a PReLU's slope);
    /// a norm's scale and shift have their diagonal block, and a plan that covers all says nothing.
    @Test func kfacPlanNamesTheParametersLeftToThePlainRule() throws {
        let text = """
            net p {
              input [6]
              dense 5
              norm1: layernorm
              act: prelu
              dense 3
              loss cross_entropy
            }
            optimizer kfac { lr: 0.1 }
            """
        let plan = try PlanTests.lower(try PlanTests.model(text), batch: 4)
        #expect(PlanPrinter.uncoveredByKFAC(plan) == ["act.slope"])
        #expect(PlanPrinter.text(plan).contains("K-FAC: the plain rule for act.slope (no curvature block)\n"))
        let covered = try PlanTests.lower(try PlanTests.example("mnist_mlp_kfac"), batch: 8)
        #expect(PlanPrinter.uncoveredByKFAC(covered).isEmpty)
        #expect(!PlanPrinter.text(covered).contains("K-FAC: the plain rule"))
    }

    @Test func phaseFilterListsOnlyThatPhase() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        let text = PlanPrinter.text(plan, phases: [.backward])
        #expect(text.contains("\nbackward\n"))
        #expect(!text.contains("\nforward\n") && !text.contains("\nupdate\n"))
        #expect(!text.contains("update.dense1.weight"))
    }

    @Test func epochTotalsWhenTheTrainingSetSizeIsKnown() throws {
        let (plan, _) = Lowering.lower(try PlanTests.example("mnist_mlp"), batch: 500, trainingSetSize: 60_000)
        let p = try #require(plan)
        #expect(p.stepsPerEpoch == 120)
        #expect(p.flopsPerEpoch == 120 * p.flopsPerStep)
        #expect(PlanPrinter.text(p).contains("(60,000 samples, 120 steps)"))
    }

    @Test func unitsAreReadable() {
        #expect(Units.flops(640) == "640 FLOP")
        #expect(Units.flops(12_845_056) == "12.8 MFLOP")
        #expect(Units.bytes(401_408) == "392 KiB")
        #expect(Units.bytes(1536) == "1.50 KiB")
        #expect(Units.grouped(1_234_567) == "1,234,567")
    }

    @Test func jsonIsValidAndComplete() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        let json = PlanJSON.encode(plan)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "nnc-plan")
        #expect(object["version"] as? Int == PlanJSON.version)
        #expect((object["kernels"] as? [Any])?.count == plan.kernels.count)
        #expect((object["buffers"] as? [Any])?.count == plan.buffers.count)
        let arena = try #require(object["arena"] as? [String: Any])
        #expect(arena["slots"] as? Int == plan.arenaSlots)
        let kernel = try #require((object["kernels"] as? [[String: Any]])?.first)
        #expect(kernel["op"] as? String == "gemm")
        #expect((kernel["fuses"] as? [String])?.count == 3)
        // Keys keep their documented order.
        let keys = ["\"format\"", "\"version\"", "\"model\"", "\"mode\"", "\"batch\"", "\"phases\"", "\"layout\"",
                    "\"arena\"", "\"totals\"", "\"optimizer\"", "\"input\"", "\"labels\"", "\"loss\"", "\"logits\"",
                    "\"buffers\"", "\"kernels\"", "\"parameters\"", "\"running_statistics\"", "\"linear_layers\""]
        let positions = keys.map { json.range(of: "\n  \($0)")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    @Test func jsonEscapesStrings() {
        #expect(JSON.quote("a\"b\\c\nd") == "\"a\\\"b\\\\c\\nd\"")
    }
}
