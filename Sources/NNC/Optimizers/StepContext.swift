/// What a step needs besides the plan: the learning rate, the step number, the runtime's
/// random stream (dropout masks, SGD2's permutations, samples and noise).
struct StepContext {
    var learningRate: Double
    /// 1-based global step: Adam's bias correction, SGD2's `every` and noise.
    var step: Int
    var random: Random
}
