import Foundation
import Testing
import NNCKernels
@testable import NNC

/// `--analyze` against direct computations on tiny nets: RMS values and activation statistics
/// from the buffers themselves, spectra from plain sums and the Jacobi reference, σ_max and the
/// operator-norm bound from weights and norm statistics chosen by hand.
@Suite struct LayerAnalyzerTests {
    static let tinyNet = """
        net tiny {
          input [4]
          rmsnorm
          dense 3
          relu
          dense 2
          loss cross_entropy
        }
        optimizer sgd { lr: 0.1 }
        train { batch: 8 }
        """

    static func session(_ text: String, batch: Int) throws -> Session {
        let (model, diagnostics) = Frontend.check(SourceFile(path: "inline.net", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let s = try Session(model: try #require(model), batch: batch, evalBatch: batch, threads: 1, keepLayerBuffers: true)
        s.initialize(seed: 3)
        return s
    }

    static func rms(_ x: [Float]) -> Double {
        (x.reduce(0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }

    /// Eigenvalues of Σ_s v_s v_sᵀ · scale / N for the rows v_s (features long) of `rows`, by
    /// plain sums and the Jacobi reference.
    static func referenceSpectrum(_ rows: [[Float]], scale: Double) -> Spectrum? {
        let f = rows.first?.count ?? 0
        var m = [Double](repeating: 0, count: f * f)
        for r in rows {
            for i in 0..<f { for j in 0..<f { m[i * f + j] += Double(r[i]) * Double(r[j]) * scale / Double(rows.count) } }
        }
        var values = [Double](repeating: 0, count: f)
        m.withUnsafeMutableBufferPointer { mp in
            _ = values.withUnsafeMutableBufferPointer { symmetricEigenvaluesJacobi(mp.baseAddress!, n: f, lda: f, eigenvalues: $0.baseAddress!) }
        }
        return Spectrum(eigenvalues: values)
    }

    // Double sums of Float buffers, against Double sums of the same values in another order.
    static let sums = Tolerance(name: "Double sums", relative: 1e-9, absolute: 1e-12)
    // Spectra by syrk + QL against plain sums + Jacobi.
    static let spectra = Tolerance(name: "spectra", relative: 1e-8, absolute: 1e-14)

    /// `optimizer kfac`: each layer's record carries the spectra of K-FAC's averaged factors, as
    /// the Jacobi reference gives them from the session's own factor tensors, and the λ in use.
    @Test func kfacFactorsAreAnalysed() throws {
        let text = Self.tinyNet.replacingOccurrences(of: "optimizer sgd { lr: 0.1 }",
                                                     with: "optimizer kfac { lr: 0.1, damping: 0.02, factor_every: 1 }")
        let s = try Self.session(text, batch: 8)
        let analyzer = LayerAnalyzer(session: s)
        for step in 1...2 {
            let (input, labels) = RuntimeTests.batch(s, seed: UInt64(step))
            _ = try analyzer.observe(recording: step == 2) { try s.trainStep(input: input, labels: labels, lr: 0.1, step: step) }
        }
        let record = analyzer.record(epoch: 1, step: 2)
        for (i, (layer, n, m)) in [("dense1", 5, 3), ("dense2", 4, 2)].enumerated() {
            func spectrum(_ name: String, _ size: Int) throws -> Spectrum? {
                var f = try RuntimeTests.read(s, name).map(Double.init)
                var values = [Double](repeating: 0, count: size)
                f.withUnsafeMutableBufferPointer { fp in
                    _ = values.withUnsafeMutableBufferPointer {
                        symmetricEigenvaluesJacobi(fp.baseAddress!, n: size, lda: size, eigenvalues: $0.baseAddress!)
                    }
                }
                return Spectrum(eigenvalues: values)
            }
            let a = try #require(try spectrum("kfac.a.\(layer)", n)), g = try #require(try spectrum("kfac.g.\(layer)", m))
            let got = record.layers[i]
            expectClose([try #require(got.kfacA?.condition), try #require(got.kfacG?.condition)], [a.condition, g.condition],
                        Tolerance(name: "QL vs Jacobi on a Float factor", relative: 1e-6, absolute: 0), "\(layer) factors")
            #expect(got.kfacDamping.map { abs($0 - 0.02) < 1e-8 } == true)
            #expect(got.fields.contains { $0.0 == "kfac_g_general_condition" })
        }
    }

    @Test func rmsActivationsAndSpectraMatchDirectComputation() throws {
        let s = try Self.session(Self.tinyNet, batch: 8)
        let analyzer = LayerAnalyzer(session: s)
        var residual = [0.0, 0.0], gradient = [0.0, 0.0]
        for step in 1...3 {
            let (input, labels) = RuntimeTests.batch(s, seed: UInt64(step))
            _ = try analyzer.observe(recording: step == 3) {
                try s.trainStep(input: input, labels: labels, lr: 0.1, step: step)
            }
            for (i, layer) in ["dense1", "dense2"].enumerated() {
                // Plain SGD leaves the gradient buffer as backward wrote it.
                residual[i] += Self.rms(try #require(s.layerBatch(layer)).r) / 3
                gradient[i] += Self.rms(try #require(s.gradient(of: "\(layer).weight"))) / 3
            }
        }
        let record = analyzer.record(epoch: 1, step: 3)
        #expect(record.steps == 3 && record.layers.map(\.name) == ["dense1", "dense2"])
        for i in 0..<2 {
            let l = record.layers[i]
            expectClose([try #require(l.residualRMS), try #require(l.gradientRMS)], [residual[i], gradient[i]],
                        Self.sums, "\(l.name) RMS")
        }

        // Activation statistics of the last step: relu1's output (dense2's kept X) and the logits.
        let relu = try RuntimeTests.read(s, "relu1.out"), logits = try RuntimeTests.read(s, "dense2.out")
        for (layer, values, dead) in [(record.layers[0], relu, true), (record.layers[1], logits, false)] {
            let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
            let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
            expectClose([try #require(layer.activationMean), try #require(layer.activationStd)],
                        [mean, variance.squareRoot()], Self.sums, "\(layer.name) activation")
            if dead {
                let units = (0..<3).filter { u in (0..<8).allSatisfy { relu[$0 * 3 + u] <= 0 } }.count
                #expect(layer.deadFraction == Double(units) / 3)
                #expect(layer.saturatedFraction == nil, "a ReLU has no saturated region")
            } else {
                #expect(layer.deadFraction == nil && layer.saturatedFraction == nil)
            }
        }

        // A = E[x xᵀ] from X, S = B²·E[r rᵀ] from R (per-sample gradients of a mean loss).
        for (i, layer) in ["dense1", "dense2"].enumerated() {
            let (x, r) = try #require(s.layerBatch(layer))
            let nIn = x.count / 8, nOut = r.count / 8
            let a = try #require(Self.referenceSpectrum((0..<8).map { Array(x[($0 * nIn)..<(($0 + 1) * nIn)]) }, scale: 1))
            let sr = try #require(Self.referenceSpectrum((0..<8).map { Array(r[($0 * nOut)..<(($0 + 1) * nOut)]) }, scale: 64))
            let got = record.layers[i]
            let input = try #require(got.input), output = try #require(got.output)
            expectClose([input.eigMax, input.eigMin, input.condition, input.generalCondition],
                        [a.eigMax, a.eigMin, a.condition, a.generalCondition], Self.spectra, "\(layer) A")
            expectClose([output.eigMax, output.eigMin, output.condition], [sr.eigMax, sr.eigMin, sr.condition],
                        Self.spectra, "\(layer) S")
            #expect(input.rank == a.rank && output.rank == sr.rank)
            expectClose([try #require(got.productCondition)], [a.condition * sr.condition], Self.spectra, "\(layer) A ⊗ S")
        }
        // A cross-entropy residual sums to zero over the classes: S of the logits has rank 1, not 2.
        #expect(record.layers[1].output?.rank == 1)
    }

    @Test func sigmaMaxAndBoundAgainstAHandProduct() throws {
        let s = try Self.session("""
            net chain {
              input [3]
              rmsnorm
              dense 3
              relu
              rmsnorm
              dense 2
              loss cross_entropy
            }
            optimizer sgd { lr: 0.1 }
            train { batch: 4 }
            """, batch: 4)
        // W1 = diag(4, 2, 0.5)·Q with Q a rotation about z: σ_max = 4. W2 has σ_max = 3.
        let (c, n) = (0.6, 0.8)
        let q: [[Double]] = [[c, -n, 0], [n, c, 0], [0, 0, 1]]
        let w1 = [4.0, 2, 0.5].enumerated().flatMap { i, sv in q[i].map { Float(sv * $0) } }
        let w2: [Float] = [0, 3, 0, 0, 0, -1.5]
        try s.write("dense1.weight", w1)
        try s.write("dense2.weight", w2)
        // Norm 1 never updated (no correction): ε = 0.01·4 + 1e-6, min √(d + ε) at d = 0.25.
        try s.write("rmsnorm1.d", [0.25, 1, 4])
        try s.write("rmsnorm1.steps", [0])
        // Norm 2 after two updates: d̂ = d / (1 − 0.1²).
        try s.write("rmsnorm2.d", [1, 2, 0.5])
        try s.write("rmsnorm2.steps", [2])
        let record = LayerAnalyzer(session: s).record(epoch: 0, step: 0)

        let min1 = (0.25 + 0.01 * 4 + 1e-6).squareRoot()
        let min2 = (0.5 / 0.99 + 0.01 * 2 / 0.99 + 1e-6).squareRoot()
        let tolerance = Tolerance(name: "power iteration and Float weights", relative: 1e-6, absolute: 0)
        let (l1, l2) = (record.layers[0], record.layers[1])
        expectClose([try #require(l1.sigmaMax), try #require(l2.sigmaMax)], [4, 3], tolerance, "σ_max")
        expectClose([try #require(l1.normMinFactor), try #require(l2.normMinFactor)], [min1, min2], tolerance, "norm factors")
        expectClose([try #require(record.operatorNormBound)], [4 * 3 / (min1 * min2)], tolerance, "bound")
        // The kernel's own factors agree: its largest gain is 1 / min √(d̂ + ε).
        var scale = [Float](repeating: 0, count: 3)
        let d2: [Float] = [1, 2, 0.5]
        d2.withUnsafeBufferPointer { d in
            scale.withUnsafeMutableBufferPointer { rmsNormFactors(runningD: d.baseAddress!, channels: 3, updates: 2, scale: $0.baseAddress!) }
        }
        expectClose([1 / Double(scale.max()!)], [min2], tolerance, "rmsNormFactors")
        // So does the authors' ε, eps·max(d + 1e-6) from the raw d.
        d2.withUnsafeBufferPointer { d in
            scale.withUnsafeMutableBufferPointer {
                rmsNormFactors(runningD: d.baseAddress!, channels: 3, updates: 2, epsilonOfRunning: true, scale: $0.baseAddress!)
            }
        }
        let running = try #require(OperatorNormBound.rmsNormMinFactor(d: d2, updates: 2, history: 0.1, relativeEpsilon: 0.01,
                                                                      epsilonOf: .running))
        expectClose([running, 1 / Double(scale.max()!)], [Double](repeating: (0.5 / 0.99 + 0.01 * (2 + 1e-6)).squareRoot(), count: 2), tolerance,
                    "rmsNormFactors, running ε")

        // Scale-amended scalars: m_W = rows / ΣW², m_z = rows / cols; the top block keeps its gradient.
        let squares1 = w1.reduce(0) { $0 + Double($1) * Double($1) }, squares2 = 9.0 + 2.25
        expectClose([try #require(l1.saWeightScale), try #require(l2.saWeightScale)], [3 / squares1, 2 / squares2],
                    tolerance, "m_W")
        expectClose([try #require(l1.saInputScale), try #require(l2.saInputScale)], [1, 2.0 / 3], tolerance, "m_z")
        #expect(l2.saGradientFactor == 1)
        // Walk: m = ‖W2ᵀ‖² = ΣW2²/3 after the top; block 1's factor is ‖W1‖²_{2,μ} / m.
        expectClose([try #require(l1.saGradientFactor)], [(squares1 / 3) / (squares2 / 3)], tolerance, "SA factor")
        // No step observed: nothing to average, no batch to read.
        #expect(l1.residualRMS == nil && l1.input == nil && record.steps == 0)
    }

    @Test func boundOnlyForChainsItCovers() throws {
        let conv = try Self.session("""
            net c {
              input [1, 6, 6]
              conv 2, kernel: 3
              relu
              flatten
              dense 2
              loss cross_entropy
            }
            optimizer sgd { lr: 0.1 }
            train { batch: 2 }
            """, batch: 2)
        let analyzer = LayerAnalyzer(session: conv)
        let (input, labels) = RuntimeTests.batch(conv)
        _ = try analyzer.observe(recording: true) { try conv.trainStep(input: input, labels: labels, lr: 0.1, step: 1) }
        let record = analyzer.record(epoch: 1, step: 1)
        #expect(record.operatorNormBound == nil, "a convolution's reshaped σ_max bounds nothing")
        // The conv layer's A is over its one input channel, S over its two filters.
        #expect(record.layers[0].input?.rank == 1)
        #expect((record.layers[0].output?.rank ?? 0) >= 1 && (record.layers[0].output?.rank ?? 0) <= 2)
        #expect(record.layers.allSatisfy { $0.sigmaMax != nil && $0.residualRMS != nil })
    }

    @Test func recordsParseBackWithTheirFields() throws {
        let s = try Self.session(Self.tinyNet, batch: 8)
        let analyzer = LayerAnalyzer(session: s)
        let (input, labels) = RuntimeTests.batch(s)
        _ = try analyzer.observe(recording: true) { try s.trainStep(input: input, labels: labels, lr: 0.1, step: 1) }
        let record = analyzer.record(epoch: 1, step: 1)
        let text = #"{"type":"run","model":"tiny","optimizer":"sgd","layers":["rmsnorm1","dense1","relu1","dense2"]}"#
            + "\n" + record.logLine + "\n"
        let log = try RunLog.parse(text, source: "inline.jsonl")
        let parsed = try #require(log.analyses.first)
        #expect(parsed.epoch == 1 && parsed.step == 1 && parsed.layers.map(\.name) == ["dense1", "dense2"])
        let expected = ["residual_rms", "gradient_rms", "activation_mean", "activation_std", "dead_fraction", "sigma_max",
                        "input_eig_max", "input_eig_min", "input_condition", "input_general_condition",
                        "output_eig_max", "output_eig_min", "output_condition", "output_general_condition",
                        "product_condition", "norm_min_factor", "sa_weight_scale", "sa_input_scale", "sa_gradient_factor"]
        for key in expected { #expect(parsed.layers[0][key] != nil, "dense1 lacks \(key)") }
        #expect(parsed.layers[1]["norm_min_factor"] == nil, "no RMS norm in front of dense2")
        // The log writes shortest round-trip digits; Foundation's JSON reader on Linux may land an ulp or two away.
        let reading = Tolerance(name: "JSON reading", relative: 1e-15, absolute: 0)
        for (key, value) in record.layers[0].fields {
            expectClose([try #require(parsed.layers[0][key])], [value], reading, "\(key) on the way")
        }
        expectClose([try #require(parsed.operatorNormBound)], [try #require(record.operatorNormBound)], reading, "bound")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(record.logLine.utf8)) as? [String: Any])
        #expect(object["analysis_seconds"] is NSNumber && object["training_seconds"] is NSNumber)
    }

    @Test func trainerRecordsOnlyWhenAsked() throws {
        let model = try TrainerTests.spirals(epochs: 2)
        let data = try TrainingData.load(try #require(model.data), locator: DataLocator())
        func run(_ schedule: AnalysisSchedule?) throws -> (records: [AnalysisRecord], lines: [String], session: Session) {
            let session = try Session(model: model, batch: model.training.batch, evalBatch: 256, threads: 1,
                                      keepLayerBuffers: schedule != nil)
            session.initialize(seed: model.training.seed)
            let trainer = Trainer(model: model, session: session, data: data, options: .init(threads: 1, analysis: schedule))
            var records: [AnalysisRecord] = [], lines: [String] = []
            try trainer.run { event in
                if case .analysis(let a) = event { records.append(a) }
                if let line = TrainingLog.line(event) { lines.append(line) }
            }
            return (records, lines, session)
        }
        let off = try run(nil)
        #expect(off.records.isEmpty)
        #expect(!off.lines.contains { $0.contains("\"type\":\"analysis\"") })
        #expect(off.session.train.probe == nil)

        let perEpoch = try run(.everyEpoch)
        #expect(perEpoch.records.map(\.epoch) == [1, 2])
        #expect(perEpoch.lines.filter { $0.contains("\"type\":\"analysis\"") }.count == 2)
        let steps = perEpoch.records.map(\.steps)
        #expect(steps.allSatisfy { $0 > 0 } && perEpoch.records.last?.step == steps.reduce(0, +))
        #expect(perEpoch.records.allSatisfy { $0.layers.count == 3 && $0.layers.allSatisfy { $0.input != nil && $0.output != nil } })
        #expect(perEpoch.session.train.probe == nil, "the probe is attached only during observed steps")
        // Analysis reads; it never changes the training: same losses with and without it.
        let losses = { (lines: [String]) in lines.filter { $0.contains("\"type\":\"step\"") }.map { $0.replacingOccurrences(of: #","seconds":[^,}]*"#, with: "", options: .regularExpression) } }
        #expect(losses(off.lines) == losses(perEpoch.lines))

        let everyFive = try run(.everySteps(5))
        #expect(everyFive.records.allSatisfy { $0.step % 5 == 0 && $0.steps == 5 })
        #expect(!everyFive.records.isEmpty)
    }
}
