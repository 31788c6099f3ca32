import Foundation

/// How the client proves who it is at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
public enum ClientAuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// HTTP Basic with the form-urlencoded client id and secret (RFC 6749 §2.3.1).
    case clientSecretBasic = "client_secret_basic"
    /// `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1, "NOT RECOMMENDED").
    case clientSecretPost = "client_secret_post"
    /// A public client: only `client_id` in the body (RFC 6749 §2.1, RFC 8252).
    case none

    /// The short names the command line takes (`--token-auth basic|post|none`).
    public init?(flag: String) {
        switch flag.lowercased() {
        case "basic", "client_secret_basic": self = .clientSecretBasic
        case "post", "client_secret_post": self = .clientSecretPost
        case "none": self = .none
        default: return nil
        }
    }
}

/// The `Authorization: Basic` credentials of RFC 6749 §2.3.1: client id and secret are each
/// form-urlencoded (Appendix B) *before* being joined with `:` and base64-encoded (RFC 7617).
public enum HTTPBasicCredentials {
    public static func headerValue(clientID: String, clientSecret: String) -> String {
        let joined = FormURLEncoded.encodeComponent(clientID) + ":" + FormURLEncoded.encodeComponent(clientSecret)
        return "Basic " + Data(joined.utf8).base64EncodedString()
    }

    /// Parses an `Authorization` header value as an authorization server does. Nil when it is not Basic or does
    /// not decode.
    public static func parse(headerValue: String) -> (clientID: String, clientSecret: String)? {
        let parts = headerValue.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        let id = FormURLEncoded.decode("a=" + text[..<colon]).fields.first?.value ?? ""
        let secret = FormURLEncoded.decode("a=" + text[text.index(after: colon)...]).fields.first?.value ?? ""
        return (id, secret)
    }
}
