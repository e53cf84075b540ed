import Foundation
import Testing
@testable import NNC

@Suite struct DataLocatorTests {
    @Test func searchOrderAndGzipVariants() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let dataDir = files.directory.appendingPathComponent("data-option")
        let modelDir = files.directory.appendingPathComponent("models")
        let envDir = files.directory.appendingPathComponent("env")
        let cwd = files.directory.appendingPathComponent("cwd")
        let locator = DataLocator(dataDirectory: dataDir, modelDirectory: modelDir, environment: envDir.path, currentDirectory: cwd)
        try files.write("env/mnist/labels.gz", [1])
        #expect(try locator.locate("mnist/labels.gz").path == envDir.appendingPathComponent("mnist/labels.gz").path)
        // Next to the .net file wins over $NNC_DATA, and the raw file answers for a .gz name.
        try files.write("models/mnist/labels", [1])
        #expect(try locator.locate("mnist/labels.gz").path == modelDir.appendingPathComponent("mnist/labels").path)
        try files.write("data-option/mnist/labels.gz", [1])
        #expect(try locator.locate("mnist/labels.gz").path == dataDir.appendingPathComponent("mnist/labels.gz").path)
        let absolute = files.directory.appendingPathComponent("models/mnist/labels").path
        #expect(try locator.locate(absolute).path == absolute)
    }

    @Test func failureNamesEveryPlaceLooked() throws {
        let locator = DataLocator(dataDirectory: URL(fileURLWithPath: "/d"), modelDirectory: URL(fileURLWithPath: "/m"),
                                  environment: "/e1:/e2", currentDirectory: URL(fileURLWithPath: "/w"))
        let error = try #require(throws: DataError.self) { try locator.locate("mnist/x.gz") }
        #expect(error.description == """
            cannot find data file 'mnist/x.gz'; looked in:
              /d/mnist/x.gz (--data)
              /d/mnist/x (--data)
              /m/mnist/x.gz (next to the .net file)
              /m/mnist/x (next to the .net file)
              /e1/mnist/x.gz ($NNC_DATA)
              /e1/mnist/x ($NNC_DATA)
              /e2/mnist/x.gz ($NNC_DATA)
              /e2/mnist/x ($NNC_DATA)
              /w/data/mnist/x.gz (default data directory)
              /w/data/mnist/x (default data directory)
            """)
    }

    /// A typo in a folder or a file name, or a short name for a long one, gets the file that is
    /// there, written as the model wrote the path; nothing near gets no suggestion.
    @Test func failureSuggestsTheNearestFileThatIsThere() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let env = files.directory.appendingPathComponent("env")
        try files.write("env/mnist/train-images-idx3-ubyte.gz", [1])
        try files.write("env/mnist/train-labels-idx1-ubyte.gz", [1])
        try files.write("models/spirals.csv", [1])
        let locator = DataLocator(modelDirectory: files.directory.appendingPathComponent("models"), environment: env.path,
                                  currentDirectory: files.directory.appendingPathComponent("cwd"))
        func nearest(_ path: String) throws -> String? {
            let error = try #require(throws: DataError.self) { try locator.locate(path) }
            guard case let .notFound(_, _, nearest, range) = error else { Issue.record("\(error)"); return nil }
            #expect(range.isNone, "the locator knows no .net file")
            return nearest
        }
        #expect(try nearest("mnsit/train-images-idx3-ubyte.gz") == "mnist/train-images-idx3-ubyte.gz")
        #expect(try nearest("mnist/train-images.gz") == "mnist/train-images-idx3-ubyte.gz")
        #expect(try nearest("mnist/train-lables-idx1-ubyte") == "mnist/train-labels-idx1-ubyte.gz")
        #expect(try nearest("spiral.csv") == "spirals.csv")
        #expect(try nearest("cifar/data_batch_1.bin") == nil)
        #expect(try nearest("mnist/test.gz") == nil)
        let error = try #require(throws: DataError.self) { try locator.locate("spiral.csv") }
        #expect(error.description.hasSuffix("\ndid you mean 'spirals.csv'?"))
    }

    @Test func fetchDirectoryPrefersDataOptionThenEnvironment() {
        let cwd = URL(fileURLWithPath: "/w")
        #expect(DataLocator(dataDirectory: URL(fileURLWithPath: "/d"), environment: "/e", currentDirectory: cwd).fetchDirectory.path == "/d")
        #expect(DataLocator(environment: "/e:/f", currentDirectory: cwd).fetchDirectory.path == "/e")
        #expect(DataLocator(currentDirectory: cwd).fetchDirectory.path == "/w/data")
        let standard = DataLocator.standard(dataDirectory: nil, modelFile: "/m/net.net", environment: ["NNC_DATA": "/e"])
        #expect(standard.modelDirectory?.path == "/m")
        #expect(standard.environment == "/e")
    }
}
