import Testing
@testable import NNC

@Suite struct RandomTests {
    // xoshiro256** from state {1, 2, 3, 4}: the first outputs of Vigna's reference C code.
    @Test func matchesReferenceOutputs() throws {
        var random = try #require(Random(state: [1, 2, 3, 4]))
        let outputs = (0..<4).map { _ in random.next() }
        #expect(outputs == [11520, 0, 1509978240, 1215971899390074240])
    }

    // splitmix64 from 0 gives e220a8397b1dcdaf first (reference value), so seeding is pinned too.
    @Test func seedingIsPinned() {
        #expect(Random(seed: 0).state[0] == 0xe220_a839_7b1d_cdaf)
        var a = Random(seed: 42)
        var b = Random(seed: 42)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        #expect(Random(seed: 42).state != Random(seed: 43).state)
        #expect(Random(seed: 42, stream: 0).state != Random(seed: 42, stream: 1).state)
    }

    @Test func stateRoundTrips() throws {
        var random = Random(seed: 7)
        _ = (0..<10).map { _ in random.next() }
        var restored = try #require(Random(state: random.state))
        #expect((0..<10).map { _ in restored.next() } == (0..<10).map { _ in random.next() })
        #expect(Random(state: [0, 0, 0, 0]) == nil)
        #expect(Random(state: [1, 2, 3]) == nil)
    }

    @Test func uniformAndIntegerRanges() {
        var random = Random(seed: 1)
        var sum = 0.0
        for _ in 0..<100_000 {
            let f = random.nextFloat()
            #expect(f >= 0 && f < 1)
            sum += Double(f)
        }
        #expect(abs(sum / 100_000 - 0.5) < 0.01)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[random.nextInt(below: 7)] += 1 }
        // Each bucket expects 10 000; 5 standard deviations is about 470.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    }

    @Test func normalHasUnitMoments() {
        var random = Random(seed: 3)
        let n = 200_000
        var sum = 0.0, squares = 0.0
        for _ in 0..<n {
            let x = Double(random.normal())
            #expect(x.isFinite)
            sum += x
            squares += x * x
        }
        let mean = sum / Double(n)
        #expect(abs(mean) < 0.01)
        #expect(abs(squares / Double(n) - mean * mean - 1) < 0.02)
    }

    @Test func shuffleIsAPermutationAndDeterministic() {
        var a = Random(seed: 9)
        var b = Random(seed: 9)
        var x = Array(0..<1000)
        var y = Array(0..<1000)
        a.shuffle(&x)
        b.shuffle(&y)
        #expect(x == y)
        #expect(x != Array(0..<1000))
        #expect(x.sorted() == Array(0..<1000))
    }
}
