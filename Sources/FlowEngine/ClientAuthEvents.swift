import Foundation
import OAuthCore

/// `client.assertion`: the JWT a request authenticates the client with (RFC 7523 §2.2, OIDC Core §9), decoded and
/// explained. Published before the request that carries it leaves; the raw JWT is only in that request, redacted
/// like other secrets.
public struct ClientAssertionBuilt: Sendable, Hashable, Codable {
    /// The hop whose request carries it (`token`, `par`, `refresh`, ...).
    public var hop: String
    /// `client_secret_jwt` or `private_key_jwt`.
    public var method: String
    public var header: JSONValue
    public var claims: JSONValue
    public var explanation: String
    public var ref: String

    public init(hop: String, method: String, header: JSONValue, claims: JSONValue, explanation: String, ref: String) {
        self.hop = hop
        self.method = method
        self.header = header
        self.claims = claims
        self.explanation = explanation
        self.ref = ref
    }
}

extension ClientAssertionBuilt: EventPayload {
    public func summary(reveal: Bool) -> String {
        let alg = header["alg"]?.stringValue ?? "?"
        let aud = claims["aud"]?.stringValue ?? claims["aud"]?.serialized() ?? "?"
        var t = "\(hop): \(method) assertion, \(alg)"
        if let kid = header["kid"]?.stringValue { t += " kid \(kid)" }
        t += ", iss=sub=\(claims["iss"]?.stringValue ?? "?"), aud \(aud)"
        if let iat = claims["iat"]?.numberValue, let exp = claims["exp"]?.numberValue { t += ", valid \(Int(exp - iat)) s" }
        return t
    }
}

/// `authorization.pushed`: the pushed authorization request was taken (RFC 9126 §2.2); the user is sent with only
/// `client_id` and `request_uri`.
public struct AuthorizationPushed: Sendable, Hashable, Codable {
    /// The PAR endpoint.
    public var endpoint: String
    public var requestURI: String
    /// Seconds the request_uri stays valid, when the answer said so in range.
    public var expiresIn: Int?
    /// The authorization URL the user is sent to.
    public var url: String
    /// The HTTP status of the answer (201 by the RFC).
    public var status: Int

    public init(endpoint: String, requestURI: String, expiresIn: Int?, url: String, status: Int) {
        self.endpoint = endpoint
        self.requestURI = requestURI
        self.expiresIn = expiresIn
        self.url = url
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, requestURI = "request_uri", expiresIn = "expires_in", url, status
    }
}

extension AuthorizationPushed: EventPayload {
    public func summary(reveal: Bool) -> String {
        "request_uri \(requestURI)" + (expiresIn.map { ", valid \($0) s" } ?? "") + "; authorization URL \(url)"
    }
}
