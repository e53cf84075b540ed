import Foundation
import Testing
@testable import NNC

@Suite struct ChartAxisTests {
    @Test func logScaleOnlyForPositiveValuesSpanningTwoDecades() {
        #expect(ChartScale.automatic(for: [1, 50]) == .linear)
        #expect(ChartScale.automatic(for: [1, 100]) == .log)
        #expect(ChartScale.automatic(for: [1e-6, 3e-2]) == .log)
        #expect(ChartScale.automatic(for: [0, 1, 1000]) == .linear)
        #expect(ChartScale.automatic(for: [-1, 1000]) == .linear)
        #expect(ChartScale.automatic(for: [.nan, 2, .infinity, 300]) == .log)
        #expect(ChartScale.automatic(for: []) == .linear)
    }

    @Test func niceSteps() {
        #expect(ChartAxis.niceStep(0.48) == 0.5)
        #expect(ChartAxis.niceStep(1.1) == 2)
        #expect(ChartAxis.niceStep(3) == 5)
        #expect(ChartAxis.niceStep(7) == 10)
        #expect(ChartAxis.niceStep(20) == 20)
        #expect(abs(ChartAxis.niceStep(0.0013) - 0.002) < 1e-15)
    }

    @Test func linearTicksCoverTheDataOnRoundNumbers() {
        let axis = ChartAxis(values: [0.3, 2.7], maxTicks: 6)
        #expect(axis.scale == .linear)
        #expect(axis.lower == 0)
        #expect(axis.upper == 3)
        #expect(axis.labels == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"])
        let epochs = ChartAxis(values: [0.01, 5], scale: .linear, maxTicks: 7)
        #expect(epochs.labels == ["0", "1", "2", "3", "4", "5"])
        let negative = ChartAxis(values: [-0.35, 0.12], maxTicks: 6)
        #expect(negative.labels == ["-0.4", "-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2"])
    }

    @Test func logTicksAreDecadesWithMinorGrid() {
        #expect(ChartAxis(values: [0.02, 30]).labels == ["0.01", "0.1", "1", "10", "100"])
        let axis = ChartAxis(values: [0.003, 40])
        #expect(axis.scale == .log)
        #expect(axis.lower == 0.001)
        #expect(axis.upper == 100)
        #expect(axis.labels == ["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²"])
        #expect(axis.minorTicks.isEmpty, "five decades: minor lines would only clutter")
        #expect(ChartAxis(values: [0.02, 30]).minorTicks.count == 4 * 8)
        #expect(axis.fraction(1) == 0.6)
        #expect(axis.fraction(0) == nil)
        #expect(axis.fraction(-3) == nil)
    }

    @Test func manyDecadesAreLabelledEveryOtherDecade() {
        let axis = ChartAxis(values: [1e-8, 1e4], maxTicks: 7)
        #expect(axis.labels == ["10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²", "10⁰", "10²", "10⁴"])
        #expect(axis.minorTicks.isEmpty)
    }

    @Test func exactDecadeBoundsAndSingleValues() {
        let decade = ChartAxis(values: [1, 100], scale: .log)
        #expect(decade.ticks == [1, 10, 100])
        let single = ChartAxis(values: [5], scale: .log)
        #expect(single.lower == 1 && single.upper == 10)
        let flat = ChartAxis(values: [5, 5])
        #expect(flat.lower < 5 && flat.upper > 5)
        let zero = ChartAxis(values: [0])
        #expect(zero.lower < 0 && zero.upper > 0)
        let empty = ChartAxis(values: [.nan])
        #expect(empty.lower == 0 && empty.upper == 1)
    }

    // Found by Fuzz/fuzz-runlog: losses of ±1e308 made the range infinite, the step 1, and the
    // ticks a stride of 10³⁰⁸ values that never ended. Such values are left off, like infinities.
    @Test func valuesBeyondDrawableAreLeftOffLikeInfinities() {
        let axis = ChartAxis(values: [-1e308, 1e308, 0.5, 2])
        #expect(axis.ticks == ChartAxis(values: [0.5, 2]).ticks)
        #expect(axis.fraction(1e308) == nil && axis.fraction(-1e301) == nil && axis.fraction(2) == 1)
        let flat = ChartAxis(values: [1e300, 1e300])
        #expect(flat.upper.isFinite && flat.ticks.count <= 8)
        let log = ChartAxis(values: [1e308], scale: .log)
        #expect(log.lower == 0 && log.upper == 1)
    }

    /// Found by Fuzz/fuzz-runlog: a subnormal value (a product condition of 125e-324) made a
    /// step of 10⁻³²⁴, which is 0, then NaN ticks, and the label of a NaN trapped.
    @Test func subnormalSpansGetRoomInsteadOfAZeroStep() {
        // In units of the smallest subnormal (the log's 125e-324 reads as 25 of them), so the
        // compiler has no literal to round.
        let u = Double.leastNonzeroMagnitude
        for values in [[25 * u], [u, 2 * u], [0, 25 * u], [-u, 3.5, 2]] {
            let axis = ChartAxis(values: values)
            #expect(axis.ticks.allSatisfy(\.isFinite) && !axis.ticks.isEmpty, "\(values)")
            #expect(axis.lower < axis.upper && axis.labels.count == axis.ticks.count, "\(values)")
        }
    }

    @Test func largeAndTinyLinearValuesUseExponents() {
        #expect(ChartAxis(values: [0, 2e6]).labels == ["0", "5×10⁵", "10⁶", "1.5×10⁶", "2×10⁶"])
        #expect(ChartAxis(values: [1e-5, 5e-5]).labels.first == "10⁻⁵")
        #expect(ChartAxis.scientific(-2.5e-7) == "-2.5×10⁻⁷")
    }

    @Test func categoryLabelsThinOutWhenCrowded() {
        let names = (1...30).map { "layer\($0)" }
        let crowded = ChartAxis(categories: names, length: 300, characterWidth: 7)
        #expect(crowded.labels.first == "layer1")
        #expect(crowded.labels.count < 30)
        #expect(crowded.ticks.count == crowded.labels.count)
        #expect(Set(crowded.ticks + crowded.minorTicks) == Set((1...30).map(Double.init)), "a grid line per layer")
        let roomy = ChartAxis(categories: Array(names.prefix(10)), length: 600, characterWidth: 7)
        #expect(roomy.ticks == (1...10).map(Double.init))
        let one = ChartAxis(categories: ["only"], length: 300, characterWidth: 7)
        #expect(one.labels == ["only"])
        #expect(one.fraction(1) == 0)
    }
}
