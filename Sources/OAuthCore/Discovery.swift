import Foundation

/// Authorization server metadata (OIDC Discovery 1.0 §3, RFC 8414 §2).
public struct ProviderMetadata: Sendable, Hashable {
    public var issuer: String
    public var authorizationEndpoint: URL
    public var tokenEndpoint: URL
    public var jwksURI: URL?
    public var userinfoEndpoint: URL?
    public var revocationEndpoint: URL?
    public var introspectionEndpoint: URL?
    public var codeChallengeMethods: [String]
    public var tokenEndpointAuthMethods: [String]
    public var idTokenSigningAlgs: [String]
    public var issParameterSupported: Bool
    /// `pushed_authorization_request_endpoint` (RFC 9126 §5).
    public var pushedAuthorizationRequestEndpoint: URL?
    /// `require_pushed_authorization_requests` (RFC 9126 §5).
    public var requirePushedAuthorizationRequests = false
    public var raw: JSONValue

    public init(issuer: String, authorizationEndpoint: URL, tokenEndpoint: URL, jwksURI: URL? = nil, userinfoEndpoint: URL? = nil, revocationEndpoint: URL? = nil, introspectionEndpoint: URL? = nil, codeChallengeMethods: [String] = [], tokenEndpointAuthMethods: [String] = [], idTokenSigningAlgs: [String] = [], issParameterSupported: Bool = false, raw: JSONValue = .object([])) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
        self.userinfoEndpoint = userinfoEndpoint
        self.revocationEndpoint = revocationEndpoint
        self.introspectionEndpoint = introspectionEndpoint
        self.codeChallengeMethods = codeChallengeMethods
        self.tokenEndpointAuthMethods = tokenEndpointAuthMethods
        self.idTokenSigningAlgs = idTokenSigningAlgs
        self.issParameterSupported = issParameterSupported
        self.raw = raw
    }

    /// True when `issuer` is a `{tenantid}` template and `expected` has a multi-tenant alias in its place.
    public static func isTenantTemplate(_ issuer: String, for expected: String) -> Bool {
        guard let r = issuer.range(of: "{tenantid}") else { return false }
        let prefix = issuer[..<r.lowerBound], suffix = issuer[r.upperBound...]
        guard expected.hasPrefix(prefix), expected.hasSuffix(suffix), expected.count > prefix.count + suffix.count else { return false }
        let alias = expected.dropFirst(prefix.count).dropLast(suffix.count)
        return ["common", "organizations", "consumers"].contains(alias.lowercased())
    }

    /// The well-known URLs to try for an issuer, in order: OIDC first, RFC 8414 as the fallback.
    public static func discoveryURLs(issuer: String) -> [URL] {
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        var urls: [URL] = []
        if let u = URL(string: trimmed + "/.well-known/openid-configuration") { urls.append(u) }
        // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
        if let comps = URLComponents(string: trimmed), let host = comps.host {
            let port = comps.port.map { ":\($0)" } ?? ""
            let path = comps.percentEncodedPath
            if let u = URL(string: "\(comps.scheme ?? "https")://\(host)\(port)/.well-known/oauth-authorization-server\(path == "/" ? "" : path)") { urls.append(u) }
        }
        return urls
    }

    /// Parses a metadata document and checks it was fetched for `expectedIssuer`.
    public static func parse(body: String, expectedIssuer: String) -> Result<(ProviderMetadata, [Finding]), MetadataError> {
        guard let json = JSONValue.parse(body), case .object = json else { return .failure(.notJSON) }
        guard let issuer = json["issuer"]?.stringValue else { return .failure(.missing("issuer")) }
        func norm(_ s: String) -> String { s.hasSuffix("/") ? String(s.dropLast()) : s }
        var findings: [Finding] = []
        if issuer != expectedIssuer, norm(issuer) != norm(expectedIssuer) {
            // Microsoft's multi-tenant aliases (common, organizations, consumers) publish a template issuer,
            // .../{tenantid}/v2.0, and each ID token names the user's own tenant. Accepted for those aliases only.
            guard isTenantTemplate(issuer, for: expectedIssuer) else {
                return .failure(.issuerMismatch(expected: expectedIssuer, got: issuer))
            }
            findings.append(FindingCatalogue.discoveryIssuerTemplate.finding(issuer, expectedIssuer))
        }
        if issuer != expectedIssuer, norm(issuer) == norm(expectedIssuer) {
            findings.append(FindingCatalogue.discoveryIssuerTrailingSlash.finding(issuer, expectedIssuer))
        }
        guard let authz = json["authorization_endpoint"]?.stringValue.flatMap(URL.init(string:)) else { return .failure(.missing("authorization_endpoint")) }
        guard let token = json["token_endpoint"]?.stringValue.flatMap(URL.init(string:)) else { return .failure(.missing("token_endpoint")) }
        let methods = json["code_challenge_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if methods.isEmpty {
            findings.append(FindingCatalogue.discoveryPkceUnadvertised.finding())
        } else if !methods.contains("S256") {
            findings.append(FindingCatalogue.discoveryNoS256.finding())
        }
        let m = ProviderMetadata(
            issuer: issuer,
            authorizationEndpoint: authz,
            tokenEndpoint: token,
            jwksURI: json["jwks_uri"]?.stringValue.flatMap(URL.init(string:)),
            userinfoEndpoint: json["userinfo_endpoint"]?.stringValue.flatMap(URL.init(string:)),
            revocationEndpoint: json["revocation_endpoint"]?.stringValue.flatMap(URL.init(string:)),
            introspectionEndpoint: json["introspection_endpoint"]?.stringValue.flatMap(URL.init(string:)),
            codeChallengeMethods: methods,
            tokenEndpointAuthMethods: json["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            idTokenSigningAlgs: json["id_token_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            issParameterSupported: json["authorization_response_iss_parameter_supported"]?.boolValue ?? false,
            raw: json
        )
        var withPAR = m
        withPAR.pushedAuthorizationRequestEndpoint = json["pushed_authorization_request_endpoint"]?.stringValue.flatMap(URL.init(string:))
        withPAR.requirePushedAuthorizationRequests = json["require_pushed_authorization_requests"]?.boolValue ?? false
        return .success((withPAR, findings))
    }
}

public enum MetadataError: Error, Hashable, CustomStringConvertible {
    case notJSON
    case missing(String)
    case issuerMismatch(expected: String, got: String)

    public var description: String {
        switch self {
        case .notJSON: return "the discovery document is not a JSON object"
        case .missing(let m): return "the discovery document lacks \(m)"
        case .issuerMismatch(let e, let g):
            return "the discovery document says issuer \"\(g)\" but was fetched for \"\(e)\"; it is rejected, since a server could otherwise impersonate another (RFC 8414 §3.3, OIDC Discovery §4.3)"
        }
    }
}
