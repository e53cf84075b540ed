import FuzzSupport
import NNC

// A CSV file (raw or gzip-compressed) read as `data { train: csv(…) }` reads it, then as a test
// set numbered like it (label first, a header), then with the reader's own guesses; each
// dataset through preprocessing and batching.
fuzz { bytes in
    let train = try? Dataset.csv(bytes: bytes, file: "train.csv", options: CSVOptions(labelColumn: .index(-1), hasHeader: false))
    if let train { exercise(train, scale: nil) }
    let testOptions = CSVOptions(labelColumn: .index(0), hasHeader: true, classCount: train?.classCount ?? 3,
                                 classNames: train?.classNames)
    if let test = try? Dataset.csv(bytes: bytes, file: "test.csv", options: testOptions) { exercise(test, scale: nil) }
    if let guessed = try? Dataset.csv(bytes: bytes, file: "guessed.csv") { exercise(guessed, scale: nil) }
}
