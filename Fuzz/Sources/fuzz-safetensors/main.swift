import FuzzSupport
import NNC

// A checkpoint through what `nnc eval --weights` and `nnc train --resume` read of it: the
// safetensors structure, every tensor's bytes, the training state and the preprocessing
// statistics in the metadata, then the tensors loaded into a session of the model below
// (SGD2, so its Double factors are part of the state), one evaluation and one training step.
// `Fuzz/corpus/safetensors` holds checkpoints of this model written by `nnc train`.
let source = """
    net fuzz_checkpoint {
      input [4]
      dense 3
      batchnorm
      relu
      head: dense 2
      loss cross_entropy
    }
    optimizer sgd2 { lr: 0.1, momentum: 0.9, lambda: 1.0, every: 2 }
    train { batch: 4, epochs: 2, seed: 1, schedule: plateau(patience: 1, factor: 0.5) }
    """
guard let model = Frontend.check(SourceFile(path: "fuzz_checkpoint.net", bytes: Array(source.utf8))).model,
      let session = try? Session(model: model, batch: 4, evalBatch: 4, threads: 1) else {
    fatalError("the harness's own model does not check or lower")
}
session.initialize(seed: 1)
let samples = Dataset(features: (0..<32).map { Float($0 % 7) - 3 }, labels: [0, 1, 1, 0, 1, 0, 0, 1],
                      sampleShape: [4], classCount: 2)
let data = TrainingData(train: samples, test: nil, preprocessor: .identity(for: samples))

fuzz { bytes in
    guard let file = try? Safetensors.parse(bytes, file: "fuzz.safetensors") else { return }
    for tensor in file.tensors {
        _ = try? file.bytes(tensor.name)
        _ = try? file.floats(tensor.name)
    }
    _ = try? CheckpointMetadata(file)
    _ = try? Checkpoint.state(file, schedule: model.training.schedule)

    // nnc eval: the saved statistics, checked to fit the samples before a batcher uses them.
    var preprocessor = data.preprocessor
    if let saved = try? Preprocessor(metadata: file.metadata), saved.fits(samples) { preprocessor = saved }
    if (try? Checkpoint.load(file, into: session, optimizerState: false)) != nil {
        _ = try? Evaluation.run(session, dataset: samples, preprocessor: preprocessor, confusion: true)
    }

    // nnc train --resume, then one step from the restored state.
    let trainer = Trainer(model: model, session: session, data: data, options: .init())
    if (try? trainer.resume(from: file)) != nil {
        var batcher = Batcher(dataset: samples, batchSize: 4, preprocessor: data.preprocessor, seed: 1, dropLast: true)
        if (try? session.loadTrainBatch(from: &batcher)) ?? 0 > 0 {
            _ = try? session.trainStep(lr: trainer.state.schedule.learningRate, step: trainer.state.step + 1)
        }
    }
}
