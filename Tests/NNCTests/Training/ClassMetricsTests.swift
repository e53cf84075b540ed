import Testing
@testable import NNC

/// Precision, recall and F1 against values worked by hand.
struct ClassMetricsTests {
    @Test func perClassFromAConfusionMatrix() {
        // Rows: true class; columns: predicted.
        let m = [[5, 1, 0],
                 [2, 3, 0],
                 [0, 0, 0]]
        let metrics = ClassMetrics.perClass(m)
        // Class 0: 5 of the 7 predicted as 0 are 0; 5 of its 6 found.
        #expect(metrics[0].precision == 5.0 / 7)
        #expect(metrics[0].recall == 5.0 / 6)
        let f0 = 2 * (5.0 / 7) * (5.0 / 6) / (5.0 / 7 + 5.0 / 6)
        #expect(abs(metrics[0].f1! - f0) < 1e-15)
        #expect(metrics[0].support == 6)
        #expect(metrics[1].precision == 3.0 / 4)
        #expect(metrics[1].recall == 3.0 / 5)
        // No sample of class 2 and none predicted as it: nothing is defined.
        #expect(metrics[2] == ClassMetrics(precision: nil, recall: nil, f1: nil, support: 0))
    }

    @Test func aClassNeverFoundHasZeroF1() {
        let metrics = ClassMetrics.perClass([[2, 0], [3, 0]])
        #expect(metrics[1].precision == nil)
        #expect(metrics[1].recall == 0)
        #expect(metrics[1].f1 == nil)
        #expect(metrics[0].precision == 0.4)
        #expect(ClassMetrics.perClass([[0, 2], [0, 1]])[0].f1 == nil)
        #expect(ClassMetrics.perClass([[0, 2], [1, 1]])[0].f1 == 0)
    }
}
