import Foundation
import NNCSystem
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A published checksum of a file.
public enum Checksum: Equatable, Sendable {
    case sha256(String)
    /// For datasets whose authors publish only MD5.
    case md5(String)

    var algorithm: String {
        switch self {
        case .sha256: return "sha-256"
        case .md5: return "md5"
        }
    }

    var expected: String {
        switch self {
        case .sha256(let hex), .md5(let hex): return hex.lowercased()
        }
    }

    /// The same kind of digest of `bytes`, as lower-case hex.
    func digest(of bytes: [UInt8]) -> String {
        switch self {
        case .sha256: return hexString(SHA256.hash(bytes))
        case .md5: return hexString(MD5.hash(bytes))
        }
    }
}

/// One file of a downloadable dataset.
public struct RemoteFile: Equatable, Sendable {
    public var name: String
    public var checksum: Checksum
    /// For a tar archive: the files to unpack from it, by file name, into the dataset directory.
    public var unpacks: [String]

    public init(name: String, checksum: Checksum, unpacks: [String] = []) {
        self.name = name
        self.checksum = checksum
        self.unpacks = unpacks
    }
}

/// A dataset `nnc fetch` knows: where it comes from and what its files must hash to.
public struct RemoteDataset: Equatable, Sendable {
    /// The name given to `nnc fetch`.
    public var name: String
    /// The folder inside the data directory that receives the files.
    public var directory: String
    /// Base URLs tried in order; each file is fetched from base + file name.
    public var mirrors: [URL]
    public var files: [RemoteFile]

    public init(name: String, directory: String, mirrors: [URL], files: [RemoteFile]) {
        self.name = name
        self.directory = directory
        self.mirrors = mirrors
        self.files = files
    }

    public static let mnist = RemoteDataset(
        name: "mnist", directory: "mnist",
        mirrors: [URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
                  URL(string: "http://yann.lecun.com/exdb/mnist/")!],
        files: [
            RemoteFile(name: "train-images-idx3-ubyte.gz", checksum: .sha256("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609")),
            RemoteFile(name: "train-labels-idx1-ubyte.gz", checksum: .sha256("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c")),
            RemoteFile(name: "t10k-images-idx3-ubyte.gz", checksum: .sha256("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6")),
            RemoteFile(name: "t10k-labels-idx1-ubyte.gz", checksum: .sha256("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
        ])

    public static let fashionMNIST = RemoteDataset(
        name: "fashion-mnist", directory: "fashion-mnist",
        mirrors: [URL(string: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")!,
                  URL(string: "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")!],
        files: [
            RemoteFile(name: "train-images-idx3-ubyte.gz", checksum: .md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d")),
            RemoteFile(name: "train-labels-idx1-ubyte.gz", checksum: .md5("25c81989df183df01b3e8a0aad5dffbe")),
            RemoteFile(name: "t10k-images-idx3-ubyte.gz", checksum: .md5("bef4ecab320f06d8554ea6380940ec79")),
            RemoteFile(name: "t10k-labels-idx1-ubyte.gz", checksum: .md5("bb300cfdad3c16e7a12a480ee83cd310")),
        ])

    public static let cifar10 = RemoteDataset(
        name: "cifar10", directory: "cifar10",
        mirrors: [URL(string: "https://www.cs.toronto.edu/~kriz/")!],
        files: [
            RemoteFile(name: "cifar-10-binary.tar.gz", checksum: .md5("c32a1d4ab5d03f1284b67883e8d87530"),
                       unpacks: CIFAR.cifar10TrainFiles + [CIFAR.cifar10TestFile, "batches.meta.txt"]),
        ])

    /// Every dataset `nnc fetch` knows.
    public static let all = [mnist, fashionMNIST, cifar10]

    /// The dataset called `name` (`mnist`, `fashion-mnist`, `cifar10`), if known.
    public static func named(_ name: String) -> RemoteDataset? { all.first { $0.name == name.lowercased() } }
}

/// What `fetch` did with one file.
public struct FetchedFile: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Already there with the right checksum.
        case present
        /// Downloaded from this URL and verified.
        case downloaded(URL)
        /// Unpacked from a verified archive.
        case unpacked
    }

    public var path: URL
    public var outcome: Outcome
}

/// Downloads `dataset` into `dataDirectory/dataset.directory` and verifies every file against
/// its checksum (`nnc fetch NAME`). `mirrors` replaces the dataset's own (tests pass a local
/// server). Files already present and correct are kept; a file that fails its checksum is
/// never left at its final name: downloads land under a temporary name and are renamed only
/// once verified, and a corrupt file found in place is deleted. When the fetch fails, the
/// folders it created are removed again if they hold nothing (verified files are kept, so the
/// next attempt resumes).
public func fetch(_ dataset: RemoteDataset, into dataDirectory: URL, mirrors: [URL]? = nil,
                  timeout: TimeInterval = 60) async throws -> [FetchedFile] {
    let directory = dataDirectory.appendingPathComponent(dataset.directory, isDirectory: true)
    // The folders this call makes, innermost first.
    var created: [URL] = []
    var missing = directory.standardizedFileURL
    while PathKind.of(missing.path) == .missing, missing.path != "/" {
        created.append(missing)
        missing = missing.deletingLastPathComponent()
    }
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw DataError.cannotWrite(file: directory.path, reason: "cannot create directory: \(error.localizedDescription)")
    }
    do {
        return try await fetchFiles(dataset, into: directory, mirrors: mirrors, timeout: timeout)
    } catch {
        for folder in created {
            guard (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true else { break }
            try? FileManager.default.removeItem(at: folder)
        }
        throw error
    }
}

private func fetchFiles(_ dataset: RemoteDataset, into directory: URL, mirrors: [URL]?,
                        timeout: TimeInterval) async throws -> [FetchedFile] {
    let session = URLSession(configuration: .ephemeral)
    defer { session.finishTasksAndInvalidate() }
    var report: [FetchedFile] = []
    for file in dataset.files {
        let target = directory.appendingPathComponent(file.name)
        var bytes: [UInt8]? = nil
        if FileManager.default.fileExists(atPath: target.path) {
            let existing = try readFileBytes(target)
            if file.checksum.digest(of: [UInt8](existing)) == file.checksum.expected {
                bytes = [UInt8](existing)
                report.append(FetchedFile(path: target, outcome: .present))
            } else {
                try? FileManager.default.removeItem(at: target)
            }
        }
        if bytes == nil {
            let (downloaded, source) = try await download(file, mirrors: mirrors ?? dataset.mirrors, session: session, timeout: timeout)
            try writeAtomically(downloaded, to: target)
            bytes = downloaded
            report.append(FetchedFile(path: target, outcome: .downloaded(source)))
        }
        if let archive = bytes, !file.unpacks.isEmpty {
            report += try unpack(archive, file: file, archivePath: target.path, into: directory)
        }
    }
    return report
}

/// Tries each mirror in turn; the error lists why each one failed.
private func download(_ file: RemoteFile, mirrors: [URL], session: URLSession, timeout: TimeInterval) async throws -> ([UInt8], URL) {
    var failures: [String] = mirrors.isEmpty ? ["no mirror to fetch it from"] : []
    for mirror in mirrors {
        let url = mirror.appendingPathComponent(file.name)
        do {
            let (data, response) = try await session.data(for: URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout))
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                failures.append("\(url.absoluteString): http status \(http.statusCode)")
                continue
            }
            let bytes = [UInt8](data)
            let actual = file.checksum.digest(of: bytes)
            guard actual == file.checksum.expected else {
                failures.append(DataError.checksumMismatch(file: url.absoluteString, algorithm: file.checksum.algorithm,
                                                           expected: file.checksum.expected, actual: actual).description)
                continue
            }
            return (bytes, url)
        } catch {
            failures.append("\(url.absoluteString): \(error.localizedDescription)")
        }
    }
    throw DataError.fetchFailed(file: file.name, attempts: failures)
}

/// Unpacks the named members of a verified tar.gz next to it, skipping any already there.
private func unpack(_ archive: [UInt8], file: RemoteFile, archivePath: String, into directory: URL) throws -> [FetchedFile] {
    let wanted = file.unpacks.map { directory.appendingPathComponent($0) }
    if wanted.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) { return [] }
    let tar = Gzip.isCompressed(archive) ? try Gzip.inflate(archive, file: archivePath) : archive
    let entries = try Tar.entries(tar, file: archivePath)
    var report: [FetchedFile] = []
    for (name, target) in zip(file.unpacks, wanted) {
        guard let entry = entries.first(where: { $0.path.split(separator: "/").last.map(String.init) == name }) else {
            throw DataError.archive(file: archivePath, detail: "no member named \(name)")
        }
        try writeAtomically(Array(tar[entry.contents]), to: target)
        report.append(FetchedFile(path: target, outcome: .unpacked))
    }
    return report
}

private func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    do {
        try AtomicFile.write(bytes, to: url)
    } catch let failure as AtomicFile.Failure {
        throw DataError.cannotWrite(file: url.path, reason: failure.reason)
    }
}
