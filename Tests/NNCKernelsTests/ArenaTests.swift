import Testing
import NNCKernels

@Suite struct ArenaTests {
    @Test func alignedZeroedAndAddressedByOffset() {
        let arena = Arena(count: 1000)
        arena.withView { v in
            let base = Int(bitPattern: v.pointer(0, 1))
            #expect(base % 64 == 0)
            #expect(v.buffer(0, 1000).allSatisfy { $0 == 0 })
            let p = v.mutablePointer(100, 10)
            for i in 0..<10 { p[i] = Float(i) }
            #expect(Int(bitPattern: v.pointer(100, 10)) - base == 400)
        }
        arena.withBuffer(offset: 100, count: 10) { b in
            #expect(Array(b) == (0..<10).map(Float.init))
        }
    }

    @Test func emptyArena() {
        let arena = Arena(count: 0)
        #expect(arena.count == 0)
        arena.withView { v in #expect(v.buffer(0, 0).isEmpty) }
    }
}
