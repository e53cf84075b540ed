import Foundation
import Testing
@testable import NNC

/// Thousands of random mutations of every example — byte flips, truncations, swapped and
/// duplicated tokens, deleted and repeated lines, inserted bytes — through the whole front end:
/// each must end in a model or in diagnostics (never both an error and a model), with every
/// range inside the file, and within a time bound.
@Suite struct FrontendFuzzTests {
    static let mutationsPerExample = 300
    static let secondsPerInput = 1.0

    static func mutate(_ bytes: [UInt8], _ random: inout Random) -> [UInt8] {
        var b = bytes
        let rounds = 1 + random.nextInt(below: 3)
        for _ in 0..<rounds where !b.isEmpty {
            let i = random.nextInt(below: b.count)
            switch random.nextInt(below: 7) {
            case 0: b[i] ^= UInt8(1 << random.nextInt(below: 8))
            case 1: b = Array(b[..<i])
            case 2: b.insert(UInt8(truncatingIfNeeded: random.next()), at: i)
            case 3: b.insert(contentsOf: Array("{}()[],:;#\"-0123456789".utf8).shuffledPick(&random), at: i)
            case 4, 5:
                var tokens = b.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
                guard tokens.count > 1 else { continue }
                let x = random.nextInt(below: tokens.count), y = random.nextInt(below: tokens.count)
                if random.nextInt(below: 2) == 0 { tokens.swapAt(x, y) } else { tokens.insert(tokens[x], at: y) }
                b = Array(tokens.joined(separator: [UInt8(ascii: " ")]))
            default:
                var lines = b.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
                let x = random.nextInt(below: lines.count)
                if random.nextInt(below: 2) == 0 { lines.remove(at: x) } else { lines.insert(lines[x], at: x) }
                b = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
            }
        }
        return b
    }

    @Test(arguments: ExampleTests.examples)
    func mutationsEndInModelOrDiagnostics(_ name: String) throws {
        let original = Array(try Data(contentsOf: TestPaths.examples.appendingPathComponent(name)))
        var random = Random(seed: 2024, stream: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var clean = 0
        for n in 0..<Self.mutationsPerExample {
            let bytes = Self.mutate(original, &random)
            let file = SourceFile(path: name, bytes: bytes)
            let start = Date()
            let (model, diagnostics) = Frontend.check(file)
            let seconds = Date().timeIntervalSince(start)
            #expect(seconds < Self.secondsPerInput, "\(name) mutation \(n) took \(seconds) s")
            #expect((model != nil) == !diagnostics.hasErrors, "\(name) mutation \(n): model and errors disagree")
            for d in diagnostics {
                #expect(d.range.start.offset >= 0 && d.range.end.offset <= bytes.count
                        && d.range.start.offset <= d.range.end.offset,
                        "\(name) mutation \(n): \(d) lies outside the file")
                #expect(!d.message.isEmpty)
            }
            _ = DiagnosticRenderer(file: file).render(diagnostics)
            if model != nil { clean += 1 }
        }
        // Some mutations (a flipped bit in a comment) leave a valid file: the sample is not all errors.
        #expect(clean > 0 && clean < Self.mutationsPerExample, "\(name): \(clean) clean mutations")
    }
}

private extension Array where Element == UInt8 {
    func shuffledPick(_ random: inout Random) -> [UInt8] {
        [self[random.nextInt(below: count)]]
    }
}
