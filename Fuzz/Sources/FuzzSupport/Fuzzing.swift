import CFuzzDriver
import Foundation

nonisolated(unsafe) private var harness: ([UInt8]) -> Void = { _ in }

/// libFuzzer's entry point for one input. Defined even though `fuzz` passes it to the driver
/// explicitly, because compiler-rt's fuzzer objects refer to it by name.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    harness(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Runs libFuzzer with the process's arguments, calling `body` with each input; does not return.
/// An input may only end in a value or a thrown error that `body` catches: a trap, a sanitizer
/// report, a timeout or running out of memory is a finding.
public func fuzz(_ body: @escaping ([UInt8]) -> Void) -> Never {
    harness = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) })
}
