/// Every message the lexer and parser emit, in one place: lower-case, source text quoted.
enum ParseMessage {
    // MARK: Lexer

    static func unexpectedCharacter(_ shown: String, count: Int) -> String {
        count == 1 ? "unexpected character '\(shown)'" : "unexpected characters '\(shown)'"
    }
    static func invalidUTF8(_ shown: String, count: Int) -> String {
        count == 1 ? "unexpected byte '\(shown)' (the file is not valid UTF-8 here)"
                   : "unexpected bytes '\(shown)' (the file is not valid UTF-8 here)"
    }
    static let unterminatedString = "unterminated string"
    static let notText = "not a UTF-8 text file: it holds a NUL byte (is it binary, or UTF-16?)"
    static let notTextFix = "give nnc the .net file; data files are named in its 'data' block"
    static let slashComment = "comments start with '#', not '//'"
    static let separateStatements = "put each statement on its own line, or separate them with ';'"
    static let insertQuote = "insert '\"' at the end of the string"
    static func insertQuote(after text: String) -> String {
        text.isEmpty ? insertQuote : "insert '\"' after '\(text)'"
    }
    static func invalidEscape(_ escape: String) -> String { "invalid escape '\(escape)' in string" }
    static let escapeBackslash = "write '\\\\' for a backslash, or use '/' in paths"
    static let singleQuotedString = "strings are written in double quotes"
    static let curlyQuotedString = "strings are written in plain double quotes, not curly quotes"
    static let useDoubleQuotes = "use '\"'"
    static func invalidNumber(_ text: String) -> String { "'\(text)' is not a valid number" }
    static func missingFractionDigits(_ text: String) -> String { "expected a digit after '.' in '\(text)'" }
    static func leadingDot(_ text: String) -> String { "a number must start with a digit, not '.': '\(text)'" }
    static func write(_ text: String) -> String { "write '\(text)'" }
    static func numberTooLarge(_ text: String) -> String { "number '\(text)' is too large" }
    static func numberTooSmall(_ text: String) -> String { "number '\(text)' is too small and becomes 0" }

    // MARK: Parser

    static func expectedDeclaration(found: String) -> String {
        "expected a declaration ('let', 'block', 'net', 'data', 'optimizer' or 'train'), found \(found)"
    }
    static func didYouMean(_ word: String) -> String { "did you mean '\(word)'?" }
    static let unmatchedBrace = "unexpected '}' with no '{' open"
    static func unmatchedCloser(_ closer: String, _ opener: String) -> String {
        "unexpected '\(closer)' with no '\(opener)' open"
    }
    static let removeIt = "remove it"
    static func keywordAsName(_ word: String) -> String { "'\(word)' is a keyword and cannot be used as a name" }
    static func renameKeyword(_ word: String) -> String { "choose another name, such as '\(word)_'" }
    static func expectedName(after what: String) -> String { "expected a name after \(what)" }
    static func expectedAfter(_ expected: String, _ what: String) -> String { "expected \(expected) after \(what)" }
    static func expectedFound(_ expected: String, _ what: String, found: String) -> String {
        "expected \(expected) after \(what), found \(found)"
    }
    static func use(_ text: String) -> String { "use '\(text)'" }
    static func insert(_ text: String) -> String { "insert '\(text)'" }
    static func expectedParameterName(found: String) -> String { "expected a parameter name, found \(found)" }
    static func expectedParameterList(_ what: String) -> String { "expected '(' and a parameter list after \(what)" }
    static func expectedBodyOpen(_ context: String) -> String { "expected '{' to begin \(context)" }
    static func braceOnNextLine(_ owner: String) -> String { "'{' must be on the same line as \(owner)" }
    static let moveBraceUp = "move '{' to the end of the previous line"
    static func expectedClose(_ closer: String, _ context: String, openedAt: SourceLocation) -> String {
        "expected '\(closer)' to close \(context) opened at \(openedAt)"
    }
    static func openedHere(_ opener: String) -> String { "'\(opener)' opened here" }
    static func onlyAtTopLevel(_ keyword: String, _ context: String) -> String {
        "'\(keyword)' is only allowed at the top level of a file, not inside \(context)"
    }
    static func expectedStatement(found: String) -> String { "expected a layer or block name, found \(found)" }
    static func expectedLayerAfterLabel(_ label: String) -> String { "expected a layer after the label '\(label):'" }
    static let missingCommaBetweenArguments = "expected ',' between arguments"
    static let missingCommaBetweenParameters = "expected ',' between parameters"
    static let missingCommaBetweenElements = "expected ',' between list elements"
    static let missingCommaBetweenSettings = "expected ',' or a newline between settings"
    static let trailingCommaInArguments = "unexpected ',' before ')'"
    static func namedArgumentEquals(_ label: String) -> String {
        "expected ':' after the argument name '\(label)', found '='"
    }
    static func expectedExpression(after previous: String) -> String { "expected an expression after '\(previous)'" }
    static func expectedEndOfStatement(found: String) -> String { "expected a newline or ';', found \(found)" }
    static func expectedEndOfSetting(found: String) -> String { "expected ',' or a newline, found \(found)" }
    static func expectedSetting(found: String) -> String { "expected a setting name, found \(found)" }
    static func configEquals(_ key: String) -> String { "expected ':' after '\(key)', found '='" }
    static func configMissingColon(_ key: String) -> String { "expected ':' after '\(key)'" }
    static func configMissingValue(_ key: String) -> String { "expected ':' and a value after '\(key)'" }
    static func configTakesNoName(_ keyword: String, _ name: String) -> String {
        "'\(keyword)' takes no name: '\(keyword) \(name)'"
    }
    static func letUsesEquals(_ name: String) -> String { "expected '=' after 'let \(name)', found ':'" }
    static let nestingTooDeep = "nesting is too deep (more than \(Parser.maxDepth) levels)"
    static let expressionTooLong = "expression is too long (more than \(Parser.maxOperators) operators in a row)"
    static func tooManyErrors(_ count: Int) -> String { "too many errors (\(count)); stopping here" }
}
