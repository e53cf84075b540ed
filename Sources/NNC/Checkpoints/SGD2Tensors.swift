import Foundation

/// SGD2's state in a checkpoint, so that a resumed run with `every > 1` (or chunking) goes on
/// bit for bit: per corrected layer, the Double Cholesky factors it is reusing
/// (`sgd2.factor.LAYER`, F64, the plan's shape) and `[held, unit order…]`
/// (`sgd2.order.LAYER`, F64). Float32 tensors go through `Session.read`/`write`; these do not,
/// since the factors are Double and writing any tensor makes the factors stale.
extension Session {
    /// Names of the SGD2 tensors a checkpoint of this session holds (empty without SGD2).
    var sgd2TensorNames: Set<String> {
        Set(train.sgd2Layers.flatMap { [SGD2Tensors.factorName($0.op.layer), SGD2Tensors.orderName($0.op.layer)] })
    }

    /// The SGD2 tensors, as `Checkpoint.write` stores them.
    func sgd2Tensors() -> [TensorData] {
        train.sgd2Layers.flatMap { layer -> [TensorData] in
            let b = trainPlan.buffer(layer.op.factor)
            let factor = train.arena.withPlanView(train.table) { $0.doubles(layer.op.factor) }
            let order = layer.state.state
            return [SGD2Tensors.tensor(SGD2Tensors.factorName(layer.op.layer), shape: b.shape, factor),
                    SGD2Tensors.tensor(SGD2Tensors.orderName(layer.op.layer), shape: [order.count], order)]
        }
    }

    /// Restores what `sgd2Tensors` wrote; call after every float32 tensor was written (those
    /// writes mark the factors stale). Throws when a tensor is missing or malformed.
    func restoreSGD2(from file: SafetensorsFile) throws {
        for layer in train.sgd2Layers {
            let b = trainPlan.buffer(layer.op.factor)
            // A factor of another size was written with another block size: most likely a run
            // from before the defaults became `chunk: 128`.
            let factor = try SGD2Tensors.doubles(file, SGD2Tensors.factorName(layer.op.layer), count: b.count,
                                               mismatch: "written with another SGD2 `chunk` (the default was 500 "
                                                   + "before 2026-11-24; name it in the optimizer block to resume)")
            let order = try SGD2Tensors.doubles(file, SGD2Tensors.orderName(layer.op.layer), count: nil)
            train.arena.withPlanView(train.table) { $0.setDoubles(layer.op.factor, factor) }
            guard layer.state.restore(order) else {
                throw CheckpointError.badTensor(file: file.file, tensor: SGD2Tensors.orderName(layer.op.layer),
                                                detail: "not a unit order of layer '\(layer.op.layer)'")
            }
        }
    }
}

extension Executor {
    /// Every SGD2 correction of the plan with its runtime state, in plan order.
    var sgd2Layers: [(op: SGD2Correction, state: SGD2Corrector)] {
        zip(plan.kernels, correctors).compactMap { kernel, state in
            guard case .sgd2Precondition(let p) = kernel.op, let state else { return nil }
            return (p, state)
        }
    }
}

enum SGD2Tensors {
    static func factorName(_ layer: String) -> String { "sgd2.factor.\(layer)" }
    static func orderName(_ layer: String) -> String { "sgd2.order.\(layer)" }

    static func isSGD2Tensor(_ name: String) -> Bool {
        name.hasPrefix("sgd2.factor.") || name.hasPrefix("sgd2.order.")
    }

    static func tensor(_ name: String, shape: [Int], _ values: [Double]) -> TensorData {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 8)
        for v in values {
            let bits = v.bitPattern
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
        }
        return TensorData(name: name, dtype: .f64, shape: shape, bytes: bytes)
    }

    /// The F64 tensor `name`, `count` values when given.
    static func doubles(_ file: SafetensorsFile, _ name: String, count: Int?, mismatch: String? = nil) throws -> [Double] {
        guard let info = file.info(name) else {
            throw CheckpointError.badTensor(file: file.file, tensor: name, detail: "missing (SGD2's state)")
        }
        guard info.dtype == .f64 else {
            throw CheckpointError.wrongDType(file: file.file, tensor: name, dtype: info.dtype.rawValue,
                                             wanted: DType.f64.rawValue)
        }
        let bytes = try file.bytes(name)
        let n = bytes.count / 8
        if let count, count != n {
            throw CheckpointError.badTensor(file: file.file, tensor: name, detail: "\(n) values, expected \(count)" + (mismatch.map { ": \($0)" } ?? ""))
        }
        return (0..<n).map { i in
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[i * 8 + k]) << (8 * k) }
            return Double(bitPattern: bits)
        }
    }
}
