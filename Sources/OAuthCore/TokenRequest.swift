import Foundation

/// How the token request body is encoded: the standard form encoding (RFC 6749 §4.1.3) or JSON, which some
/// providers (BitBadges, Atlassian) accept or require.
public enum TokenBodyEncoding: String, Sendable, Hashable, Codable {
    case form, json
}

/// An HTTP request described as plain values, before any client sends it.
public struct HTTPRequestSpec: Sendable, Hashable {
    public var method: String
    public var url: URL
    public var headers: [FormField]
    public var body: String

    public init(method: String, url: URL, headers: [FormField], body: String) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The client's credentials and how to present them.
public struct ClientCredentials: Sendable, Hashable {
    public var clientID: String
    public var clientSecret: Secret?
    public var method: ClientAuthMethod

    public init(clientID: String, clientSecret: Secret?, method: ClientAuthMethod) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.method = method
    }
}

/// Builds token endpoint requests (RFC 6749 §4.1.3, §6; RFC 7636 §4.5).
public struct TokenRequestBuilder: Sendable {
    public var tokenEndpoint: URL
    public var credentials: ClientCredentials
    public var bodyEncoding: TokenBodyEncoding
    /// `--token-param k=v`: extra body fields.
    public var extraParameters: [FormField]
    /// `--token-header 'Name: value'`.
    public var extraHeaders: [FormField]

    public init(tokenEndpoint: URL, credentials: ClientCredentials, bodyEncoding: TokenBodyEncoding = .form, extraParameters: [FormField] = [], extraHeaders: [FormField] = []) {
        self.tokenEndpoint = tokenEndpoint
        self.credentials = credentials
        self.bodyEncoding = bodyEncoding
        self.extraParameters = extraParameters
        self.extraHeaders = extraHeaders
    }

    /// The authorization-code grant. `redirectURI` is nil when the authorization request left it out, in which
    /// case the token request leaves it out too (RFC 6749 §4.1.3 requires it only "if ... included").
    public func authorizationCode(code: String, redirectURI: String?, codeVerifier: String?) -> HTTPRequestSpec {
        var fields = [FormField("grant_type", "authorization_code"), FormField("code", code)]
        if let redirectURI { fields.append(FormField("redirect_uri", redirectURI)) }
        if let codeVerifier { fields.append(FormField("code_verifier", codeVerifier)) }
        return build(fields)
    }

    /// The refresh-token grant (RFC 6749 §6).
    public func refresh(refreshToken: String, scope: String? = nil) -> HTTPRequestSpec {
        var fields = [FormField("grant_type", "refresh_token"), FormField("refresh_token", refreshToken)]
        if let scope { fields.append(FormField("scope", scope)) }
        return build(fields)
    }

    /// The client-credentials grant (RFC 6749 §4.4.2): the client asks for a token for itself, with its own
    /// authentication and, optionally, a scope.
    public func clientCredentials(scope: String?) -> HTTPRequestSpec {
        var fields = [FormField("grant_type", GrantType.clientCredentials.wireValue)]
        if let scope, !scope.isEmpty { fields.append(FormField("scope", scope)) }
        return build(fields)
    }

    /// The token-exchange grant (RFC 8693 §2.1): a subject token (and an actor token) for a new token, aimed at an
    /// audience or a resource (RFC 8707).
    public func tokenExchange(_ p: TokenExchangeParameters) -> HTTPRequestSpec {
        var fields = [FormField("grant_type", GrantType.tokenExchange.wireValue)]
        fields += p.resources.map { FormField("resource", $0) }
        fields += p.audiences.map { FormField("audience", $0) }
        if let scope = p.scope, !scope.isEmpty { fields.append(FormField("scope", scope)) }
        if let r = p.requestedTokenType { fields.append(FormField("requested_token_type", r)) }
        fields += [FormField("subject_token", p.subjectToken), FormField("subject_token_type", p.subjectTokenType)]
        if let a = p.actorToken {
            fields.append(FormField("actor_token", a))
            if let t = p.actorTokenType { fields.append(FormField("actor_token_type", t)) }
        }
        return build(fields)
    }

    /// Revocation (RFC 7009 §2.1) or introspection (RFC 7662 §2.1): a `token` with a hint, client-authenticated.
    public func tokenOperation(endpoint: URL, token: String, hint: String?) -> HTTPRequestSpec {
        var fields = [FormField("token", token)]
        if let hint { fields.append(FormField("token_type_hint", hint)) }
        var spec = build(fields, includeExtras: false)
        spec.url = endpoint
        return spec
    }

    private func build(_ grantFields: [FormField], includeExtras: Bool = true) -> HTTPRequestSpec {
        var fields = grantFields
        var headers: [FormField] = []
        switch credentials.method {
        case .clientSecretBasic:
            headers.append(FormField("Authorization", HTTPBasicCredentials.headerValue(clientID: credentials.clientID, clientSecret: credentials.clientSecret?.value ?? "")))
        case .clientSecretPost:
            fields.append(FormField("client_id", credentials.clientID))
            if let s = credentials.clientSecret { fields.append(FormField("client_secret", s.value)) }
        case .none:
            fields.append(FormField("client_id", credentials.clientID))
        }
        if includeExtras {
            for extra in extraParameters {
                if let i = fields.firstIndex(where: { $0.name == extra.name }) { fields[i] = extra } else { fields.append(extra) }
            }
        }
        let body: String
        switch bodyEncoding {
        case .form:
            headers.append(FormField("Content-Type", "application/x-www-form-urlencoded"))
            body = FormURLEncoded.encode(fields)
        case .json:
            headers.append(FormField("Content-Type", "application/json"))
            body = JSONValue.object(fields.map { ($0.name, JSONValue.string($0.value)) }).serialized()
        }
        headers.append(FormField("Accept", "application/json"))
        for h in includeExtras ? extraHeaders : extraHeaders {
            if let i = headers.firstIndex(where: { $0.name.lowercased() == h.name.lowercased() }) { headers[i] = h } else { headers.append(h) }
        }
        return HTTPRequestSpec(method: "POST", url: tokenEndpoint, headers: headers, body: body)
    }
}
