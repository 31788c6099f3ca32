import Foundation

/// The token type identifiers of RFC 8693 §3, and the short names the command line takes for them.
public enum TokenTypeURI {
    public static let accessToken = "urn:ietf:params:oauth:token-type:access_token"
    public static let refreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
    public static let idToken = "urn:ietf:params:oauth:token-type:id_token"
    public static let saml1 = "urn:ietf:params:oauth:token-type:saml1"
    public static let saml2 = "urn:ietf:params:oauth:token-type:saml2"
    public static let jwt = "urn:ietf:params:oauth:token-type:jwt"

    /// The short names, in the order RFC 8693 §3 lists them.
    public static let shortNames: [(name: String, uri: String)] = [
        ("access_token", accessToken), ("refresh_token", refreshToken), ("id_token", idToken),
        ("saml1", saml1), ("saml2", saml2), ("jwt", jwt),
    ]

    /// The identifier `text` names: a short name (`access_token`, also spelled `access-token`), or any absolute URI
    /// as it is (RFC 8693 §3 allows others). Nil for anything else.
    public static func resolve(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let short = trimmed.lowercased().replacingOccurrences(of: "-", with: "_")
        if let hit = shortNames.first(where: { $0.name == short }) { return hit.uri }
        guard trimmed.count <= 512, let colon = trimmed.firstIndex(of: ":"), colon != trimmed.startIndex,
              !trimmed.contains(where: { $0.isWhitespace }), trimmed.allSatisfy({ $0.isASCII }) else { return nil }
        return trimmed
    }

    /// Whether a token of this type is an access token, or usable as one: only then may `token_type` be anything but
    /// `N_A` (RFC 8693 §2.2.1).
    public static func isAccessToken(_ uri: String) -> Bool { uri == accessToken }
}

/// What a token-exchange request asks for (RFC 8693 §2.1).
public struct TokenExchangeParameters: Sendable, Hashable {
    public var subjectToken: String
    /// An identifier of RFC 8693 §3 (resolved from a short name already).
    public var subjectTokenType: String
    public var actorToken: String?
    public var actorTokenType: String?
    public var requestedTokenType: String?
    /// `audience`, each sent as its own parameter.
    public var audiences: [String]
    /// `resource` (RFC 8707 §2), absolute URIs, each sent as its own parameter.
    public var resources: [String]
    public var scope: String?

    public init(subjectToken: String, subjectTokenType: String = TokenTypeURI.accessToken, actorToken: String? = nil, actorTokenType: String? = nil,
                requestedTokenType: String? = nil, audiences: [String] = [], resources: [String] = [], scope: String? = nil) {
        self.subjectToken = subjectToken
        self.subjectTokenType = subjectTokenType
        self.actorToken = actorToken
        self.actorTokenType = actorTokenType
        self.requestedTokenType = requestedTokenType
        self.audiences = audiences
        self.resources = resources
        self.scope = scope
    }
}

/// The checks of a successful answer to a grant that goes straight to the token endpoint, beside the usual
/// token-response checks of `TokenResponseParser`: each deviation is a finding at `step`.
public enum DirectGrantChecks {
    /// Client credentials (RFC 6749 §4.4.3): no refresh token (SHOULD NOT), and no ID token, since there is no user.
    public static func clientCredentials(_ tokens: TokenSet, step: String?) -> [Finding] {
        var out: [Finding] = []
        if tokens.refreshToken != nil { out.append(FindingCatalogue.clientCredentialsRefreshToken.finding(step: step)) }
        if tokens.idToken != nil { out.append(FindingCatalogue.clientCredentialsIdToken.finding(step: step)) }
        return out
    }

    /// Refresh (RFC 6749 §6): whether the refresh token rotated, and a scope wider than the one asked for.
    public static func refresh(_ tokens: TokenSet, presented: String, requestedScope: String?, step: String?) -> [Finding] {
        var out: [Finding] = []
        if let new = tokens.refreshToken, new.value != presented {
            out.append(FindingCatalogue.refreshRotated.finding(step: step))
        } else {
            out.append(FindingCatalogue.refreshNotRotated.finding(step: step))
        }
        if let requestedScope, let granted = tokens.scope {
            let asked = Set(requestedScope.split(separator: " ").map(String.init))
            let wider = granted.split(separator: " ").map(String.init).filter { !asked.contains($0) }
            if !wider.isEmpty { out.append(FindingCatalogue.refreshScopeWider.finding(wider.joined(separator: " "), requestedScope, step: step)) }
        }
        return out
    }

    /// Token exchange (RFC 8693 §2.2.1): `issued_token_type` is REQUIRED, and `token_type` is `N_A` exactly when the
    /// issued token is not an access token. `findings` are the parser's; its `token_type_unusual` for a rightful
    /// `N_A` is dropped. Returns the findings to publish and, when the answer breaks a MUST, why the flow fails.
    public static func tokenExchange(_ tokens: TokenSet, parserFindings: [Finding], requested: String?, step: String?) -> (findings: [Finding], failure: String?) {
        let issued = tokens.extra.first { $0.0 == "issued_token_type" }?.1.stringValue
        let notApplicable = tokens.tokenType == "N_A"
        var out = parserFindings.filter { !(notApplicable && $0.code == FindingCatalogue.tokenTokenTypeUnusual.code) }.map { f -> Finding in
            var f = f
            if f.step == nil { f.step = step }
            return f
        }
        guard let issued, !issued.isEmpty else {
            out.append(FindingCatalogue.tokenExchangeIssuedTypeMissing.finding(step: step))
            return (out, "the token exchange response has no issued_token_type, which RFC 8693 §2.2.1 requires: the client cannot tell what kind of token it got")
        }
        if TokenTypeURI.isAccessToken(issued), notApplicable {
            out.append(FindingCatalogue.tokenExchangeTokenTypeNA.finding(step: step))
        } else if !TokenTypeURI.isAccessToken(issued), !notApplicable {
            out.append(FindingCatalogue.tokenExchangeTokenTypeNotNA.finding(issued, tokens.tokenType, step: step))
        }
        if let requested, requested != issued {
            out.append(FindingCatalogue.tokenExchangeOtherType.finding(issued, requested, step: step))
        }
        return (out, nil)
    }
}
