/// The checks that need the data: once the data layer has read the files, the number of
/// features per sample must match the input, an image's shape the input's image shape, and
/// the classes the output width.
extension ModelChecker {
    /// Diagnostics for data with `classes` label classes and `features` values per sample
    /// (0 classes: regression targets, not checked) of shape `sampleShape` when known. Errors
    /// point at the training source, with notes at the net and its last layer.
    public static func checkAgainstData(_ model: Model, classes: Int, features: Int,
                                        sampleShape: [Int]? = nil) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let at = model.data?.train?.range ?? model.data?.range ?? model.range
        let input = model.inputShape
        if let sampleShape, sampleShape.count == 3, input.rank == 3, sampleShape != input.dims,
           features == input.count {
            // Same count, other geometry: a [1, 1, 784] file would train a conv net on rows of
            // one pixel without a word.
            out.append(.error(CheckMessage.imageShapeMismatch(Shape(sampleShape).description, input.description),
                              at: at, fix: CheckMessage.imageShapeFix(Shape(sampleShape).description),
                              notes: [.init(message: CheckMessage.netDeclaredHere, range: model.range)]))
        }
        if features != input.count {
            out.append(.error(CheckMessage.featureMismatch(features, model.inputShape.description,
                                                           model.inputShape.count),
                              at: at, fix: CheckMessage.featureFix(features),
                              notes: [.init(message: CheckMessage.netDeclaredHere, range: model.range)]))
        }
        let width = model.outputShape.count
        if classes > 0 && classes != width {
            let last = model.layers.last
            var notes: [Diagnostic.Note] = []
            if let last { notes.append(.init(message: CheckMessage.lastLayerHere(last.name), range: last.range)) }
            out.append(.error(CheckMessage.classMismatch(classes, width, last?.name ?? "input"), at: at,
                              fix: CheckMessage.classFix(classes), notes: notes))
        }
        return out
    }

    /// The same check under the name the data layer was promised: `sampleCount` is the
    /// number of features per sample.
    public static func checkAgainstData(_ model: Model, classes: Int, sampleCount features: Int) -> [Diagnostic] {
        checkAgainstData(model, classes: classes, features: features)
    }
}
