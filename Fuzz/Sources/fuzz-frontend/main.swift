import FuzzSupport
import NNC

// A .net file through the front end as `nnc check` takes it: parse, check, the layer table of
// a model, and the diagnostics rendered. Only the first few are rendered: the renderer is the
// same code for every one, and drawing all of them made each input 4× slower.
fuzz { bytes in
    let file = SourceFile(path: "fuzz.net", bytes: bytes)
    let (model, diagnostics) = Frontend.check(file)
    precondition(model == nil || !diagnostics.hasErrors, "a model came back together with errors")
    if let model { _ = ModelSummary(model).text }
    _ = DiagnosticRenderer(file: file).render(diagnostics, limit: 3)
    _ = DiagnosticRenderer.summary(diagnostics)
}
