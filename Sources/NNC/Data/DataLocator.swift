import Foundation

/// Finds the data files a `.net` file names.
///
/// A relative path is tried, in order, under the `--data` directory, next to the `.net` file,
/// under each directory of `$NNC_DATA` (colon-separated) and under `./data` (where
/// `nnc fetch` puts files by default). Each place is tried with and without `.gz`, so a model
/// can name `train-images-idx3-ubyte` whether or not the file was decompressed. When nothing
/// matches, the error lists every path tried and why it was tried, and the nearest file name
/// that is there (`mnsit/train-images.gz` → `mnist/train-images-idx3-ubyte.gz`).
public struct DataLocator {
    /// The `--data DIR` option, if given.
    public var dataDirectory: URL?
    /// The directory of the `.net` file.
    public var modelDirectory: URL?
    /// The value of `$NNC_DATA`, if set.
    public var environment: String?
    /// The working directory, for `./data`.
    public var currentDirectory: URL

    public init(dataDirectory: URL? = nil, modelDirectory: URL? = nil, environment: String? = nil,
                currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.dataDirectory = dataDirectory
        self.modelDirectory = modelDirectory
        self.environment = environment
        self.currentDirectory = currentDirectory
    }

    /// A locator from `--data`, the `.net` file's path and the process environment.
    public static func standard(dataDirectory: String?, modelFile: String?,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> DataLocator {
        DataLocator(dataDirectory: dataDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) },
                    modelDirectory: modelFile.map { URL(fileURLWithPath: $0).deletingLastPathComponent() },
                    environment: environment["NNC_DATA"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Where `nnc fetch` stores datasets: `--data`, else the first `$NNC_DATA` directory, else `./data`.
    public var fetchDirectory: URL {
        if let dataDirectory { return dataDirectory }
        if let first = environmentDirectories.first { return first }
        return currentDirectory.appendingPathComponent("data", isDirectory: true)
    }

    /// The directories a relative path is looked up under, in search order, with the reason.
    private var bases: [(URL, String)] {
        var bases: [(URL, String)] = []
        if let dataDirectory { bases.append((dataDirectory, "--data")) }
        if let modelDirectory { bases.append((modelDirectory, "next to the .net file")) }
        for directory in environmentDirectories { bases.append((directory, "$NNC_DATA")) }
        bases.append((currentDirectory.appendingPathComponent("data", isDirectory: true), "default data directory"))
        return bases
    }

    /// Every place `path` may be found, in search order, with the reason each is tried.
    public func candidates(for path: String) -> [(url: URL, reason: String)] {
        if path.hasPrefix("/") { return variants(of: URL(fileURLWithPath: path)).map { ($0, "absolute path") } }
        var seen = Set<String>()
        var result: [(URL, String)] = []
        for (base, reason) in bases {
            for url in variants(of: base.appendingPathComponent(path)) where seen.insert(url.standardizedFileURL.path).inserted {
                result.append((url, reason))
            }
        }
        return result
    }

    /// The first existing file among `candidates(for:)`, or an error naming them all.
    public func locate(_ path: String) throws -> URL {
        let tried = candidates(for: path)
        for (url, _) in tried where PathKind.of(url.path) == .file {
            return url
        }
        throw DataError.notFound(file: path, looked: tried.map { "\($0.url.standardizedFileURL.path) (\($0.reason))" },
                                 nearest: nearest(to: path))
    }

    /// A file that exists in a searched place under a path near `path`, written as `path` is:
    /// each folder and the file name that is missing replaced by the closest one there. One
    /// directory listing per missing component and place searched.
    public func nearest(to path: String) -> String? {
        let absolute = path.hasPrefix("/")
        let roots = absolute ? [URL(fileURLWithPath: "/", isDirectory: true)] : bases.map(\.0)
        let components = path.split(separator: "/").map(String.init)
        guard !components.isEmpty else { return nil }
        for root in roots {
            var directory = root
            var written: [String] = []
            for (i, component) in components.enumerated() {
                let isLast = i == components.count - 1
                let here = directory.appendingPathComponent(component)
                let kind = PathKind.of(here.path)
                var name = component
                if kind == .missing || (isLast ? kind != .file : kind != .directory) {
                    guard let near = Self.nearestEntry(to: component, in: directory, file: isLast) else { break }
                    name = near
                }
                written.append(name)
                directory = directory.appendingPathComponent(name, isDirectory: !isLast)
            }
            guard written.count == components.count, written != components else { continue }
            return (absolute ? "/" : "") + written.joined(separator: "/")
        }
        return nil
    }

    /// The entry of `directory` (a file, or a folder) nearest to `name`: the closest by edit
    /// distance, ignoring a `.gz`, else the one entry that begins with `name`'s stem
    /// (`train-images.gz` → `train-images-idx3-ubyte.gz`).
    private static func nearestEntry(to name: String, in directory: URL, file: Bool) -> String? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return nil }
        let fitting = entries.filter { (PathKind.of(directory.appendingPathComponent($0).path) == .file) == file }
        func stem(_ s: String) -> String { s.hasSuffix(".gz") ? String(s.dropLast(3)) : s }
        let stems = Dictionary(fitting.map { (stem($0), $0) }, uniquingKeysWith: { a, _ in a })
        if let near = Suggestions.closest(to: stem(name), among: stems.keys.sorted()) { return stems[near] }
        let prefix = stem(name).split(separator: ".").first.map(String.init) ?? stem(name)
        let starting = fitting.filter { $0.hasPrefix(prefix) && !prefix.isEmpty }
        return starting.count == 1 ? starting[0] : nil
    }

    private var environmentDirectories: [URL] {
        (environment ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
    }

    private func variants(of url: URL) -> [URL] {
        url.pathExtension == "gz" ? [url, url.deletingPathExtension()] : [url, url.appendingPathExtension("gz")]
    }
}
