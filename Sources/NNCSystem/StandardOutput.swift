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

/// Sends everything written to standard output from now on to /dev/null (the ranks of a
/// data-parallel run other than rank 0: one progress report, not N). Standard error stays.
public func silenceStandardOutput() {
    fflush(stdout)
    let null = open("/dev/null", O_WRONLY)
    guard null >= 0 else { return }
    dup2(null, STDOUT_FILENO)
    close(null)
}
