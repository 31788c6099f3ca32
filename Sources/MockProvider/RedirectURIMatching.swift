import Foundation
import OAuthCore

/// Redirect URI helpers of the authorization endpoint. Whether a `redirect_uri` matches is the personality's
/// `RedirectRule` (its preset's, in OAuthCore), never decided here.
enum RedirectURIMatching {
    /// The page text for a `redirect_uri` that matches no registered one, in the terms of the personality's rule.
    static func mismatchExplanation(requested: String, registered: [String], clientID: String, rule: RedirectRule, provider: String) -> String {
        let list = registered.joined(separator: ", ")
        switch rule.path {
        case .exact:
            return "redirect_uri \(requested) is not registered for client \(clientID). Registered: \(list). \(provider) \(rule.summary)."
        case .sameOrUnder:
            let host = rule.subdomains ? "host (or a subdomain of it)" : "host"
            let port = rule.loopbackAnyPort ? " (a loopback redirect_uri may change the port)" : ""
            let example = registered.first.map { $0.hasSuffix("/") ? $0 + "function" : $0 + "/function" } ?? "CALLBACK/function"
            return "redirect_uri \(requested) does not extend the callback URL configured for \(clientID) (\(list)). \(provider) accepts a redirect_uri only when it is the callback URL itself or a path under it, on the same scheme, \(host) and port\(port): e.g. \(example). Leave redirect_uri out to use the callback URL."
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

