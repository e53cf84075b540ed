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
        guard let data = FileManager.default.contents(atPath: path) else {
            let kind = PathKind.of(path)
            let why = kind == .missing ? "no such file" : kind == .directory ? "it is a directory" : "permission denied"
            throw CommandFailure(.noInput, "cannot read '\(path)': \(why)")
        }
        let source = SourceFile(path: path, bytes: [UInt8](data))
        let (model, diagnostics) = Frontend.check(source)
        guard let model, !diagnostics.hasErrors else {
            throw DiagnosticsError(file: source, diagnostics: diagnostics, color: color)
        }
        if !diagnostics.isEmpty { writeError(DiagnosticRenderer(file: source, color: color).render(diagnostics)) }
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

    /// A session for `model` (the file's, perhaps with command-line overrides). Lowering's
    /// refusals are mistakes in this file and come back as its diagnostics.
    func session(_ model: Model, batch: Int, evalBatch: Int, threads: Int, keepLayerBuffers: Bool = false) throws -> Session {
        do {
            return try Session(model: model, batch: batch, evalBatch: evalBatch, threads: threads,
                               keepLayerBuffers: keepLayerBuffers)
        } catch RuntimeError.lowering(let diagnostics) {
            throw DiagnosticsError(file: source, diagnostics: diagnostics, color: color)
        } catch {
            throw CommandFailure(error, context: "cannot run \(model.name)")
        }
    }
}
