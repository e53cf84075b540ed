import Foundation
import Testing
@testable import NNC

@Suite struct SafetensorsTests {
    let tensors = [
        TensorData(name: "dense1.weight", shape: [2, 3], floats: [1, -2, 3.5, 0, .infinity, -0.0]),
        TensorData(name: "dense1.bias", shape: [3], floats: [0.25, 0.5, 0.75]),
        TensorData(name: "step_scalar", shape: [], floats: [42]),
        TensorData(name: "bn.count", dtype: .i64, shape: [1], bytes: [7, 0, 0, 0, 0, 0, 0, 0]),
    ]

    func encoded() throws -> [UInt8] { try Safetensors.encode(tensors, metadata: ["nnc.step": "10", "note": "quote \" and \\ and \n"]) }

    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        let file = try Safetensors.parse(encoded(), file: "c.safetensors")
        #expect(file.tensors.map(\.name) == ["dense1.weight", "dense1.bias", "step_scalar", "bn.count"])
        #expect(file.info("dense1.weight")?.shape == [2, 3])
        #expect(file.info("dense1.weight")?.dtype == .f32)
        #expect(file.info("step_scalar")?.shape == [])
        #expect(file.info("bn.count")?.dtype == .i64)
        let weights = try file.floats("dense1.weight")
        #expect(weights.map(\.bitPattern) == [1, -2, 3.5, 0, Float.infinity, -0.0].map(\.bitPattern))
        #expect(try file.floats("step_scalar") == [42])
        #expect(try file.bytes("bn.count") == [7, 0, 0, 0, 0, 0, 0, 0])
        #expect(file.metadata == ["nnc.step": "10", "note": "quote \" and \\ and \n"])
        #expect(throws: CheckpointError.noTensor(file: "c.safetensors", tensor: "nope")) { try file.floats("nope") }
        #expect(throws: CheckpointError.wrongDType(file: "c.safetensors", tensor: "bn.count", dtype: "I64", wanted: "F32")) {
            try file.floats("bn.count")
        }
    }

    @Test func layoutMatchesTheReferenceFormat() throws {
        let bytes = try Safetensors.encode([TensorData(name: "a", shape: [2], floats: [1, 2])])
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(bytes[2..<8].allSatisfy { $0 == 0 })
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.trimmingCharacters(in: .whitespaces) == #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#)
        #expect(Array(bytes[(8 + headerLength)...]) == [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])
    }

    // What the Python library writes (header keys in its own order, with __metadata__ first).
    @Test func readsAHandWrittenFile() throws {
        let header = #"{"__metadata__":{"format":"pt"},"w":{"data_offsets":[0,4],"dtype":"F32","shape":[1,1]}}"#
        var bytes = [UInt8](repeating: 0, count: 8)
        bytes[0] = UInt8(header.utf8.count)
        bytes += Array(header.utf8) + [0, 0, 0xc0, 0x3f]
        let file = try Safetensors.parse(bytes, file: "py.safetensors")
        #expect(try file.floats("w") == [1.5])
        #expect(file.metadata["format"] == "pt")
    }

    // Every malformed case names the file and says what is wrong; none traps.
    @Test func malformedFiles() throws {
        func file(_ header: String, data: Int = 0) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 8)
            let length = header.utf8.count
            for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: length >> (8 * i)) }
            return bytes + Array(header.utf8) + [UInt8](repeating: 0, count: data)
        }
        func error(_ bytes: [UInt8]) -> CheckpointError? {
            do {
                _ = try Safetensors.parse(bytes, file: "m")
                return nil
            } catch { return error as? CheckpointError }
        }
        #expect(error([1, 2, 3]) == .tooShort(file: "m", bytes: 3))
        #expect(error([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x7b]) == .headerLength(file: "m", length: 0xffff_ffff, fileBytes: 9))
        #expect(error([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) == .headerLength(file: "m", length: .max, fileBytes: 8))
        #expect(error(file("{not json")) == .badHeader(file: "m", detail: "not valid json"))
        #expect(error(file("[1, 2]")) == .badHeader(file: "m", detail: "not a json object"))
        #expect(error(file(#"{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}"#, data: 4))
                == .unknownDType(file: "m", tensor: "a", dtype: "F31"))
        #expect(error(file(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: 4)) == .badTensor(file: "m", tensor: "a", detail: "missing dtype"))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: 4))
                == .badTensor(file: "m", tensor: "a", detail: "shape is not a list of non-negative integers"))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: 4))
                == .badTensor(file: "m", tensor: "a", detail: "shape is not a list of non-negative integers"))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: 4))
                == .badTensor(file: "m", tensor: "a", detail: "data_offsets is not [begin, end] with 0 <= begin <= end"))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: 20))
                == .byteCount(file: "m", tensor: "a", shape: [2, 3], dtype: "F32", expected: 24, actual: 20))
        // A 0 extent after two whose product overflows: the byte count (0) matches, and counting
        // the elements trapped (found by reading the code for issue 16).
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}"#))
                == .badTensor(file: "m", tensor: "a", detail: "shape [4294967296, 4294967296, 0] has too many elements to count"))
        let empty = try Safetensors.parse(file(#"{"a":{"dtype":"F32","shape":[0,4294967296],"data_offsets":[0,0]}}"#), file: "m")
        #expect(try empty.floats("a") == [])
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: 5))
                == .outOfBounds(file: "m", tensor: "a", end: 8, dataBytes: 5))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8))
                == .overlap(file: "m", tensor: "b", other: "a"))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8))
                == .gap(file: "m", tensor: "a", offset: 4, expected: 0))
        #expect(error(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 6)) == .trailingBytes(file: "m", bytes: 2))
        #expect(error(file(#"{"__metadata__":{"step":3}}"#)) == .badMetadata(file: "m", detail: "value of 'step' is not a string"))
        #expect(error(file(#"{"__metadata__":[1]}"#)) == .badMetadata(file: "m", detail: "__metadata__ is not an object"))
        #expect(CheckpointError.byteCount(file: "m", tensor: "a", shape: [2, 3], dtype: "F32", expected: 24, actual: 20).description
                == "m: tensor 'a' of shape [2, 3] and dtype F32 needs 24 bytes but its data_offsets span 20")
    }

    @Test func everyTruncationIsAnError() throws {
        let bytes = try encoded()
        for length in 0..<bytes.count {
            #expect(throws: CheckpointError.self, "truncated to \(length) bytes") {
                try Safetensors.parse(Array(bytes[..<length]), file: "t")
            }
        }
    }

    @Test func encodeRejectsBadTensors() {
        #expect(throws: CheckpointError.self) {
            try Safetensors.encode([TensorData(name: "a", shape: [1], floats: [1]), TensorData(name: "a", shape: [1], floats: [2])])
        }
        #expect(throws: CheckpointError.invalidTensor(tensor: "a", detail: "shape [3] of F32 does not match its 8 bytes")) {
            try Safetensors.encode([TensorData(name: "a", shape: [3], floats: [1, 2])])
        }
    }

    @Test func writeIsAtomic() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let url = files.directory.appendingPathComponent("model.safetensors")
        try Safetensors.write(tensors, metadata: ["nnc.step": "1"], to: url)
        #expect(try Safetensors.read(url).metadata["nnc.step"] == "1")
        // A write that dies after flushing but before the rename leaves the old checkpoint whole
        // and no temporary file behind.
        struct Killed: Error {}
        let newer = try Safetensors.encode(tensors, metadata: ["nnc.step": "2"])
        #expect(throws: CheckpointError.self) { try Safetensors.write(newer, to: url, beforeRename: { throw Killed() }) }
        #expect(try Safetensors.read(url).metadata["nnc.step"] == "1")
        #expect(try FileManager.default.contentsOfDirectory(atPath: files.directory.path) == ["model.safetensors"])
        // Overwriting in place succeeds.
        try Safetensors.write(tensors, metadata: ["nnc.step": "3"], to: url)
        #expect(try Safetensors.read(url).metadata["nnc.step"] == "3")
        let missing = files.directory.appendingPathComponent("no/such/dir/x.safetensors")
        #expect(throws: CheckpointError.self) { try Safetensors.write(tensors, to: missing) }
        #expect(throws: CheckpointError.cannotRead(file: missing.path, reason: "no such file")) { try Safetensors.read(missing) }
    }

    /// A writer killed mid-write (`kill -9`) leaves `.NAME.tmp-PID-RAND` behind; the next write
    /// of the same file removes those of processes that no longer run, and nothing else.
    @Test func staleTemporariesAreRemovedByTheNextWrite() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let url = files.directory.appendingPathComponent("model.safetensors")
        // No process has an id above the kernel's limit; this one is certainly alive.
        let limit = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 4_194_304
        let dead = ".model.safetensors.tmp-\(limit + 1)-17"
        let live = ".model.safetensors.tmp-\(ProcessInfo.processInfo.processIdentifier)-18"
        let other = ".other.safetensors.tmp-\(limit + 1)-19"
        for name in [dead, live, other] {
            #expect(FileManager.default.createFile(atPath: files.directory.appendingPathComponent(name).path, contents: Data([1])))
        }
        try Safetensors.write(tensors, metadata: ["nnc.step": "1"], to: url)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: files.directory.path))
        #expect(left == ["model.safetensors", live, other])
    }

    // A Python reader with only the standard library gets the same numbers: the format really is portable.
    @Test func pythonReadsTheWeights() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let url = files.directory.appendingPathComponent("w.safetensors")
        try Safetensors.write(tensors, metadata: ["nnc.step": "10"], to: url)
        let script = """
            import json, struct, sys
            raw = open(sys.argv[1], 'rb').read()
            n = struct.unpack('<Q', raw[:8])[0]
            header = json.loads(raw[8:8 + n])
            begin, end = header['dense1.weight']['data_offsets']
            values = struct.unpack('<6f', raw[8 + n + begin:8 + n + end])
            print(header['__metadata__']['nnc.step'], header['dense1.weight']['shape'], list(values))
            """
        let output: ProcessOutput
        do { output = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, url.path]) } catch {
            print("python3 not available; skipping the Python interoperability check")
            return
        }
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10 [2, 3] [1.0, -2.0, 3.5, 0.0, inf, -0.0]")
    }

    @Test func checkpointMetadataRoundTrip() throws {
        var random = Random(seed: 99)
        _ = random.next()
        let state = CheckpointMetadata(step: 1200, epoch: 3, learningRate: 0.1 * 0.3, randomState: random.state, extra: ["model": "mlp"])
        let file = try Safetensors.parse(Safetensors.encode(tensors, metadata: state.strings), file: "c")
        let back = try CheckpointMetadata(file)
        #expect(back.step == 1200 && back.epoch == 3)
        #expect(back.learningRate == 0.1 * 0.3)
        #expect(back.randomState == random.state)
        #expect(back.extra["model"] == "mlp")
        #expect(back.extra["format"] == "pt")
        var broken = state.strings
        broken["nnc.rng"] = "1,2,3"
        let bad = try Safetensors.parse(Safetensors.encode([], metadata: broken), file: "c")
        #expect(throws: CheckpointError.badMetadata(file: "c", detail: "'nnc.rng' has malformed value '1,2,3'")) { try CheckpointMetadata(bad) }
        // Counts a run could never reach: a step of Int.max resumed into a trap on the next step.
        broken = state.strings
        broken["nnc.step"] = "9223372036854775807"
        let huge = try Safetensors.parse(Safetensors.encode([], metadata: broken), file: "c")
        #expect(throws: CheckpointError.badMetadata(file: "c", detail: "'nnc.step' is 9223372036854775807, beyond the 9007199254740992 any run can reach")) {
            try CheckpointMetadata(huge)
        }
        broken["nnc.step"] = "9007199254740992"
        broken["nnc.epoch"] = "9007199254740993"
        let hugeEpoch = try Safetensors.parse(Safetensors.encode([], metadata: broken), file: "c")
        #expect(throws: CheckpointError.badMetadata(file: "c", detail: "'nnc.epoch' is 9007199254740993, beyond the 9007199254740992 any run can reach")) {
            try CheckpointMetadata(hugeEpoch)
        }
        broken["nnc.step"] = nil
        let missing = try Safetensors.parse(Safetensors.encode([], metadata: broken), file: "c")
        #expect(throws: CheckpointError.badMetadata(file: "c", detail: "missing 'nnc.step'")) { try CheckpointMetadata(missing) }
    }
}
