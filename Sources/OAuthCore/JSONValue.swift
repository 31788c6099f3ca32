import Foundation

/// Any JSON value, for the free-form parts of events (parameters, claims, response bodies). Objects keep the
/// order they were built or parsed in, so what is shown matches what was sent.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .number(let n): h.combine(n)
        case .string(let s): h.combine(s)
        case .array(let a): h.combine(a)
        case .object(let o):
            for (k, v) in o {
                h.combine(k)
                h.combine(v)
            }
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o.first { $0.0 == key }?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var numberValue: Double? { if case .number(let n) = self { return n }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [(String, JSONValue)]? { if case .object(let o) = self { return o }; return nil }

    /// An object of string values, from fields in order; a repeated name becomes an array of its values.
    public static func object(fields: [FormField]) -> JSONValue {
        object(fields: fields) { $0.value }
    }

    /// `object(fields:)` with each value passed through `value` first (redaction), in the same one pass.
    public static func object(fields: [FormField], value: (FormField) -> String) -> JSONValue {
        var out: [(String, JSONValue)] = []
        out.reserveCapacity(fields.count)
        for field in fields {
            let f = FormField(field.name, value(field))
            if let i = out.firstIndex(where: { $0.0 == f.name }) {
                switch out[i].1 {
                case .array(let a): out[i].1 = .array(a + [.string(f.value)])
                case let v: out[i].1 = .array([v, .string(f.value)])
                }
            } else {
                out.append((f.name, .string(f.value)))
            }
        }
        return .object(out)
    }

    /// Parses JSON text, keeping object member order. Nil when it is not JSON.
    public static func parse(_ data: Data) -> JSONValue? {
        var p = JSONParser(bytes: Array(data))
        guard let v = try? p.parseValue() else { return nil }
        p.skipWhitespace()
        return p.atEnd ? v : nil
    }

    public static func parse(_ text: String) -> JSONValue? { parse(Data(text.utf8)) }

    /// Compact JSON text with members in order.
    public func serialized(pretty: Bool = false) -> String {
        // Written as UTF-8 bytes and made a String once: appending to a String piece by piece cost several
        // hundred instructions per piece, and every JSONL line (one per callback in a flood) passes here.
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact JSON text (what `serialized()` returns) to `out` as UTF-8, for writers that put many
    /// values into one buffer (a batch of JSONL lines is one `write`).
    public func serialize(into out: inout [UInt8]) { write(into: &out, pretty: false, indent: 0) }

    /// Appends the bytes of a literal as they are (a member name with its quotes and colon, `,"path":`): for
    /// writers that know their JSON's fixed parts.
    public static func serialize(literal: StaticString, into out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends `s` as a JSON string, quoted and escaped as `serialized()` escapes strings.
    public static func serialize(string s: String, into out: inout [UInt8]) { writeString(s, into: &out) }

    /// Appends an integer exactly as `serialized()` writes `.number(Double(v))`, without making a `String` first.
    public static func serialize(integer v: Int, into out: inout [UInt8]) {
        guard v.magnitude < 1_000_000_000_000_000 else {
            JSONValue.number(Double(v)).serialize(into: &out)
            return
        }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = 0
            repeat {
                digits[n] = UInt8(truncatingIfNeeded: m % 10) + UInt8(ascii: "0")
                m /= 10
                n += 1
            } while m > 0
            while n > 0 {
                n -= 1
                out.append(digits[n])
            }
        }
    }

    private func write(into out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            if n.isFinite, n == n.rounded(), abs(n) < 1e15 { JSONValue.serialize(integer: Int(n), into: &out) } else if n.isFinite { out.append(contentsOf: String(n).utf8) } else { out.append(contentsOf: "null".utf8) }
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(into: &out, indent: indent + 1) }
                v.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSONValue.newline(into: &out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            // By index: iterating the members as values would copy (retain and release) each one.
            for i in o.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(into: &out, indent: indent + 1) }
                JSONValue.writeString(o[i].0, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                // A string member (every parameter and header of a callback) without the recursion.
                if case .string(let s) = o[i].1 {
                    JSONValue.writeString(s, into: &out)
                } else {
                    o[i].1.write(into: &out, pretty: pretty, indent: indent + 1)
                }
            }
            if pretty { JSONValue.newline(into: &out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(into out: inout [UInt8], indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        // On the string's contiguous UTF-8 (a small string's is copied to the stack): most strings need no
        // escaping at all and are copied whole, with one memcpy.
        if let done = s.utf8.withContiguousStorageIfAvailable({ writeString(utf8: $0, into: &out) }) { return done }
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// `writeString` on valid UTF-8: the runs of characters that need no escape are copied whole, so a string
    /// with a few non-ASCII characters (a redacted value's `…`) costs little more than a plain one.
    private static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if isPlain(bytes) {
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return
        }
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0, runStart = 0
        while case .scalarValue(let u) = decoder.decode(&iterator) {
            let width = UTF8.width(u)
            defer { offset += width }
            let escape: StaticString?
            switch u {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            default:
                // Every character a terminal could act on (C0, DEL, C1, bidi and invisible ones) and the JavaScript
                // line separators leave as `\u` escapes, so a JSONL line is safe on a terminal as it stands.
                guard u.value == 0x2028 || u.value == 0x2029 || TerminalSafeText.needsEscape(u) else { continue }
                escape = nil
            }
            if offset > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset])) }
            runStart = offset + width
            if let escape {
                escape.withUTF8Buffer { out.append(contentsOf: $0) }
            } else if u.value > 0xFFFF {
                let v = u.value - 0x10000
                writeUnicodeEscape(0xD800 + (v >> 10), into: &out)
                writeUnicodeEscape(0xDC00 + (v & 0x3FF), into: &out)
            } else {
                writeUnicodeEscape(u.value, into: &out)
            }
        }
        if bytes.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        out.append(UInt8(ascii: "\""))
    }

    /// True when every byte goes into a JSON string as it is: no control character, quote, backslash, DEL or
    /// byte of a non-ASCII character (those take the escaping path, which decides per character). Eight bytes
    /// at a time, since every string of every event passes here: each test finds whether any byte of the word
    /// is below 0x20, is one of 0x22, 0x5C, 0x7F, or has its top bit set (the usual exact "has a zero byte"
    /// and "has a byte less than n" word tricks).
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        var i = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C), del = x ^ (ones &* 0x7F)
                let found = x | ((x &- ones &* 0x20) & ~x) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((del &- ones) & ~del)
                if found & highs != 0 { return false }
                i += 8
            }
        }
        while i < n {
            let b = bytes[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || b >= 0x7F { return false }
            i += 1
        }
        return true
    }

    private static func writeUnicodeEscape(_ unit: UInt32, into out: inout [UInt8]) {
        let hex = String(unit, radix: 16)
        out.append(contentsOf: "\\u".utf8)
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 4 - hex.utf8.count)))
        out.append(contentsOf: hex.utf8)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if var arr = try? decoder.unkeyedContainer() {
            var out: [JSONValue] = []
            while !arr.isAtEnd { out.append(try arr.decode(JSONValue.self)) }
            self = .array(out)
            return
        }
        if let obj = try? decoder.container(keyedBy: AnyKey.self) {
            // Foundation's decoder does not keep member order; sort so output is at least stable.
            self = .object(try obj.allKeys.sorted { $0.stringValue < $1.stringValue }.map { ($0.stringValue, try obj.decode(JSONValue.self, forKey: $0)) })
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if n.isFinite, n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        case .object(let o):
            var c = encoder.container(keyedBy: AnyKey.self)
            for (k, v) in o { try c.encode(v, forKey: AnyKey(k)) }
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// A small order-keeping JSON parser (RFC 8259).
struct JSONParser {
    enum ParseError: Error { case invalid }
    let bytes: [UInt8]
    var i = 0
    init(bytes: [UInt8]) { self.bytes = bytes }
    var atEnd: Bool { i >= bytes.count }

    mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func parseValue(depth: Int = 0) throws -> JSONValue {
        guard depth < 512 else { throw ParseError.invalid }
        skipWhitespace()
        guard i < bytes.count else { throw ParseError.invalid }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, JSONValue)] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw ParseError.invalid }
                let key = try parseString()
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw ParseError.invalid }
                i += 1
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard i < bytes.count else { throw ParseError.invalid }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw ParseError.invalid
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard i < bytes.count else { throw ParseError.invalid }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw ParseError.invalid
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            guard i > start, let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw ParseError.invalid }
            return .number(d)
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw ParseError.invalid }
        i += w.count
    }

    mutating func parseString() throws -> String {
        i += 1  // opening quote
        var out = [UInt8]()
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw ParseError.invalid }
                return s
            }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { throw ParseError.invalid }
                let e = bytes[i]
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\"), bytes[i + 2] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        if (0xDC00...0xDFFF).contains(low) { code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw ParseError.invalid
                }
                i += 1
                continue
            }
            guard b >= 0x20 else { throw ParseError.invalid }
            out.append(b)
            i += 1
        }
        throw ParseError.invalid
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 < bytes.count else { throw ParseError.invalid }
        guard let v = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else { throw ParseError.invalid }
        i += 4
        return v
    }
}
