import Foundation

/// Text that may hold a secret, kept in both forms: the clear text (for the wire, and for the screen when the
/// user reveals it) and the redacted text (for every event, screen and file by default).
///
/// Encoding writes the redacted form unless the encoder's `userInfo[.revealSecrets]` is `true`; decoding a
/// recorded value keeps whatever was recorded in both forms, so a replay never shows more than was saved.
public struct Sensitive: Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let clear: String
    public let redacted: String

    public init(clear: String, redacted: String) {
        self.clear = clear
        self.redacted = redacted
    }

    /// Text with nothing secret in it.
    public init(public text: String) {
        clear = text
        redacted = text
    }

    public init(stringLiteral value: String) { self.init(public: value) }

    public init(_ secret: Secret) {
        clear = secret.value
        redacted = secret.redacted
    }

    public var isRedacted: Bool { clear != redacted }
    public func display(reveal: Bool) -> String { reveal ? clear : redacted }
    public var description: String { redacted }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        self.init(public: s)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(encoder.revealsSecrets ? clear : redacted)
    }
}

extension CodingUserInfoKey {
    /// Set to `true` in an encoder's `userInfo` to write secrets in clear (`--reveal`).
    public static let revealSecrets: CodingUserInfoKey = {
        // The initializer is failable only in its signature; a non-empty literal always succeeds.
        guard let key = CodingUserInfoKey(rawValue: "oauthscope.revealSecrets") else { preconditionFailure("CodingUserInfoKey rejected a literal") }
        return key
    }()
}

extension Encoder {
    var revealsSecrets: Bool { userInfo[.revealSecrets] as? Bool == true }
}

extension Secret {
    public var sensitive: Sensitive { Sensitive(self) }
}

/// Knows which parameters, headers and JSON members carry secrets, and redacts them in captured HTTP.
public enum Redactor {
    /// Parameter and JSON member names whose values are secrets. Names are compared in their `normalized` form,
    /// so `access_token`, `accessToken`, `AccessToken` and `access-token` are one name.
    public static let sensitiveNames: Set<String> = [
        "code", "code_verifier", "client_secret", "access_token", "refresh_token", "id_token", "token",
        "password", "client_assertion", "assertion", "device_code", "subject_token", "actor_token", "x_api_key", "api_key",
    ]
    /// Endings that make any name secret: `session_token`, `oauth_token_secret`, `db_password`, `X-Api-Key`.
    static let sensitiveSuffixes = ["token", "secret", "password", "apikey"]
    private static let normalizedNames = Set(sensitiveNames.map(normalized))
    /// Header names whose values are secrets.
    public static let sensitiveHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "dpop",
    ]

    /// True for a secret's name in any spelling: snake_case, camelCase, kebab-case, any letter case.
    public static func isSensitive(name: String) -> Bool {
        // Every callback parameter and header name passes here: an ASCII name (all of them in practice) is
        // normalised on the stack and compared as bytes, with no `String` and no hashing.
        if let known = withNormalizedASCII(name, isSensitive(normalized:)) { return known }
        let n = normalized(name)
        return normalizedNames.contains(n) || sensitiveSuffixes.contains { n.hasSuffix($0) }
    }

    /// The normalised names no ending already covers (`code`, `assertion`...), and the endings, as bytes.
    private static let exactNameBytes = normalizedNames.filter { n in !sensitiveSuffixes.contains { n.hasSuffix($0) } }.map { Array($0.utf8) }
    private static let sensitiveSuffixBytes = sensitiveSuffixes.map { Array($0.utf8) }
    /// `sensitiveHeaders`, normalised, and the one ending whose value keeps its scheme in clear.
    private static let sensitiveHeaderBytes = sensitiveHeaders.map { Array(normalized($0).utf8) }
    private static let authorizationBytes = Array("authorization".utf8)

    private static func isSensitive(normalized n: UnsafeBufferPointer<UInt8>) -> Bool {
        exactNameBytes.contains { n.count == $0.count && ends(n, with: $0) } || sensitiveSuffixBytes.contains { ends(n, with: $0) }
    }

    private static func ends(_ n: UnsafeBufferPointer<UInt8>, with suffix: [UInt8]) -> Bool {
        guard n.count >= suffix.count else { return false }
        let start = n.count - suffix.count
        return suffix.withUnsafeBufferPointer { s in
            for i in 0..<s.count where n[start + i] != s[i] { return false }
            return true
        }
    }

    /// Calls `body` with `normalized(name)` as bytes in a stack buffer; nil when the name is not ASCII (the
    /// general path decides those).
    private static func withNormalizedASCII<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, name.utf8.count)) { buffer -> R? in
            var n = 0
            for b in name.utf8 {
                if b >= 0x80 { return nil }
                if b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") { continue }
                buffer[n] = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b
                n += 1
            }
            return body(UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// Lower case, without `_`, `-` and `.`: `client_secret`, `clientSecret` and `Client-Secret` become `clientsecret`.
    static func normalized(_ name: String) -> String {
        withNormalizedASCII(name) { String(decoding: $0, as: UTF8.self) }
            ?? String(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != "." }.map(Character.init))
    }

    /// A header value; `Authorization: Basic xyz` keeps its scheme in clear. Header names are compared
    /// normalised, like parameter names (`Set-Cookie` and `set_cookie` are one name).
    public static func header(name: String, value: String) -> Sensitive {
        // (sensitive, keeps its scheme): decided on the stack, since every header of every callback passes here.
        let kind = withNormalizedASCII(name) { n -> (Bool, Bool) in
            let auth = ends(n, with: authorizationBytes)
            return (auth || sensitiveHeaderBytes.contains { n.count == $0.count && ends(n, with: $0) } || isSensitive(normalized: n), auth)
        } ?? (sensitiveHeaders.contains(name.lowercased()) || isSensitive(name: name), name.lowercased().hasSuffix("authorization"))
        guard kind.0 else { return Sensitive(public: value) }
        if kind.1, let space = value.firstIndex(of: " ") {
            let scheme = value[..<space]
            let rest = value[value.index(after: space)...]
            return Sensitive(clear: value, redacted: scheme + " " + Secret.redact(String(rest)))
        }
        return Sensitive(clear: value, redacted: Secret.redact(value))
    }

    /// A form-encoded body with the values of sensitive fields redacted.
    public static func formBody(_ body: String) -> Sensitive {
        let (fields, _) = FormURLEncoded.decode(body)
        guard fields.contains(where: { isSensitive(name: $0.name) }) else { return Sensitive(public: body) }
        let redacted = fields.map { f in
            FormURLEncoded.encodeComponent(f.name) + "=" + (isSensitive(name: f.name) ? Secret.redact(f.value) : FormURLEncoded.encodeComponent(f.value))
        }.joined(separator: "&")
        return Sensitive(clear: body, redacted: redacted)
    }

    /// A JSON body with the string values of sensitive members redacted, at any depth. Not JSON: kept as is,
    /// after redacting any form-looking content.
    public static func jsonBody(_ body: String) -> Sensitive {
        guard let v = JSONValue.parse(body) else { return formBodyIfForm(body) }
        let r = json(v)
        if r == v { return Sensitive(public: body) }
        return Sensitive(clear: body, redacted: r.serialized())
    }

    /// A body of unknown type: JSON if it parses, else form-encoded if it looks so, else as is.
    public static func body(_ body: String) -> Sensitive {
        if JSONValue.parse(body) != nil { return jsonBody(body) }
        return formBodyIfForm(body)
    }

    private static func formBodyIfForm(_ body: String) -> Sensitive {
        if body.contains("=") && !body.contains(" ") && !body.contains("\n") { return formBody(body) }
        return Sensitive(public: body)
    }

    public static func json(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let members):
            return .object(members.map { k, v in
                if isSensitive(name: k), case .string(let s) = v { return (k, .string(Secret.redact(s))) }
                return (k, json(v))
            })
        case .array(let a): return .array(a.map(json))
        default: return v
        }
    }

    /// Query parameters as a JSON object, with the values of sensitive ones redacted unless `reveal`.
    public static func parameters(_ fields: [FormField], reveal: Bool) -> JSONValue {
        if reveal { return .object(fields: fields) }
        return .object(fields: fields) { isSensitive(name: $0.name) ? Secret.redact($0.value) : $0.value }
    }
}
