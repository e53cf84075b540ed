import Foundation
import Testing
@testable import NNC

/// `python3 -m http.server` on a free loopback port, serving one directory; stopped by `stop()`.
final class LocalServer {
    let process = Process()
    let port: Int

    init(serving directory: URL) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Port 0 lets the system pick a free port; the server prints it first thing.
        let banner = LockedText()
        output.fileHandleForReading.readabilityHandler = { banner.append($0.availableData) }
        let deadline = Date().addingTimeInterval(15)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            found = banner.port
        }
        output.fileHandleForReading.readabilityHandler = nil
        guard let found else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw DataError.invalidOption("python3 -m http.server did not start")
        }
        port = found
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)/")! }

    /// SIGKILL, because a child of the test runner inherits its blocked SIGTERM and ignores `terminate()`.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    final class LockedText: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var port: Int? {
            lock.lock(); defer { lock.unlock() }
            guard let range = text.range(of: #"port (\d+)"#, options: .regularExpression) else { return nil }
            return Int(text[range].dropFirst(5))
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct FetchTests {
    let good = Array("first file\n".utf8)
    let other = (0..<5000).map { UInt8($0 % 251) }

    func dataset(_ name: String = "tiny") -> RemoteDataset {
        RemoteDataset(name: name, directory: name, mirrors: [], files: [
            RemoteFile(name: "a.bin", checksum: .sha256(hexString(SHA256.hash(good)))),
            RemoteFile(name: "b.bin.gz", checksum: .md5(hexString(MD5.hash(other)))),
        ])
    }

    @Test func downloadsVerifiesAndKeepsGoodFiles() async throws {
        let served = try DataFixtures(), target = try DataFixtures()
        defer { served.remove(); target.remove() }
        try served.write("a.bin", good)
        try served.write("b.bin.gz", other)
        let server = try LocalServer(serving: served.directory)
        defer { server.stop() }

        let first = try await fetch(dataset(), into: target.directory, mirrors: [server.url], timeout: 10)
        #expect(first.map(\.outcome) == [.downloaded(server.url.appendingPathComponent("a.bin")),
                                         .downloaded(server.url.appendingPathComponent("b.bin.gz"))])
        #expect(try Data(contentsOf: target.directory.appendingPathComponent("tiny/a.bin")) == Data(good))
        #expect(try Data(contentsOf: target.directory.appendingPathComponent("tiny/b.bin.gz")) == Data(other))
        let second = try await fetch(dataset(), into: target.directory, mirrors: [server.url], timeout: 10)
        #expect(second.map(\.outcome) == [.present, .present])
    }

    @Test func corruptDownloadIsRejectedAndNotLeftInPlace() async throws {
        let served = try DataFixtures(), target = try DataFixtures()
        defer { served.remove(); target.remove() }
        var damaged = good
        damaged[3] ^= 1
        try served.write("a.bin", damaged)
        let server = try LocalServer(serving: served.directory)
        defer { server.stop() }

        let error = await #expect(throws: DataError.self) {
            try await fetch(dataset(), into: target.directory, mirrors: [server.url], timeout: 10)
        }
        let url = server.url.appendingPathComponent("a.bin").absoluteString
        #expect(error?.description == """
            cannot fetch 'a.bin':
              \(url): sha-256 checksum mismatch: expected \(hexString(SHA256.hash(good))), got \(hexString(SHA256.hash(damaged)))
            """)
        // Nothing at the final name, and no temporary file either: the folder the fetch made
        // held nothing, so it is gone; the one that was there stays.
        #expect(PathKind.of(target.directory.appendingPathComponent("tiny").path) == .missing)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.directory.path).isEmpty)
    }

    @Test func corruptFileInPlaceIsReplacedAndMirrorsAreTriedInOrder() async throws {
        let served = try DataFixtures(), target = try DataFixtures()
        defer { served.remove(); target.remove() }
        try served.write("good/a.bin", good)
        try served.write("good/b.bin.gz", other)
        try target.write("tiny/a.bin", Array("stale".utf8))
        let server = try LocalServer(serving: served.directory)
        defer { server.stop() }
        let missing = server.url.appendingPathComponent("nothing-here/"), working = server.url.appendingPathComponent("good/")

        let report = try await fetch(dataset(), into: target.directory, mirrors: [missing, working], timeout: 10)
        #expect(report.map(\.outcome) == [.downloaded(working.appendingPathComponent("a.bin")),
                                          .downloaded(working.appendingPathComponent("b.bin.gz"))])
        #expect(try Data(contentsOf: target.directory.appendingPathComponent("tiny/a.bin")) == Data(good))

        let error = await #expect(throws: DataError.self) {
            try await fetch(dataset("other"), into: target.directory, mirrors: [missing], timeout: 10)
        }
        #expect(error?.description == "cannot fetch 'a.bin':\n  \(missing.appendingPathComponent("a.bin").absoluteString): http status 404")
        let none = await #expect(throws: DataError.self) { try await fetch(dataset("none"), into: target.directory, mirrors: []) }
        #expect(none?.description == "cannot fetch 'a.bin':\n  no mirror to fetch it from")
    }

    @Test func unpacksArchives() async throws {
        let served = try DataFixtures(), target = try DataFixtures()
        defer { served.remove(); target.remove() }
        try served.write("src/batches/data_batch_1.bin", CIFARTests.records(2))
        try served.write("src/batches/test_batch.bin", CIFARTests.records(1))
        let tar = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                 ["tar", "czf", served.directory.appendingPathComponent("set.tar.gz").path, "-C",
                                  served.directory.appendingPathComponent("src").path, "batches"])
        try #require(tar.status == 0, "tar not available")
        let archive = try Data(contentsOf: served.directory.appendingPathComponent("set.tar.gz"))
        let remote = RemoteDataset(name: "set", directory: "set", mirrors: [], files: [
            RemoteFile(name: "set.tar.gz", checksum: .md5(hexString(MD5.hash([UInt8](archive)))),
                       unpacks: ["data_batch_1.bin", "test_batch.bin"]),
        ])
        let server = try LocalServer(serving: served.directory)
        defer { server.stop() }
        let report = try await fetch(remote, into: target.directory, mirrors: [server.url], timeout: 10)
        #expect(report.map(\.outcome).suffix(2) == [.unpacked, .unpacked])
        let dir = target.directory.appendingPathComponent("set")
        let dataset = try Dataset.cifar(files: [dir.appendingPathComponent("data_batch_1.bin"), dir.appendingPathComponent("test_batch.bin")])
        #expect(dataset.count == 3)
        #expect(try await fetch(remote, into: target.directory, mirrors: [server.url], timeout: 10).map(\.outcome) == [.present])
    }

    // The real catalogue entry for MNIST, served locally: its published SHA-256 sums must match the files.
    @Test func mnistCatalogueChecksumsMatchTheRealFiles() async throws {
        guard let mnist = TestPaths.mnist else {
            print(TestPaths.mnistMissing)
            return
        }
        let target = try DataFixtures()
        defer { target.remove() }
        let server = try LocalServer(serving: mnist)
        defer { server.stop() }
        let report = try await fetch(.mnist, into: target.directory, mirrors: [server.url], timeout: 30)
        #expect(report.count == 4)
        #expect(report.allSatisfy { if case .downloaded = $0.outcome { return true } else { return false } })
        #expect(RemoteDataset.named("MNIST") == .mnist)
        #expect(RemoteDataset.named("fashion-mnist") == .fashionMNIST)
        #expect(RemoteDataset.named("cifar10") == .cifar10)
        #expect(RemoteDataset.named("imagenet") == nil)
    }
}

@Suite struct TarTests {
    /// A ustar header for a regular file.
    static func header(_ name: String, size: Int, type: UInt8 = UInt8(ascii: "0")) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        for (i, byte) in name.utf8.enumerated() { h[i] = byte }
        for (i, byte) in String(format: "%011o", size).utf8.enumerated() { h[124 + i] = byte }
        h[156] = type
        for (i, byte) in "ustar".utf8.enumerated() { h[257 + i] = byte }
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        for (i, byte) in String(format: "%06o", sum).utf8.enumerated() { h[148 + i] = byte }
        h[154] = 0
        return h
    }

    @Test func listsFilesWithLongNames() throws {
        let long = String(repeating: "d/", count: 60) + "file.bin"
        var archive = Self.header("x/short.txt", size: 3) + [65, 66, 67] + [UInt8](repeating: 0, count: 509)
        archive += Self.header("././@LongLink", size: long.utf8.count, type: UInt8(ascii: "L")) + Array(long.utf8)
        archive += [UInt8](repeating: 0, count: 512 - long.utf8.count)
        archive += Self.header("truncated-name", size: 1) + [9] + [UInt8](repeating: 0, count: 511)
        archive += [UInt8](repeating: 0, count: 1024)
        let entries = try Tar.entries(archive, file: "a.tar")
        #expect(entries.map(\.path) == ["x/short.txt", long])
        #expect(Array(archive[entries[0].contents]) == [65, 66, 67])
        #expect(Array(archive[entries[1].contents]) == [9])
    }

    @Test func corruptArchives() {
        let archive = Self.header("f", size: 600) + [UInt8](repeating: 1, count: 1024) + [UInt8](repeating: 0, count: 1024)
        #expect(throws: DataError.archive(file: "a", detail: "entry at byte 0 runs past the end (truncated archive?)")) {
            try Tar.entries(Array(archive[..<700]), file: "a")
        }
        #expect(throws: DataError.archive(file: "a", detail: "archive ends without its end-of-archive blocks (truncated?)")) {
            try Tar.entries(Array(archive[..<1536]), file: "a")
        }
        var damaged = archive
        damaged[3] = 0x41
        #expect(throws: DataError.archive(file: "a", detail: "header checksum mismatch at byte 0")) { try Tar.entries(damaged, file: "a") }
    }
}
