import Foundation
import OAuthCore

/// The redaction rules of every output, applied again to what an export reads.
///
/// A recording decodes every value as public text (`Sensitive(public:)`), so a recording made with `--reveal` holds
/// secrets in clear that nothing marks as secret any more. Exports therefore re-apply the `Redactor` rules by name
/// (parameters, headers, JSON members) to the text they write, unless the export itself was asked to `reveal`.
/// The rules are idempotent: a value already redacted (`eyJh…(812)`) is left as it is.
public struct ExportRedaction: Sendable {
    public var reveal: Bool

    public init(reveal: Bool) { self.reveal = reveal }

    /// True for text in the redacted form `Secret.redact` writes: at most four characters, `…`, and `(length)`.
    public static func looksRedacted(_ value: String) -> Bool {
        guard value.hasSuffix(")"), let ellipsis = value.lastIndex(of: "…") else { return false }
        let prefix = value[..<ellipsis]
        let rest = value[value.index(after: ellipsis)...]
        guard prefix.count <= 4, rest.hasPrefix("("), rest.count >= 3 else { return false }
        return rest.dropFirst().dropLast().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A value that is a secret by what it is (a code, a token).
    public static func secret(_ value: String) -> String {
        looksRedacted(value) || value.isEmpty ? value : Secret.redact(value)
    }

    /// A secret-by-nature field: the clear text with `reveal`, else its redacted form.
    public func secret(_ value: Sensitive) -> String {
        reveal ? value.clear : Self.secret(value.redacted)
    }

    /// A header value; `Authorization: Basic xyz` keeps its scheme in clear.
    public func header(name: String, value: Sensitive) -> String {
        reveal ? value.clear : Self.header(name: name, value: value.redacted)
    }

    public static func header(name: String, value: String) -> String {
        guard Redactor.sensitiveHeaders.contains(name.lowercased()) else { return value }
        if name.lowercased().hasSuffix("authorization"), let space = value.firstIndex(of: " ") {
            return value[..<space] + " " + secret(String(value[value.index(after: space)...]))
        }
        return secret(value)
    }

    /// A body of any type: JSON members and form fields named as secrets are redacted.
    public func body(_ value: Sensitive) -> String {
        reveal ? value.clear : Self.body(value.redacted)
    }

    public static func body(_ text: String) -> String {
        if let v = JSONValue.parse(text) {
            let r = json(v)
            return r == v ? text : r.serialized()
        }
        if text.contains("="), !text.contains(" "), !text.contains("\n") { return form(text) }
        return text
    }

    /// A form-encoded text (a body or a query): the values of sensitive fields redacted, every other byte kept.
    public static func form(_ text: String) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            guard let eq = part.firstIndex(of: "=") else { return String(part) }
            let rawName = part[..<eq]
            let name = FormURLEncoded.decode(String(rawName) + "=").fields.first?.name ?? String(rawName)
            guard Redactor.isSensitive(name: name) else { return String(part) }
            let value = FormURLEncoded.decode("x=" + part[part.index(after: eq)...]).fields.first?.value ?? ""
            return rawName + "=" + secret(value)
        }.joined(separator: "&")
    }

    /// A URL with the sensitive parameters of its query redacted.
    public func url(_ text: String) -> String { reveal ? text : Self.url(text) }

    public static func url(_ text: String) -> String {
        guard let q = text.firstIndex(of: "?") else { return text }
        let afterQ = text[text.index(after: q)...]
        let fragment = afterQ.firstIndex(of: "#")
        let query = fragment.map { afterQ[..<$0] } ?? afterQ
        let tail = fragment.map { String(afterQ[$0...]) } ?? ""
        return String(text[...q]) + form(String(query)) + tail
    }

    /// A JSON value: the string values of members named as secrets are redacted, at any depth.
    public func json(_ value: JSONValue) -> JSONValue { reveal ? value : Self.json(value) }

    public static func json(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.map { k, v in
                if Redactor.isSensitive(name: k) {
                    switch v {
                    case .string(let s): return (k, .string(secret(s)))
                    case .array(let a): return (k, .array(a.map { $0.stringValue.map { .string(secret($0)) } ?? json($0) }))
                    default: break
                    }
                }
                return (k, json(v))
            })
        case .array(let a): return .array(a.map(json))
        default: return value
        }
    }
}
