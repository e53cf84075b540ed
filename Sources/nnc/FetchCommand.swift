import Dispatch
import Foundation
import NNC

/// `nnc fetch NAME…`: download datasets from their usual mirrors and verify their checksums.
enum FetchCommand {
    static let help = """
        usage: nnc fetch <dataset>... [--data DIR] [--mirror URL]

        Downloads the files of each dataset into the data directory (--data, else the first
        $NNC_DATA directory, else ./data), verifies every checksum, and keeps files that are
        already there and correct. Datasets: \(RemoteDataset.all.map(\.name).joined(separator: ", ")).

        options:
          --data DIR       the data directory to fill
          --mirror URL     fetch from this base URL instead of the dataset's own mirrors
          -h, --help       show this help

        exit status: 0 fetched, 64 usage error, 65 a checksum did not match, 74 download or write failed

        """

    static func run(_ args: [String]) -> ExitCode {
        let parsed: ParsedArguments
        var datasets: [RemoteDataset] = []
        do {
            parsed = try ParsedArguments(args, valued: ["--data", "--mirror"])
            if parsed.help {
                print(help, terminator: "")
                return .success
            }
            guard !parsed.positional.isEmpty else { throw CommandLineError("name a dataset to fetch") }
            for name in parsed.positional {
                guard let d = RemoteDataset.named(name) else {
                    throw CommandLineError("unknown dataset '\(name)'; expected one of \(RemoteDataset.all.map(\.name).joined(separator: ", "))")
                }
                datasets.append(d)
            }
        } catch let e as CommandLineError {
            writeError("nnc fetch: \(e.message)\nrun 'nnc fetch --help' for the options\n")
            return .usage
        } catch {
            return .usage
        }
        var mirrors: [URL]?
        if let text = parsed.values["--mirror"] {
            guard let url = URL(string: text.hasSuffix("/") ? text : text + "/"), url.scheme != nil else {
                writeError("nnc fetch: '--mirror' needs a URL, got '\(text)'\n")
                return .usage
            }
            mirrors = [url]
        }
        let directory = DataLocator.standard(dataDirectory: parsed.values["--data"], modelFile: nil).fetchDirectory
        for dataset in datasets {
            print("fetching \(dataset.name) into \(directory.appendingPathComponent(dataset.directory).path)")
            let outcome = blocking { try await fetch(dataset, into: directory, mirrors: mirrors) }
            switch outcome {
            case .success(let files):
                for f in files {
                    switch f.outcome {
                    case .present: print("  \(f.path.lastPathComponent): already present, checksum ok")
                    case .downloaded(let url): print("  \(f.path.lastPathComponent): downloaded from \(url.absoluteString), checksum ok")
                    case .unpacked: print("  \(f.path.lastPathComponent): unpacked")
                    }
                }
            case .failure(let error):
                writeError("nnc fetch: \(error)\n")
                // Every mirror served a file with the wrong checksum: the data, not the network, is at fault.
                if case DataError.fetchFailed(_, let attempts) = error, !attempts.isEmpty,
                   attempts.allSatisfy({ $0.contains("checksum mismatch") }) { return .dataError }
                return .ioError
            }
        }
        return .success
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
