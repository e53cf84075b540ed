import Foundation
import NNCKernels
import Testing
@testable import NNC

@Suite struct CPUCachesTests {
    @Test func sizesAsSysfsWritesThem() {
        #expect(CPUCaches.bytes("48K") == 48 << 10)
        #expect(CPUCaches.bytes("2048K") == 2 << 20)
        #expect(CPUCaches.bytes("2M") == 2 << 20)
        #expect(CPUCaches.bytes("65536") == 65536)
        for bad in ["", "K", "-1K", "0K", "1.5M", "12Q", "٣K", "99999999999999999999K", "2097152G"] {
            #expect(CPUCaches.bytes(bad) == nil, "\(bad)")
        }
    }

    @Test func theL1DataAndL2CachesOfAFolderLikeSysfs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-caches-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func cache(_ index: Int, _ level: String, _ type: String, _ size: String) throws {
            let d = folder.appendingPathComponent("index\(index)")
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for (name, value) in [("level", level), ("type", type), ("size", size)] {
                try Data((value + "\n").utf8).write(to: d.appendingPathComponent(name))
            }
        }
        try cache(0, "1", "Data", "48K")
        try cache(1, "1", "Instruction", "32K")
        #expect(CPUCaches.read(folder: folder.path) == nil, "no L2 yet")
        try cache(2, "2", "Unified", "2048K")
        try cache(3, "3", "Unified", "105M")
        #expect(CPUCaches.read(folder: folder.path) == CPUCaches(l1dBytes: 48 << 10, l2Bytes: 2 << 20))
        #expect(CPUCaches.read(folder: folder.path + "/missing") == nil)
        #expect(CPUCaches(l1dBytes: 48 << 10, l2Bytes: 2 << 20).description == "48 KiB L1d, 2 MiB L2 per core")
    }
}

@Suite struct KernelWisdomTests {
    static let caches = CPUCaches(l1dBytes: 48 << 10, l2Bytes: 2 << 20)
    static let wisdom = KernelWisdom(cpu: "Intel(R) Xeon(R) Test", caches: caches,
                                     gemm: GEMMParameters(kc: 576, mc: 132, nc: 640, packBMinM: 64),
                                     measured: "2026-12-04T22:00:00Z", speedup: 1.07)

    @Test func itsJSONReadsBackAsItself() throws {
        #expect(try KernelWisdom.parse(Array(Self.wisdom.json.utf8)) == Self.wisdom)
        var noCaches = Self.wisdom
        noCaches.caches = nil
        #expect(try KernelWisdom.parse(Array(noCaches.json.utf8)) == noCaches)
    }

    @Test func whereItLives() {
        #expect(KernelWisdom.path(environment: ["NNC_WISDOM": "/w.json", "HOME": "/h"]) == "/w.json")
        #expect(KernelWisdom.path(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]) == "/c/nnc/wisdom.json")
        #expect(KernelWisdom.path(environment: ["HOME": "/h", "NNC_WISDOM": ""]) == "/h/.cache/nnc/wisdom.json")
        #expect(KernelWisdom.path(environment: [:]) == nil)
    }

    @Test func filesThatAreNotWisdomSayWhy() {
        func reason(_ text: String) -> String? {
            do { _ = try KernelWisdom.parse(Array(text.utf8)); return nil } catch { return error.reason }
        }
        let good = Self.wisdom.json
        #expect(reason("") == "it is not a JSON object")
        #expect(reason("[1, 2]") == "it is not a JSON object")
        #expect(reason(good.replacingOccurrences(of: "\"kc\": 576", with: "\"kc\": 576.5")) == "\"kc\" is missing or not a whole number")
        #expect(reason(good.replacingOccurrences(of: "\"kc\": 576", with: "\"kc\": \"576\"")) == "\"kc\" is missing or not a whole number")
        #expect(reason(good.replacingOccurrences(of: "\"kc\": 576", with: "\"kc\": 0"))
                == "its GEMM parameters cannot run: kc 0 is not within 16…2048")
        #expect(reason(good.replacingOccurrences(of: "\"nc\": 640", with: "\"nc\": 1e300"))
                == "\"nc\" is missing or not a whole number")
        #expect(reason(good.replacingOccurrences(of: "\"speedup\": 1.07", with: "\"speedup\": -1"))
                == "\"speedup\" is missing or not a positive number")
        #expect(reason(good.replacingOccurrences(of: "\"cpu\"", with: "\"processor\"")) == "\"cpu\" is missing or not a string")
        #expect(reason(good.replacingOccurrences(of: "\"l2_bytes\"", with: "\"l3_bytes\"")) == "\"l2_bytes\" is missing or not a whole number")
        #expect(reason(String(repeating: " ", count: 70_000) + good) == "it is larger than 64 KiB")
    }

    @Test func theChoiceIsTheWisdomOnlyOnItsOwnCPU() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-wisdom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("wisdom.json").path
        let cpu = Self.wisdom.cpu, caches = Self.caches

        let none = KernelChoice.select(wisdomAt: file, cpu: cpu, caches: caches)
        #expect(none.gemm == .builtIn && none.warning == nil && none.source.hasPrefix("built in"))
        #expect(KernelChoice.select(wisdomAt: nil, cpu: cpu, caches: caches) == none)

        try Data(Self.wisdom.json.utf8).write(to: URL(fileURLWithPath: file))
        let tuned = KernelChoice.select(wisdomAt: file, cpu: cpu, caches: caches)
        #expect(tuned.gemm == Self.wisdom.gemm && tuned.warning == nil)
        #expect(tuned.source == "tuned on this CPU 2026-12-04, \(file)")

        let elsewhere = KernelChoice.select(wisdomAt: file, cpu: "AMD EPYC", caches: caches)
        #expect(elsewhere.gemm == .builtIn)
        #expect(elsewhere.warning?.contains("measured for Intel(R) Xeon(R) Test") == true)
        // Same model name, other caches (a different SKU or a VM's view): stale too.
        #expect(KernelChoice.select(wisdomAt: file, cpu: cpu, caches: CPUCaches(l1dBytes: 48 << 10, l2Bytes: 1 << 20)).gemm == .builtIn)

        var old = Self.wisdom
        old.kernels = "gemm r0"
        try Data(old.json.utf8).write(to: URL(fileURLWithPath: file))
        let stale = KernelChoice.select(wisdomAt: file, cpu: cpu, caches: caches)
        #expect(stale.gemm == .builtIn && stale.warning?.contains("for older kernels") == true)

        try Data("{\"cpu\": ".utf8).write(to: URL(fileURLWithPath: file))
        let broken = KernelChoice.select(wisdomAt: file, cpu: cpu, caches: caches)
        #expect(broken.gemm == .builtIn)
        #expect(broken.warning == "nnc: ignoring the kernel wisdom in \(file): it is not a JSON object; using the built-in "
                + "parameters (`nnc tune` rewrites it)")

        let directory = KernelChoice.select(wisdomAt: folder.path, cpu: cpu, caches: caches)
        #expect(directory.gemm == .builtIn && directory.warning != nil)
    }
}

@Suite struct GEMMTunerTests {
    /// A real search, shortened: it ends on a set the driver can run, with one comparison per
    /// parameter, each candidate timed, and the built-in set kept unless it lost by the margin.
    @Test func aShortSearchEndsOnARunnableSet() {
        var tuner = GEMMTuner()
        tuner.rounds = 1
        tuner.trials = 1
        tuner.minSeconds = 0.0005
        var heard: [String] = []
        let outcome = tuner.run(caches: CPUCaches(l1dBytes: 48 << 10, l2Bytes: 2 << 20)) { heard.append($0.what) }
        #expect(outcome.best.problem == nil)
        #expect(heard == ["the built-in set against the set scaled to 48 KiB L1d, 2 MiB L2 per core",
                          "kc", "nc", "mc", "when B is packed"])
        for c in outcome.comparisons {
            #expect(c.candidates.count == c.seconds.count && c.seconds.allSatisfy { $0 > 0 && $0.isFinite })
            #expect(c.candidates.allSatisfy { $0.problem == nil })
            // The incumbent leads; a rival is chosen only by beating it by the margin.
            if c.chosen != 0 { #expect(c.seconds[c.chosen] < c.seconds[0] * (1 - tuner.margin)) }
        }
        #expect(outcome.speedup == 1 ? true : outcome.speedup >= 1 + tuner.margin / 2)
        #expect(outcome.perProduct.count == GEMMTuner.products.count)
    }
}
