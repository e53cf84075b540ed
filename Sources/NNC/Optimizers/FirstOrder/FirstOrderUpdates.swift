import NNCKernels

/// The first-order rules (docs/ALGORITHMS.md "First-order updates"): one fused kernel per
/// parameter, its settings from the op's payload, the learning rate scheduled per step and
/// multiplied by the parameter's `learningRateScale`.
extension ParameterUpdate {
    /// SGD, with heavy-ball, Nesterov or averaged momentum when the payload sets it; the
    /// averaged form is bias-corrected at the 1-based global `step`.
    func sgd(_ v: BufferView, learningRate: Double, step: Int, threads: Int) {
        let h = hyperparameters
        let lr = Float(learningRate * learningRateScale), wd = Float(weightDecay)
        if state.isEmpty {
            v.sgdUpdate(weights: parameter, gradients: gradient, count: count, learningRate: lr, weightDecay: wd,
                        threads: threads)
        } else if h.momentumForm == .averaged {
            v.averagedMomentumUpdate(weights: parameter, gradients: gradient, velocity: state[0], count: count,
                                     learningRate: lr, momentum: Float(h.momentum), weightDecay: wd, step: max(step, 1),
                                     threads: threads)
        } else {
            v.momentumUpdate(weights: parameter, gradients: gradient, velocity: state[0], count: count, learningRate: lr,
                             momentum: Float(h.momentum), weightDecay: wd, nesterov: h.nesterov, threads: threads)
        }
    }

    func adagrad(_ v: BufferView, learningRate: Double, threads: Int) {
        v.adagradUpdate(weights: parameter, gradients: gradient, accumulator: state[0], count: count,
                        learningRate: Float(learningRate * learningRateScale), epsilon: Float(hyperparameters.epsilon),
                        weightDecay: Float(weightDecay), threads: threads)
    }

    func rmsprop(_ v: BufferView, learningRate: Double, threads: Int) {
        let h = hyperparameters
        v.rmspropUpdate(weights: parameter, gradients: gradient, meanSquare: state[0], count: count,
                        learningRate: Float(learningRate * learningRateScale), rho: Float(h.rho), epsilon: Float(h.epsilon),
                        weightDecay: Float(weightDecay), threads: threads)
    }

    /// Adam, bias-corrected at the 1-based global `step`.
    func adam(_ v: BufferView, learningRate: Double, step: Int, threads: Int) {
        let h = hyperparameters
        v.adamUpdate(weights: parameter, gradients: gradient, firstMoment: state[0], secondMoment: state[1], count: count,
                     learningRate: Float(learningRate * learningRateScale), beta1: Float(h.beta1), beta2: Float(h.beta2),
                     epsilon: Float(h.epsilon), step: max(step, 1), weightDecay: Float(weightDecay), threads: threads)
    }
}
