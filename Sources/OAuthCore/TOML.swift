/// A small, strict reader for TOML v1.0.0 (https://toml.io/en/v1.0.0): text in, values out, no I/O.
///
/// It reads what oauthscope's files use: tables (`[a]`, `[a.b]`), `key = value` with bare, quoted and dotted keys,
/// basic and literal strings (single and multi-line, with escapes), integers (decimal, hex, octal, binary),
/// floats (with `inf` and `nan`), booleans, arrays, inline tables and comments. Dates and times and arrays of
/// tables (`[[a]]`) are refused with a clear error rather than read half-way. Every key keeps the line it was
/// written on, so a caller can name the file and line of a value it does not accept.
public enum TOML {
    /// How deep arrays and inline tables may nest, and how many parts a dotted key or a table header may
    /// have: 512, like the JSON reader. Reading and building the values recurses once per level, so a crafted
    /// file of 200 000 `[` must end in an error, not in a stack overflow.
    public static let maxDepth = 512

    /// Parses a whole document into its root table.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.document()
    }
}

/// A value in a TOML document.
public enum TOMLValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// The string, when this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The integer, when this is one.
    public var integerValue: Int? { if case .integer(let i) = self { return i } else { return nil } }
    /// The number, when this is an integer or a float.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }
    /// The boolean, when this is one.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements, when this is an array.
    public var arrayValue: [TOMLValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The table, when this is one (a `[header]` table or an inline table).
    public var tableValue: TOMLTable? { if case .table(let t) = self { return t } else { return nil } }

    /// The TOML name of this value's type, for error messages ("expected a string, found an integer").
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML table: keys in the order they were written, each with its value and the line and column of its key.
public struct TOMLTable: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        var value: TOMLValue
        var line: Int
        var column: Int
    }

    private var entries: [String: Entry] = [:]
    /// The keys, in the order they first appeared in the document.
    public private(set) var keys: [String] = []
    /// The line where this table was opened (its `[header]`, its inline `{`, or the first dotted key that made
    /// it); 0 for the root table.
    public internal(set) var line: Int = 0

    /// An empty table.
    public init() {}

    /// The value under `key`, or nil.
    public subscript(key: String) -> TOMLValue? { entries[key]?.value }

    /// The value at a path of keys through nested tables, e.g. `["profiles", "work", "issuer"]`.
    public subscript(path path: [String]) -> TOMLValue? {
        guard let first = path.first else { return .table(self) }
        guard let v = self[first] else { return nil }
        if path.count == 1 { return v }
        return v.tableValue?[path: Array(path.dropFirst())]
    }

    /// The 1-based line where `key` was written, or nil when the table has no such key.
    public func line(of key: String) -> Int? { entries[key]?.line }

    /// The 1-based column where `key` starts on its line, or nil when the table has no such key.
    public func column(of key: String) -> Int? { entries[key]?.column }

    /// Whether the table has no keys.
    public var isEmpty: Bool { keys.isEmpty }

    /// Sets `key` (appending it to `keys` when new), recording where it was written.
    public mutating func set(_ key: String, _ value: TOMLValue, line: Int = 0, column: Int = 0) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = Entry(value: value, line: line, column: column)
    }
}

/// Why a document could not be read: where (1-based line and column) and what was expected there.
public struct TOMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line of the problem.
    public var line: Int
    /// The 1-based column (in Unicode scalars) of the problem.
    public var column: Int
    /// What was found and what was expected instead.
    public var message: String

    /// An error at `line`, `column`.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 3, column 7: expected "=" after the key`.
    public var description: String { "line \(line), column \(column): \(message)" }
}

// MARK: - The parser

/// A table while the document is read: reference semantics so that `[a.b]` can reopen what `[a]` made.
private final class TableBuilder {
    enum Origin { case root, header, implicit, dotted, inline }
    enum Slot {
        case value(TOMLValue, line: Int, column: Int)
        case table(TableBuilder, line: Int, column: Int)
    }

    var origin: Origin
    var line: Int
    var keys: [String] = []
    var slots: [String: Slot] = [:]

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    func build() -> TOMLTable {
        var t = TOMLTable()
        t.line = line
        for k in keys {
            switch slots[k] {
            case .value(let v, let l, let c): t.set(k, v, line: l, column: c)
            case .table(let b, let l, let c): t.set(k, .table(b.build()), line: l, column: c)
            case nil: break
            }
        }
        return t
    }

    func insert(_ key: String, _ slot: Slot) {
        if slots[key] == nil { keys.append(key) }
        slots[key] = slot
    }
}

private struct TOMLParser {
    typealias Scalar = Unicode.Scalar
    let s: [Scalar]
    var pos = 0
    var line = 1
    var lineStart = 0
    /// Arrays and inline tables open around the cursor.
    var depth = 0

    init(_ text: String) { s = Array(text.unicodeScalars) }

    var column: Int { pos - lineStart + 1 }
    var atEnd: Bool { pos >= s.count }
    var peek: Scalar? { pos < s.count ? s[pos] : nil }
    func peek(_ offset: Int) -> Scalar? { pos + offset < s.count ? s[pos + offset] : nil }

    func error(_ message: String, line l: Int? = nil, column c: Int? = nil) -> TOMLError {
        TOMLError(line: l ?? line, column: c ?? column, message: message)
    }

    static func describe(_ c: Scalar?) -> String {
        guard let c else { return "the end of the file" }
        switch c {
        case "\n", "\r": return "the end of the line"
        case " ": return "a space"
        case "\t": return "a tab"
        default:
            if c.value < 0x20 || c.value == 0x7F { return "control character U+\(hex(c.value, 4))" }
            return "\"\(Character(c))\""
        }
    }

    static func hex(_ v: UInt32, _ digits: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - h.count)) + h
    }

    // MARK: Whitespace, comments, newlines

    mutating func skipWhitespace() {
        while let c = peek, c == " " || c == "\t" { pos += 1 }
    }

    /// A comment runs to the end of the line; control characters other than tab are not allowed in it.
    mutating func skipComment() throws(TOMLError) {
        guard peek == "#" else { return }
        while let c = peek, c != "\n" {
            if c == "\r", peek(1) == "\n" { break }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw error("\(Self.describe(c)) is not allowed in a comment") }
            pos += 1
        }
    }

    /// Consumes one newline (LF or CRLF); false when there is none here.
    mutating func newline() -> Bool {
        if peek == "\n" {
            pos += 1
        } else if peek == "\r", peek(1) == "\n" {
            pos += 2
        } else {
            return false
        }
        line += 1
        lineStart = pos
        return true
    }

    /// After a key/value pair or a header: only whitespace and a comment may follow on the line.
    mutating func endOfLine(after what: String) throws(TOMLError) {
        skipWhitespace()
        try skipComment()
        if atEnd || newline() { return }
        throw error("expected the end of the line after \(what), found \(Self.describe(peek))")
    }

    /// Whitespace, comments and newlines, as allowed between array elements.
    mutating func skipBlankLines() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            if !newline() { return }
        }
    }

    // MARK: Document

    mutating func document() throws(TOMLError) -> TOMLTable {
        let root = TableBuilder(origin: .root, line: 0)
        var current = root
        while true {
            try skipBlankLines()
            guard let c = peek else { break }
            if c == "[" {
                current = try header(root)
            } else {
                try keyValue(into: current)
                try endOfLine(after: "a value")
            }
        }
        return root.build()
    }

    /// `[a.b.c]`: opens (or creates) the table, creating `a` and `a.b` implicitly when needed.
    mutating func header(_ root: TableBuilder) throws(TOMLError) -> TableBuilder {
        let headerLine = line, headerColumn = column
        pos += 1
        if peek == "[" { throw error("arrays of tables ([[...]]) are not supported; use a table per entry, e.g. [profiles.name]", column: headerColumn) }
        skipWhitespace()
        let path = try key()
        skipWhitespace()
        guard peek == "]" else { throw error("expected \"]\" to close the table header, found \(Self.describe(peek))") }
        pos += 1
        try endOfLine(after: "the table header")
        let name = path.map(\.name).joined(separator: ".")
        var table = root
        for (i, part) in path.enumerated() {
            let last = i == path.count - 1
            switch table.slots[part.name] {
            case nil:
                let t = TableBuilder(origin: last ? .header : .implicit, line: headerLine)
                table.insert(part.name, .table(t, line: headerLine, column: part.column))
                table = t
            case .table(let t, _, _):
                if t.origin == .inline { throw error("[\(name)]: \(part.name) is an inline table, which cannot be extended", line: headerLine, column: part.column) }
                if last {
                    if t.origin == .header { throw error("table [\(name)] is defined twice (first on line \(t.line))", line: headerLine, column: headerColumn) }
                    if t.origin == .dotted { throw error("table [\(name)] was already defined with dotted keys on line \(t.line)", line: headerLine, column: headerColumn) }
                    t.origin = .header
                    t.line = headerLine
                }
                table = t
            case .value(_, let l, _):
                throw error("[\(name)]: \(part.name) already holds a value (line \(l)), so it cannot be a table", line: headerLine, column: part.column)
            }
        }
        return table
    }

    /// `key = value`, where the key may be dotted (`a.b = 1` makes table `a`).
    mutating func keyValue(into table: TableBuilder) throws(TOMLError) {
        let path = try key()
        skipWhitespace()
        guard peek == "=" else {
            throw error("expected \"=\" after the key \"\(path.map(\.name).joined(separator: "."))\", found \(Self.describe(peek))")
        }
        pos += 1
        skipWhitespace()
        let value = try self.value()
        var target = table
        let name = path.map(\.name).joined(separator: ".")
        for part in path.dropLast() {
            switch target.slots[part.name] {
            case nil:
                let t = TableBuilder(origin: .dotted, line: part.line)
                target.insert(part.name, .table(t, line: part.line, column: part.column))
                target = t
            case .table(let t, _, _) where t.origin == .dotted:
                target = t
            case .table(let t, _, _):
                let how = t.origin == .inline ? "an inline table, which cannot be extended" : "a table defined on line \(t.line), which dotted keys cannot extend"
                throw error("\(name): \(part.name) is \(how)", line: part.line, column: part.column)
            case .value(_, let l, _):
                throw error("\(name): \(part.name) already holds a value (line \(l))", line: part.line, column: part.column)
            }
        }
        guard let last = path.last else { throw error("expected a key") }
        if let existing = target.slots[last.name] {
            let first: Int
            switch existing {
            case .value(_, let l, _), .table(_, let l, _): first = l
            }
            throw error("key \"\(name)\" is defined twice (first on line \(first))", line: last.line, column: last.column)
        }
        switch value {
        case .table(let t):
            // Keep inline tables as builders so that later headers see them as frozen.
            let b = TableBuilder(origin: .inline, line: last.line)
            for k in t.keys { if let v = t[k] { b.insert(k, .value(v, line: t.line(of: k) ?? last.line, column: t.column(of: k) ?? 0)) } }
            target.insert(last.name, .table(b, line: last.line, column: last.column))
        default:
            target.insert(last.name, .value(value, line: last.line, column: last.column))
        }
    }

    struct KeyPart {
        var name: String
        var line: Int
        var column: Int
    }

    /// A simple or dotted key: bare (`A-Za-z0-9_-`), "basic" or 'literal' parts joined by dots.
    mutating func key() throws(TOMLError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            skipWhitespace()
            let l = line, c = column
            guard let ch = peek else { throw error("expected a key, found the end of the file") }
            let name: String
            if ch == "\"" {
                if peek(1) == "\"", peek(2) == "\"" { throw error("a key cannot be a multi-line string") }
                name = try basicString()
            } else if ch == "'" {
                if peek(1) == "'", peek(2) == "'" { throw error("a key cannot be a multi-line string") }
                name = try literalString()
            } else if Self.isBare(ch) {
                var n = ""
                while let b = peek, Self.isBare(b) { n.unicodeScalars.append(b); pos += 1 }
                name = n
            } else {
                throw error("expected a key (letters, digits, _ and -, or a quoted string), found \(Self.describe(ch))")
            }
            parts.append(KeyPart(name: name, line: l, column: c))
            // Each part of a dotted key is one more nested table.
            if parts.count + depth > TOML.maxDepth { throw error("a key of more than \(TOML.maxDepth) dotted parts (or nested that deep) is not accepted", line: l, column: c) }
            skipWhitespace()
            if peek == "." { pos += 1; continue }
            return parts
        }
    }

    static func isBare(_ c: Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    // MARK: Values

    mutating func value() throws(TOMLError) -> TOMLValue {
        guard let c = peek else { throw error("expected a value, found the end of the file") }
        switch c {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" { return .string(try multilineBasicString()) }
            return .string(try basicString())
        case "'":
            if peek(1) == "'", peek(2) == "'" { return .string(try multilineLiteralString()) }
            return .string(try literalString())
        case "[": return try array()
        case "{": return try inlineTable()
        case "t", "f": return try boolean()
        case "\n", "\r", "#": throw error("expected a value after \"=\", found \(Self.describe(c))")
        default: return try number()
        }
    }

    mutating func boolean() throws(TOMLError) -> TOMLValue {
        let word = bareWord()
        switch word {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: throw error("expected a value, found \"\(word)\" (strings need quotes; booleans are true and false)", column: column - word.unicodeScalars.count)
        }
    }

    /// The run of characters that can make up a number, a boolean or a date.
    mutating func bareWord() -> String {
        var w = ""
        while let c = peek {
            switch c {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-", "+", ".", ":": w.unicodeScalars.append(c); pos += 1
            default: return w
            }
        }
        return w
    }

    mutating func number() throws(TOMLError) -> TOMLValue {
        let startColumn = column
        let word = bareWord()
        func fail(_ m: String) -> TOMLError { error(m, column: startColumn) }
        if word.isEmpty { throw fail("expected a value (a string, number, boolean, array or inline table), found \(Self.describe(peek))") }
        // A date or time: 1979-05-27, 07:32:00, 1979-05-27T07:32:00Z.
        let scalars = Array(word.unicodeScalars)
        if scalars.contains(":") || (scalars.count >= 10 && scalars[4] == "-" && scalars[7] == "-" && scalars[0...3].allSatisfy({ ("0"..."9").contains($0) })) {
            throw fail("dates and times are not supported; write \"\(word)\" as a string")
        }
        switch word {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if let f = word.unicodeScalars.first(where: { $0 != "+" && $0 != "-" }), ("a"..."z").contains(f) || ("A"..."Z").contains(f) {
            throw fail("expected a value, found \"\(word)\" (strings need quotes; booleans are true and false)")
        }
        var body = Substring(word)
        if body.hasPrefix("0x") || body.hasPrefix("0o") || body.hasPrefix("0b") {
            let radix = body.hasPrefix("0x") ? 16 : body.hasPrefix("0o") ? 8 : 2
            let digits = body.dropFirst(2)
            guard let clean = Self.digits(digits, radix: radix), let v = Int(clean, radix: radix) else {
                throw fail("\"\(word)\" is not a valid \(radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary") integer")
            }
            return .integer(v)
        }
        var sign = ""
        if let f = body.first, f == "+" || f == "-" { sign = f == "-" ? "-" : ""; body = body.dropFirst() }
        let isFloat = body.contains(".") || body.contains("e") || body.contains("E")
        if !isFloat {
            guard let clean = Self.digits(body, radix: 10) else { throw fail("\"\(word)\" is not a number (strings need quotes)") }
            if clean.count > 1, clean.hasPrefix("0") { throw fail("\"\(word)\": integers may not have leading zeros") }
            guard let v = Int(sign + clean) else { throw fail("\"\(word)\" does not fit in a 64-bit integer") }
            return .integer(v)
        }
        // float = int-part ( frac [exp] | exp )
        var mantissa = body, exponent: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        var intPart = mantissa, frac: Substring?
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            frac = mantissa[mantissa.index(after: dot)...]
        }
        guard let i = Self.digits(intPart, radix: 10) else { throw fail("\"\(word)\" is not a valid float (it needs digits before the point)") }
        if i.count > 1, i.hasPrefix("0") { throw fail("\"\(word)\": floats may not have leading zeros") }
        var text = sign + i
        if let f = frac {
            guard let fd = Self.digits(f, radix: 10) else { throw fail("\"\(word)\" is not a valid float (it needs digits after the point)") }
            text += "." + fd
        }
        if var e = exponent {
            var esign = ""
            if let f = e.first, f == "+" || f == "-" { esign = String(f); e = e.dropFirst() }
            guard let ed = Self.digits(e, radix: 10) else { throw fail("\"\(word)\" has an invalid exponent") }
            text += "e" + esign + ed
        }
        guard let d = Double(text) else { throw fail("\"\(word)\" is not a valid float") }
        return .float(d)
    }

    /// Digits with single underscores between them, the underscores removed; nil when malformed.
    static func digits(_ s: Substring, radix: Int) -> String? {
        guard let first = s.first, let last = s.last, first != "_", last != "_" else { return nil }
        var out = ""
        var previousUnderscore = false
        for ch in s {
            if ch == "_" {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            guard let v = ch.hexDigitValue, v < radix, ch.isASCII else { return nil }
            previousUnderscore = false
            out.append(ch)
        }
        return out
    }

    /// Enters one more array or inline table; refuses to go deeper than `TOML.maxDepth`.
    mutating func nest(_ what: String) throws(TOMLError) {
        guard depth < TOML.maxDepth else { throw error("\(what) nested more than \(TOML.maxDepth) deep; oauthscope's files never need that many levels") }
        depth += 1
    }

    mutating func array() throws(TOMLError) -> TOMLValue {
        let openLine = line, openColumn = column
        try nest("an array")
        defer { depth -= 1 }
        pos += 1
        var items: [TOMLValue] = []
        while true {
            try skipBlankLines()
            guard let c = peek else { throw error("the array opened on line \(openLine), column \(openColumn) is not closed with \"]\"") }
            if c == "]" { pos += 1; return .array(items) }
            items.append(try value())
            try skipBlankLines()
            if atEnd { throw error("the array opened on line \(openLine), column \(openColumn) is not closed with \"]\"") }
            if peek == "," { pos += 1; continue }
            if peek == "]" { pos += 1; return .array(items) }
            throw error("expected \",\" or \"]\" in the array, found \(Self.describe(peek))")
        }
    }

    mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        let openLine = line
        try nest("an inline table")
        defer { depth -= 1 }
        pos += 1
        let table = TableBuilder(origin: .inline, line: openLine)
        skipWhitespace()
        if peek == "}" { pos += 1; return .table(table.build()) }
        while true {
            skipWhitespace()
            if peek == "\n" || peek == "\r" { throw error("an inline table must be on one line (TOML 1.0); use a [table] for more") }
            try keyValue(into: table)
            skipWhitespace()
            if peek == "," {
                pos += 1
                skipWhitespace()
                if peek == "}" { throw error("an inline table may not end with a comma") }
                continue
            }
            if peek == "}" { pos += 1; return .table(freeze(table).build()) }
            throw error("expected \",\" or \"}\" in the inline table, found \(Self.describe(peek))")
        }
    }

    /// Dotted keys inside an inline table make tables that are just as closed as the inline table itself.
    func freeze(_ t: TableBuilder) -> TableBuilder {
        t.origin = .inline
        for k in t.keys { if case .table(let sub, _, _)? = t.slots[k] { _ = freeze(sub) } }
        return t
    }

    // MARK: Strings

    mutating func basicString() throws(TOMLError) -> String {
        let openColumn = column
        pos += 1
        var out = ""
        while true {
            guard let c = peek else { throw error("the string that starts at column \(openColumn) is not closed", column: openColumn) }
            switch c {
            case "\"":
                pos += 1
                return out
            case "\\":
                out.unicodeScalars.append(try escape())
            case "\n", "\r":
                throw error("the string that starts at column \(openColumn) is not closed before the end of the line (use \"\"\" for several lines)", column: openColumn)
            default:
                if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw error("\(Self.describe(c)) must be escaped in a string") }
                out.unicodeScalars.append(c)
                pos += 1
            }
        }
    }

    mutating func escape() throws(TOMLError) -> Scalar {
        let escColumn = column
        pos += 1
        guard let c = peek else { throw error("the escape at the end of the file is incomplete") }
        pos += 1
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let n = c == "u" ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let h = peek, let d = Character(h).hexDigitValue, h.isASCII else {
                    throw error("\\\(Character(c)) needs \(n) hexadecimal digits", column: escColumn)
                }
                v = v * 16 + UInt32(d)
                pos += 1
            }
            guard let scalar = Scalar(v) else { throw error("\\\(Character(c))\(Self.hex(v, n)) is not a Unicode scalar value", column: escColumn) }
            return scalar
        default:
            throw error("\\\(Character(c)) is not an escape TOML knows (\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", column: escColumn)
        }
    }

    mutating func literalString() throws(TOMLError) -> String {
        let openColumn = column
        pos += 1
        var out = ""
        while true {
            guard let c = peek else { throw error("the string that starts at column \(openColumn) is not closed", column: openColumn) }
            if c == "'" { pos += 1; return out }
            if c == "\n" || c == "\r" { throw error("the string that starts at column \(openColumn) is not closed before the end of the line (use ''' for several lines)", column: openColumn) }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw error("\(Self.describe(c)) is not allowed in a literal string") }
            out.unicodeScalars.append(c)
            pos += 1
        }
    }

    /// Counts the delimiter characters at the cursor (for `"""` followed by up to two more quotes).
    func run(of q: Scalar) -> Int {
        var n = 0
        while peek(n) == q { n += 1 }
        return n
    }

    mutating func multilineBasicString() throws(TOMLError) -> String {
        let openLine = line
        pos += 3
        _ = newline()  // a newline right after the opening delimiter is trimmed
        var out = ""
        while true {
            guard let c = peek else { throw error("the multi-line string opened on line \(openLine) is not closed with \"\"\"") }
            if c == "\"" {
                let n = run(of: "\"")
                if n >= 3 {
                    if n > 5 { throw error("too many quotes at the end of a multi-line string") }
                    out += String(repeating: "\"", count: n - 3)
                    pos += n
                    return out
                }
                out += String(repeating: "\"", count: n)
                pos += n
                continue
            }
            if c == "\\" {
                // A backslash at the end of a line joins it with the next non-blank text.
                var k = 1
                while let w = peek(k), w == " " || w == "\t" { k += 1 }
                if peek(k) == "\n" || (peek(k) == "\r" && peek(k + 1) == "\n") {
                    pos += k
                    while true {
                        skipWhitespace()
                        if !newline() { break }
                    }
                    continue
                }
                out.unicodeScalars.append(try escape())
                continue
            }
            if newline() { out += "\n"; continue }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw error("\(Self.describe(c)) must be escaped in a string") }
            out.unicodeScalars.append(c)
            pos += 1
        }
    }

    mutating func multilineLiteralString() throws(TOMLError) -> String {
        let openLine = line
        pos += 3
        _ = newline()
        var out = ""
        while true {
            guard let c = peek else { throw error("the multi-line string opened on line \(openLine) is not closed with '''") }
            if c == "'" {
                let n = run(of: "'")
                if n >= 3 {
                    if n > 5 { throw error("too many quotes at the end of a multi-line string") }
                    out += String(repeating: "'", count: n - 3)
                    pos += n
                    return out
                }
                out += String(repeating: "'", count: n)
                pos += n
                continue
            }
            if newline() { out += "\n"; continue }
            if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw error("\(Self.describe(c)) is not allowed in a literal string") }
            out.unicodeScalars.append(c)
            pos += 1
        }
    }
}
