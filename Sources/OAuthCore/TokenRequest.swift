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
    /// The private key of `private_key_jwt`.
    public var signingKey: ClientSigningKey?

    public init(clientID: String, clientSecret: Secret?, method: ClientAuthMethod, signingKey: ClientSigningKey? = nil) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.method = method
        self.signingKey = signingKey
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
    /// The clock a client assertion's `iat` and `exp` read.
    public var now: @Sendable () -> Date = Date.init

    public init(tokenEndpoint: URL, credentials: ClientCredentials, bodyEncoding: TokenBodyEncoding = .form, extraParameters: [FormField] = [], extraHeaders: [FormField] = []) {
        self.tokenEndpoint = tokenEndpoint
        self.credentials = credentials
        self.bodyEncoding = bodyEncoding
        self.extraParameters = extraParameters
        self.extraHeaders = extraHeaders
    }

    /// A pushed authorization request (RFC 9126 §2.1): every authorization parameter in a form body, with the
    /// client's authentication, to the PAR endpoint. `--token-param` and `--token-header` are not added.
    public func pushedAuthorization(endpoint: URL, parameters: [FormField]) -> HTTPRequestSpec {
        var fields = parameters
        // client_id travels among the parameters; the authentication adds it again only where it would be missing.
        fields.removeAll { $0.name == "client_id" && credentials.method != .clientSecretBasic && credentials.method != .none }
        var spec = build(fields, includeExtras: false, encoding: .form)
        spec.url = endpoint
        return spec
    }

    /// The client assertion a request carries in its body (form or JSON), decoded; nil when it has none.
    public static func clientAssertion(in spec: HTTPRequestSpec) -> DecodedJWT? {
        let value: String?
        if spec.body.hasPrefix("{") {
            value = JSONValue.parse(spec.body)?["client_assertion"]?.stringValue
        } else {
            value = FormURLEncoded.decode(spec.body).fields.first { $0.name == "client_assertion" }?.value
        }
        return value.flatMap { try? DecodedJWT($0) }
    }

    /// `spec` with its client assertion signed again now, for the same audience: a request held at step mode's pause
    /// (an assertion lives a minute) or sent once more (its jti may be used once) must carry a fresh one (RFC 7523
    /// §3). Made by `ClientAssertion.make`, as `build` makes every assertion; a request without one is unchanged.
    public static func resigningAssertion(in spec: HTTPRequestSpec, credentials: ClientCredentials, now: Date) -> HTTPRequestSpec {
        guard credentials.method.usesAssertion, let old = clientAssertion(in: spec), let audience = old.claims["aud"]?.stringValue,
              let fresh = try? ClientAssertion.make(method: credentials.method, clientID: credentials.clientID, audience: audience,
                                                    secret: credentials.clientSecret, key: credentials.signingKey, now: now)
        else { return spec }
        return (try? RequestEdit.set(name: "client_assertion", value: fresh.jwt).apply(to: spec)) ?? spec
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

    /// A request to the token endpoint with these grant fields and the client's authentication (the device grant's
    /// requests, DeviceAuthorization.swift).
    func grantRequest(_ fields: [FormField], includeExtras: Bool) -> HTTPRequestSpec {
        build(fields, includeExtras: includeExtras)
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

    /// The fields as one JSON object: a name given once is a string member, a name given several times (`audience`
    /// and `resource` may repeat, RFC 8693 §2.1, RFC 8707 §2) one array member of its values in order, at the
    /// place of its first value. Never the same member twice: RFC 8259 §4 leaves a repeated name's meaning to each
    /// parser, most keep only the last.
    static func jsonBody(_ fields: [FormField]) -> JSONValue {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for f in fields {
            if values[f.name] == nil { order.append(f.name) }
            values[f.name, default: []].append(f.value)
        }
        return .object(order.map { name in
            let v = values[name] ?? []
            return (name, v.count == 1 ? .string(v[0]) : .array(v.map(JSONValue.string)))
        })
    }

    private func build(_ grantFields: [FormField], includeExtras: Bool = true, encoding: TokenBodyEncoding? = nil) -> HTTPRequestSpec {
        var fields = grantFields
        var headers: [FormField] = []
        switch credentials.method {
        case .clientSecretBasic:
            headers.append(FormField("Authorization", HTTPBasicCredentials.headerValue(clientID: credentials.clientID, clientSecret: credentials.clientSecret?.value ?? "")))
        case .clientSecretPost:
            fields.append(FormField("client_id", credentials.clientID))
            if let s = credentials.clientSecret { fields.append(FormField("client_secret", s.value)) }
        case .none:
            if !fields.contains(where: { $0.name == "client_id" }) { fields.append(FormField("client_id", credentials.clientID)) }
        case .clientSecretJWT, .privateKeyJWT:
            // A fresh assertion for every request: its jti may be used once (RFC 7523 §3). Signing fails only
            // without a secret or key, which the settings refuse up front; the server then explains the empty one.
            let assertion = try? ClientAssertion.make(method: credentials.method, clientID: credentials.clientID, audience: tokenEndpoint.absoluteString,
                                                      secret: credentials.clientSecret, key: credentials.signingKey, now: now())
            fields.append(FormField("client_id", credentials.clientID))
            fields.append(FormField("client_assertion_type", ClientAssertion.assertionType))
            fields.append(FormField("client_assertion", assertion?.jwt ?? ""))
        }
        if includeExtras {
            for extra in extraParameters {
                if let i = fields.firstIndex(where: { $0.name == extra.name }) { fields[i] = extra } else { fields.append(extra) }
            }
        }
        let body: String
        switch encoding ?? bodyEncoding {
        case .form:
            headers.append(FormField("Content-Type", "application/x-www-form-urlencoded"))
            body = FormURLEncoded.encode(fields)
        case .json:
            headers.append(FormField("Content-Type", "application/json"))
            body = Self.jsonBody(fields).serialized()
        }
        headers.append(FormField("Accept", "application/json"))
        for h in includeExtras ? extraHeaders : extraHeaders {
            if let i = headers.firstIndex(where: { $0.name.lowercased() == h.name.lowercased() }) { headers[i] = h } else { headers.append(h) }
        }
        return HTTPRequestSpec(method: "POST", url: tokenEndpoint, headers: headers, body: body)
    }
}
