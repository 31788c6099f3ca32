import Foundation

/// What an endpoint is for, which decides the rule that asks for TLS and what travels to it.
public enum EndpointRole: String, Sendable, Hashable, CaseIterable {
    case issuer, authorization, token, jwks, userinfo, revocation, introspection
    /// A provider's API called with the access token (a preset's follow-up).
    case api

    /// How a message names it.
    public var label: String {
        switch self {
        case .issuer: return "issuer"
        case .authorization: return "authorization endpoint"
        case .token: return "token endpoint"
        case .jwks: return "JWKS (the ID-token signing keys)"
        case .userinfo: return "userinfo endpoint"
        case .revocation: return "revocation endpoint"
        case .introspection: return "introspection endpoint"
        case .api: return "API"
        }
    }

    /// What would travel in clear to it.
    var exposes: String {
        switch self {
        case .issuer: return "the provider metadata, which names every other endpoint, can be replaced on the way"
        case .authorization: return "the user signs in there, so their password and the code can be read or changed on the way"
        case .token: return "the client secret, the code and the code verifier, and the tokens coming back, can be read on the way"
        case .jwks: return "the keys that ID-token signatures are checked with can be replaced on the way, which makes that check worthless"
        case .userinfo, .api: return "the access token can be read on the way"
        case .revocation, .introspection: return "the client credentials and the token can be read on the way"
        }
    }

    /// The rule that asks for TLS there.
    var ref: String {
        switch self {
        case .issuer, .jwks: return "RFC 8414 §2"
        case .authorization: return "RFC 6749 §3.1"
        case .token: return "RFC 6749 §3.2"
        case .userinfo, .api: return "RFC 6750 §5.3"
        case .revocation: return "RFC 7009 §2"
        case .introspection: return "RFC 7662 §4"
        }
    }
}

/// Which endpoints may be reached over plain `http`: only loopback ones (127.0.0.0/8, ::1, `localhost`, decided on
/// the parsed address), and none named by the metadata of an `https` issuer. Anything else is an error finding,
/// and nothing is sent there unless the user allows it (`--allow-insecure-http`), which makes it a warning.
public enum EndpointSecurity {
    /// The finding for `url` used as `role`, or nil when it is fine. `issuer` is the issuer whose metadata named
    /// the endpoint (discovery), when there is one.
    public static func finding(for url: URL, role: EndpointRole, issuer: String?, allowInsecureHTTP: Bool) -> Finding? {
        guard url.scheme?.lowercased() == "http" else { return nil }
        let shown = url.absoluteString
        let severity: Severity = allowInsecureHTTP ? .warn : .error
        let consequence = allowInsecureHTTP
            ? "It is used anyway because of --allow-insecure-http."
            : "Nothing is sent there: use its https URL, or pass --allow-insecure-http for a test server you trust."
        if role != .issuer, let issuer, URL(string: issuer)?.scheme?.lowercased() == "https" {
            return FindingCatalogue.endpointHttpFromHttpsIssuer.finding(issuer, role.label, shown, role.exposes, consequence, severity: severity,
                                                                       ref: role.ref == "RFC 8414 §2" ? role.ref : "\(role.ref), RFC 8414 §2")
        }
        if RedirectURI.isLoopback(host: url.host ?? "") { return nil }
        return FindingCatalogue.endpointInsecureHttp.finding(role.label, shown, role.exposes, consequence, severity: severity, ref: role.ref)
    }
}

/// Loopback decided on the address itself, never on how a name starts: `127.evil.invalid` is a DNS name that
/// anyone can point anywhere.
public enum LoopbackAddress {
    /// True for `localhost`, an IPv4 address in 127.0.0.0/8 written as four decimal octets, and the IPv6 loopback
    /// `::1` in any of its spellings (brackets allowed).
    public static func contains(host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" { return true }
        if let v4 = ipv4(h) { return v4[0] == 127 }
        if let v6 = ipv6(h) { return v6 == [0, 0, 0, 0, 0, 0, 0, 1] }
        return false
    }

    /// Four decimal octets, each 0–255 without leading zeros (which some resolvers read as octal).
    static func ipv4(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }), p == "0" || p.first != "0", let n = UInt8(p) else { return nil }
            out.append(n)
        }
        return out
    }

    /// Eight 16-bit groups; `::` stands for one run of zero groups. A zone (`%eth0`) or an embedded IPv4 tail is not
    /// loopback in this sense, so both are refused.
    static func ipv6(_ s: String) -> [UInt16]? {
        guard s.contains(":"), s.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let n = UInt16(g, radix: 16) else { return nil }
                out.append(n)
            }
            return out
        }
        let halves = s.components(separatedBy: "::")
        switch halves.count {
        case 1:
            guard let g = groups(Substring(s)), g.count == 8 else { return nil }
            return g
        case 2:
            guard let head = groups(Substring(halves[0])), let tail = groups(Substring(halves[1])), head.count + tail.count <= 7 else { return nil }
            return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        default:
            return nil
        }
    }
}
