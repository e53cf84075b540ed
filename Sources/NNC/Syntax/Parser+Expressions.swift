/// Expressions and argument lists: `expr`, `term`, `unary`, `primary`, `arguments`, `argument`.
extension Parser {
    /// `expr = term { ( "+" | "-" ) term }`; binary chains are loops, bounded by `maxOperators`
    /// because the tree they build is as deep as the chain is long.
    mutating func parseExpression() -> Expr {
        var operators = 0
        defer { pendingOperators -= operators }
        var left = parseTerm()
        while kind == .plus || kind == .minus {
            let op: BinaryOperator = kind == .plus ? .add : .subtract
            guard countOperator(&operators) else { return Expr(.error, left.range) }
            advance()
            let right = parseTerm()
            left = Expr(.binary(op, left, right), left.range.union(right.range))
        }
        return left
    }

    /// `term = unary { ( "*" | "/" ) unary }`
    private mutating func parseTerm() -> Expr {
        var operators = 0
        defer { pendingOperators -= operators }
        var left = parseUnary()
        while kind == .star || kind == .slash {
            let op: BinaryOperator = kind == .star ? .multiply : .divide
            guard countOperator(&operators) else { return Expr(.error, left.range) }
            advance()
            let right = parseUnary()
            left = Expr(.binary(op, left, right), left.range.union(right.range))
        }
        return left
    }

    /// Counts operators of all the chains being parsed, since nested chains stack up in one tree.
    private mutating func countOperator(_ count: inout Int) -> Bool {
        count += 1
        pendingOperators += 1
        if pendingOperators <= Self.maxOperators { return true }
        error(ParseMessage.expressionTooLong, at: current.range)
        synchronize()
        panicking = true
        return false
    }

    /// `unary = "-" unary | primary`
    private mutating func parseUnary() -> Expr {
        guard kind == .minus else { return parsePrimary() }
        let minus = current
        guard enterNesting() else { return Expr(.error, minus.range) }
        defer { leaveNesting() }
        advance()
        let operand = parseUnary()
        return Expr(.unary(.negate, operand), minus.range.union(operand.range))
    }

    /// `primary = NUMBER | STRING | "true" | "false" | NAME [ "(" [ arguments ] ")" ] | "(" expr ")" | list`
    private mutating func parsePrimary() -> Expr {
        let token = current
        switch token.kind {
        case .number:
            advance()
            return Expr(.number(token.number, text: token.text), token.range)
        case .string:
            advance()
            return Expr(.string(token.string), token.range)
        case .kwTrue, .kwFalse:
            advance()
            return Expr(.bool(token.kind == .kwTrue), token.range)
        case .name:
            advance()
            guard kind == .leftParen else { return Expr(.name(token.text), token.range) }
            let callee = Identifier(token.text, token.range)
            let arguments = parseParenthesizedArguments()
            return Expr(.call(callee, arguments), token.range.union(afterLast))
        case .leftParen:
            guard enterNesting() else { return Expr(.error, token.range) }
            defer { leaveNesting() }
            groupDepth += 1
            advance()
            let inner = parseExpression()
            closeGroup(.rightParen, opener: token, context: "'('")
            return Expr(inner.kind, token.range.union(afterLast))
        case .leftBracket:
            return parseList()
        default:
            if token.kind.isKeyword {
                let name = keywordAsName()
                return Expr(.name(name.name), name.range)
            }
            error(ParseMessage.expectedExpression(after: lastText), at: expectedRange)
            return Expr(.error, expectedRange)
        }
    }

    /// `"[" [ expr { "," expr } [ "," ] ] "]"`
    private mutating func parseList() -> Expr {
        let open = current
        guard enterNesting() else { return Expr(.error, open.range) }
        defer { leaveNesting() }
        groupDepth += 1
        advance()
        var elements: [Expr] = []
        while kind != .rightBracket && kind != .endOfFile {
            let before = index
            elements.append(parseExpression())
            if kind == .comma {
                advance()
            } else if kind.beginsExpression && onSameLine {
                error(ParseMessage.missingCommaBetweenElements, at: afterLast, fix: ParseMessage.insert(","),
                      recoverable: true)
            } else {
                break
            }
            if index == before { break }
        }
        closeGroup(.rightBracket, opener: open, context: "'['")
        return Expr(.list(elements), open.range.union(afterLast))
    }

    /// `"(" [ arguments ] ")"` after a call's or a statement's name.
    mutating func parseParenthesizedArguments() -> [Argument] {
        let open = current
        guard enterNesting() else { return [] }
        defer { leaveNesting() }
        groupDepth += 1
        advance()
        var arguments: [Argument] = []
        if kind != .rightParen {
            arguments = parseArguments()
            if kind == .rightParen, lastToken?.kind == .comma {
                error(ParseMessage.trailingCommaInArguments, at: lastToken!.range, fix: ParseMessage.removeIt,
                      recoverable: true)
            }
        }
        closeGroup(.rightParen, opener: open, context: "'('")
        return arguments
    }

    /// Consumes the closer of a `(` or `[` group, or reports it missing with a note at the opener.
    private mutating func closeGroup(_ closer: TokenKind, opener: Token, context: String) {
        groupDepth -= 1
        if kind == closer {
            advance()
            return
        }
        let sameLine = onSameLine
        error(ParseMessage.expectedClose(closer.spelling!, context, openedAt: opener.range.start), at: expectedRange,
              fix: sameLine ? nil : ParseMessage.insert(closer.spelling!),
              notes: [.init(message: ParseMessage.openedHere(opener.text), range: opener.range)])
        if !sameLine { rewindToNewline() }
    }

    /// `arguments = argument { "," argument }`; a missing `,` between two arguments on one line
    /// is reported and repaired.
    mutating func parseArguments() -> [Argument] {
        var arguments: [Argument] = []
        while true {
            let before = index
            arguments.append(parseArgument())
            if kind == .comma {
                advance()
                if kind == .rightParen && groupDepth > 0 { break }
            } else if kind.beginsExpression && onSameLine {
                error(ParseMessage.missingCommaBetweenArguments, at: afterLast, fix: ParseMessage.insert(","),
                      recoverable: true)
            } else {
                break
            }
            if index == before { break }
        }
        return arguments
    }

    /// `argument = [ NAME ":" ] expr`; `name = value` is reported and read as `name: value`.
    private mutating func parseArgument() -> Argument {
        var label: Identifier?
        if kind == .name || kind.isKeyword, peek() == .colon || (peek() == .equals && kind == .name) {
            label = kind == .name ? Identifier(current.text, current.range) : keywordAsName()
            if kind == .name { advance() }
            if kind == .equals {
                error(ParseMessage.namedArgumentEquals(label!.name), at: current.range, fix: ParseMessage.use(":"),
                      recoverable: true)
            }
            advance()
        }
        let value = parseExpression()
        let range = label.map { $0.range.union(value.range) } ?? value.range
        return Argument(label: label, value: value, range: range)
    }
}
