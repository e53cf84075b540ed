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

    static func parseCSV(_ text: String, file: String, options: CSVOptions) throws -> Dataset {
        var rows: [(line: Int, fields: [Substring])] = []
        // "\r\n" is one Character in Swift, and a newline, so Windows files split the same way.
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            rows.append((number + 1, line.split(separator: options.delimiter, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces)[...] }))
        }
        guard let first = rows.first else { throw DataError.empty(file: file) }
        let width = first.fields.count
        guard width >= 2 else {
            throw DataError.csvFieldCount(file: file, line: first.line, expected: 2, found: width)
        }

        let labelColumn: Int
        switch options.labelColumn {
        case .first: labelColumn = 0
        case .last: labelColumn = width - 1
        case .index(let index):
            let column = index < 0 ? width + index : index
            guard column >= 0, column < width else {
                throw DataError.csvNoColumn(file: file, column: String(index))
            }
            labelColumn = column
        case .name(let name):
            guard let index = first.fields.firstIndex(where: { $0 == name }) else {
                throw DataError.csvNoColumn(file: file, column: name)
            }
            labelColumn = index
        }
        let guessHeader = first.fields.indices.contains { $0 != labelColumn && Float(first.fields[$0]) == nil }
        if options.hasHeader ?? (guessHeader || options.labelColumn.isName) {
            rows.removeFirst()
        }
        guard !rows.isEmpty else { throw DataError.empty(file: file) }

        var features: [Float] = []
        features.reserveCapacity(rows.count * (width - 1))
        var labelTexts: [Substring] = []
        labelTexts.reserveCapacity(rows.count)
        for row in rows {
            guard row.fields.count == width else {
                throw DataError.csvFieldCount(file: file, line: row.line, expected: width, found: row.fields.count)
            }
            for (column, field) in row.fields.enumerated() {
                if column == labelColumn { labelTexts.append(field); continue }
                guard let value = Float(field), value.isFinite else {
                    throw DataError.csvNotANumber(file: file, line: row.line, column: column + 1, text: String(field))
                }
                features.append(value)
            }
        }

        let (labels, classCount, names) = try numberLabels(labelTexts, lines: rows.map(\.line), file: file,
                                                           classCount: options.classCount, classNames: options.classNames)
        return Dataset(features: features, labels: labels, sampleShape: [width - 1], classCount: classCount, classNames: names)
    }

    /// Integer labels are class indices; if no label is an integer they are class names.
    private static func numberLabels(_ texts: [Substring], lines: [Int], file: String, classCount: Int?, classNames: [String]?)
    throws -> ([Int32], Int, [String]?) {
        let integers = texts.map { Int($0) }
        if integers.contains(where: { $0 != nil }) {
            var values: [Int] = []
            values.reserveCapacity(texts.count)
            for (row, value) in integers.enumerated() {
                guard let value, value >= 0 else { throw DataError.csvLabel(file: file, line: lines[row], text: String(texts[row])) }
                guard value < Dataset.maxClasses else {
                    throw DataError.csvLabelTooLarge(file: file, line: lines[row], text: String(texts[row]),
                                                     limit: Dataset.maxClasses - 1)
                }
                values.append(value)
            }
            let classes = classCount ?? (values.max()! + 1)
            return (try checkedLabels(values, classCount: classes, file: file), classes, nil)
        }
        if let classNames {
            let index = Dictionary(classNames.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
            var labels: [Int32] = []
            for (row, text) in texts.enumerated() {
                guard let label = index[String(text)] else {
                    throw DataError.csvUnknownClass(file: file, line: lines[row], text: String(text), classes: classNames)
                }
                labels.append(label)
            }
            return (labels, classNames.count, classNames)
        }
        let names = Array(Set(texts.map(String.init))).sorted()
        if let classCount, classCount != names.count {
            throw DataError.invalidOption("\(file): \(names.count) distinct text labels but \(classCount) classes were declared")
        }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
        return (texts.map { index[String($0)]! }, names.count, names)
    }
}

extension CSVOptions.LabelColumn {
    fileprivate var isName: Bool { if case .name = self { return true } else { return false } }
}
