import Foundation
import OAuthCore

/// Decides whether a requested `redirect_uri` is one the client registered.
enum RedirectURIMatching {
    /// Exact string comparison (RFC 9700 §4.1.3), except that a loopback `http` URI matches on any port
    /// (RFC 8252 §7.3: native apps listen on an ephemeral port). Scheme, host, path and query must still match.
    static func matches(requested: String, registered: String) -> Bool {
        if requested == registered { return true }
        guard let r = RedirectURIParts(requested), let g = RedirectURIParts(registered), r.isLoopbackHTTP, g.isLoopbackHTTP else { return false }
        return r.host == g.host && r.path == g.path && r.query == g.query
    }

    /// Whether `requested` is acceptable for `registered` under a personality's rule.
    static func matches(requested: String, registered: String, rule: RedirectMatchRule) -> Bool {
        switch rule {
        case .exact:
            return requested == registered
        case .loopbackAnyPort:
            return matches(requested: requested, registered: registered)
        case .prefix(let loopbackAnyPort):
            if requested == registered { return true }
            guard let r = RedirectURIParts(requested), let g = RedirectURIParts(registered), r.scheme == g.scheme, r.host == g.host else { return false }
            let portOK = r.port == g.port || (loopbackAnyPort && r.isLoopbackHTTP)
            guard portOK, RedirectRuleCheck.isSameOrUnder(r.path, g.path) else { return false }
            // The registered callback's own query, if any, must be kept.
            return g.query == nil || r.query == g.query
        }
    }

    /// The page text for a `redirect_uri` that matches no registered one, in the terms of the personality's rule.
    static func mismatchExplanation(requested: String, registered: [String], clientID: String, rule: RedirectMatchRule, provider: String) -> String {
        let list = registered.joined(separator: ", ")
        switch rule {
        case .exact:
            return "redirect_uri \(requested) is not registered for client \(clientID). Registered: \(list). \(provider) compares it character for character (RFC 9700 §4.1.3)."
        case .loopbackAnyPort:
            return "redirect_uri \(requested) is not registered for client \(clientID). Registered: \(list). It must match exactly, except that a loopback URI may use any port (RFC 6749 §3.1.2.3, RFC 8252 §7.3, RFC 9700 §4.1.3)."
        case .prefix(let loopbackAnyPort):
            let port = loopbackAnyPort ? " (a loopback redirect_uri may change the port)" : ""
            return "redirect_uri \(requested) does not extend the callback URL configured for \(clientID) (\(list)). \(provider) accepts a redirect_uri only when it is the callback URL itself or a path under it, on the same scheme, host and port\(port): e.g. \(registered.first.map { $0.hasSuffix("/") ? $0 + "function" : $0 + "/function" } ?? "CALLBACK/function"). Leave redirect_uri out to use the callback URL."
        }
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

    /// `base` with `parameters` added to its query (RFC 6749 §4.1.2: the redirect URI's own query is kept).
    static func location(base: String, parameters: [(String, String)]) -> String {
        let encoded = FormURLEncoded.encode(parameters.map { FormField($0.0, $0.1) })
        if encoded.isEmpty { return base }
        if !base.contains("?") { return base + "?" + encoded }
        if base.hasSuffix("?") || base.hasSuffix("&") { return base + encoded }
        return base + "&" + encoded
    }
}

