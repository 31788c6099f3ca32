import Foundation
import OAuthCore

/// Decides whether a requested `redirect_uri` is one the client registered.
enum RedirectURIMatching {
    /// Exact string comparison (RFC 9700 §4.1.3), except that a loopback `http` URI matches on any port
    /// (RFC 8252 §7.3: native apps listen on an ephemeral port). Scheme, host, path and query must still match.
    static func matches(requested: String, registered: String) -> Bool {
        if requested == registered { return true }
        guard let r = LoopbackURI(requested), let g = LoopbackURI(registered) else { return false }
        return r.host == g.host && r.path == g.path && r.query == g.query
    }

    /// Why a redirect URI cannot be used at all, whatever was registered (RFC 6749 §3.1.2).
    static func problem(with uri: String) -> String? {
        guard let c = URLComponents(string: uri), let scheme = c.scheme, !scheme.isEmpty else {
            return "redirect_uri must be an absolute URI (RFC 6749 §3.1.2)"
        }
        if c.fragment != nil || uri.contains("#") {
            return "redirect_uri must not contain a fragment (RFC 6749 §3.1.2)"
        }
        return nil
    }

    /// The parts of an `http` loopback URI that must match when the port does not have to.
    private struct LoopbackURI {
        var host: String
        var path: String
        var query: String?

        init?(_ text: String) {
            guard let c = URLComponents(string: text), c.scheme?.lowercased() == "http",
                  c.user == nil, c.password == nil, c.fragment == nil,
                  var host = c.host?.lowercased()
            else { return nil }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard RedirectURI.isLoopback(host: host) else { return nil }
            self.host = host
            self.path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
            self.query = c.percentEncodedQuery
        }
    }

    /// `base` with `parameters` added to its query (RFC 6749 §4.1.2: the redirect URI's own query is kept).
    static func location(base: String, parameters: [(String, String)]) -> String {
        let encoded = FormURLEncoded.encode(parameters.map { FormField($0.0, $0.1) })
        if encoded.isEmpty { return base }
        if !base.contains("?") { return base + "?" + encoded }
        if base.hasSuffix("?") || base.hasSuffix("&") { return base + encoded }
        return base + "&" + encoded
    }
}

