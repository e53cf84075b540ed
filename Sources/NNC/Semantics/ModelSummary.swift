/// The layer table `nnc check` prints: each layer, its output shape and parameter count,
/// and the totals. A value first (tests assert on rows), text second.
public struct ModelSummary: Hashable, Sendable {
    public struct Row: Hashable, Sendable {
        /// Indented by two spaces per enclosing `residual`.
        public var name: String
        /// The op with its main settings: `dense 128`, `conv 32 5x5 pad 2`.
        public var op: String
        public var output: Shape
        public var parameters: Int
    }

    public var modelName: String
    public var input: Shape
    public var rows: [Row]
    public var totalParameters: Int
    public var layerCount: Int
    public var loss: Loss

    public init(_ model: Model) {
        modelName = model.name
        input = model.inputShape
        loss = model.loss
        var rows: [Row] = []
        func walk(_ layers: [Layer], indent: String) {
            for l in layers {
                let own = l.parameterCount
                rows.append(Row(name: indent + l.name, op: ModelSummary.describe(l.op), output: l.outputShape,
                                parameters: own))
                if case .residual(let body) = l.op { walk(body, indent: indent + "  ") }
            }
        }
        walk(model.layers, indent: "")
        self.rows = rows
        totalParameters = model.parameterCount
        layerCount = model.allLayers.count
    }

    /// An op and its settings, as short as a reader needs.
    public static func describe(_ op: LayerOp) -> String {
        switch op {
        case .dense(let units, let bias, _):
            return "dense \(units)" + (bias ? "" : " no bias")
        case .conv(let filters, let k, let s, let p, let bias, _):
            var text = "conv \(filters) \(k.h)x\(k.w)"
            if s != Size2(square: 1) { text += " stride \(s)" }
            if p != Size2(square: 0) { text += " pad \(p)" }
            return text + (bias ? "" : " no bias")
        case .maxPool(let k, let s, let p), .avgPool(let k, let s, let p):
            var text = "\(op.keyword) \(k)"
            if s != k { text += " stride \(s)" }
            if p != Size2(square: 0) { text += " pad \(p)" }
            return text
        case .dropout(let rate): return "dropout \(Value.format(rate))"
        case .batchNorm(let affine, _, _), .layerNorm(let affine, _):
            return op.keyword + (affine ? "" : " no affine")
        case .activation(.leakyRelu(let slope)): return "leaky_relu \(Value.format(slope))"
        case .maxout(let k): return "maxout \(k)"
        default: return op.keyword
        }
    }

    /// `1234567` → `1,234,567`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The table as text, columns aligned, one line per layer, totals last.
    public var text: String {
        var lines: [[String]] = [["layer", "op", "output", "params"],
                                 ["input", "", input.description, ""]]
        for r in rows { lines.append([r.name, r.op, r.output.description, ModelSummary.grouped(r.parameters)]) }
        lines.append(["loss", loss.keyword, "", ""])
        lines.append(["total", "\(layerCount) layer\(layerCount == 1 ? "" : "s")", "",
                      ModelSummary.grouped(totalParameters)])
        var widths = [0, 0, 0, 0]
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], c.count) } }
        func format(_ l: [String]) -> String {
            let left = (0..<3).map { l[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            let right = String(repeating: " ", count: widths[3] - l[3].count) + l[3]
            return (left + [right]).joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = "net \(modelName)\n"
        for (i, l) in lines.enumerated() {
            if i == lines.count - 1 { out += String(repeating: "-", count: widths.reduce(6, +)) + "\n" }
            out += format(l) + "\n"
        }
        return out
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
