import Foundation
import Testing
@testable import NNC

/// The step-wise schedules against values worked by hand (PyTorch's CosineAnnealingLR and
/// OneCycleLR define the same curves), and the checker's reading of them.
struct ScheduleTests {
    @Test func cosineFallsFromTheRateToItsFloor() {
        let s = LearningRateSchedule(.cosine(minimum: 0.01), learningRate: 0.1)
        #expect(s.rate(step: 1, totalSteps: 100) == 0.1)
        // Halfway (0-based step 50 of 100): the mean of the two.
        #expect(abs(s.rate(step: 51, totalSteps: 100) - 0.055) < 1e-15)
        let last = s.rate(step: 100, totalSteps: 100)
        #expect(last > 0.01 && last < 0.0101)
        let rates = (1...100).map { s.rate(step: $0, totalSteps: 100) }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test func oneCycleRisesToThePeakThenFallsFarBelowTheStart() {
        let s = LearningRateSchedule(.oneCycle(rise: 0.3, divisor: 25, finalDivisor: 1e4), learningRate: 1)
        #expect(abs(s.rate(step: 1, totalSteps: 100) - 0.04) < 1e-15)
        // The peak is at 0-based step 0.3·100 − 1 = 29.
        #expect(abs(s.rate(step: 30, totalSteps: 100) - 1) < 1e-15)
        #expect(s.rate(step: 29, totalSteps: 100) < 1 && s.rate(step: 31, totalSteps: 100) < 1)
        #expect(abs(s.rate(step: 100, totalSteps: 100) - 0.04 / 1e4) < 1e-15)
        // Halfway up the rise: cos(π/2) = 0, the mean of start and peak.
        // With 70 steps the peak is at 0-based step 20 and step 10 is halfway.
        #expect(abs(s.rate(step: 11, totalSteps: 70) - (1 + 0.04) / 2) < 1e-15)
    }

    @Test func warmupScalesTheFirstStepsLinearly() {
        let s = LearningRateSchedule(.constant, learningRate: 0.5)
        #expect(s.rate(step: 1, totalSteps: 100, warmup: 10) == 0.05)
        #expect(s.rate(step: 5, totalSteps: 100, warmup: 10) == 0.25)
        #expect(s.rate(step: 10, totalSteps: 100, warmup: 10) == 0.5)
        #expect(s.rate(step: 50, totalSteps: 100, warmup: 10) == 0.5)
        // Epoch schedules keep their rate within the epoch.
        #expect(LearningRateSchedule(.step(every: 1, factor: 0.1), learningRate: 0.3).rate(step: 7, totalSteps: 9) == 0.3)
    }

    static let net = "net n { input [4]; dense 2; loss cross_entropy }\n"

    @Test func checkerReadsTheNewSchedulesAndOptions() throws {
        let m = try #require(SemanticSupport.model(Self.net + "data { train: csv(\"t.csv\"), validation: split(0.1) }\n"
                                                   + "train { schedule: cosine(min: 0.001), warmup: 100, early_stop: 3 }"))
        #expect(m.training.schedule == .cosine(minimum: 0.001))
        #expect(m.training.warmup == 100 && m.training.earlyStop == 3)
        let cycle = try #require(SemanticSupport.model(Self.net + "train { schedule: one_cycle }"))
        #expect(cycle.training.schedule == .oneCycle(rise: 0.3, divisor: 25, finalDivisor: 1e4))
        #expect(SemanticSupport.model(Self.net + "train { schedule: cosine }")?.training.schedule == .cosine(minimum: 0))
        let typo = SemanticSupport.check(Self.net + "train { schedule: cosin }").diagnostics
        #expect(typo.first?.message.contains("cosine") == true, "\(typo)")
        #expect(typo.first?.fix?.contains("cosine") == true)
        let bad = SemanticSupport.messages(Self.net + "train { schedule: one_cycle(rise: 1.5) }")
        #expect(bad.count == 1, "\(bad)")
    }

    @Test func earlyStopWithoutAValidationSetIsAnErrorAtTheOption() {
        let d = SemanticSupport.check(Self.net + "data { train: csv(\"t.csv\") }\ntrain {\n  early_stop: 3\n}").diagnostics
        #expect(d.count == 1)
        #expect(d.first?.message.contains("no validation set") == true)
        #expect(d.first?.range.start.line == 4)
        #expect(d.first?.fix?.contains("validation: split(0.1)") == true)
    }
}
