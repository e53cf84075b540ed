import Testing
@testable import NNC

@Suite struct ModelCheckerTests {
    @Test func aNetAloneGetsDefaults() throws {
        let m = try #require(SemanticSupport.model("net n { input [4]; dense 3; loss cross_entropy }"))
        #expect(m.optimizer == OptimizerSpec.defaults(for: .sgd))
        #expect(m.training == TrainingSpec())
        #expect(m.data == nil)
        #expect(m.layers[0].op == .dense(units: 3, bias: true, initializer: .glorotUniform))
    }

    @Test func optionsAndDefaults() throws {
        let text = """
            net n {
              input [3, 8, 8]
              conv 4, kernel: [3, 1], stride: 2, padding: same, bias: false, init: he_uniform
              batchnorm affine: false, momentum: 0.2
              leaky_relu
              prelu 0.1
              maxpool 2
              dropout
              layernorm
              flatten
              loss mse
            }
            optimizer adam { lr: 0.01, beta2: 0.99, weight_decay: 1e-4 }
            train { batch: 64, epochs: 3, seed: 5, schedule: step, checkpoint: "ck.safetensors", lr_search: true }
            """
        let m = try #require(SemanticSupport.model(text))
        #expect(m.layers[0].op == .conv(filters: 4, kernel: Size2(3, 1), stride: Size2(square: 2),
                                        padding: Size2(1, 0), bias: false, initializer: .heUniform))
        #expect(m.layers[0].outputShape == [4, 4, 4])
        #expect(m.layers[1].op == .batchNorm(affine: false, momentum: 0.2, epsilon: 1e-5))
        #expect(m.layers[2].op == .activation(.leakyRelu(slope: 0.01)))
        #expect(m.layers[3].op == .activation(.prelu(initialSlope: 0.1)))
        #expect(m.layers[4].op == .maxPool(size: Size2(square: 2), stride: Size2(square: 2), padding: Size2(square: 0)))
        #expect(m.layers[5].op == .dropout(rate: 0.5))
        #expect(m.loss == .meanSquaredError)
        #expect(m.optimizer.method == .adam && m.optimizer.learningRate == 0.01 && m.optimizer.beta2 == 0.99)
        #expect(m.optimizer.beta1 == 0.9 && m.optimizer.epsilon == 1e-8 && m.optimizer.weightDecay == 1e-4)
        #expect(m.training.batch == 64 && m.training.epochs == 3 && m.training.seed == 5)
        #expect(m.training.schedule == .step(every: 10, factor: 0.1))
        #expect(m.training.checkpoint == "ck.safetensors" && m.training.lrSearch == LRSearch())
    }

    @Test func sgd2AndOverrides() throws {
        let text = """
            net n { input [4]; hidden: dense 8; relu; dense 2; loss cross_entropy }
            optimizer sgd2 {
              chunk: 128, samples: 250, every: 10, noise: noise(eta: 0.3), base: adam, bias: false
              layer hidden { lr_scale: 0.1, weight_decay: 0 }
            }
            data { train: csv("a.csv", label: -1), validation: split(0.2), center: mean, scale: 1/255 }
            """
        let m = try #require(SemanticSupport.model(text))
        let o = try #require(m.optimizer.sgd2)
        #expect(o.chunk == 128 && o.samples == 250 && o.every == 10 && o.lambda == 1 && !o.correctBias)
        #expect(o.noise == SGD2Options.Noise(eta: 0.3, gamma: 0.55) && o.base == .adam)
        #expect(m.optimizer.momentum == 0.9)
        #expect(m.optimizer.overrides.map(\.layer) == ["hidden"])
        #expect(m.optimizer.overrides[0].learningRateScale == 0.1 && m.optimizer.overrides[0].weightDecay == 0)
        #expect(m.data?.validation == .split(fraction: 0.2) && m.data?.center == true)
        #expect(m.data?.scale == 1.0 / 255)
        if case .csv(_, let label, let header, _)? = m.data?.train { #expect(label == -1 && header) }
        else { Issue.record("csv source expected") }
    }

    @Test func namesAreLabelsOrKeywordAndIndex() throws {
        let m = try #require(SemanticSupport.model(
            "net n { input [4]; dense 4; relu; r: residual { dense 4; relu }; out: dense 2; loss mse }"))
        #expect(m.allLayers.map(\.name) == ["dense1", "relu1", "r", "dense2", "relu2", "out"])
        #expect(m.layers.count == 4)
    }

    @Test func everyIndependentErrorIsReported() {
        let d = SemanticSupport.messages("net n { input [4]; desne 4; dense 0; dropout 2; loss mse }\noptimizer sgd { lr: 0 }")
        #expect(d.count == 4, "\(d)")
    }

    @Test func dataAgreement() throws {
        let m = try #require(SemanticSupport.model(
            "net n { input [784]; dense 10; loss cross_entropy }\ndata { train: idx(\"a\", \"b\") }"))
        #expect(ModelChecker.checkAgainstData(m, classes: 10, features: 784).isEmpty)
        let wrongClasses = ModelChecker.checkAgainstData(m, classes: 5, features: 784)
        #expect(wrongClasses.map(\.description) == ["2:15: error: the data has 5 classes but the net ends with 10 outputs ('dense1')"])
        #expect(wrongClasses.first?.notes.first?.message == "'dense1' is the last layer")
        let wrongFeatures = ModelChecker.checkAgainstData(m, classes: 10, sampleCount: 3072)
        #expect(wrongFeatures.map(\.message) == ["the data has 3072 values per sample but the input [784] takes 784"])
        #expect(ModelChecker.checkAgainstData(m, classes: 0, features: 784).isEmpty)
        // A dense net takes images of any shape with its count (flattened).
        #expect(ModelChecker.checkAgainstData(m, classes: 10, features: 784, sampleShape: [1, 1, 784]).isEmpty)
    }

    /// A conv net's input is an image: data of the same count in another geometry ([N, 1, 784]
    /// for `input [1, 28, 28]`) is an error, where only the counts used to be compared.
    @Test func imageDataMustHaveTheInputsShape() throws {
        let m = try #require(SemanticSupport.model(
            "net n { input [1, 28, 28]; conv 4, kernel: 3; flatten; dense 10; loss cross_entropy }\ndata { train: idx(\"a\", \"b\") }"))
        #expect(ModelChecker.checkAgainstData(m, classes: 10, features: 784, sampleShape: [1, 28, 28]).isEmpty)
        let wrong = ModelChecker.checkAgainstData(m, classes: 10, features: 784, sampleShape: [1, 1, 784])
        #expect(wrong.map(\.message) == ["the data's samples are images of shape [1, 1, 784] but the input is [1, 28, 28]"])
        #expect(ModelChecker.checkAgainstData(m, classes: 10, features: 784, sampleShape: [784]).isEmpty,
                "a table's rows carry no geometry to compare")
    }

    @Test func summaryTable() throws {
        let m = try #require(SemanticSupport.model("net tiny { input [4]; dense 3; relu; loss cross_entropy }"))
        let s = ModelSummary(m)
        #expect(s.rows.map(\.name) == ["dense1", "relu1"] && s.totalParameters == 15)
        #expect(s.text == """
            net tiny
            layer   op             output  params
            input                  [4]
            dense1  dense 3        [3]         15
            relu1   relu           [3]          0
            loss    cross_entropy
            -------------------------------------
            total   2 layers                   15

            """)
        #expect(ModelSummary.grouped(1234567) == "1,234,567" && ModelSummary.grouped(12) == "12")
    }
}
