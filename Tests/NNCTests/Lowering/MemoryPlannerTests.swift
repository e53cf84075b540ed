import Testing
@testable import NNC

@Suite struct MemoryPlannerTests {
    @Test func noTwoLiveBuffersOverlapAndOffsetsAreAligned() throws {
        let plan = try PlanTests.lower(try PlanTests.model(PlanTests.residualMLP), batch: 13)
        #expect(plan.verify() == [])
        for b in plan.buffers {
            #expect(b.offset % Plan.alignment == 0)
            #expect(b.offset + b.slots <= plan.arenaSlots)
        }
        // The check done by hand, independently of verify().
        for a in plan.buffers {
            for b in plan.buffers where a.id < b.id && a.livesWith(b) {
                #expect(a.offset + a.slots <= b.offset || b.offset + b.slots <= a.offset, "\(a.name) / \(b.name)")
            }
        }
    }

    @Test func verifierCatchesOverlapsAndOverflows() throws {
        var plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        let input = plan.input.rawValue
        let weight = plan.parameters[0].buffer.rawValue
        plan.buffers[input].offset = plan.buffers[weight].offset
        #expect(plan.verify().contains { $0.contains("overlap") })
        var small = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        small.arenaSlots -= Plan.alignment
        #expect(!small.verify().isEmpty)
    }

    @Test func persistentBuffersComeFirstAndLiveAllStep() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        let last = plan.kernels.count - 1
        for b in plan.buffers {
            if b.role.isPersistent {
                #expect(b.offset < plan.persistentSlots)
                #expect(b.firstUse == 0 && b.lastUse == last)
            } else {
                #expect(b.offset >= plan.persistentSlots)
            }
        }
        let params = plan.parameters.map { plan.buffer($0.buffer) }
        #expect(params.map(\.offset) == params.map(\.offset).sorted())
        #expect(params.first?.offset == 0)
    }

    @Test func lossAndLogitsSurviveTheStep() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mnist_mlp"), batch: 8)
        let last = plan.kernels.count - 1
        #expect(plan.buffer(plan.loss).lastUse == last)
        #expect(plan.buffer(plan.logits).lastUse == last)
        #expect(plan.buffer(plan.input).firstUse == 0)
    }

    @Test func reuseGrowsWithDepth() throws {
        let plan = try PlanTests.lower(try PlanTests.example("mlp50_relu"), batch: 64)
        // Fifty layers of activations, but at any time only a few gradients are live.
        #expect(plan.bytesSavedByReuse > 0)
        let transients = plan.buffers.filter { !$0.role.isPersistent }.reduce(0) { $0 + Plan.aligned($1.slots) }
        #expect(plan.arenaSlots - plan.persistentSlots < transients)
    }
}
