import FuzzSupport
import NNC

// A .net file as `nnc fmt` takes it. When it has no syntax errors, its layout must be a fixed
// point (formatting the formatted text changes nothing), parse again without errors to the same
// tree (ASTDump without source ranges, as FormatterTests compares), and keep every comment and
// token as written: only whitespace may change.
fuzz { bytes in
    let file = SourceFile(path: "fuzz.net", bytes: bytes)
    guard let once = Formatter.format(file).text else { return }
    let again = Formatter.format(SourceFile(path: "fuzz.net", text: once))
    guard let twice = again.text else { fatalError("the formatted text has syntax errors") }
    if twice != once { fatalError("formatting twice changes the text") }
    if shape(Parser.parse(SourceFile(path: "fuzz.net", text: once)).unit) != shape(Parser.parse(file).unit) {
        fatalError("the formatted text parses to a different tree")
    }
    let source = String(decoding: bytes, as: UTF8.self)
    if !once.filter({ !$0.isWhitespace }).elementsEqual(source.filter { !$0.isWhitespace }) {
        fatalError("formatting changed more than whitespace")
    }
}

/// The tree without its `@line:col-line:col` ranges, which whitespace moves.
func shape(_ unit: SourceUnit) -> String {
    ASTDump.dump(unit).replacing(#/ @\d+:\d+-\d+:\d+/#, with: "")
}
