import FuzzSupport
import NNC

// A CIFAR batch file (raw or gzip-compressed) read as CIFAR-10 and as CIFAR-100, then through
// preprocessing and batching.
fuzz { bytes in
    for layout in [CIFAR.Layout.cifar10, .cifar100] {
        if let dataset = try? Dataset.cifar(bytes: bytes, file: "batch.bin", layout: layout) {
            exercise(dataset, scale: 1 / 255)
        }
    }
}
