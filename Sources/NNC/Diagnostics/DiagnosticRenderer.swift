/// Draws diagnostics as text, the way compilers do:
///
///     model.net:4:11: error: expected ',' between arguments
///       dense 10 init: normal(0.01)
///               ^
///     fix: insert ','
///
/// The echoed line keeps its tabs, so the caret line (which copies them) stays aligned; bytes
/// that are not UTF-8 and control characters are shown as U+FFFD, one column each. Colour
/// (ANSI) only when asked for, normally when standard error is a terminal.
public struct DiagnosticRenderer: Sendable {
    public let file: SourceFile
    public let color: Bool

    public init(file: SourceFile, color: Bool = false) {
        self.file = file
        self.color = color
    }

    /// How many diagnostics `render` draws: past the first hundred, a file generated wrong
    /// repeats one mistake, and drawing a million of them takes longer than reading one.
    public static let shownLimit = 100

    /// The diagnostics in source order (stable for equal positions), each ending in a newline:
    /// the first `limit` of them, then a line that counts the rest, `omitted` (found but not
    /// kept, see `Frontend.checkCounting`) among them.
    public func render(_ diagnostics: [Diagnostic], limit: Int = shownLimit,
                       omitted: OmittedDiagnostics = OmittedDiagnostics()) -> String {
        let ordered = diagnostics.enumerated().sorted {
            ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
        }
        var out = ordered.prefix(max(limit, 0)).map { render($0.element) }.joined()
        var rest = omitted
        for d in ordered.dropFirst(max(limit, 0)) { rest.count(d.element) }
        if rest.total > 0 {
            out += "… and \(Self.counts(rest, more: true)) not shown\n"
        }
        return out
    }

    /// One diagnostic: header, source line, caret line, then its fix and notes.
    public func render(_ diagnostic: Diagnostic) -> String {
        var out = header(diagnostic.range, diagnostic.severity.rawValue, severityColor(diagnostic.severity),
                         diagnostic.message)
        out += excerpt(diagnostic.range)
        if let fix = diagnostic.fix {
            out += paint("fix:", Style.fix) + " " + fix + "\n"
        }
        for note in diagnostic.notes {
            out += header(note.range, "note", Style.note, note.message)
            out += excerpt(note.range)
        }
        return out
    }

    /// `2 errors, 1 warning`; `no errors` when there are neither. `omitted` are counted too.
    public static func summary(_ diagnostics: [Diagnostic], omitted: OmittedDiagnostics = OmittedDiagnostics()) -> String {
        var all = omitted
        for d in diagnostics { all.count(d) }
        return all.total == 0 ? "no errors" : counts(all, more: false)
    }

    /// `3 errors, 1 warning`, or with `more` `3 more errors and 1 more warning`.
    private static func counts(_ tally: OmittedDiagnostics, more: Bool) -> String {
        let adjective = more ? "more " : ""
        var parts: [String] = []
        if tally.errors > 0 { parts.append("\(tally.errors) \(adjective)error\(tally.errors == 1 ? "" : "s")") }
        if tally.warnings > 0 { parts.append("\(tally.warnings) \(adjective)warning\(tally.warnings == 1 ? "" : "s")") }
        return parts.joined(separator: more ? " and " : ", ")
    }

    // MARK: Pieces

    private enum Style {
        static let bold = "\u{1B}[1m"
        static let error = "\u{1B}[1;31m"
        static let warning = "\u{1B}[1;35m"
        static let note = "\u{1B}[1;36m"
        static let caret = "\u{1B}[1;32m"
        static let fix = "\u{1B}[1;32m"
        static let reset = "\u{1B}[0m"
    }

    private func severityColor(_ severity: Severity) -> String {
        switch severity {
        case .error: return Style.error
        case .warning: return Style.warning
        case .note: return Style.note
        }
    }

    private func paint(_ text: String, _ style: String) -> String {
        color ? style + text + Style.reset : text
    }

    private func header(_ range: SourceRange, _ severity: String, _ style: String, _ message: String) -> String {
        let place = range.isNone ? file.path : "\(file.path):\(range.start.line):\(range.start.column)"
        return paint(place + ":", Style.bold) + " " + paint(severity + ":", style) + " " + paint(message, Style.bold) + "\n"
    }

    /// Lines longer than this many characters are shown as a window around the span.
    static let maxLineWidth = 160

    /// The source line of the range's start and a caret line under the part of the range on it.
    private func excerpt(_ range: SourceRange) -> String {
        guard !range.isNone, range.start.line >= 1, range.start.line <= file.lineStarts.count else { return "" }
        let line = file.line(range.start.line)
        // Only the bytes near the span are decoded, so a megabyte-long line costs no more than a short one.
        let reach = 4 * Self.maxLineWidth
        var lo = max(line.startIndex, min(range.start.offset, line.endIndex) - reach)
        while lo > line.startIndex, lo < line.endIndex, file.bytes[lo] & 0xC0 == 0x80 { lo += 1 }
        let hi = min(line.endIndex, max(lo, range.start.offset) + reach)
        let bytes = Array(file.bytes[lo..<hi])
        let from = max(0, range.start.offset - lo)
        let to = range.end.line == range.start.line ? max(from, range.end.offset - lo) : bytes.count + 1
        // Split the line into characters: byte offset, byte length, and how each is shown.
        var characters: [(offset: Int, length: Int, shown: String)] = []
        var i = 0
        while i < bytes.count {
            let length = UTF8Bytes.scalarLength(bytes, i)
            characters.append((i, length, Self.shown(bytes, i, length)))
            i += length
        }
        var first = 0
        var last = characters.count
        if characters.count > Self.maxLineWidth {
            let at = characters.firstIndex { $0.offset + $0.length > from } ?? characters.count
            first = max(0, min(at - Self.maxLineWidth / 4, characters.count - Self.maxLineWidth))
            last = min(characters.count, first + Self.maxLineWidth)
        }
        var text = first > 0 || lo > line.startIndex ? "…" : ""
        var caret = text.isEmpty ? "" : " "
        for c in characters[first..<last] {
            text += c.shown
            // The caret line fills as many terminal columns as the character takes: two for
            // CJK and emoji, none for a combining mark.
            let width = Self.columns(c.shown)
            if c.offset + c.length <= from {
                caret += c.shown == "\t" ? "\t" : String(repeating: " ", count: width)
            } else if c.offset <= from {
                caret += "^" + String(repeating: "~", count: max(0, width - 1))
            } else if c.offset < to {
                caret += String(repeating: "~", count: width)
            }
        }
        if last < characters.count || hi < line.endIndex { text += "…" }
        // A span at or past the end of the line (a missing token, the line end) gets one caret.
        if !caret.contains("^") { caret += "^" }
        return text + "\n" + paint(caret, Style.caret) + "\n"
    }

    /// Terminal columns one echoed character takes (East Asian wide and fullwidth forms and
    /// emoji take two, combining marks and zero-width characters none), as wcwidth would say.
    static func columns(_ shown: String) -> Int {
        guard let v = shown.unicodeScalars.first?.value else { return 0 }
        switch v {
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x200B...0x200F, 0x20D0...0x20FF,
             0xFE00...0xFE0F, 0xFE20...0xFE2F:
            return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// How one character of the source line is echoed: itself, or U+FFFD when it is not UTF-8
    /// or is a control character that could move the cursor or change the terminal's state.
    private static func shown(_ bytes: [UInt8], _ i: Int, _ length: Int) -> String {
        let b = bytes[i]
        if b == 0x09 { return "\t" }
        if length == 1 && (b < 0x20 || b >= 0x7F) { return "\u{FFFD}" }
        let s = String(decoding: bytes[i..<(i + length)], as: UTF8.self)
        if let v = s.unicodeScalars.first?.value, (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
            return "\u{FFFD}"
        }
        return s
    }
}
