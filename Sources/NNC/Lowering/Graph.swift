/// The lowering passes' shared working state: tensors by id, ops in execution order, and the
/// bookkeeping the plan needs at the end (parameters, running statistics, linear layers).
/// Each pass appends to or rewrites `nodes`; nothing else in nnc sees this type.
final class Graph {
    /// A tensor before it has a place in the arena.
    struct Tensor {
        var name: String
        var role: BufferRole
        var shape: [Int]
        var element: ElementType
        var slots: Int { shape.reduce(1, *) * element.slots }
    }

    /// An op in execution order, with the names of the unfused ops it computes.
    struct Node {
        var name: String
        var layer: String
        var phase: Phase
        var op: Op
        var fuses: [String]
    }

    let batch: Int
    let mode: Plan.Mode
    /// The data-parallel ranks `batch` is one slice for (1 alone): SGD2 samples its share of
    /// the columns one process would.
    var ranks = 1
    private(set) var tensors: [Tensor] = []
    var nodes: [Node] = []

    var input = BufferID(-1), labels = BufferID(-1), loss = BufferID(-1), logits = BufferID(-1)
    var parameters: [TensorBinding] = []
    var runningStatistics: [TensorBinding] = []
    var linearLayers: [LinearLayer] = []
    /// Each linear layer's output before bias and activation: its R is this value's gradient.
    var linearOutputs: [String: BufferID] = [:]
    /// Values that depend on a parameter, so the backward pass must produce their gradient.
    var requiresGrad: Set<BufferID> = []

    init(batch: Int, mode: Plan.Mode) {
        self.batch = batch
        self.mode = mode
    }

    var training: Bool { mode == .train }

    func tensor(_ name: String, _ role: BufferRole, _ shape: [Int], _ element: ElementType = .float32) -> BufferID {
        tensors.append(Tensor(name: name, role: role, shape: shape, element: element))
        return BufferID(tensors.count - 1)
    }

    func name(_ id: BufferID) -> String { tensors[id.rawValue].name }
    func shape(_ id: BufferID) -> [Int] { tensors[id.rawValue].shape }
    func count(_ id: BufferID) -> Int { tensors[id.rawValue].shape.reduce(1, *) }
    func isPersistent(_ id: BufferID) -> Bool { tensors[id.rawValue].role.isPersistent }

    /// Appends an op; `fuses` defaults to the op's own name.
    func emit(_ name: String, layer: String, _ phase: Phase, _ op: Op) {
        nodes.append(Node(name: name, layer: layer, phase: phase, op: op, fuses: [name]))
    }

    /// Bytes every node reads and writes: compared before and after fusion.
    func trafficBytes() -> Int {
        nodes.reduce(0) { total, node in
            total + (node.op.reads + node.op.writes).reduce(0) { $0 + tensors[$1.rawValue].slots * 4 }
        }
    }
}
