import Foundation
import NNCKernels

/// What `nnc tune` measured on one CPU, kept in a small JSON file and used by every later run on
/// that CPU (as FFTW keeps its wisdom). It is keyed by the CPU model, its caches and the
/// kernels' revision: on another CPU, or after the micro-kernels change, it is stale and ignored.
public struct KernelWisdom: Equatable, Sendable {
    public var cpu: String
    public var caches: CPUCaches?
    public var kernels: String
    public var gemm: GEMMParameters
    /// When it was measured (ISO 8601), for the message that names it.
    public var measured: String
    /// The built-in set's time on the tuning products over the chosen set's, in the final
    /// head-to-head of the tuning run.
    public var speedup: Double

    /// Bumped whenever the micro-kernels or the loop nest change, so that wisdom measured for
    /// the old ones is not applied to the new.
    public static let kernelsRevision = "gemm 6x32+12x16 r1"

    /// Larger files are not wisdom nnc wrote; they are refused without being read whole.
    static let maximumBytes = 64 << 10

    public init(cpu: String, caches: CPUCaches?, kernels: String = kernelsRevision, gemm: GEMMParameters,
                measured: String, speedup: Double) {
        self.cpu = cpu; self.caches = caches; self.kernels = kernels; self.gemm = gemm
        self.measured = measured; self.speedup = speedup
    }

    /// Where wisdom lives: `$NNC_WISDOM`, else `$XDG_CACHE_HOME/nnc/wisdom.json`, else
    /// `~/.cache/nnc/wisdom.json`; nil when none of them is set.
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let p = environment["NNC_WISDOM"], !p.isEmpty { return p }
        if let c = environment["XDG_CACHE_HOME"], !c.isEmpty { return c + "/nnc/wisdom.json" }
        if let h = environment["HOME"], !h.isEmpty { return h + "/.cache/nnc/wisdom.json" }
        return nil
    }

    /// Whether it was measured on this CPU for these kernels.
    public func fits(cpu: String, caches: CPUCaches?) -> Bool {
        self.cpu == cpu && self.caches == caches && kernels == Self.kernelsRevision
    }

    /// The file's text.
    public var json: String {
        var fields: [(String, JSON)] = [("cpu", .string(cpu))]
        if let caches { fields += [("l1d_bytes", .int(caches.l1dBytes)), ("l2_bytes", .int(caches.l2Bytes))] }
        fields += [("kernels", .string(kernels)),
                   ("gemm", .object([("kc", .int(gemm.kc)), ("mc", .int(gemm.mc)), ("nc", .int(gemm.nc)),
                                     ("pack_b_min_m", .int(gemm.packBMinM))])),
                   ("measured", .string(measured)), ("speedup", .double(speedup))]
        return JSON.object(fields).render(indent: "") + "\n"
    }

    /// Reads wisdom back from `bytes`; the error says what is wrong with it.
    public static func parse(_ bytes: [UInt8]) throws(WisdomError) -> KernelWisdom {
        guard bytes.count <= maximumBytes else { throw WisdomError("it is larger than \(maximumBytes >> 10) KiB") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw WisdomError("it is not a JSON object")
        }
        func string(_ key: String) throws(WisdomError) -> String {
            guard let s = object[key] as? String else { throw WisdomError("\"\(key)\" is missing or not a string") }
            return s
        }
        func int(_ key: String, in o: [String: Any]) throws(WisdomError) -> Int {
            // JSONSerialization gives NSNumber; a whole number only, not 1.5.
            guard let n = o[key] as? NSNumber, !(o[key] is String), Double(n.int64Value) == n.doubleValue else {
                throw WisdomError("\"\(key)\" is missing or not a whole number")
            }
            return Int(n.int64Value)
        }
        guard let g = object["gemm"] as? [String: Any] else { throw WisdomError("\"gemm\" is missing or not an object") }
        let gemm = GEMMParameters(kc: try int("kc", in: g), mc: try int("mc", in: g), nc: try int("nc", in: g),
                                  packBMinM: try int("pack_b_min_m", in: g))
        if let problem = gemm.problem { throw WisdomError("its GEMM parameters cannot run: \(problem)") }
        var caches: CPUCaches?
        if object["l1d_bytes"] != nil || object["l2_bytes"] != nil {
            caches = CPUCaches(l1dBytes: try int("l1d_bytes", in: object), l2Bytes: try int("l2_bytes", in: object))
        }
        guard !(object["speedup"] is String), let speedup = (object["speedup"] as? NSNumber)?.doubleValue,
              speedup.isFinite, speedup > 0 else {
            throw WisdomError("\"speedup\" is missing or not a positive number")
        }
        return KernelWisdom(cpu: try string("cpu"), caches: caches, kernels: try string("kernels"), gemm: gemm,
                            measured: try string("measured"), speedup: speedup)
    }
}

/// Why a wisdom file was not used.
public struct WisdomError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The kernel parameters a run uses and why: wisdom measured on this CPU when there is some,
/// else the built-in set. A wisdom file that cannot be read or belongs elsewhere is passed over
/// with a warning, never an error: it is a cache, and the built-in set always works.
public struct KernelChoice: Equatable, Sendable {
    public var gemm: GEMMParameters
    /// "built in (measured on AMD Zen 4)" or "tuned on this CPU 2026-12-04, FILE".
    public var source: String
    /// Why a wisdom file found was not used, for stderr.
    public var warning: String?

    /// The choice for a CPU called `cpu` with `caches`, given the wisdom file at `path` (nil:
    /// none). The file is read only when it exists.
    public static func select(wisdomAt path: String?, cpu: String, caches: CPUCaches?) -> KernelChoice {
        let builtIn = KernelChoice(gemm: .builtIn, source: "built in (measured on AMD Zen 4; `nnc tune` measures this CPU's)")
        guard let path, FileManager.default.fileExists(atPath: path) else { return builtIn }
        var choice = builtIn
        do {
            let wisdom = try KernelWisdom.parse(try read(path))
            if wisdom.fits(cpu: cpu, caches: caches) {
                return KernelChoice(gemm: wisdom.gemm, source: "tuned on this CPU \(wisdom.measured.prefix(10)), \(path)")
            }
            let whose = wisdom.kernels == KernelWisdom.kernelsRevision ? "for \(wisdom.cpu)" : "for older kernels"
            choice.warning = "nnc: the kernel wisdom in \(path) was measured \(whose); using the built-in "
                + "parameters (run `nnc tune` to measure this CPU)"
        } catch {
            choice.warning = "nnc: ignoring the kernel wisdom in \(path): \(error); using the built-in parameters "
                + "(`nnc tune` rewrites it)"
        }
        return choice
    }

    /// At most one byte more than wisdom may hold, so that a huge file is refused unread.
    private static func read(_ path: String) throws(WisdomError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw WisdomError("it cannot be opened") }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: KernelWisdom.maximumBytes + 1) ?? Data())
        } catch {
            throw WisdomError("it cannot be read (\(error.localizedDescription))")
        }
    }
}
