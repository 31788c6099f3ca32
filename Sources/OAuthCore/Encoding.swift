import Foundation

/// Base64url without padding (RFC 4648 §5), as JOSE and PKCE use it.
public enum Base64URL {
    public static func encode<D: DataProtocol>(_ data: D) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url with or without padding; nil when the text is not base64url.
    public static func decode(_ text: some StringProtocol) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !s.contains("=") || s.hasSuffix("=") else { return nil }
        s = s.replacingOccurrences(of: "=", with: "")
        let rem = s.count % 4
        if rem == 1 { return nil }
        if rem > 0 { s += String(repeating: "=", count: 4 - rem) }
        return Data(base64Encoded: s)
    }
}

/// One name/value pair of a query string or form body, in the order it came.
public struct FormField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What went wrong decoding one piece of an `application/x-www-form-urlencoded` text.
public enum FormDecodingProblem: Sendable, Hashable, CustomStringConvertible {
    /// A `%` not followed by two hex digits.
    case badPercentEncoding(field: String)
    /// The bytes after percent-decoding are not UTF-8; the value is kept with U+FFFD in their place.
    case invalidUTF8(field: String)

    public var description: String {
        switch self {
        case .badPercentEncoding(let f): return "bad percent-encoding in \(f)"
        case .invalidUTF8(let f): return "invalid UTF-8 in \(f)"
        }
    }
}

/// `application/x-www-form-urlencoded` (WHATWG URL §5), the encoding of query strings and token request bodies
/// (RFC 6749 Appendix B).
public enum FormURLEncoded {
    /// The characters left as they are; everything else is percent-encoded, space as `+`.
    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*".utf8))

    /// Encodes one name or value.
    public static func encodeComponent(_ s: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            if unreserved.contains(b) {
                out.append(b)
            } else if b == 0x20 {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes fields in their order, `a=1&b=2`.
    public static func encode(_ fields: [FormField]) -> String {
        fields.map { encodeComponent($0.name) + "=" + encodeComponent($0.value) }.joined(separator: "&")
    }

    public static func encode(_ pairs: KeyValuePairs<String, String>) -> String {
        encode(pairs.map { FormField($0.key, $0.value) })
    }

    /// Decodes a whole query or body. Every field is kept, even a malformed one, so that nothing a peer sent is
    /// dropped; the problems say which fields were damaged.
    ///
    /// Split on the bytes `&` and `=`, as the URL Standard's form parser does: both are ASCII, so a split never
    /// falls inside a character, and every callback's query passes here, so the text is walked once as bytes
    /// rather than as `Character`s (which costs a grapheme-cluster break test per character).
    public static func decode(_ input: some StringProtocol) -> (fields: [FormField], problems: [FormDecodingProblem]) {
        var fields: [FormField] = []
        var problems: [FormDecodingProblem] = []
        var text = String(input)
        text.withUTF8 { bytes in
            // One allocation for the fields of a usual query, not one per growth (a hostile one with thousands
            // of `&` grows as it needs).
            fields.reserveCapacity(min(64, bytes.reduce(1) { $1 == UInt8(ascii: "&") ? $0 + 1 : $0 }))
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                if end > start {
                    var eq = start
                    while eq < end, bytes[eq] != UInt8(ascii: "=") { eq += 1 }
                    let (n, nProblem) = decodeComponent(UnsafeBufferPointer(rebasing: bytes[start..<eq]))
                    let (v, vProblem) = eq < end ? decodeComponent(UnsafeBufferPointer(rebasing: bytes[(eq + 1)..<end])) : ("", nil)
                    if let p = nProblem ?? vProblem {
                        switch p {
                        case .badPercent: problems.append(.badPercentEncoding(field: n))
                        case .utf8: problems.append(.invalidUTF8(field: n))
                        }
                    }
                    fields.append(FormField(n, v))
                }
                start = end + 1
            }
        }
        return (fields, problems)
    }

    private enum ComponentProblem { case badPercent, utf8 }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// One name or value. `bytes` is a piece of valid UTF-8 cut at ASCII bytes, so it is valid UTF-8 itself.
    private static func decodeComponent(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, ComponentProblem?) {
        // Nothing encoded (most names, many values): the text is already what decoding would give.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) { return (String(decoding: bytes, as: UTF8.self), nil) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var problem: ComponentProblem?
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%") {
                if i + 2 < bytes.count,
                   let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                    out.append(hi << 4 | lo)
                    i += 2
                } else {
                    // Kept literally, as browsers do, and reported.
                    out.append(b)
                    problem = .badPercent
                }
            } else {
                out.append(b)
            }
            i += 1
        }
        if let str = String(validating: out, as: UTF8.self) {
            return (str, problem)
        }
        return (String(decoding: out, as: UTF8.self), problem ?? .utf8)
    }
}

extension Array where Element == FormField {
    /// The values given for `name`, in order.
    public func values(_ name: String) -> [String] { filter { $0.name == name }.map(\.value) }
    /// The first value for `name`.
    public func first(_ name: String) -> String? { first { $0.name == name }?.value }
}
