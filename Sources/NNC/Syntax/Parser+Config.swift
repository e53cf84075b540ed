/// Configuration blocks: `data { … }`, `train { … }`, `optimizer NAME { … }` and their sections.
extension Parser {
    /// `config = ( "data" | "train" | "optimizer" NAME ) config_body`
    mutating func parseConfig(named: Bool) -> Declaration? {
        let keywordToken = advance()
        let keyword = Identifier(keywordToken.text, keywordToken.range)
        var name: Identifier?
        if named {
            if kind == .name {
                name = Identifier(current.text, current.range)
                advance()
            } else if kind.isKeyword {
                name = keywordAsName()
            } else {
                error(ParseMessage.expectedName(after: "'\(keyword.name)'"), at: expectedRange,
                      recoverable: kind == .leftBrace)
                if kind != .leftBrace { return nil }
            }
        } else if kind == .name && peek() == .leftBrace {
            error(ParseMessage.configTakesNoName(keyword.name, current.text), at: current.range,
                  fix: ParseMessage.removeIt, recoverable: true)
            advance()
        }
        let title = name.map { "'\(keyword.name) \($0.name)'" } ?? "'\(keyword.name)'"
        guard let body = parseConfigBody(of: "the \(title) block", owner: title) else { return nil }
        return .config(keyword: keyword, name: name, items: body.items, range: keywordToken.range.union(body.range))
    }

    /// `config_body = "{" { sep | "," } { config_item { sep | "," } } "}"`
    private mutating func parseConfigBody(of context: String, owner: String)
        -> (items: [ConfigItem], range: SourceRange)? {
        guard openBrace(owner: owner) else {
            error(ParseMessage.expectedBodyOpen(context), at: expectedRange)
            return nil
        }
        let open = current
        guard enterNesting() else { return nil }
        defer { leaveNesting() }
        advance()
        var items: [ConfigItem] = []
        while true {
            skipSeparators(commas: true)
            switch kind {
            case .rightBrace:
                let close = advance()
                return (items, open.range.union(close.range))
            case .endOfFile:
                reportUnclosed(open, context)
                return (items, open.range.union(afterLast))
            case _ where isDeclarationAtLineStart(index):
                reportUnclosed(open, context)
                return (items, open.range.union(afterLast))
            case _ where kind == .name || kind.isKeyword:
                let start = index
                if let item = parseConfigItem() { items.append(item) }
                expectEndOfSetting()
                if panicking { synchronize(atCommas: true) }
                if index == start && kind != .rightBrace && kind != .endOfFile { index += 1 }
            default:
                error(ParseMessage.expectedSetting(found: current.quoted), at: current.range)
                synchronize(atCommas: true)
                if kind == .invalid { index += 1 }
            }
        }
    }

    /// A setting ends at `,`, a newline, `;` or `}`. Another `key:` on the same line means a
    /// forgotten `,`, which is reported and repaired.
    private mutating func expectEndOfSetting() {
        switch kind {
        case .comma, .newline, .semicolon, .rightBrace, .endOfFile: return
        default:
            if (kind == .name || kind.isKeyword) && peek() == .colon {
                error(ParseMessage.missingCommaBetweenSettings, at: afterLast, fix: ParseMessage.insert(","),
                      recoverable: true)
                return
            }
            error(ParseMessage.expectedEndOfSetting(found: current.quoted), at: current.range)
        }
    }

    /// `config_item = key ":" expr | NAME [ NAME ] config_body`, where a key may be a keyword
    /// (`train: idx(…)` inside `data`). Common slips — `=` for `:`, a missing `:` — are repaired.
    private mutating func parseConfigItem() -> ConfigItem? {
        let keyToken = current
        let key = Identifier(keyToken.text, keyToken.range)
        switch peek() {
        case .colon:
            advance()
            advance()
            let value = parseExpression()
            return .entry(key: key, value: value, range: key.range.union(value.range))
        case .equals:
            advance()
            error(ParseMessage.configEquals(key.name), at: current.range, fix: ParseMessage.use(":"), recoverable: true)
            advance()
            let value = parseExpression()
            return .entry(key: key, value: value, range: key.range.union(value.range))
        case .leftBrace:
            if keyToken.kind.isKeyword { _ = keywordAsName() } else { advance() }
            return parseSection(keyword: key, name: nil)
        case .name where peek(2) == .leftBrace:
            if keyToken.kind.isKeyword { _ = keywordAsName() } else { advance() }
            let name = Identifier(current.text, current.range)
            advance()
            return parseSection(keyword: key, name: name)
        default:
            if keyToken.kind.isKeyword {
                _ = keywordAsName()
            } else {
                advance()
            }
            if kind.beginsExpression && onSameLine {
                error(ParseMessage.configMissingColon(key.name), at: afterLast, fix: ParseMessage.insert(":"),
                      recoverable: true)
                let value = parseExpression()
                return .entry(key: key, value: value, range: key.range.union(value.range))
            }
            if kind == .newline || kind == .comma || kind == .rightBrace || kind == .endOfFile || kind == .semicolon {
                error(ParseMessage.configMissingValue(key.name), at: afterLast)
                return .entry(key: key, value: Expr(.error, afterLast), range: key.range)
            }
            error(ParseMessage.expectedFound("':'", "'\(key.name)'", found: current.quoted), at: current.range)
            return nil
        }
    }

    private mutating func parseSection(keyword: Identifier, name: Identifier?) -> ConfigItem? {
        let title = name.map { "'\(keyword.name) \($0.name)'" } ?? "'\(keyword.name)'"
        guard let body = parseConfigBody(of: "the section \(title)", owner: title) else { return nil }
        return .section(keyword: keyword, name: name, items: body.items, range: keyword.range.union(body.range))
    }
}
