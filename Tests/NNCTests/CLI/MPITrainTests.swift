import Foundation
import Testing
@testable import NNC

/// `mpirun -np 2 nnc train` for real (issue 19): Open MPI's launcher and an nnc built with the
/// MPI trait (`swift build -c release --traits MPI --scratch-path .build-mpi`, which .ci/run
/// does). Where either is missing the tests say so and skip; DataParallelTests check the same
/// arithmetic in-process on every machine.
@Suite(.serialized) struct MPITrainTests {
    static let spirals = TestPaths.examples.appendingPathComponent("spirals.net").path

    /// `mpirun`, or nil.
    static let mpirun: URL? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// The MPI build of nnc: `$NNC_MPI_BINARY`, else `.build-mpi/release/nnc` in the repository.
    static let mpiNNC: URL? = {
        let given = ProcessInfo.processInfo.environment["NNC_MPI_BINARY"].map { URL(fileURLWithPath: $0) }
        return [given, TestPaths.repoRoot.appendingPathComponent(".build-mpi/release/nnc")].compactMap { $0 }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Why these tests cannot run here, or nil when they can.
    static var missing: String? {
        if mpirun == nil { return "mpirun not found (Debian: apt-get install openmpi-bin libopenmpi-dev); skipping the MPI runs" }
        if mpiNNC == nil {
            return "no MPI build of nnc (swift build -c release --traits MPI --scratch-path .build-mpi, or NNC_MPI_BINARY); skipping the MPI runs"
        }
        return nil
    }

    /// Open MPI refuses root unless told; CI runs as root.
    static var environment: [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        e["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        return e
    }

    /// `mpirun -np ranks <nnc> arguments…`.
    static func mpi(_ ranks: Int, _ arguments: [String], nnc: URL? = nil, interrupt: ((String) -> Bool)? = nil) throws -> ProcessOutput {
        let binary = try #require(nnc ?? mpiNNC)
        return try runProcess(try #require(mpirun), ["--oversubscribe", "-np", "\(ranks)", binary.path] + arguments,
                              environment: environment, interrupt: interrupt)
    }

    /// The MPI build alone, as one process.
    static func alone(_ arguments: [String]) throws -> ProcessOutput {
        try runProcess(try #require(mpiNNC), arguments, environment: environment)
    }

    static func tensors(_ url: URL) throws -> [String: [Float]] {
        let file = try Checkpoint.read(url)
        return try Dictionary(uniqueKeysWithValues: file.tensors.filter { $0.dtype == .f32 }.map { ($0.name, try file.floats($0.name)) })
    }

    /// The largest difference between two checkpoints' tensors, relative to each tensor's size.
    static func difference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Double {
        var worst = 0.0
        for (name, x) in a {
            guard let y = b[name], y.count == x.count else { return .infinity }
            let scale = max(x.map { abs(Double($0)) }.max() ?? 0, 1e-6)
            worst = max(worst, zip(x, y).map { abs(Double($0) - Double($1)) / scale }.max() ?? 0)
        }
        return a.count == b.count ? worst : .infinity
    }

    /// A small conv net under SGD2 with sampled columns, without the examples' learning-rate search.
    static let convNet = """
        net conv {
          input [1, 28, 28]
          conv 8, kernel: 5, stride: 2, init: normal(0.1)
          relu
          maxpool 2
          flatten
          dense 10, init: normal(0.05)
          loss cross_entropy
        }
        data {
          train: idx("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz")
          test: idx("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz")
          scale: 1/255
        }
        optimizer sgd2 { lr: 0.05, momentum: 0.9, samples: 400 }
        train { batch: 50, epochs: 1, seed: 3 }
        """

    /// The runs to compare, and whether two ranks should give one process's weights up to
    /// rounding (`exact`) or, SGD2 sampling its columns per rank, only train as well.
    static func runs(in dir: URL) throws -> [(name: String, arguments: [String], exact: Bool)] {
        var runs = [("spirals, adam", [spirals, "--epochs", "3", "--limit", "320"], true)]
        guard let mnist = TestPaths.sharedData?.path else {
            print(TestPaths.mnistMissing)
            return runs
        }
        let conv = dir.appendingPathComponent("conv.net")
        try Data(convNet.utf8).write(to: conv)
        let data = ["--data", mnist, "--epochs", "1", "--limit", "3000"]
        runs.append(("MLP, sgd", [TestPaths.examples.appendingPathComponent("mnist_mlp_sgd.net").path] + data, true))
        runs.append(("MLP, sgd2", [TestPaths.examples.appendingPathComponent("mnist_mlp.net").path] + data, false))
        runs.append(("conv, sgd2", [conv.path] + data, false))
        return runs
    }

    /// The last epoch's training loss printed.
    static func trainLoss(_ stdout: String) -> Double? {
        stdout.components(separatedBy: "train loss ").last.flatMap { Double($0.prefix { !$0.isWhitespace }) }
    }

    /// Two ranks train the global batch: the weights of one process up to the rounding of sums
    /// split in two (not bit for bit: each rank's GEMM sums its half of the batch) — or, where
    /// SGD2 samples columns per rank, a training loss within 2 % of it — and the same bits when
    /// the two-rank run is repeated. Rank 0 alone prints.
    @Test func twoRanksTrainAsOneProcessDoes() throws {
        if let missing = Self.missing { print(missing); return }
        let dir = try CLI.temporaryFolder("nnc-mpi")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, run) in try Self.runs(in: dir).enumerated() {
            let one = dir.appendingPathComponent("one\(i).safetensors"), two = dir.appendingPathComponent("two\(i).safetensors")
            let again = dir.appendingPathComponent("again\(i).safetensors")
            let single = try Self.alone(["train"] + run.arguments + ["--threads", "1", "--checkpoint", one.path])
            #expect(single.status == 0, "\(run.name): \(single.stderr)")
            let pair = try Self.mpi(2, ["train"] + run.arguments + ["--threads", "1", "--checkpoint", two.path])
            #expect(pair.status == 0, "\(run.name): \(pair.stderr)")
            #expect(pair.stdout.contains("ranks: 2, each training on"), "\(run.name): \(pair.stdout)")
            #expect(pair.stdout.components(separatedBy: "final test error").count == 2, "only rank 0 reports: \(pair.stdout)")
            if run.exact {
                let difference = Self.difference(try Self.tensors(one), try Self.tensors(two))
                #expect(difference < 1e-4, "\(run.name): two ranks differ from one process by \(difference)")
            } else {
                let a = try #require(Self.trainLoss(single.stdout)), b = try #require(Self.trainLoss(pair.stdout))
                #expect(abs(a - b) <= 0.02 * a, "\(run.name): train loss \(b) on two ranks, \(a) alone")
            }
            let repeated = try Self.mpi(2, ["train"] + run.arguments + ["--threads", "1", "--checkpoint", again.path])
            #expect(repeated.status == 0, "\(run.name): \(repeated.stderr)")
            #expect(try Self.tensors(again) == Self.tensors(two), "\(run.name): a repeated two-rank run is not bit-identical")
        }
    }

    /// A rank killed mid-run stops the other within seconds, naming it; the checkpoint at the
    /// path is still whole.
    @Test func aKilledRankStopsTheRun() throws {
        if let missing = Self.missing { print(missing); return }
        let dir = try CLI.temporaryFolder("nnc-mpi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("c.safetensors")
        let first = try Self.mpi(2, ["train", Self.spirals, "--epochs", "2", "--limit", "320", "--checkpoint", checkpoint.path])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Self.tensors(checkpoint)

        var killedAt: Date?
        let run = try Self.mpi(2, ["train", Self.spirals, "--epochs", "2000", "--limit", "320", "--threads", "1",
                                   "--checkpoint", checkpoint.path]) { out in
            // Three epoch lines printed: the run is well under way, a checkpoint or two written.
            guard killedAt == nil, out.components(separatedBy: "/2000 ").count > 3 else { return false }
            if let pid = Self.rankProcess(1, holding: checkpoint.path) {
                kill(pid, SIGKILL)
                killedAt = Date()
            }
            return false
        }
        let killed = try #require(killedAt, "rank 1 was never found to kill: \(run.stdout) \(run.stderr)")
        #expect(Date().timeIntervalSince(killed) < 20, "the run took \(Date().timeIntervalSince(killed)) s to stop")
        #expect(run.status != 0)
        #expect(run.stderr.contains("rank 1"), "\(run.stderr)")
        // Whatever the checkpoint holds now is a whole one: the last written, or the first run's.
        let after = try Self.tensors(checkpoint)
        #expect(after.keys.sorted() == before.keys.sorted())
    }

    /// The process of rank `rank` whose command line names `marker`, from /proc.
    static func rankProcess(_ rank: Int, holding marker: String) -> pid_t? {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in processes {
            guard let pid = pid_t(entry),
                  let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: command, as: UTF8.self).contains(marker),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            let variables = String(decoding: environ, as: UTF8.self).split(separator: "\0")
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }

    /// A two-rank run resumed on two ranks ends bit for bit where the uninterrupted one does;
    /// resumed in one process it continues and says that the rank count changed.
    @Test func resumesOnTheSameAndOnAnotherRankCount() throws {
        if let missing = Self.missing { print(missing); return }
        let dir = try CLI.temporaryFolder("nnc-mpi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole.safetensors"), part = dir.appendingPathComponent("part.safetensors")
        let run = [Self.spirals, "--limit", "320", "--threads", "1"]
        #expect(try Self.mpi(2, ["train"] + run + ["--epochs", "4", "--checkpoint", whole.path]).status == 0)
        #expect(try Self.mpi(2, ["train"] + run + ["--epochs", "2", "--checkpoint", part.path]).status == 0)
        let resumed = try Self.mpi(2, ["train", "--resume", part.path, "--epochs", "4"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains("continues on"))
        #expect(try Self.tensors(part) == Self.tensors(whole))

        let alone = try Self.alone(["train", "--resume", part.path, "--epochs", "5"])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(alone.stdout.contains("note: the run trained on 2 rank(s) and continues on 1"), "\(alone.stdout)")
    }

    /// A batch that does not split over the ranks, and an nnc built without MPI under mpirun:
    /// usage errors, not N runs training alone.
    @Test func refusesWhatCannotRunOnRanks() throws {
        if let missing = Self.missing { print(missing); return }
        let uneven = try Self.mpi(3, ["train", Self.spirals, "--epochs", "1", "--limit", "320"])
        #expect(uneven.status != 0)
        #expect(uneven.stderr.contains("the batch of 32 does not split evenly over 3 ranks"), "\(uneven.stderr)")
        let plain = try #require(CLI.executable)
        let withoutMPI = try Self.mpi(2, ["train", Self.spirals, "--epochs", "1", "--limit", "320"], nnc: plain)
        #expect(withoutMPI.status != 0)
        #expect(withoutMPI.stderr.contains("copies of an nnc built without MPI"), "\(withoutMPI.stderr)")
    }
}
