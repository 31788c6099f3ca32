import Foundation

/// Explains a `redirect_uri` problem before the browser is sent anywhere, using the provider's own matching
/// rule. Pure: it compares the callback the user says is registered with the one oauthscope will send.
public enum RedirectRuleCheck {
    /// Nil when `sent` would be accepted under `rule`, or when nothing can be said because `registered` is
    /// unknown. Otherwise an error finding that says what to change.
    public static func explain(rule: RedirectRule, registered: String?, sent: String) -> Finding? {
        guard let s = RedirectURIParts(sent) else {
            return FindingCatalogue.redirectInvalid.finding(sent)
        }
        guard let registered else { return nil }
        guard let r = RedirectURIParts(registered) else {
            return FindingCatalogue.redirectRegisteredInvalid.finding(registered)
        }
        if rule.accepts(sent, registered: registered) { return nil }
        // Raw values: each output escapes at its own boundary.
        let shownSent = sent
        let shownRegistered = registered
        switch rule.path {
        case .exact where !rule.loopbackAnyPort:
            let lead = "The provider compares redirect_uri with the registered callback character for character."
            let portNote = ""
            return FindingCatalogue.redirectMismatch.finding(lead, shownRegistered, shownSent, difference(r, s), portNote, exactFix(r, registered: shownRegistered, sent: shownSent))
        case .exact:
            let lead = "The redirect_uri does not match the registered callback."
            let portNote = r.isLoopbackHTTP
                ? " Only the port of an http loopback URI may differ (RFC 8252 §7.3); host and path must match."
                : " The port may differ only for http loopback URIs (RFC 8252 §7.3); this registered callback is not one."
            return FindingCatalogue.redirectMismatch.finding(lead, shownRegistered, shownSent, difference(r, s), portNote, exactFix(r, registered: shownRegistered, sent: shownSent))
        case .sameOrUnder:
            var why = "The provider accepts a redirect_uri only when it is the registered callback or extends it with a path. Registered: \(shownRegistered); sending: \(shownSent). "
            let loopbackPort = rule.loopbackAnyPort && r.isLoopbackHTTP && s.isLoopbackHTTP
            if s.scheme != r.scheme || s.host != r.host || (s.port != r.port && !loopbackPort) {
                let same = rule.loopbackAnyPort ? "scheme and host (and, off loopback, the port)" : "scheme, host and port"
                why += "It must be on the same \(same) as the registered callback (\(r.origin)), but it is on \(s.origin)."
            } else {
                why += "Its path \(s.path) is neither \(r.path) nor a path under it."
            }
            var fix: String
            if r.isLoopbackHTTP {
                let example = r.path.hasSuffix("/") ? "\(registered)oauthscope" : "\(registered)/oauthscope"
                fix = "Run with --redirect-uri \(registered) or a path under it such as \(example), or change the callback URL in the client's settings to a prefix of \(sent)."
            } else {
                fix = "oauthscope can only catch the callback on loopback, so change the callback URL in the client's settings to a prefix of \(sent) such as \(s.origin)/ while debugging, or keep it and forward the callback with oauthscope listen."
            }
            fix += " Leaving redirect_uri out (--omit-redirect-uri) makes the provider use the registered callback."
            return FindingCatalogue.redirectPrefixMismatch.finding(why, fix)
        }
    }

    /// What to change when the two must match: use the registered callback if oauthscope can listen on it,
    /// else register the one it sends.
    private static func exactFix(_ r: RedirectURIParts, registered: String, sent: String) -> String {
        if r.isLoopbackHTTP {
            return "Run with --redirect-uri \(registered), or register \(sent) for the client."
        }
        return "oauthscope can only catch the callback on loopback, so register \(sent) for the client while debugging, or keep the registered one and forward the callback with oauthscope listen."
    }

    /// True when `path` equals `base` or continues it at a segment boundary: `/cb` and `/cb/x` are under `/cb`;
    /// `/cb2` is not.
    public static func isSameOrUnder(_ path: String, _ base: String) -> Bool {
        if path == base { return true }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix)
    }

    /// What differs between two URIs, for the message: ", which differs in its port (8765, not 8080)".
    private static func difference(_ r: RedirectURIParts, _ s: RedirectURIParts) -> String {
        var parts: [String] = []
        if r.scheme != s.scheme { parts.append("scheme (\(s.scheme), not \(r.scheme))") }
        if r.host != s.host { parts.append("host (\(s.host), not \(r.host))") }
        if r.port != s.port { parts.append("port (\(s.port), not \(r.port))") }
        if r.path != s.path { parts.append("path (\(s.path), not \(r.path))") }
        if r.query != s.query { parts.append("query") }
        return parts.isEmpty ? ", which differs only in how it is written" : ", which differs in its " + parts.joined(separator: ", ")
    }
}

/// The parts of an absolute URI that redirect matching looks at: scheme and host lower-cased (IPv6 brackets
/// removed), the port made explicit, an empty path read as "/". Nil for a relative URI, or one with user info or
/// a fragment, which a redirect URI may not have (RFC 6749 §3.1.2).
public struct RedirectURIParts: Sendable, Hashable {
    public var scheme: String
    public var host: String
    public var port: Int
    public var path: String
    public var query: String?

    public init?(_ text: String) {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), var host = c.host?.lowercased(), !host.isEmpty,
              c.user == nil, c.password == nil, c.fragment == nil
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme
        self.host = host
        self.port = c.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
        self.path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
        self.query = c.percentEncodedQuery
    }

    /// An `http` URI on a loopback host, whose port a client may choose freely (RFC 8252 §7.3).
    public var isLoopbackHTTP: Bool { scheme == "http" && RedirectURI.isLoopback(host: host) }

    public var origin: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
        return "\(scheme)://\(h)" + (defaultPort ? "" : ":\(port)")
    }
}
