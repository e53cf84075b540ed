import Foundation

/// The CPU's model name as Linux reports it (`model name` in /proc/cpuinfo), for every figure
/// nnc prints about speed: kernels are tuned per CPU, and a figure means little without it.
public enum CPUModel {
    public static let name: String = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown CPU"
    }()
}
