import FuzzSupport
import NNC

// An images file and a labels file, each raw or gzip-compressed, read by the IDX reader and
// carried through preprocessing and batching. Input: a 2-byte big-endian length L, L bytes of
// the labels file, then the images file.
fuzz { bytes in
    guard bytes.count >= 2 else { return }
    let length = min(Int(bytes[0]) << 8 | Int(bytes[1]), bytes.count - 2)
    let labels = Array(bytes[2..<(2 + length)])
    let images = Array(bytes[(2 + length)...])
    guard let dataset = try? Dataset.idx(imageBytes: images, imagesFile: "images.idx", labelBytes: labels,
                                         labelsFile: "labels.idx") else { return }
    exercise(dataset, scale: 1 / 255)
}
