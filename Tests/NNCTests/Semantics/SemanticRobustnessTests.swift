import Foundation
import Testing
@testable import NNC

/// Nothing a user can type crashes or hangs the front end.
@Suite struct SemanticRobustnessTests {
    static func checkQuickly(_ bytes: [UInt8], seconds: Double = 10) -> [Diagnostic] {
        let start = Date()
        let (model, diagnostics) = Frontend.check(SourceFile(path: "t.net", bytes: bytes))
        #expect(Date().timeIntervalSince(start) < seconds)
        #expect((model != nil) == !diagnostics.hasErrors)
        return diagnostics
    }

    @Test func emptyFile() {
        let d = Self.checkQuickly([])
        #expect(d.map(\.description) == ["1:1: error: no 'net' in this file"])
    }

    @Test func binaryGarbageAndNonUTF8() {
        var random = Random(seed: 9)
        for _ in 0..<20 {
            let bytes = (0..<2000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(Self.checkQuickly(bytes).hasErrors)
        }
        let latin1: [UInt8] = Array("net n { input [4]; dense 2 # caf".utf8) + [0xE9, 0xFF, 0xC3] + Array("\n loss mse }".utf8)
        #expect(!Self.checkQuickly(latin1).hasErrors)
    }

    @Test func tenThousandDeepNesting() {
        let open = String(repeating: "residual { ", count: 10_000), close = String(repeating: "} ", count: 10_000)
        let d = Self.checkQuickly(Array("net n {\n input [4]\n \(open)relu \(close)\n loss mse\n}\n".utf8))
        #expect(d.hasErrors)
        let exprs = "let a = " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(Self.checkQuickly(Array(exprs.utf8)).hasErrors)
        let negations = "let a = " + String(repeating: "-", count: 10_000) + "1"
        #expect(Self.checkQuickly(Array(negations.utf8)).hasErrors)
    }

    @Test func nestingWithinTheParserLimitIsStoppedByTheChecker() {
        let open = String(repeating: "repeat 1 { ", count: 100), close = String(repeating: "} ", count: 100)
        let d = Self.checkQuickly(Array("net n {\n input [4]\n \(open)relu \(close)\n loss mse\n}\n".utf8))
        #expect(d.contains { $0.message.contains("nested more than \(BlockExpander.maxDepth) deep") })
    }

    @Test func hugeRepeatsAreErrorsNotHangs() {
        for body in ["relu", "dense 4", "repeat 1000000000 { relu }", "", "repeat 1000000000 { }"] {
            let text = "net n {\n input [4]\n repeat 1000000000 { \(body) }\n loss mse\n}\n"
            let d = Self.checkQuickly(Array(text.utf8))
            if body.contains("relu") || body.contains("dense") {
                #expect(d.contains { $0.message.contains("larger than 100000 layers") }, "\(body)")
            } else {
                #expect(!d.hasErrors, "an empty repeat expands to nothing: \(d)")
            }
        }
        // Just under the cap is fine and fast; one over is not.
        let under = SemanticSupport.check("net n { input [4]; repeat 99999 { relu }; loss mse }")
        #expect(under.model?.layers.count == 99_999)
        let over = SemanticSupport.messages("net n { input [4]; repeat 50001 { relu; relu }; loss mse }")
        #expect(over == ["1:20: error: 'repeat 50001' of 2 layers makes the net larger than 100000 layers"])
    }

    @Test func exponentialBlocksAreCapped() {
        var text = "block b0() { relu }\n"
        for i in 1...40 { text += "block b\(i)() { b\(i - 1)(); b\(i - 1)() }\n" }
        text += "net n { input [4]; b40(); loss mse }\n"
        let d = Self.checkQuickly(Array(text.utf8))
        #expect(d.contains { $0.message.contains("more than 100000 layers") })
    }

    @Test func hugeNumbers() {
        let cases = ["dense 9223372036854775807", "dense 99999999999999999999", "dense 1e308 * 10",
                     "dense 9223372036854775807 * 2", "dense -9223372036854775807 - 2", "conv 1073741824, kernel: 1",
                     "dense 1073741824"]
        for c in cases {
            let d = Self.checkQuickly(Array("net n { input [4]; \(c); loss mse }".utf8))
            #expect(d.hasErrors, "\(c)")
        }
        // Sizes within the cap but with too many weights: an error, not an overflow trap.
        let big = SemanticSupport.messages("net n { input [1073741824]; dense 1073741824; loss mse }")
        #expect(big.contains { $0.contains("more than 2147483648 values") })
    }
}

@Suite struct ConstantChainTests {
    /// Constants defined in reverse order are evaluated on first use, recursively: a long
    /// chain must end in an error, not a stack overflow.
    @Test func longChainsOfConstantsAreBounded() {
        var text = ""
        for i in 0..<20_000 { text += "let c\(i) = c\(i + 1) + 1\n" }
        text += "let c20000 = 1\nnet n { input [4]; dense c0; loss mse }\n"
        let d = SemanticRobustnessTests.checkQuickly(Array(text.utf8), seconds: 5)
        #expect(d.contains { $0.message.contains("nested more than") })
        // A short chain is fine in any order.
        let short = SemanticSupport.model("let a = b + 1\nlet b = c * 2\nlet c = 3\nnet n { input [a]; dense b; loss mse }")
        #expect(short?.inputShape == [7] && short?.outputShape == [6])
    }
}
