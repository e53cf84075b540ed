import Foundation
import NNC

/// A `.net` file read and checked, kept with its text so that diagnostics found later (against
/// the data, in lowering) are rendered against it as `nnc check` renders them.
struct ModelFile {
    let path: String
    let source: SourceFile
    let model: Model
    let color: Bool

    /// Reads and checks `path`: warnings are printed and the file kept; errors are thrown.
    init(_ path: String, color: Bool) throws {
        try self.init(path: path, bytes: ModelFile.contents(of: path), color: color)
    }

    /// The largest `.net` file nnc reads, 1 MiB. The checker holds the whole syntax tree, about
    /// 100 bytes per byte of a flood of one-word error lines (Fuzz/README.md), and no model written
    /// by hand or script comes near it: the largest example is 2 KB, and `repeat` spares unrolling.
    static let sizeLimit = 1 << 20

    /// The file's bytes, or the error that says why there are none; never more than `sizeLimit`
    /// of them are read.
    static func contents(of path: String) throws -> [UInt8] {
        let kind = PathKind.of(path)
        guard kind == .file, let handle = FileHandle(forReadingAtPath: path) else {
            let why = kind == .missing ? "no such file" : kind == .directory ? "it is a directory" : "permission denied"
            throw CommandFailure(.noInput, "cannot read '\(path)': \(why)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
        } catch {
            throw CommandFailure(.noInput, "cannot read '\(path)': \(error.localizedDescription)")
        }
        try checkSize(data.count, of: path)
        return [UInt8](data)
    }

    private static func checkSize(_ count: Int, of path: String) throws {
        guard count <= sizeLimit else {
            throw CommandFailure(.dataError, "'\(path)' is larger than 1 MiB, the most nnc reads of a .net file; "
                                 + "a model that large is generated: use 'repeat' and 'let' to shorten it")
        }
    }

    /// Checks `bytes` as the file at `path` (a checkpoint's copy of it).
    init(path: String, bytes: [UInt8], color: Bool) throws {
        try Self.checkSize(bytes.count, of: path)
        let source = SourceFile(path: path, bytes: bytes)
        let (model, diagnostics, omitted) = Frontend.checkCounting(source)
        guard let model, !diagnostics.hasErrors else {
            throw DiagnosticsError(file: source, diagnostics: diagnostics, omitted: omitted, color: color)
        }
        if !diagnostics.isEmpty {
            writeError(DiagnosticRenderer(file: source, color: color).render(diagnostics, omitted: omitted))
        }
        self.path = path
        self.source = source
        self.model = model
        self.color = color
    }

    /// Checks the model's input size and output width against the data: warnings are printed
    /// with their count, errors thrown.
    func check(against data: Dataset) throws {
        let diagnostics = ModelChecker.checkAgainstData(model, classes: data.classCount, features: data.sampleSize,
                                                        sampleShape: data.sampleShape)
        let found = DiagnosticsError(file: source, diagnostics: diagnostics, color: color)
        if diagnostics.hasErrors { throw found }
        if !diagnostics.isEmpty { writeError(found.rendered) }
    }

    /// A session for `model` (the file's, perhaps with command-line overrides), allocated only
    /// once the memory it needs is known to be there. Lowering's refusals are mistakes in this
    /// file and come back as its diagnostics.
    /// A session training at `batch` samples a step; with a `group` of several ranks, each
    /// session holds its rank's slice of it, and the batch must split evenly.
    func session(_ model: Model, batch: Int, evalBatch: Int, threads: Int, keepLayerBuffers: Bool = false,
                 group: ProcessGroup? = nil) throws -> Session {
        KernelSetup.apply()
        let ranks = group?.size ?? 1
        guard batch % ranks == 0 else {
            throw CommandFailure(.usage, "the batch of \(batch) does not split evenly over \(ranks) ranks: run on a number "
                                         + "of ranks that divides it, or change train { batch }")
        }
        let plans = try self.plans(model, batch: batch / ranks, evalBatch: evalBatch, keepLayerBuffers: keepLayerBuffers,
                                   ranks: ranks)
        try MemoryCheck.require(plans.memory(threads: threads), for: model, batch: batch / ranks)
        do {
            return try Session(plans, threads: threads, group: group)
        } catch {
            throw CommandFailure(error, context: "cannot run \(model.name)")
        }
    }

    /// The plans of a session for `model`, lowered but not allocated.
    func plans(_ model: Model, batch: Int, evalBatch: Int, keepLayerBuffers: Bool = false, ranks: Int = 1) throws -> SessionPlans {
        do {
            return try SessionPlans(model: model, batch: batch, evalBatch: evalBatch, keepLayerBuffers: keepLayerBuffers,
                                    ranks: ranks)
        } catch RuntimeError.lowering(let diagnostics) {
            throw DiagnosticsError(file: source, diagnostics: diagnostics, color: color)
        }
    }
}
