#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pushes what `print` buffered to the terminal or pipe now: a progress line must show while
/// the next step runs. C's `stdout` is a global pointer, so this lives with the C interop.
public func flushStandardOutput() {
    fflush(stdout)
}
