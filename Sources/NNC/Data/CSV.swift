import Foundation

/// How to read a CSV file of numeric features and one label column.
public struct CSVOptions: Equatable {
    /// Which column holds the label.
    public enum LabelColumn: Equatable {
        case first
        case last
        /// A 0-based column index; negative counts from the end (-1 is the last column).
        case index(Int)
        /// A column named in the header line.
        case name(String)
    }

    /// The label column; the last one unless said otherwise.
    public var labelColumn: LabelColumn
    /// Whether the first line names the columns; nil guesses (a header has a non-numeric feature field).
    public var hasHeader: Bool?
    /// The field separator.
    public var delimiter: Character
    /// The number of classes; nil takes the largest integer label + 1, or the number of distinct text labels.
    public var classCount: Int?
    /// For text labels: the class names in index order, so a validation or test file numbers its
    /// classes as the training file did (pass the training set's `classNames`); nil numbers the
    /// distinct labels of this file in sorted order.
    public var classNames: [String]?

    public init(labelColumn: LabelColumn = .last, hasHeader: Bool? = nil, delimiter: Character = ",", classCount: Int? = nil,
                classNames: [String]? = nil) {
        self.labelColumn = labelColumn
        self.hasHeader = hasHeader
        self.delimiter = delimiter
        self.classCount = classCount
        self.classNames = classNames
    }
}

extension Dataset {
    /// Loads a CSV file (raw or gzip-compressed): one sample per line, numeric features and a
    /// label column holding either class indices (0, 1, …) or class names, which are then
    /// numbered in sorted order and kept in `classNames`. Fields are not quoted.
    public static func csv(_ url: URL, options: CSVOptions = CSVOptions()) throws -> Dataset {
        try csv(bytes: [UInt8](try readFileBytes(url)), file: url.path, options: options)
    }

    /// `csv(_:options:)` from a file's contents (raw or gzip-compressed); `file` names it in errors.
    public static func csv(bytes: [UInt8], file: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        let text = String(decoding: try Gzip.contents(bytes, file: file), as: UTF8.self)
        return try parseCSV(text, file: file, options: options)
    }

    /// Reads the lines one at a time, each straight into the features and a label: holding every
    /// field of the file as a substring took 16–32 bytes per byte of a file of short fields or
    /// blank lines, so a few megabytes of gzip (inflating to gigabytes) could ask for a hundred
    /// times their inflated size. What is kept is 4 bytes per feature and per label.
    static func parseCSV(_ text: String, file: String, options: CSVOptions) throws -> Dataset {
        var width = 0, labelColumn = 0
        var started = false
        var features: [Float] = []
        var labels = CSVLabels()
        var lineStart = text.startIndex
        var number = 0
        while true {
            // "\r\n" is one Character in Swift, and a newline, so Windows files split the same way.
            let lineEnd = text[lineStart...].firstIndex(where: \.isNewline) ?? text.endIndex
            let line = text[lineStart..<lineEnd]
            number += 1
            if !line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                let fields = line.split(separator: options.delimiter, omittingEmptySubsequences: false).map(trimmed)
                if !started {
                    started = true
                    width = fields.count
                    labelColumn = try Self.labelColumn(options.labelColumn, header: fields, line: number, file: file)
                    let guessHeader = fields.indices.contains { $0 != labelColumn && Float(fields[$0]) == nil }
                    if options.hasHeader ?? (guessHeader || options.labelColumn.isName) {
                        if lineEnd == text.endIndex { break }
                        lineStart = text.index(after: lineEnd)
                        continue
                    }
                }
                guard fields.count == width else {
                    throw DataError.csvFieldCount(file: file, line: number, expected: width, found: fields.count)
                }
                for (column, field) in fields.enumerated() where column != labelColumn {
                    guard let value = Float(field), value.isFinite else {
                        throw DataError.csvNotANumber(file: file, line: number, column: column + 1, text: String(field))
                    }
                    features.append(value)
                }
                try labels.append(fields[labelColumn], line: number, file: file)
            }
            if lineEnd == text.endIndex { break }
            lineStart = text.index(after: lineEnd)
        }
        guard started else { throw DataError.empty(file: file) }
        guard labels.count > 0 else { throw DataError.empty(file: file) }
        let (values, classCount, names) = try labels.numbered(file: file, classCount: options.classCount,
                                                             classNames: options.classNames)
        return Dataset(features: features, labels: values, sampleShape: [width - 1], classCount: classCount, classNames: names)
    }

    /// The label column of a file whose first line is `header`, which has at least two fields.
    private static func labelColumn(_ choice: CSVOptions.LabelColumn, header: [Substring], line: Int, file: String) throws -> Int {
        let width = header.count
        guard width >= 2 else {
            throw DataError.csvFieldCount(file: file, line: line, expected: 2, found: width)
        }
        switch choice {
        case .first: return 0
        case .last: return width - 1
        case .index(let index):
            let column = index < 0 ? width + index : index
            guard column >= 0, column < width else {
                throw DataError.csvNoColumn(file: file, column: String(index))
            }
            return column
        case .name(let name):
            guard let index = header.firstIndex(where: { $0 == name }) else {
                throw DataError.csvNoColumn(file: file, column: name)
            }
            return index
        }
    }
}

/// `field` without the spaces and tabs around it (Unicode's: what `.whitespaces` trims; a line
/// holds no line breaks). A view, not a copy: Foundation's trimming made a string per field and
/// was a third of the time spent reading a file of short fields.
private func trimmed(_ field: Substring) -> Substring {
    let scalars = field.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return field[field.endIndex...] }
    let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
    return Substring(scalars[first...last])
}

/// The labels of a CSV file as its rows are read, 4 bytes each. Integer labels are class
/// indices; if no label is an integer they are class names, numbered in sorted order (or as
/// `classNames` gives) once the file is read. The first row decides which: a label of the other
/// kind later is the error it is in that kind, found on its own line.
private struct CSVLabels {
    /// Class indices, or while the labels are names, each name's number in order of appearance.
    private var values: [Int32] = []
    /// Names in order of appearance, each with the line it first appears on.
    private var names: [String] = []
    private var nameIndex: [String: Int32] = [:]
    private var firstLines: [Int] = []
    private var isText: Bool?

    var count: Int { values.count }

    mutating func append(_ text: Substring, line: Int, file: String) throws {
        let integer = Int(text)
        if isText == nil { isText = integer == nil }
        if isText == true {
            // An integer after names: the labels are class indices after all, and the first
            // row's name is the first label that is not one.
            guard integer == nil else { throw DataError.csvLabel(file: file, line: firstLines[0], text: names[0]) }
            let name = String(text)
            if let known = nameIndex[name] {
                values.append(known)
            } else {
                guard names.count < Dataset.maxClasses else {
                    throw DataError.invalidOption("\(file):\(line): more than \(Dataset.maxClasses) distinct text labels")
                }
                nameIndex[name] = Int32(names.count)
                values.append(Int32(names.count))
                names.append(name)
                firstLines.append(line)
            }
            return
        }
        guard let integer, integer >= 0 else { throw DataError.csvLabel(file: file, line: line, text: String(text)) }
        guard integer < Dataset.maxClasses else {
            throw DataError.csvLabelTooLarge(file: file, line: line, text: String(text), limit: Dataset.maxClasses - 1)
        }
        values.append(Int32(integer))
    }

    /// The class indices, the class count, and the names when the labels were names.
    func numbered(file: String, classCount: Int?, classNames: [String]?) throws -> ([Int32], Int, [String]?) {
        guard isText == true else {
            let classes = classCount ?? Int(values.max()! + 1)
            return (try checkedLabels(values.lazy.map(Int.init), classCount: classes, file: file), classes, nil)
        }
        let order: [String]
        if let classNames {
            let known = Set(classNames)
            let unknown = names.indices.filter { !known.contains(names[$0]) }
            if let first = unknown.min(by: { firstLines[$0] < firstLines[$1] }) {
                throw DataError.csvUnknownClass(file: file, line: firstLines[first], text: names[first], classes: classNames)
            }
            order = classNames
        } else {
            order = names.sorted()
            if let classCount, classCount != order.count {
                throw DataError.invalidOption("\(file): \(order.count) distinct text labels but \(classCount) classes were declared")
            }
        }
        let index = Dictionary(order.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        let renumber = names.map { index[$0]! }
        return (values.map { renumber[Int($0)] }, order.count, order)
    }
}

extension CSVOptions.LabelColumn {
    fileprivate var isName: Bool { if case .name = self { return true } else { return false } }
}
