import Testing
@testable import NNC

@Suite struct FusionTests {
    @Test func denseBiasAndReluAreOneKernel() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 32)
        let k = try PlanTests.kernel(plan, "dense1.forward")
        guard case .gemm(let g) = k.op else { Issue.record("dense1.forward is \(k.op.kind)"); return }
        #expect(g.epilogue.map(\.label) == ["+bias", "relu"])
        #expect(k.fuses == ["dense1.forward", "dense1.bias_add", "relu1.forward"])
        #expect(plan.buffer(g.c).name == "relu1.out")
        // Nothing element-wise is left standing in this plan.
        #expect(!plan.kernels.contains { k in
            switch k.op {
            case .biasAdd, .activation, .activationBackward, .add: return true
            default: return false
            }
        })
        #expect(plan.bytesSavedByFusion > 0)
    }

    @Test func softmaxCrossEntropyAndItsGradientAreOneKernel() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 32)
        let losses = plan.kernels.filter { if case .loss = $0.op { return true }; return false }
        #expect(losses.count == 1)
        guard case .loss(let p) = losses[0].op else { return }
        #expect(p.kind == .crossEntropy)
        let gradient = try #require(p.gradient)
        #expect(plan.buffer(gradient).shape == [32, 10])
        #expect(!plan.kernels.contains { if case .lossBackward = $0.op { return true }; return false })
    }

    @Test func activationMaskIsAppliedByTheBackwardGEMMThatProducesTheGradient() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 32)
        let k = try PlanTests.kernel(plan, "head.backward_data")
        guard case .gemm(let g) = k.op else { Issue.record("not a gemm"); return }
        guard case .mask(.relu, let saved, true)? = g.epilogue.last else {
            Issue.record("epilogue \(g.epilogue)"); return
        }
        #expect(plan.buffer(saved).name == "relu2.out")
        // Its output is dense2's residual R, read by dense2's weight gradient.
        let dense2 = try #require(plan.linearLayers.first { $0.name == "dense2" })
        #expect(g.c == dense2.r)
    }

    @Test(arguments: PlanTests.exampleNames)
    func everyActivationMaskRidesOnAGEMMOrConvolutionWhenOneProducesTheGradient(_ name: String) throws {
        let plan = try PlanTests.lower(try PlanTests.example(name), batch: 4)
        let standalone = plan.kernels.filter { if case .activationBackward = $0.op { return true }; return false }
        for k in standalone {
            guard case .activationBackward(let p) = k.op else { continue }
            let producer = try #require(plan.kernels.first { $0.outputs.contains(p.dy) })
            switch producer.op {
            case .gemm, .conv2dBackwardData: Issue.record("\(k.name) could ride on \(producer.name)")
            default: break
            }
        }
        // Each activation layer (all follow a layer with parameters) leaves exactly one mask.
        let masks = plan.kernels.flatMap(\.op.epilogue).filter { if case .mask = $0 { return true }; return false }
        let activations = try PlanTests.example(name).allLayers.filter {
            if case .activation(let a) = $0.op, ActivationFunction(a) != nil { return true }
            return false
        }
        #expect(masks.count + standalone.count == activations.count)
    }

    @Test func residualAddRidesOnTheEpilogueOfTheLayerBeforeIt() throws {
        let plan = try PlanTests.lower(try PlanTests.model(PlanTests.residualMLP))
        #expect(plan.verify() == [])
        let forwardAdds = plan.kernels.filter { k in
            if case .add = k.op { return k.phase == .forward }
            return false
        }
        #expect(forwardAdds.isEmpty, "\(forwardAdds.map(\.name))")
        let bodyEnd = try #require(plan.kernels.first { $0.phase == .forward && $0.fuses.contains { $0.hasSuffix(".add") } })
        guard case .gemm(let g) = bodyEnd.op else { Issue.record("not a gemm"); return }
        #expect(g.epilogue.contains { if case .add = $0 { return true }; return false })
        // In the backward pass the skip's gradient is summed into the body's backward-data GEMM,
        // then the mask of the relu before the block is applied: no standalone add either.
        #expect(!plan.kernels.contains { if case .add = $0.op { return true }; return false })
        let summed = plan.kernels.filter { k in
            guard case .gemm(let g) = k.op, k.phase == .backward else { return false }
            return g.epilogue.contains { if case .add = $0 { return true }; return false }
        }
        #expect(summed.count == 1)
    }

    @Test func modulusKeepsItsInputForTheBackwardPassButFusesInEval() throws {
        let text = """
            net m {
              input [12]
              dense 8
              modu
              dense 2
              loss cross_entropy
            }
            optimizer sgd { lr: 0.1 }
            train { batch: 4 }
            """
        let model = try PlanTests.model(text)
        let train = try PlanTests.lower(model)
        #expect(train.kernels.contains { if case .activation(let p) = $0.op { return p.function == .modulus }; return false })
        let eval = try PlanTests.lower(model, mode: .eval)
        let k = try PlanTests.kernel(eval, "dense1.forward")
        #expect(k.op.epilogue.map(\.label) == ["+bias", "modu"])
    }

    @Test func normAndActivationShareAKernel() throws {
        guard PlanTests.exampleNames.contains("vgg_bn_mnist") else { return }
        let plan = try PlanTests.lower(try PlanTests.example("vgg_bn_mnist"), batch: 8)
        let norms = plan.kernels.filter { if case .batchNorm = $0.op { return true }; return false }
        #expect(!norms.isEmpty)
        let withActivation = norms.filter { if case .batchNorm(let p) = $0.op { return p.epilogue.contains(.activation(.relu)) }; return false }
        #expect(!withActivation.isEmpty)
        for k in withActivation { #expect(k.fuses.count == 2) }
    }

    @Test func residualAddAfterANormRidesOnTheNorm() throws {
        guard PlanTests.exampleNames.contains("resnet_small_mnist") else { return }
        let plan = try PlanTests.lower(try PlanTests.example("resnet_small_mnist"), batch: 8)
        #expect(!plan.kernels.contains { if case .add = $0.op { return true }; return false })
        let blockEnds = plan.kernels.filter { k in
            guard case .batchNorm(let p) = k.op else { return false }
            return p.epilogue.map(\.label) == ["+add", "relu"]
        }
        #expect(blockEnds.count == 4)
    }

    @Test func oneUpdateKernelPerParameter() throws {
        let plan = try PlanTests.lower(try PlanTests.model(PlanTests.residualMLP))
        let updates = plan.kernels.filter { $0.phase == .update }
        #expect(updates.count == plan.parameters.count)
        for (u, p) in zip(updates, plan.parameters) {
            guard case .adamUpdate(let a) = u.op else { Issue.record("\(u.op.kind)"); continue }
            #expect(a.parameter == p.buffer && a.gradient == p.gradient && a.state.count == 2)
        }
    }
}
