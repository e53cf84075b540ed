import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces files all at once: the bytes go to a temporary file in the same directory, are
/// flushed to disk, then renamed over the target. Killing the process at any moment leaves
/// the old file or the new one, never a torn one (rename within a file system is atomic).
/// Here, beside zlib, because `rename`, `open` and `fsync` are C calls that take C strings.
public enum AtomicFile {
    /// Why a write failed, in words; callers wrap it in their own error naming the file.
    public struct Failure: Error {
        public let reason: String
    }

    /// Writes `bytes` to `url` atomically. `beforeRename` lets tests fail a write between
    /// flushing and renaming; the temporary file is removed on any failure.
    public static func write(_ bytes: [UInt8], to url: URL, beforeRename: () throws -> Void = {}) throws {
        let directory = url.deletingLastPathComponent()
        removeStaleTemporaries(of: url)
        let temporary = directory.appendingPathComponent(
            "\(temporaryPrefix(of: url))\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw Failure(reason: "cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try handle.write(contentsOf: Data(bytes))
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            try beforeRename()
            guard rename(temporary.path, url.path) == 0 else {
                throw Failure(reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let failure = error as? Failure { throw failure }
            throw Failure(reason: error.localizedDescription)
        }
        // Make the rename itself durable; a failure here still leaves a complete file.
        let directoryHandle = open(directory.path, O_RDONLY)
        if directoryHandle >= 0 {
            _ = fsync(directoryHandle)
            _ = close(directoryHandle)
        }
    }

    /// `.NAME.tmp-`: what every temporary of `url` is named with, before the writer's process id.
    static func temporaryPrefix(of url: URL) -> String { ".\(url.lastPathComponent).tmp-" }

    /// Removes the temporaries of `url` that a killed writer left (`kill -9` mid-write): those
    /// whose process no longer runs. A temporary of a live process — another run writing the
    /// same file now — is left alone. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(of url: URL) -> [String] {
        let directory = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(of: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt32(parts[1]) != nil, !isRunning(pid) else { continue }
            if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil { removed.append(name) }
        }
        return removed
    }

    /// Whether process `pid` exists (signal 0 checks without sending anything).
    static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
