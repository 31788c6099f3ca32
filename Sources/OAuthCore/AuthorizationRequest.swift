import Foundation

/// The authorization request of RFC 6749 §4.1.1 (with PKCE, RFC 7636 §4.3, and OIDC's nonce, OIDC Core
/// §3.1.2.1). Building it is pure: the same values always give the same URL.
public struct AuthorizationRequest: Sendable, Hashable {
    public var endpoint: URL
    public var clientID: String
    public var redirectURI: String
    /// False leaves `redirect_uri` out, so the provider uses the callback registered for the client
    /// (RFC 6749 §3.1.2.3, `--omit-redirect-uri`).
    public var sendsRedirectURI = true
    public var scope: String?
    public var state: String
    public var nonce: String?
    public var pkce: PKCE?
    /// Extra parameters (`--param k=v`, a preset's `audience`, `prompt`, ...), appended in order. One named like
    /// a standard parameter replaces it, so the user can deliberately send something odd while debugging.
    public var extraParameters: [FormField]
    public var responseType: String

    public init(endpoint: URL, clientID: String, redirectURI: String, scope: String?, state: String, nonce: String?, pkce: PKCE?, extraParameters: [FormField] = [], responseType: String = "code") {
        self.endpoint = endpoint
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.scope = scope
        self.state = state
        self.nonce = nonce
        self.pkce = pkce
        self.extraParameters = extraParameters
        self.responseType = responseType
    }

    /// A fresh state of 128 bits (RFC 9700 §4.7.1 asks for an unguessable value bound to the user agent).
    public static func newState() -> String { SecureRandom.token(bytes: 16) }
    /// A fresh nonce of 128 bits (OIDC Core §15.5.2).
    public static func newNonce() -> String { SecureRandom.token(bytes: 16) }

    /// The query parameters in the order they are sent.
    public var parameters: [FormField] {
        var p: [FormField] = [
            FormField("response_type", responseType),
            FormField("client_id", clientID),
        ]
        if sendsRedirectURI { p.append(FormField("redirect_uri", redirectURI)) }
        if let scope, !scope.isEmpty { p.append(FormField("scope", scope)) }
        p.append(FormField("state", state))
        if let nonce { p.append(FormField("nonce", nonce)) }
        if let pkce {
            p.append(FormField("code_challenge", pkce.challenge))
            p.append(FormField("code_challenge_method", pkce.method.rawValue))
        }
        for extra in extraParameters {
            if let i = p.firstIndex(where: { $0.name == extra.name }) { p[i] = extra } else { p.append(extra) }
        }
        return p
    }

    /// The full URL: the endpoint's own query (kept, RFC 6749 §3.1) followed by the parameters.
    public var url: URL {
        let query = FormURLEncoded.encode(parameters)
        var s = endpoint.absoluteString
        if let hash = s.firstIndex(of: "#") { s = String(s[..<hash]) }  // §3.1: the endpoint MUST NOT have a fragment
        let joiner = s.contains("?") ? (s.hasSuffix("?") || s.hasSuffix("&") ? "" : "&") : "?"
        return URL(string: s + joiner + query) ?? endpoint
    }

    /// What the flow doctor says about this request before it is sent.
    public var findings: [Finding] {
        var f: [Finding] = []
        if pkce == nil {
            f.append(FindingCatalogue.pkceDisabled.finding())
        } else if pkce?.method == .plain {
            f.append(FindingCatalogue.pkcePlain.finding())
        }
        if let scope, scope.split(separator: " ").contains("openid"), nonce == nil {
            f.append(FindingCatalogue.oidcNoNonce.finding())
        }
        return f
    }
}

/// Facts about redirect URIs (RFC 8252 §7.3, §8.3).
public enum RedirectURI {
    /// Decided on the parsed address (127.0.0.0/8, ::1, `localhost`), never on a prefix of the name.
    public static func isLoopback(host: String) -> Bool { LoopbackAddress.contains(host: host) }

    /// The parts a listener needs: host, port, path. Throws with what to fix when the URI cannot be listened on.
    public static func parse(_ text: String) throws(RedirectURIError) -> (scheme: String, host: String, port: Int, path: String) {
        guard let comps = URLComponents(string: text), let scheme = comps.scheme?.lowercased(), let host = comps.host, !host.isEmpty else {
            throw .invalid(text)
        }
        guard scheme == "http" else { throw .notHTTP(text) }
        guard comps.fragment == nil else { throw .hasFragment(text) }
        let port = comps.port ?? 80
        let path = comps.percentEncodedPath.isEmpty ? "/" : comps.percentEncodedPath
        return (scheme, host, port, path)
    }
}

public enum RedirectURIError: Error, Hashable, CustomStringConvertible {
    case invalid(String)
    case notHTTP(String)
    case hasFragment(String)
    case notLoopback(String)

    public var description: String {
        switch self {
        case .invalid(let s): return "--redirect-uri \(s) is not an absolute URI like http://127.0.0.1:8765/callback"
        case .notHTTP(let s): return "--redirect-uri \(s): the local listener speaks plain http on loopback (RFC 8252 §7.3); use http://127.0.0.1:PORT/PATH"
        case .hasFragment(let s): return "--redirect-uri \(s) has a fragment, which a redirect URI must not have (RFC 6749 §3.1.2)"
        case .notLoopback(let s): return "--redirect-uri \(s) is not a loopback address; oauthscope only listens on 127.0.0.1, [::1] or localhost (RFC 8252 §8.3). Pass --listen-address to bind elsewhere on purpose"
        }
    }
}
