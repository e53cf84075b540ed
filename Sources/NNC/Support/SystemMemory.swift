import Foundation

/// How much memory this process may still take: the kernel's estimate of what can be allocated
/// without swapping (`MemAvailable`), lowered to the cgroup's remaining limit when the process
/// runs in a container. Read fresh at each call, after what is already loaded.
public enum SystemMemory {
    /// Bytes available, or nil where Linux's files are absent (then nothing is refused).
    public static func available() -> Int? {
        var best: Int?
        if let kib = field("MemAvailable", in: "/proc/meminfo") { best = kib * 1024 }
        // cgroup v2: memory.max is "max" or bytes; what is left is the limit less what is used.
        if let limit = number(at: "/sys/fs/cgroup/memory.max"), let used = number(at: "/sys/fs/cgroup/memory.current") {
            best = min(best ?? .max, max(limit - used, 0))
        }
        return best
    }

    /// The value in kB of `name:` in a /proc file of `name: value kB` lines.
    private static func field(_ name: String, in path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// A file holding one integer (not "max").
    private static func number(at path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
