import Dispatch
import Foundation
import NNC

/// `nnc fetch NAME…`: download datasets from their usual mirrors and verify their checksums.
enum FetchCommand: Command {
    static let spec = CommandSpec(
        name: "fetch",
        abstract: "download mnist, fashion-mnist or cifar10 and verify checksums",
        discussion: """
            Downloads the files of each dataset into the data directory (--data, else the first
            $NNC_DATA directory, else ./data), verifies every checksum, and keeps files that are
            already there and correct. Datasets: \(names.joined(separator: ", ")).
            """,
        arguments: [Argument(name: "<dataset>", missing: "a dataset to fetch", many: true)],
        options: [
            .value("--data", "DIR", "the data directory to fill"),
            .repeated("--mirror", "URL", """
                fetch from this base URL instead of the dataset's own mirrors; given
                several times, each is tried in turn
                """),
        ],
        exitStatus: "0 fetched, 64 usage error, 65 a checksum did not match, 74 download or write failed")

    private static let names = RemoteDataset.all.map(\.name)

    static func run(_ arguments: ParsedArguments) throws {
        let datasets = try arguments.positional.map { name in
            guard let d = RemoteDataset.named(name) else {
                throw CommandLineError.unknown("dataset", name, candidates: names, listed: true)
            }
            return d
        }
        let mirrors = try arguments.values("--mirror").map { text in
            guard let url = URL(string: text.hasSuffix("/") ? text : text + "/"), url.scheme != nil else {
                throw CommandLineError.invalidValue(option: "--mirror", value: text, expected: "a URL")
            }
            return url
        }
        let directory = DataLocator.standard(dataDirectory: arguments.value("--data"), modelFile: nil).fetchDirectory
        for dataset in datasets {
            let files = try blocking { try await fetch(dataset, into: directory, mirrors: mirrors.isEmpty ? nil : mirrors) }.get()
            // Said once the files are there: before, it would stand beside the error of a failed fetch.
            print("fetched \(dataset.name) into \(directory.appendingPathComponent(dataset.directory).path)")
            for f in files {
                switch f.outcome {
                case .present: print("  \(f.path.lastPathComponent): already present, checksum ok")
                case .downloaded(let url): print("  \(f.path.lastPathComponent): downloaded from \(url.absoluteString), checksum ok")
                case .unpacked: print("  \(f.path.lastPathComponent): unpacked")
                }
            }
        }
    }

    /// Runs an async operation to completion from synchronous command code.
    private static func blocking<T>(_ operation: @escaping () async throws -> T) -> Result<T, Error> {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return box.result!
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
