import Foundation

/// What a finished process left behind: its exit status and everything it wrote.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments` to the end. Both pipes are read at once, so a process
/// that fills one of them while the other is read does not block.
/// `directory` is the working directory (default: this process's). `interrupt`, when given, is
/// asked about the standard output read so far after each read, and the first `true` sends the
/// process SIGINT (Ctrl-C) once.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
                interrupt: ((String) -> Bool)? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let errors = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errors.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    var output = Data()
    if let interrupt {
        var sent = false
        while case let chunk = out.fileHandleForReading.availableData, !chunk.isEmpty {
            output.append(chunk)
            if !sent && interrupt(String(decoding: output, as: UTF8.self)) {
                kill(process.processIdentifier, SIGINT)
                sent = true
            }
        }
    } else {
        output = out.fileHandleForReading.readDataToEndOfFile()
    }
    group.wait()
    process.waitUntilExit()
    return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                         stderr: String(decoding: errors.data, as: UTF8.self))
}
