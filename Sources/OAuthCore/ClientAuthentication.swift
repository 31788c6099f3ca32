import Foundation

/// How the client proves who it is at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
public enum ClientAuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// HTTP Basic with the form-urlencoded client id and secret (RFC 6749 §2.3.1).
    case clientSecretBasic = "client_secret_basic"
    /// `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1, "NOT RECOMMENDED").
    case clientSecretPost = "client_secret_post"
    /// A public client: only `client_id` in the body (RFC 6749 §2.1, RFC 8252).
    case none
    /// A JWT signed with HS256 using the client secret as the key (OIDC Core §9, RFC 7523 §2.2).
    case clientSecretJWT = "client_secret_jwt"
    /// A JWT signed with the client's private key, whose public half the server knows (OIDC Core §9, RFC 7523 §2.2).
    case privateKeyJWT = "private_key_jwt"

    /// The names the command line takes (`--client-auth client-secret-basic|...`, and the short `--token-auth`
    /// words `basic|post|none`), with `_` or `-`.
    public init?(flag: String) {
        switch flag.lowercased().replacingOccurrences(of: "-", with: "_") {
        case "basic", "client_secret_basic": self = .clientSecretBasic
        case "post", "client_secret_post": self = .clientSecretPost
        case "none": self = .none
        case "client_secret_jwt": self = .clientSecretJWT
        case "private_key_jwt": self = .privateKeyJWT
        default: return nil
        }
    }

    /// True for the methods that send a signed JWT (`client_assertion`, RFC 7521 §4.2) instead of the secret.
    public var usesAssertion: Bool { self == .clientSecretJWT || self == .privateKeyJWT }

    /// True for the methods that need the client secret.
    public var needsSecret: Bool { self == .clientSecretBasic || self == .clientSecretPost || self == .clientSecretJWT }

    /// Where the method is defined.
    public var reference: String {
        switch self {
        case .clientSecretBasic, .clientSecretPost: return "RFC 6749 §2.3.1"
        case .none: return "RFC 6749 §2.1"
        case .clientSecretJWT, .privateKeyJWT: return "OIDC Core §9, RFC 7523 §2.2"
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
