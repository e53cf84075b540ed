import Foundation

/// Why a training log could not be read. Messages name the file, and the line when there is one.
public enum RunLogError: Error, Equatable, CustomStringConvertible {
    /// The file is missing or unreadable (the command exits 66).
    case cannotRead(file: String, reason: String)
    /// A line is not what docs/LOG.md describes (the command exits 65).
    case malformed(file: String, line: Int, detail: String)
    /// The file holds no records at all.
    case empty(file: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformed(file, line, detail): return "\(file):\(line): \(detail)"
        case let .empty(file): return "\(file): holds no log records"
        }
    }
}

extension RunLog {
    /// Reads the log at `path`.
    public static func read(path: String) throws -> RunLog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw RunLogError.cannotRead(file: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RunLogError.malformed(file: path, line: 1, detail: "the log is not UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// Parses a whole log. Blank lines and unknown record types are skipped; a line that is
    /// not a JSON object with a string `type`, or a known record with a mistyped field, throws.
    public static func parse(_ text: String, source: String) throws -> RunLog {
        var log = RunLog(source: source)
        var sawRecord = false
        var sawHeader = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            let fields = try RunLogFields(line: String(line), file: source, number: index + 1)
            sawRecord = true
            switch try fields.requiredString("type") {
            case "run" where !sawHeader:
                sawHeader = true
                log.header = try header(fields)
            case "step":
                log.steps.append(RunLog.Step(
                    epoch: try fields.integer("epoch") ?? 0, step: try fields.requiredInteger("step"),
                    loss: try fields.requiredNumber("loss"), lr: try fields.number("lr"),
                    seconds: try fields.number("seconds")))
            case "epoch":
                log.epochs.append(RunLog.Epoch(
                    epoch: try fields.requiredInteger("epoch"), step: try fields.integer("step") ?? 0,
                    trainLoss: try fields.number("train_loss"), testLoss: try fields.number("test_loss"),
                    testError: try fields.number("test_error"),
                    validationLoss: try fields.number("validation_loss"),
                    validationError: try fields.number("validation_error"),
                    lr: try fields.number("lr"), seconds: try fields.number("seconds"),
                    samplesPerSecond: try fields.number("samples_per_second")))
            case "analysis":
                log.analyses.append(RunLog.Analysis(
                    epoch: try fields.integer("epoch") ?? 0, step: try fields.integer("step") ?? 0,
                    layers: try fields.objects("layers").map(layer),
                    operatorNormBound: try fields.number("operator_norm_bound")))
            case "damping":
                log.damping.append(RunLog.Damping(
                    step: try fields.requiredInteger("step"), layer: try fields.string("layer"),
                    damping: try fields.requiredNumber("damping"), outcome: try fields.string("outcome") ?? ""))
            case "end":
                log.end = RunLog.End(
                    status: try fields.string("status") ?? "completed", message: try fields.string("message"),
                    seconds: try fields.number("seconds"), bestTestError: try fields.number("best_test_error"))
            default:
                continue
            }
        }
        guard sawRecord else { throw RunLogError.empty(file: source) }
        return log
    }

    private static func header(_ fields: RunLogFields) throws -> RunLog.Header {
        var header = RunLog.Header()
        header.model = try fields.string("model")
        header.file = try fields.string("file")
        header.optimizer = try fields.string("optimizer")
        header.lr = try fields.number("lr")
        header.batch = try fields.integer("batch")
        header.epochs = try fields.integer("epochs")
        // A 64-bit seed need not fit an Int, and nothing in a report depends on it.
        header.seed = try? fields.integer("seed")
        header.threads = try fields.integer("threads")
        header.stepsPerEpoch = try fields.integer("steps_per_epoch")
        header.layers = try fields.strings("layers")
        header.label = try fields.string("label")
        return header
    }

    /// Keeps every numeric field of a layer; other kinds of value are somebody else's business.
    private static func layer(_ fields: RunLogFields) throws -> RunLog.Layer {
        var values: [String: Double] = [:]
        for key in fields.object.keys where key != "name" {
            if let value = RunLogFields.double(fields.object[key]) { values[key] = value }
        }
        return RunLog.Layer(name: try fields.string("name") ?? "", values: values)
    }
}

/// One JSON object from the log with typed accessors that throw `file:line` errors.
struct RunLogFields {
    let object: [String: Any]
    let file: String
    let number: Int

    init(line: String, file: String, number: Int) throws {
        self.file = file
        self.number = number
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw RunLogError.malformed(file: file, line: number, detail: "not valid JSON: \(Self.excerpt(line))")
        }
        guard let object = parsed as? [String: Any] else {
            throw RunLogError.malformed(file: file, line: number, detail: "expected a JSON object, found \(Self.excerpt(line))")
        }
        self.object = object
    }

    private init(object: [String: Any], file: String, number: Int) {
        self.object = object
        self.file = file
        self.number = number
    }

    /// A JSON number, or one of the strings the log uses for non-finite values; nil otherwise.
    static func double(_ value: Any?) -> Double? {
        if let string = value as? String {
            switch string.lowercased() {
            case "nan": return .nan
            case "inf", "+inf", "infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: return nil
            }
        }
        // Foundation on Linux cannot tell `true` from `1`, so a boolean reads as 1 or 0.
        return (value as? NSNumber)?.doubleValue
    }

    private func fail(_ detail: String) -> RunLogError {
        .malformed(file: file, line: number, detail: detail)
    }

    private func present(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    func number(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = Self.double(value) else { throw fail("field '\(key)' should be a number, found \(Self.describe(value))") }
        return number
    }

    func requiredNumber(_ key: String) throws -> Double {
        guard let value = try number(key) else { throw fail("record has no '\(key)'") }
        return value
    }

    func integer(_ key: String) throws -> Int? {
        guard let value = try number(key) else { return nil }
        guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else {
            throw fail("field '\(key)' should be a whole number, found \(value)")
        }
        return Int(value)
    }

    func requiredInteger(_ key: String) throws -> Int {
        guard let value = try integer(key) else { throw fail("record has no '\(key)'") }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let string = value as? String else { throw fail("field '\(key)' should be a string, found \(Self.describe(value))") }
        return string
    }

    func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw fail("record has no '\(key)'") }
        return value
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = present(key) else { return [] }
        guard let strings = value as? [String] else { throw fail("field '\(key)' should be an array of strings") }
        return strings
    }

    func objects(_ key: String) throws -> [RunLogFields] {
        guard let value = present(key) else { return [] }
        guard let array = value as? [Any] else { throw fail("field '\(key)' should be an array of objects") }
        return try array.map { element in
            guard let object = element as? [String: Any] else { throw fail("field '\(key)' should be an array of objects") }
            return RunLogFields(object: object, file: file, number: number)
        }
    }

    private static func describe(_ value: Any) -> String {
        if let string = value as? String { return "\"\(excerpt(string))\"" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "\(value)"
    }

    private static func excerpt(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 60 ? String(trimmed.prefix(57)) + "..." : trimmed
    }
}
