import FuzzSupport
import NNC

// A .net file through the front end as `nnc check` takes it: parse, check, the layer table of
// a model, and the diagnostics rendered with the count of those past the checker's storage
// limit. Only the first few are rendered: the renderer is the same code for every one, and
// drawing all of them made each input 4× slower.
fuzz { bytes in
    let file = SourceFile(path: "fuzz.net", bytes: bytes)
    let (model, diagnostics, omitted) = Frontend.checkCounting(file)
    precondition(model == nil || (!diagnostics.hasErrors && omitted.errors == 0), "a model came back together with errors")
    if let model { _ = ModelSummary(model).text }
    _ = DiagnosticRenderer(file: file).render(diagnostics, limit: 3, omitted: omitted)
    _ = DiagnosticRenderer.summary(diagnostics, omitted: omitted)
}
