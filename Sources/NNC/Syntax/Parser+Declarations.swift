/// Declarations, bodies and statements: `file`, `constant`, `block`, `net`, `body`, `statement`.
extension Parser {
    /// `file = { sep } { declaration { sep } }`
    mutating func parseFile() -> SourceUnit {
        var declarations: [Declaration] = []
        while true {
            skipSeparators()
            if kind == .endOfFile { break }
            let start = index
            if let declaration = parseDeclaration() { declarations.append(declaration) }
            expectEndOfLine(allowClosingBrace: false)
            if panicking { synchronize() }
            if index == start && kind != .endOfFile { index += 1 }
        }
        return SourceUnit(declarations: declarations)
    }

    private mutating func parseDeclaration() -> Declaration? {
        switch kind {
        case .kwLet: return parseConstant()
        case .kwBlock: return parseBlock()
        case .kwNet: return parseNet()
        case .kwData, .kwTrain: return parseConfig(named: false)
        case .kwOptimizer: return parseConfig(named: true)
        case .rightBrace:
            error(ParseMessage.unmatchedBrace, at: current.range, fix: ParseMessage.removeIt, recoverable: true)
            advance()
            return nil
        default:
            var fix: String?
            if kind == .name {
                let word = current.text
                if ["var", "const", "val", "def", "set"].contains(word) {
                    fix = ParseMessage.didYouMean("let")
                } else if let keyword = TokenKind.keywords.keys.sorted().first(where: {
                    TokenKind.keywords[$0]!.beginsDeclaration && word.count >= 3
                        && Parser.editDistance(word.lowercased(), $0) <= ($0.count > 4 ? 2 : 1)
                }) {
                    fix = ParseMessage.didYouMean(keyword)
                }
            }
            error(ParseMessage.expectedDeclaration(found: current.quoted), at: current.range, fix: fix)
            return nil
        }
    }

    /// A declaration or statement ends at a newline, `;`, the end of the file or (in a body) `}`.
    /// A declaration keyword right after a `}` is reported but parsed, since nothing is lost.
    mutating func expectEndOfLine(allowClosingBrace: Bool) {
        switch kind {
        case .newline, .semicolon, .endOfFile: return
        case .rightBrace where allowClosingBrace: return
        case .rightParen, .rightBracket:
            let opener = kind == .rightParen ? "(" : "["
            error(ParseMessage.unmatchedCloser(current.text, opener), at: current.range, fix: ParseMessage.removeIt)
        default:
            if kind.beginsDeclaration && lastToken?.kind == .rightBrace {
                error(ParseMessage.expectedEndOfStatement(found: current.quoted), at: current.range,
                      fix: ParseMessage.insert(";"), recoverable: true)
                return
            }
            error(ParseMessage.expectedEndOfStatement(found: current.quoted), at: current.range,
                  fix: kind == .comma && allowClosingBrace ? ParseMessage.separateStatements : nil)
        }
    }

    /// A name where one is required; a keyword is reported and accepted, anything else is an error.
    private mutating func expectName(after what: String) -> Identifier? {
        if kind == .name {
            let token = advance()
            return Identifier(token.text, token.range)
        }
        if kind.isKeyword { return keywordAsName() }
        error(ParseMessage.expectedName(after: what), at: expectedRange)
        return nil
    }

    /// `constant = "let" NAME "=" expr`
    private mutating func parseConstant() -> Declaration? {
        let keyword = advance()
        guard let name = expectName(after: "'let'") else { return nil }
        switch kind {
        case .equals:
            advance()
        case .colon:
            error(ParseMessage.letUsesEquals(name.name), at: current.range, fix: ParseMessage.use("="), recoverable: true)
            advance()
        default:
            if kind.beginsExpression && onSameLine {
                error(ParseMessage.expectedAfter("'='", "'let \(name.name)'"), at: afterLast,
                      fix: ParseMessage.insert("="), recoverable: true)
            } else {
                error(ParseMessage.expectedAfter("'='", "'let \(name.name)'"), at: expectedRange)
                return .constant(name: name, value: Expr(.error, afterLast),
                                 range: keyword.range.union(name.range))
            }
        }
        let value = parseExpression()
        return .constant(name: name, value: value, range: keyword.range.union(value.range))
    }

    /// `block = "block" NAME "(" [ NAME { "," NAME } ] ")" body`
    private mutating func parseBlock() -> Declaration? {
        let keyword = advance()
        guard let name = expectName(after: "'block'") else { return nil }
        var parameters: [Identifier] = []
        if kind == .leftParen {
            parameters = parseParameters()
        } else if kind == .leftBrace {
            error(ParseMessage.expectedParameterList("'block \(name.name)'"), at: current.range,
                  fix: ParseMessage.insert("()"), recoverable: true)
        } else {
            error(ParseMessage.expectedParameterList("'block \(name.name)'"), at: expectedRange)
            return nil
        }
        guard let body = parseBody(of: "the body of 'block \(name.name)'", owner: "'block \(name.name)'") else {
            return nil
        }
        return .block(name: name, parameters: parameters, body: body.statements,
                      range: keyword.range.union(body.range))
    }

    /// `"(" [ NAME { "," NAME } ] ")"`; a bad parameter list is skipped up to its `)`.
    private mutating func parseParameters() -> [Identifier] {
        let open = current
        groupDepth += 1
        advance()
        defer { groupDepth -= 1 }
        var parameters: [Identifier] = []
        while kind != .rightParen {
            if kind == .name {
                parameters.append(Identifier(current.text, current.range))
                advance()
            } else if kind.isKeyword {
                parameters.append(keywordAsName())
            } else {
                error(ParseMessage.expectedParameterName(found: current.quoted), at: expectedRange)
                while ![.rightParen, .leftBrace, .endOfFile].contains(kind) { index += 1 }
                break
            }
            if kind == .comma {
                advance()
            } else if kind == .name && onSameLine {
                error(ParseMessage.missingCommaBetweenParameters, at: afterLast, fix: ParseMessage.insert(","),
                      recoverable: true)
            } else if kind != .rightParen {
                error(ParseMessage.expectedClose(")", "the parameter list", openedAt: open.range.start),
                      at: expectedRange, notes: [.init(message: ParseMessage.openedHere("("), range: open.range)])
                while ![.rightParen, .leftBrace, .endOfFile].contains(kind) { index += 1 }
                break
            }
        }
        if kind == .rightParen {
            groupDepth -= 1
            advance()
            groupDepth += 1
        }
        // Any skip above stopped at the list's end, so the body is read with reporting back on.
        panicking = false
        return parameters
    }

    /// `net = "net" NAME body`
    private mutating func parseNet() -> Declaration? {
        let keyword = advance()
        let name: Identifier
        if kind == .leftBrace {
            error(ParseMessage.expectedName(after: "'net'"), at: current.range, recoverable: true)
            name = Identifier("", afterLast)
        } else {
            guard let n = expectName(after: "'net'") else { return nil }
            name = n
        }
        guard let body = parseBody(of: "the body of 'net \(name.name)'", owner: "'net \(name.name)'") else {
            return nil
        }
        return .net(name: name, body: body.statements, range: keyword.range.union(body.range))
    }

    /// Moves to a `{` that begins a body, accepting (with an error) one placed on the next line.
    mutating func openBrace(owner: String) -> Bool {
        if kind == .leftBrace { return true }
        if kind == .newline {
            var j = index
            while tokens[j].kind == .newline { j += 1 }
            if tokens[j].kind == .leftBrace {
                index = j
                error(ParseMessage.braceOnNextLine(owner), at: current.range, fix: ParseMessage.moveBraceUp,
                      recoverable: true)
                return true
            }
        }
        return false
    }

    /// `body = "{" { sep } { statement { sep } } "}"`
    mutating func parseBody(of context: String, owner: String) -> (statements: [Statement], range: SourceRange)? {
        guard openBrace(owner: owner) else {
            error(ParseMessage.expectedBodyOpen(context), at: expectedRange)
            return nil
        }
        let open = current
        guard enterNesting() else { return nil }
        defer { leaveNesting() }
        let savedGroups = groupDepth
        groupDepth = 0
        defer { groupDepth = savedGroups }
        advance()
        var statements: [Statement] = []
        while true {
            skipSeparators()
            switch kind {
            case .rightBrace:
                let close = advance()
                return (statements, open.range.union(close.range))
            case .endOfFile:
                reportUnclosed(open, context)
                return (statements, open.range.union(afterLast))
            case _ where kind.beginsDeclaration && peek() != .colon:
                if isDeclarationAtLineStart(index) {
                    reportUnclosed(open, context)
                    return (statements, open.range.union(afterLast))
                }
                error(ParseMessage.onlyAtTopLevel(current.text, context), at: current.range)
                advance()
            default:
                let start = index
                if let statement = parseStatement() { statements.append(statement) }
                expectEndOfLine(allowClosingBrace: true)
                if panicking { synchronize() }
                if index == start && kind != .rightBrace && kind != .endOfFile { index += 1 }
            }
            if panicking { synchronize() }
        }
    }

    /// One error for a `{` never closed, at the place the `}` is missing, with a note at the `{`.
    mutating func reportUnclosed(_ open: Token, _ context: String) {
        if kind == .endOfFile {
            if reportedUnclosedAtEnd { return }
            reportedUnclosedAtEnd = true
        }
        let at = kind == .endOfFile ? afterLast : current.range
        error(ParseMessage.expectedClose("}", context, openedAt: open.range.start), at: at,
              fix: ParseMessage.insert("}"), notes: [.init(message: ParseMessage.openedHere("{"), range: open.range)])
    }

    /// `statement = [ NAME ":" ] NAME ( "(" [ arguments ] ")" | [ arguments ] ) [ body ]`
    private mutating func parseStatement() -> Statement? {
        var label: Identifier?
        if (kind == .name || kind.isKeyword) && peek() == .colon {
            label = kind == .name ? Identifier(current.text, current.range) : keywordAsName()
            if kind == .name { advance() }
            advance()
            if kind == .newline || kind == .endOfFile || kind == .rightBrace || kind == .semicolon {
                error(ParseMessage.expectedLayerAfterLabel(label!.name), at: expectedRange)
                return nil
            }
        }
        let name: Identifier
        if kind == .name {
            name = Identifier(current.text, current.range)
            advance()
        } else if kind.isKeyword {
            name = keywordAsName()
        } else {
            error(ParseMessage.expectedStatement(found: current.quoted), at: current.range)
            return nil
        }
        var arguments: [Argument] = []
        var parenthesized = false
        if kind == .leftParen {
            parenthesized = true
            arguments = parseParenthesizedArguments()
        } else if kind.beginsExpression {
            arguments = parseArguments()
        }
        var body: [Statement]?
        var end = afterLast
        if kind == .leftBrace || kind == .newline && openBrace(owner: "'\(name.name)'") {
            if let parsed = parseBody(of: "the body of '\(name.name)'", owner: "'\(name.name)'") {
                body = parsed.statements
                end = parsed.range
            }
        }
        let start = label?.range ?? name.range
        return Statement(label: label, name: name, arguments: arguments, parenthesized: parenthesized,
                         body: body, range: start.union(end))
    }
}
