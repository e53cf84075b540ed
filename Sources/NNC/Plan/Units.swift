import Foundation

/// Human units for the text dump: `12.85 MFLOP`, `392.0 KiB`, `101,770`.
public enum Units {
    static func flops(_ n: Int) -> String { scaled(Double(n), 1000, ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP"]) }
    public static func bytes(_ n: Int) -> String { scaled(Double(n), 1024, ["B", "KiB", "MiB", "GiB", "TiB"]) }

    private static func scaled(_ value: Double, _ base: Double, _ units: [String]) -> String {
        var v = value, i = 0
        while abs(v) >= base && i < units.count - 1 { v /= base; i += 1 }
        if i == 0 { return "\(Int(value)) \(units[0])" }
        return String(format: v >= 100 ? "%.0f %@" : v >= 10 ? "%.1f %@" : "%.2f %@", v, units[i])
    }

    /// `1,234,567`
    public static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}

extension Op {
    /// The element-wise steps fused after the op's main computation.
    public var epilogue: [EpilogueStep] {
        switch self {
        case .gemm(let p): return p.epilogue
        case .conv2d(let p): return p.epilogue
        case .conv2dBackwardData(let p): return p.epilogue
        case .batchNorm(let p): return p.epilogue
        case .rmsNorm(let p): return p.epilogue
        case .layerNorm(let p): return p.epilogue
        default: return []
        }
    }
}
