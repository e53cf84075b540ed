import Foundation
@testable import NNC

/// Small data files written by the tests into a temporary directory of their own.
struct DataFixtures {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nnc-data-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Removes the directory; call from `defer`.
    func remove() { try? FileManager.default.removeItem(at: directory) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> URL { try write(name, Array(text.utf8)) }

    /// `count` images of rows × cols with pixel (n, i) = (7n + 3i) mod 256, so every value is checkable.
    static func images(count: Int, rows: Int = 4, cols: Int = 3) -> IDXArray {
        let size = rows * cols
        let bytes = (0..<(count * size)).map { UInt8((7 * ($0 / size) + 3 * ($0 % size)) % 256) }
        return IDXArray(dimensions: [count, rows, cols], bytes: bytes)
    }

    /// Labels n mod classes.
    static func labels(count: Int, classes: Int = 10) -> IDXArray {
        IDXArray(dimensions: [count], bytes: (0..<count).map { UInt8($0 % classes) })
    }
}
