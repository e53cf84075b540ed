import Foundation

/// The per-core data caches the kernels block for, as Linux reports them in sysfs
/// (`/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}`).
public struct CPUCaches: Equatable, Sendable, CustomStringConvertible {
    public var l1dBytes: Int
    public var l2Bytes: Int

    public init(l1dBytes: Int, l2Bytes: Int) {
        self.l1dBytes = l1dBytes
        self.l2Bytes = l2Bytes
    }

    /// This machine's, or nil when sysfs does not say (not Linux, a container hiding it).
    public static let thisMachine: CPUCaches? = read(folder: "/sys/devices/system/cpu/cpu0/cache")

    /// The L1 data and the L2 cache listed under `folder` (one `index*` folder per cache).
    static func read(folder: String) -> CPUCaches? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        var l1d: Int?, l2: Int?
        for entry in entries where entry.hasPrefix("index") {
            func field(_ name: String) -> String? {
                (try? String(contentsOfFile: folder + "/" + entry + "/" + name, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let level = field("level"), let type = field("type"), let size = field("size").flatMap(bytes) else { continue }
            if level == "1" && type == "Data" { l1d = size }
            if level == "2" && (type == "Unified" || type == "Data") { l2 = size }
        }
        guard let l1d, let l2 else { return nil }
        return CPUCaches(l1dBytes: l1d, l2Bytes: l2)
    }

    /// "48K", "2048K", "2M" or a plain byte count; nil for anything else or an absurd size.
    static func bytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var unit = 1
        if let last = text.last, let u = units[last] {
            unit = u
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n > 0, n <= (1 << 40) / unit else { return nil }
        return n * unit
    }

    public var description: String { "\(Self.size(l1dBytes)) L1d, \(Self.size(l2Bytes)) L2 per core" }

    private static func size(_ b: Int) -> String {
        b % (1 << 20) == 0 ? "\(b >> 20) MiB" : b % (1 << 10) == 0 ? "\(b >> 10) KiB" : "\(b) B"
    }
}
