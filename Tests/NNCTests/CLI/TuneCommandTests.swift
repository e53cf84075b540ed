import Foundation
import NNCKernels
import Testing
@testable import NNC

/// `nnc tune` and the wisdom it leaves, as a user meets them: measured, kept, used by the next
/// command on this CPU, and passed over with a warning when it cannot be used.
@Suite(.serialized) struct TuneCommandTests {
    static let net = """
        net tuned {
          input [32]
          dense 64
          relu
          dense 4
          loss cross_entropy
        }
        optimizer sgd { lr: 0.1 }
        train { batch: 16 }
        """

    /// This process's environment with the wisdom file at `path`.
    static func environment(wisdom path: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["NNC_WISDOM"] = path
        return environment
    }

    @Test func tuningWritesWisdomThatTheNextCommandUses() throws {
        let folder = try CLI.temporaryFolder("nnc-tune")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("deeper/wisdom.json")
        let environment = Self.environment(wisdom: file.path)

        let tune = try CLI.run(["tune", "--rounds", "1"], environment: environment)
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stdout.hasPrefix("CPU: \(CPUModel.name)"))
        for section in ["\nkc:", "\nnc:", "\nmc:", "\nwhen B is packed:", "per product, built-in → chosen", "\nchosen: "] {
            #expect(tune.stdout.contains(section), "no \(section) in \(tune.stdout)")
        }
        #expect(tune.stdout.contains("wisdom written to \(file.path)"))
        let wisdom = try KernelWisdom.parse(Array(try Data(contentsOf: file)))
        #expect(wisdom.fits(cpu: CPUModel.name, caches: CPUCaches.thisMachine))
        #expect(tune.stdout.contains("chosen: \(wisdom.gemm);"))

        let show = try CLI.run(["tune", "--show"], environment: environment)
        #expect(show.status == 0 && show.stderr.isEmpty)
        #expect(show.stdout.contains("in use: GEMM \(wisdom.gemm), tuned on this CPU \(wisdom.measured.prefix(10)), \(file.path)"))

        let net = try CLI.temporaryNet(Self.net)
        defer { try? FileManager.default.removeItem(at: net) }
        let time = try CLI.run(["time", net.path, "--iterations", "2", "--warmup", "0", "--threads", "1"], environment: environment)
        #expect(time.status == 0, "\(time.stderr)")
        #expect(time.stdout.contains("GEMM \(wisdom.gemm), tuned on this CPU"))
    }

    @Test func wisdomThatCannotBeUsedIsPassedOverWithAWarning() throws {
        let folder = try CLI.temporaryFolder("nnc-tune")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("wisdom.json")
        let environment = Self.environment(wisdom: file.path)
        let net = try CLI.temporaryNet(Self.net)
        defer { try? FileManager.default.removeItem(at: net) }

        try Data("not json".utf8).write(to: file)
        let broken = try CLI.run(["time", net.path, "--iterations", "2", "--warmup", "0"], environment: environment)
        #expect(broken.status == 0)
        #expect(broken.stderr == "nnc: ignoring the kernel wisdom in \(file.path): it is not a JSON object; using the "
                + "built-in parameters (`nnc tune` rewrites it)\n")
        #expect(broken.stdout.contains("GEMM \(GEMMParameters.builtIn), built in"))

        let other = KernelWisdom(cpu: "Some Other CPU", caches: nil, gemm: GEMMParameters(kc: 16, mc: 12, nc: 32, packBMinM: 0),
                                 measured: "2026-01-01T00:00:00Z", speedup: 1.5)
        try Data(other.json.utf8).write(to: file)
        let elsewhere = try CLI.run(["time", net.path, "--iterations", "2", "--warmup", "0"], environment: environment)
        #expect(elsewhere.status == 0)
        #expect(elsewhere.stdout.contains("GEMM \(GEMMParameters.builtIn), built in"))
        #expect(elsewhere.stderr.contains("was measured for Some Other CPU; using the built-in parameters"), "\(elsewhere.stderr)")

        // Checking a file runs no kernels and reads no wisdom.
        let check = try CLI.run(["check", net.path], environment: environment)
        #expect(check.status == 0 && check.stderr.isEmpty)
    }

    @Test func mistakesStopBeforeAnyMeasuring() throws {
        let folder = try CLI.temporaryFolder("nnc-tune")
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("a-file")
        try Data().write(to: blocker)
        let environment = Self.environment(wisdom: blocker.appendingPathComponent("wisdom.json").path)
        let unwritable = try CLI.run(["tune"], environment: environment)
        #expect(unwritable.status == 74)
        #expect(unwritable.stderr.contains("cannot make the folder for the wisdom"))
        #expect(!unwritable.stdout.contains("timing"))

        let rounds = try CLI.run(["tune", "--rounds", "0"], environment: environment)
        #expect(rounds.status == 64 && rounds.stderr.contains("--rounds"))
        let extra = try CLI.run(["tune", "model.net"], environment: environment)
        #expect(extra.status == 64)
    }
}
