@testable import OAuthCore
import Testing

/// The JSON string writer copies runs of plain bytes whole and checks eight bytes at a time; these tests hold it
/// to the plain per-character definition of what it must write.
@Suite("JSON writing")
struct JSONWritingTests {
    /// What a JSON string must look like: quotes, the five short escapes, and `\u` escapes for every character a
    /// terminal could act on and the JavaScript line separators; everything else as it is.
    static func reference(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value == 0x2028 || u.value == 0x2029 || TerminalSafeText.needsEscape(u) {
                    let units = u.value > 0xFFFF ? [0xD800 + ((u.value - 0x10000) >> 10), 0xDC00 + ((u.value - 0x10000) & 0x3FF)] : [u.value]
                    for unit in units {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func written(_ s: String) -> String {
        var out: [UInt8] = []
        JSONValue.serialize(string: s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func buffered(_ v: JSONValue) -> String {
        var buffer = JSONLineBuffer(capacity: 8)  // small, so writing grows it
        buffer.append(json: v)
        return buffer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Strings that put every interesting character at every offset of a word (the eight-byte check) and in runs.
    static var samples: [String] {
        let specials: [Unicode.Scalar] = ["\u{0}", "\u{1F}", " ", "\"", "\\", "~", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "\u{AD}", "é", "…", "\u{200B}",
                                          "\u{202E}", "\u{2028}", "\u{2029}", "\u{2066}", "\u{FE0F}", "\u{FEFF}", "\u{1F600}", "\u{E0041}", "\u{3164}"]
        var out = ["", "a", "abcdefgh", "abcdefghijklmnopq", "…(3)", "abcd…(20)", "code=abc&state=xyz"]
        for c in specials {
            for offset in 0..<17 {
                var s = String(repeating: "x", count: offset)
                s.unicodeScalars.append(c)
                s += String(repeating: "y", count: 16 - offset)
                out.append(s)
            }
            out.append(String(repeating: String(c), count: 9))
        }
        return out
    }

    @Test("strings are written as the per-character definition says, by both writers")
    func strings() {
        for s in Self.samples {
            #expect(Self.written(s) == Self.reference(s), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(Self.buffered(.string(s)) == Self.reference(s))
        }
    }

    @Test("isPlain agrees with the byte-by-byte test on every byte value at every offset of a word")
    func isPlainEveryByte() {
        func slow(_ b: [UInt8]) -> Bool { !b.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 >= 0x7F } }
        for length in [1, 7, 8, 9, 16, 17] {
            for position in 0..<length {
                for byte in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = UInt8(byte)
                    #expect(bytes.withUnsafeBufferPointer(JSONValue.isPlain) == slow(bytes), "byte \(byte) at \(position) of \(length)")
                }
            }
        }
    }

    @Test("the line buffer writes values, integers and literals exactly as the serializer does")
    func lineBufferMatchesSerializer() {
        let values: [JSONValue] = [
            .object([]), .object([("code", .string("…(3)")), ("state", .string("x\"y"))]), .object([("a", .array([.string("1"), .string("2")])), ("b", .number(3))]),
            .object(Self.samples.prefix(40).enumerated().map { ("k\($0.offset)", .string($0.element)) }), .array([.null, .bool(true), .number(-1.5)]), .string("plain"),
        ]
        for v in values {
            var out: [UInt8] = []
            v.serialize(into: &out)
            #expect(Self.buffered(v) == String(decoding: out, as: UTF8.self))
        }
        for n in [0, 7, 10, 99, 100, 12_345, Int.max, -1, Int.min, 999_999_999_999_999_999, 1_000_000_000_000_000_000] {
            var out: [UInt8] = []
            JSONValue.serialize(integer: n, into: &out)
            var buffer = JSONLineBuffer()
            buffer.append(integer: n)
            #expect(buffer.withBytes { Array($0) } == out, "\(n)")
        }
        var buffer = JSONLineBuffer(capacity: 1)
        for _ in 0..<100 { buffer.append(literal: #","method":"#) }
        #expect(buffer.count == 100 * 10)
        #expect(buffer.withBytes { String(decoding: $0, as: UTF8.self) } == String(repeating: #","method":"#, count: 100))
    }
}
