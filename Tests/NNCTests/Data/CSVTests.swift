import Foundation
import Testing
@testable import NNC

@Suite struct CSVTests {
    @Test func numericLabelsLastColumnWithHeader() throws {
        let dataset = try Dataset.parseCSV("a,b,label\n1,2,0\n3.5,-4,2\r\n\n5,6e1,1\n", file: "t.csv", options: CSVOptions())
        guard case .floats(let features) = dataset.storage else {
            Issue.record("tables are floats")
            return
        }
        #expect(features == [1, 2, 3.5, -4, 5, 60])
        #expect(dataset.labels == [0, 2, 1])
        #expect(dataset.sampleShape == [2])
        #expect(dataset.classCount == 3)
        #expect(dataset.classNames == nil)
    }

    @Test func labelColumnChoicesAndNoHeader() throws {
        let text = "0,1.5,2.5\n1,3.5,4.5\n"
        let first = try Dataset.parseCSV(text, file: "t", options: CSVOptions(labelColumn: .first, classCount: 4))
        #expect(first.labels == [0, 1])
        #expect(first.classCount == 4)
        let negative = try Dataset.parseCSV(text, file: "t", options: CSVOptions(labelColumn: .index(-3)))
        #expect(negative.labels == [0, 1])
        let named = try Dataset.parseCSV("x,y,class\n1,2,1\n3,4,0\n", file: "t", options: CSVOptions(labelColumn: .name("class")))
        #expect(named.labels == [1, 0])
        #expect(throws: DataError.csvNoColumn(file: "t", column: "kind")) {
            try Dataset.parseCSV("x,y,class\n1,2,1\n", file: "t", options: CSVOptions(labelColumn: .name("kind")))
        }
        #expect(throws: DataError.csvNoColumn(file: "t", column: "5")) {
            try Dataset.parseCSV(text, file: "t", options: CSVOptions(labelColumn: .index(5)))
        }
    }

    /// A label past any class count is an error on its line, not an overflow (Int.max + 1) or a
    /// trap converting it to Int32 (the fuzzer's 33-byte file).
    @Test func hugeLabelsAreLocatedErrors() throws {
        #expect(throws: DataError.csvLabelTooLarge(file: "f", line: 2, text: "7777777777777", limit: Dataset.maxClasses - 1)) {
            try Dataset.parseCSV("labellabel,-.0006\n7777777777777,7", file: "f",
                                 options: CSVOptions(labelColumn: .first, hasHeader: true))
        }
        #expect(throws: DataError.csvLabelTooLarge(file: "f", line: 1, text: "9223372036854775807", limit: Dataset.maxClasses - 1)) {
            try Dataset.parseCSV("1,9223372036854775807\n", file: "f", options: CSVOptions())
        }
        let wide = try Dataset.parseCSV("1,\(Dataset.maxClasses - 1)\n", file: "f", options: CSVOptions())
        #expect(wide.classCount == Dataset.maxClasses)
    }

    @Test func textLabelsAreNumberedInSortedOrder() throws {
        let dataset = try Dataset.parseCSV("5.1,3.5,setosa\n7.0,3.2,versicolor\n4.9,3.0,setosa\n", file: "iris.csv", options: CSVOptions())
        #expect(dataset.classNames == ["setosa", "versicolor"])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.classCount == 2)
    }

    @Test func malformedRowsNameFileAndLine() throws {
        let fields = try #require(throws: DataError.self) {
            try Dataset.parseCSV("1,2,0\n3,4\n", file: "t.csv", options: CSVOptions())
        }
        #expect(fields.description == "t.csv:2: expected 3 fields but found 2")
        let number = try #require(throws: DataError.self) {
            try Dataset.parseCSV("1,2,0\n3,abc,1\n", file: "t.csv", options: CSVOptions())
        }
        #expect(number.description == "t.csv:2: field 2 'abc' is not a number")
        let label = try #require(throws: DataError.self) {
            try Dataset.parseCSV("1,2,0\n3,4,1.5\n", file: "t.csv", options: CSVOptions())
        }
        #expect(label.description == "t.csv:2: label '1.5' is not a class index (a whole number from 0)")
        let range = try #require(throws: DataError.self) {
            try Dataset.parseCSV("1,2,0\n3,4,7\n", file: "t.csv", options: CSVOptions(classCount: 3))
        }
        #expect(range.description == "t.csv: label 7 at item 1 is out of range for 3 classes")
        #expect(throws: DataError.empty(file: "e.csv")) { try Dataset.parseCSV("\n \n", file: "e.csv", options: CSVOptions()) }
        #expect(throws: DataError.empty(file: "h.csv")) { try Dataset.parseCSV("a,b\n", file: "h.csv", options: CSVOptions(hasHeader: true)) }
        #expect(throws: DataError.csvNotANumber(file: "n.csv", line: 1, column: 1, text: "nan")) {
            try Dataset.parseCSV("nan,0\n", file: "n.csv", options: CSVOptions(hasHeader: false))
        }
    }

    /// Nothing a file says sizes an allocation before the rows are read: a first line of
    /// 300 000 fields over 300 000 short lines asked for room for 9·10¹⁰ features (360 GB) up
    /// front, and failed to allocate, before the second line was found one field short.
    @Test func aWideFirstLineReservesNothing() throws {
        let text = String(repeating: "0,", count: 300_000) + "0\n" + String(repeating: "1\n", count: 300_000)
        #expect(throws: DataError.csvFieldCount(file: "w.csv", line: 2, expected: 300_001, found: 1)) {
            try Dataset.parseCSV(text, file: "w.csv", options: CSVOptions(hasHeader: false))
        }
    }

    /// The first data row decides whether labels are class indices or names; a label of the
    /// other kind is then the error it is in that kind, on its line.
    @Test func mixedLabelKindsAreLocatedErrors() throws {
        #expect(throws: DataError.csvLabel(file: "m.csv", line: 1, text: "cat")) {
            try Dataset.parseCSV("1,cat\n2,dog\n3,1\n", file: "m.csv", options: CSVOptions())
        }
        #expect(throws: DataError.csvLabel(file: "m.csv", line: 3, text: "cat")) {
            try Dataset.parseCSV("1,0\n2,1\n3,cat\n", file: "m.csv", options: CSVOptions())
        }
        let names = try Dataset.parseCSV("\n1,b\n\n2,a\r\n3,b", file: "n.csv", options: CSVOptions())
        #expect(names.labels == [1, 0, 1])
        #expect(names.classNames == ["a", "b"])
    }

    @Test func readsGzipFromDisk() throws {
        let files = try DataFixtures()
        defer { files.remove() }
        let url = try files.write("t.csv.gz", Gzip.compress(Array("1,2,1\n3,4,0\n".utf8)))
        #expect(try Dataset.csv(url).labels == [1, 0])
        #expect(try Dataset.csv(bytes: Gzip.compress(Array("1,2,1\n3,4,0\n".utf8)), file: "t.csv.gz").labels == [1, 0])
    }
}

@Suite struct CSVClassNameTests {
    // A test file lacking a class must still number the others as the training file did.
    @Test func textLabelsFollowTheTrainingClasses() throws {
        let train = try Dataset.parseCSV("1,a\n2,b\n3,c\n", file: "train.csv", options: CSVOptions())
        let test = try Dataset.parseCSV("4,c\n5,a\n", file: "test.csv", options: CSVOptions(classNames: train.classNames))
        #expect(test.labels == [2, 0])
        #expect(test.classCount == 3)
        let error = try #require(throws: DataError.self) {
            try Dataset.parseCSV("4,c\n5,z\n", file: "test.csv", options: CSVOptions(classNames: train.classNames))
        }
        #expect(error.description == "test.csv:2: label 'z' is not one of the training set's classes (a, b, c)")
    }
}
