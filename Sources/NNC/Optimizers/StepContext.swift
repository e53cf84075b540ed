/// What a step needs besides the plan: the learning rate, the step number, the runtime's
/// random stream (dropout masks, SGD2's permutations, samples and noise), the ranks.
struct StepContext {
    var learningRate: Double
    /// 1-based global step: Adam's bias correction, SGD2's `every` and noise.
    var step: Int
    var random: Random
    /// The other ranks of a data-parallel run, nil alone: dropout keeps this rank's rows of the
    /// global batch's mask, SGD2 averages its factors over them.
    var group: ProcessGroup? = nil
}
