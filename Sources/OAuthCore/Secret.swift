import Foundation

/// A value that must not be shown in clear unless the user asked (`--reveal`): client secrets, code verifiers,
/// authorization codes, tokens. Its `description` is the redacted form, so string interpolation cannot leak it.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The clear value. Read it only to put it on the wire or when the user asked to see it.
    public let value: String

    public init(_ value: String) { self.value = value }

    /// A short prefix and the length, e.g. `eyJh…(812)`. Values of 12 characters or fewer show no prefix at all,
    /// since four characters of a short secret are too much of it. The prefix keeps only URL-safe characters
    /// (RFC 3986 unreserved), so an attacker-chosen token cannot put `\e[2J` into every redacted display.
    public var redacted: String { Secret.redact(value) }

    public func display(reveal: Bool) -> String { reveal ? value : redacted }

    public var description: String { redacted }
    public var debugDescription: String { "Secret(\(redacted))" }

    public static func redact(_ value: String) -> String {
        let n = value.count
        if n == 0 { return "" }
        if n <= 12 { return "…(\(n))" }
        var prefix = String.UnicodeScalarView()
        prefix.append(contentsOf: value.unicodeScalars.prefix(4).filter(isUnreserved))
        return String(prefix) + "…(\(n))"
    }

    /// RFC 3986 §2.3 unreserved characters: ALPHA / DIGIT / "-" / "." / "_" / "~".
    static func isUnreserved(_ u: Unicode.Scalar) -> Bool {
        switch u {
        case "A"..."Z", "a"..."z", "0"..."9", "-", ".", "_", "~": return true
        default: return false
        }
    }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
