import Testing
@testable import NNC

@Suite struct LoweringTests {
    @Test(arguments: PlanTests.exampleNames)
    func everyExampleLowersAndVerifiesAtSeveralBatchSizes(_ name: String) throws {
        let model = try PlanTests.example(name)
        for batch in [1, 7, 64, model.training.batch] {
            for mode in [Plan.Mode.train, .eval] {
                let plan = try PlanTests.lower(model, batch: batch, mode: mode)
                #expect(plan.verify() == [], "\(name) batch \(batch) \(mode)")
                #expect(plan.batch == batch)
                #expect(plan.buffer(plan.input).shape == [batch] + model.inputShape.dims)
            }
        }
    }

    @Test(arguments: PlanTests.deepExamples)
    func arenaIsSmallerThanTheSumOfBuffersOnDeepExamples(_ name: String) throws {
        guard PlanTests.exampleNames.contains(name) else { return }
        let plan = try PlanTests.lower(try PlanTests.example(name))
        #expect(plan.arenaSlots < plan.naiveSlots, "\(name): arena \(plan.arenaSlots) naive \(plan.naiveSlots)")
    }

    @Test(arguments: PlanTests.exampleNames)
    func everyLinearLayerHasItsInputAndResidual(_ name: String) throws {
        let model = try PlanTests.example(name)
        let linear = model.allLayers.filter { $0.op.isLinear }
        let train = try PlanTests.lower(model, batch: 16)
        #expect(train.linearLayers.map(\.name) == linear.map(\.name))
        for (entry, layer) in zip(train.linearLayers, linear) {
            let r = try #require(entry.r, "\(entry.name) has no R")
            // A flatten before a dense layer is a view: X keeps the shape it was written with.
            #expect(train.buffer(entry.x).count == 16 * layer.inputShape.count)
            #expect(train.buffer(r).shape == [16] + layer.outputShape.dims)
            #expect(train.buffer(r).role == .activationGradient)
            #expect(entry.weightGrad != nil)
            #expect((entry.bias == nil) == (entry.biasGrad == nil))
        }
        let eval = try PlanTests.lower(model, batch: 16, mode: .eval)
        #expect(eval.linearLayers.count == linear.count)
        #expect(eval.linearLayers.allSatisfy { $0.r == nil && $0.weightGrad == nil })
    }

    @Test func keepingLayerBuffersKeepsXAndRLiveToTheEnd() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mlp50_relu"), batch: 32, keepLayerBuffers: true)
        #expect(plan.verify() == [])
        let last = plan.kernels.count - 1
        for l in plan.linearLayers {
            // The input batch is the one X not kept (Lowering.lower: its memory may be reused;
            // the analyzer reads it right after the first layer instead).
            if l.x != plan.input { #expect(plan.buffer(l.x).lastUse == last) }
            #expect(plan.buffer(try #require(l.r)).lastUse == last)
        }
        #expect(plan.linearLayers.filter { $0.x != plan.input }.count == plan.linearLayers.count - 1)
    }

    @Test func batchZeroAndNegativeAreRejected() throws {
        let model = try PlanTests.example("mnist_mlp")
        for batch in [0, -3] {
            let (plan, diagnostics) = Lowering.lower(model, batch: batch)
            #expect(plan == nil)
            #expect(diagnostics.map(\.message) == ["batch must be a positive integer, got \(batch)"])
        }
        let (plan, diagnostics) = Lowering.lower(model, batch: 8, trainingSetSize: 0)
        #expect(plan == nil && diagnostics.hasErrors)
    }

    @Test func everyParameterGetsAGradientAndExactlyOneUpdate() throws {
        for name in ["mnist_mlp", "vgg_bn_mnist", "resnet_small_mnist"] where PlanTests.exampleNames.contains(name) {
            let model = try PlanTests.example(name)
            let plan = try PlanTests.lower(model, batch: 4)
            #expect(plan.parameters.count == model.allLayers.reduce(0) { $0 + $1.parameters.count })
            #expect(plan.parameterCount == model.parameterCount)
            for p in plan.parameters {
                let grad = try #require(p.gradient)
                #expect(plan.buffer(grad).shape == plan.buffer(p.buffer).shape)
                let updates = plan.kernels.filter { k in
                    k.phase == .update && k.name.hasPrefix("update.") && k.outputs.contains(p.buffer)
                }
                #expect(updates.count == 1, "\(p.layer).\(p.name)")
            }
        }
    }

    @Test func theFirstLayerComputesNoGradientForTheInputBatch() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        #expect(!plan.kernels.contains { $0.name == "dense1.backward_data" })
        #expect(plan.kernels.contains { $0.name == "dense2.backward_data" })
    }

    @Test func phasesComeInOrder() throws {
        let plan = try PlanTests.lower(try PlanTests.example("vgg_bn_mnist"), batch: 8)
        let phases = plan.kernels.map(\.phase)
        #expect(phases == phases.sorted { Phase.allCases.firstIndex(of: $0)! < Phase.allCases.firstIndex(of: $1)! })
        #expect(Set(phases) == Set(Phase.allCases))
    }

    @Test func evalPlanIsForwardOnlyAndSharesTheParameterLayout() throws {
        let model = try PlanTests.example("vgg_bn_mnist")
        let train = try PlanTests.lower(model, batch: 8)
        let eval = try PlanTests.lower(model, batch: 32, mode: .eval)
        #expect(eval.kernels.allSatisfy { $0.phase == .forward })
        for k in eval.kernels {
            switch k.op {
            case .batchNorm(let p): #expect(!p.training)
            case .dropout: Issue.record("dropout runs in an eval plan")
            case .loss(let p): #expect(p.gradient == nil)
            default: break
            }
        }
        #expect(eval.sharedPrefixSlots == train.sharedPrefixSlots)
        for (a, b) in zip(train.parameters + train.runningStatistics, eval.parameters + eval.runningStatistics) {
            #expect(a.name == b.name && a.layer == b.layer)
            #expect(train.buffer(a.buffer).offset == eval.buffer(b.buffer).offset)
        }
    }

    @Test func optimizerStateFollowsTheMethod() throws {
        let text = PlanTests.residualMLP
        let plan = try PlanTests.lower(try PlanTests.model(text))
        let adam = plan.kernels.filter { if case .adamUpdate = $0.op { return true }; return false }
        #expect(adam.count == plan.parameters.count)
        #expect(plan.buffers.contains { $0.name == "adam.m.dense1.weight" && $0.role == .optimizerState })
        #expect(plan.buffers.contains { $0.name == "adam.v.dense1.weight" })
    }

    @Test func sgd2PreconditionsEveryLinearLayerWithItsInput() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 50)
        for l in plan.linearLayers {
            let k = try PlanTests.kernel(plan, "\(l.name).sgd2_precondition")
            guard case .sgd2Precondition(let p) = k.op else { Issue.record("not a precondition"); continue }
            #expect(p.x == l.x && p.weightGrad == l.weightGrad && p.biasGrad == l.biasGrad)
            #expect(p.columns == 50)
            // X stays live until its correction has read it.
            #expect(plan.buffer(l.x).lastUse >= k.index)
            let update = try PlanTests.kernel(plan, "update.\(l.name).weight")
            #expect(update.index > k.index)
        }
    }

    /// The defaults by layer kind: a dense layer chunk 128, every 10, A from 250 random columns
    /// (all of a smaller batch); a convolution chunk 500, every 1, A from every k-th column up
    /// to 10 000, as LightNet's.
    @Test func sgd2DefaultSampling() throws {
        for (batch, sampled) in [(500, 250), (50, 50)] {
            let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: batch)
            let k = try PlanTests.kernel(plan, "dense1.sgd2_precondition")
            guard case .sgd2Precondition(let p) = k.op else { Issue.record("not a precondition"); continue }
            #expect(p.sampledColumns == sampled && p.randomColumns == (sampled < batch), "batch \(batch)")
            #expect(p.chunk == 128 && p.every == 10)
        }
        let conv = """
            net c {
              input [4, 28, 28]
              conv 8, kernel: 3, padding: 1
              relu
              flatten
              dense 10
              loss cross_entropy
            }
            optimizer sgd2 { }
            """
        // 28·28·64 = 50 176 columns: k = ⌈50 176 / 10⁴⌉ = 6, every 6th column.
        let plan = try PlanTests.lower(try PlanTests.model(conv), batch: 64)
        guard case .sgd2Precondition(let p) = try PlanTests.kernel(plan, "conv1.sgd2_precondition").op else {
            Issue.record("not a precondition"); return
        }
        #expect(p.columns == 50_176 && p.sampledColumns == 8_363 && !p.randomColumns)
        #expect(p.chunk == 5 && p.every == 1)   // 4 channels and the bias row, under the chunk of 500
        // An option in the block applies to both kinds.
        let set = try PlanTests.lower(try PlanTests.model(conv.replacingOccurrences(of: "sgd2 { }", with: "sgd2 { every: 4, chunk: 3 }")), batch: 64)
        for name in ["conv1", "dense1"] {
            guard case .sgd2Precondition(let q) = try PlanTests.kernel(set, "\(name).sgd2_precondition").op else {
                Issue.record("not a precondition"); continue
            }
            #expect(q.every == 4 && q.chunk == 3, "\(name)")
        }
    }

    /// `large_layers: plain` (LightNet's max_inv_size): the MNIST MLP's first layer, 784 inputs and
    /// the bias row, exceeds chunk 500 and keeps its plain gradient; the 129-input layers are
    /// corrected in one block. Under the default it is solved in blocks of 500.
    @Test func sgd2LeavesLargeLayersPlainWhenAsked() throws {
        let text = try String(contentsOf: TestPaths.examples.appendingPathComponent("mlp10_modu.net"), encoding: .utf8)
        let plain = try PlanTests.lower(try PlanTests.model(text.replacingOccurrences(
            of: "chunk: 500, samples: 500, every: 1", with: "chunk: 500, samples: 500, every: 1, large_layers: plain")), batch: 500)
        let chunked = try PlanTests.lower(try PlanTests.model(text), batch: 500)
        func corrected(_ plan: Plan) -> [String] {
            plan.kernels.compactMap { if case .sgd2Precondition(let p) = $0.op { return p.layer }; return nil }
        }
        #expect(corrected(chunked).count == 10 && corrected(chunked).first == "dense1")
        #expect(corrected(plain) == Array(corrected(chunked).dropFirst()))
        // The uncorrected layer still gets its update, from its plain gradient.
        let update = try PlanTests.kernel(plain, "update.dense1.weight")
        guard case .sgdUpdate(let u) = update.op else { Issue.record("not an SGD update"); return }
        #expect(u.gradient == plain.linearLayers.first { $0.name == "dense1" }?.weightGrad)
    }

    /// `momentum_form: averaged` reaches every SGD update's payload and is named in the plan.
    @Test func averagedMomentumFormInThePlan() throws {
        let text = PlanTests.residualMLP.replacingOccurrences(of: "optimizer adam { lr: 0.001 }",
                                                               with: "optimizer sgd2 { momentum_form: averaged }")
        let plan = try PlanTests.lower(try PlanTests.model(text))
        let updates = plan.kernels.compactMap { k -> ParameterUpdate? in
            if case .sgdUpdate(let u) = k.op { return u }; return nil
        }
        #expect(!updates.isEmpty && updates.allSatisfy { $0.hyperparameters.momentumForm == .averaged })
        #expect(PlanPrinter.text(plan).contains("momentum=averaged"))
    }

    @Test func scaleAmendedSGDRescalesFromTheOutputBack() throws {
        let text = PlanTests.residualMLP.replacingOccurrences(of: "optimizer adam { lr: 0.001 }",
                                                               with: "optimizer sa_sgd { lr: 0.1, weight_decay: 0.001 }")
        let plan = try PlanTests.lower(try PlanTests.model(text))
        let amend = try PlanTests.kernel(plan, "optimizer.scale_amend")
        guard case .scaleAmend(let p) = amend.op else { Issue.record("not scale_amend"); return }
        #expect(p.blocks.map(\.layer) == plan.linearLayers.map(\.name).reversed())
        #expect(p.blocks.allSatisfy { $0.weightDecay == 0.001 })
        // The decay was added by the scale op, so the updates must not add it again.
        for k in plan.kernels where k.phase == .update {
            if case .sgdUpdate(let u) = k.op { #expect(u.weightDecay == 0, "\(u.name)") }
        }
    }
}
