import Foundation
import OAuthCore

/// An authorization request that passed every check of RFC 6749 §4.1.1 and RFC 7636 §4.3.
struct ValidAuthorizationRequest: Sendable {
    var client: MockClient
    /// Where the response goes: the `redirect_uri` sent, or the only registered one when none was sent.
    var redirectURI: String
    /// The `redirect_uri` parameter exactly as sent, which the token request must repeat (RFC 6749 §4.1.3).
    var redirectURIParameter: String?
    var state: String?
    var scopes: [String]
    var codeChallenge: String?
    var codeChallengeMethod: PKCEMethod?
    var nonce: String?
    var prompt: [String]
    /// The `iss` of the ID tokens this grant will get.
    var issuer: String
    /// Whether the grant gets a refresh token, by the personality's rule.
    var refreshable: Bool
    /// The `dpop_jkt` sent (RFC 9449 §10): the thumbprint of the only key whose proof may redeem the code.
    var dpopJkt: String? = nil
}

/// The verdict on an authorization request.
enum AuthorizationCheck: Sendable {
    /// The client or its redirect URI cannot be trusted: show a page, never redirect (RFC 6749 §4.1.2.1).
    case refuse(title: String, message: String)
    /// A request error the client should learn of through its redirect URI (RFC 6749 §4.1.2.1).
    case redirectError(redirectURI: String, state: String?, error: ProtocolError)
    /// GitHub's answer to a `redirect_uri` outside the callback URL: back to the registered callback URL with
    /// `error=redirect_uri_mismatch`.
    case redirectMismatch(registered: String, state: String?, message: String)
    case valid(ValidAuthorizationRequest)
}

/// Where an authorization request arrived: the path the consent form posts back to, and Microsoft's tenant.
struct AuthorizationContext: Sendable {
    var path: String = "/authorize"
    var tenant: String?
}

extension ProviderCore {
    /// `GET` on the authorization endpoint: checks the request, then shows the consent page or, with `autoApprove`,
    /// answers at once.
    func authorize(query fields: [FormField], context: AuthorizationContext = AuthorizationContext()) -> HTTPReply {
        // A pushed request is spent when the user decides (at once when the provider skips consent).
        let resolved: [FormField]
        switch resolvePushed(fields, consume: configuration.autoApprove) {
        case .refused(let page): return page
        case .fields(let f): resolved = f
        }
        switch checkAuthorization(resolved, context: context) {
        case .refuse(let title, let message):
            return .html(HTML.errorPage(title: title, message: message), status: 400)
        case .redirectError(let uri, let state, let error):
            return errorRedirect(uri, state: state, error)
        case .redirectMismatch(let registered, let state, let message):
            return gitHubRedirectMismatch(registered, state: state, message: message)
        case .valid(let request):
            if configuration.requirePushedAuthorizationRequests, fields.first("request_uri") == nil {
                return errorRedirect(request.redirectURI, state: request.state, pushedRequestRequiredError)
            }
            // A user without a session cannot be approved silently, not even by a provider that skips consent.
            if request.prompt.contains("none"), configuration.faults.contains(.signedOut) {
                return errorRedirect(request.redirectURI, state: request.state, ProtocolError(
                    .loginRequired, "prompt=none, but the user is not signed in here, and signing in needs a page (OIDC Core §3.1.2.6)"))
            }
            if configuration.autoApprove { return approve(request) }
            if request.prompt.contains("none") {
                return errorRedirect(request.redirectURI, state: request.state, ProtocolError(
                    .consentRequired, "prompt=none, but the user has to approve this client on the consent page (OIDC Core §3.1.2.6)"))
            }
            // The form's answer is a redirect to the client, which the page's form-action must allow.
            return .html(HTML.consentPage(
                clientID: request.client.id, user: user, scopes: request.scopes,
                parameters: fields.map { ($0.name, $0.value) }, action: context.path,
                server: personality == .oidc
                    ? "Authorization server: the embedded provider at \(request.issuer)"
                    : "Authorization server: the embedded imitation of \(personality.displayName) at \(request.issuer)", redirectURI: request.redirectURI
            ), formActionTargets: [request.redirectURI] + request.client.redirectURIs)
        }
    }

    /// `POST` on the authorization endpoint: the consent form. Its hidden fields are checked again from scratch,
    /// since the browser may have changed them; `decision` says what the user chose.
    func authorizeDecision(form fields: [FormField], context: AuthorizationContext = AuthorizationContext()) -> HTTPReply {
        let decisions = fields.values("decision")
        let resolved: [FormField]
        switch resolvePushed(fields.filter { $0.name != "decision" }, consume: true) {
        case .refused(let page): return page
        case .fields(let f): resolved = f
        }
        switch checkAuthorization(resolved, context: context) {
        case .refuse(let title, let message):
            return .html(HTML.errorPage(title: title, message: message), status: 400)
        case .redirectError(let uri, let state, let error):
            return errorRedirect(uri, state: state, error)
        case .redirectMismatch(let registered, let state, let message):
            return gitHubRedirectMismatch(registered, state: state, message: message)
        case .valid(let request):
            if configuration.requirePushedAuthorizationRequests, fields.first("request_uri") == nil {
                return errorRedirect(request.redirectURI, state: request.state, pushedRequestRequiredError)
            }
            switch decisions {
            case ["approve"]:
                return approve(request)
            case ["deny"]:
                return errorRedirect(request.redirectURI, state: request.state, ProtocolError(
                    .accessDenied, "the user denied the request on the consent page (RFC 6749 §4.1.2.1)"))
            default:
                return errorRedirect(request.redirectURI, state: request.state, ProtocolError(
                    .invalidRequest, "the consent form must carry exactly one decision, approve or deny"))
            }
        }
    }

    /// The user approved: a fresh single-use code bound to everything the token request must match.
    func approve(_ request: ValidAuthorizationRequest) -> HTTPReply {
        let now = self.now()
        let record = AuthorizationCodeRecord(
            code: SecureRandom.token(bytes: 32),
            grantID: SecureRandom.token(bytes: 16),
            clientID: request.client.id,
            redirectURIParameter: request.redirectURIParameter,
            codeChallenge: request.codeChallenge,
            codeChallengeMethod: request.codeChallengeMethod,
            nonce: request.nonce,
            scopes: request.scopes,
            user: user,
            authTime: now,
            expiresAt: now.addingTimeInterval(rules.codeLifetime),
            issuer: request.issuer,
            refreshable: request.refreshable,
            dpopJkt: request.dpopJkt
        )
        store.withLock { store in
            store.sweep(now: now)
            store.codes[record.code] = record
        }
        var params = [("code", record.code)]
        if let state = request.state { params.append(("state", state)) }
        switch personality {
        case .google:
            // Google echoes the granted scope, the account index and the prompt shown.
            params += [("scope", GoogleScopes.display(request.scopes)), ("authuser", "0"), ("prompt", "consent")]
        case .microsoft:
            params.append(("session_state", UUID().uuidString.lowercased()))
        default:
            break
        }
        if let iss = callbackIssuer { params.append(("iss", iss)) }
        return .redirect(to: RedirectURIMatching.location(base: request.redirectURI, parameters: params))
    }

    /// The `iss` of authorization responses (RFC 9207 §2), for personalities that send it: the issuer, unless a
    /// fault leaves it out or names another issuer. `wrongIssParameter` adds a foreign `iss` everywhere.
    var callbackIssuer: String? {
        if configuration.faults.contains(.wrongIssParameter) { return MockFault.foreignIssuer }
        if configuration.faults.contains(.missingIssParameter) || !rules.sendsIssParameter { return nil }
        return issuer
    }

    /// An error response through the redirect URI, with `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207).
    func errorRedirect(_ redirectURI: String, state: String?, _ error: ProtocolError) -> HTTPReply {
        var params = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state, !configuration.faults.contains(.noStateOnError) { params.append(("state", state)) }
        if let iss = callbackIssuer { params.append(("iss", iss)) }
        return .redirect(to: RedirectURIMatching.location(base: redirectURI, parameters: params))
    }

    /// GitHub sends a mismatched `redirect_uri` back to the registered callback URL with `redirect_uri_mismatch`.
    func gitHubRedirectMismatch(_ registered: String, state: String?, message: String) -> HTTPReply {
        var params = [
            ("error", "redirect_uri_mismatch"),
            ("error_description", message),
            ("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch"),
        ]
        if let state { params.append(("state", state)) }
        return .redirect(to: RedirectURIMatching.location(base: registered, parameters: params))
    }

    /// Checks an authorization request. The client and redirect URI come first: until both are verified, nothing
    /// may be sent to the redirect URI.
    func checkAuthorization(_ fields: [FormField], context: AuthorizationContext = AuthorizationContext()) -> AuthorizationCheck {
        let clientIDs = fields.values("client_id")
        guard let clientID = clientIDs.first, !clientID.isEmpty else {
            return .refuse(title: "Missing client_id", message: "The authorization request has no client_id, so the server cannot tell which application is asking (RFC 6749 §4.1.1).")
        }
        guard clientIDs.count == 1 else {
            return .refuse(title: "Repeated client_id", message: "client_id appears \(clientIDs.count) times; each parameter may appear only once (RFC 6749 §3.1).")
        }
        guard let client = clients[clientID] else {
            return .refuse(title: "Unknown client", message: "No client is registered with client_id \(clientID).")
        }

        let redirectURIs = fields.values("redirect_uri")
        let redirectURI: String
        switch redirectURIs.count {
        case 0:
            // RFC 6749 §3.1.2.3: optional when exactly one URI is registered.
            guard client.redirectURIs.count == 1, let only = client.redirectURIs.first else {
                return .refuse(title: "Missing redirect_uri", message: "Client \(clientID) has \(client.redirectURIs.count) registered redirect URIs, so the request must name one in redirect_uri (RFC 6749 §3.1.2.3).")
            }
            redirectURI = only
        case 1:
            redirectURI = redirectURIs[0]
            if let problem = RedirectURIMatching.problem(with: redirectURI) {
                return .refuse(title: "Invalid redirect_uri", message: "\(problem): \(redirectURI)")
            }
            let lenient = configuration.faults.contains(.redirectURILenient)
            guard client.redirectURIs.contains(where: { rules.redirectRule.accepts(redirectURI, registered: $0) || (lenient && redirectURI.hasPrefix($0)) }) else {
                let message = RedirectURIMatching.mismatchExplanation(
                    requested: redirectURI, registered: client.redirectURIs, clientID: clientID, rule: rules.redirectRule, provider: personality.displayName)
                if personality == .github, let registered = client.redirectURIs.first {
                    return .redirectMismatch(registered: registered, state: fields.first("state"), message: message)
                }
                return .refuse(title: "redirect_uri mismatch", message: message)
            }
        default:
            return .refuse(title: "Repeated redirect_uri", message: "redirect_uri appears \(redirectURIs.count) times; each parameter may appear only once (RFC 6749 §3.1).")
        }

        // From here on the redirect URI is trusted, so errors go back to the client.
        let state = fields.first("state")
        func error(_ code: OAuthErrorCode, _ description: String) -> AuthorizationCheck {
            .redirectError(redirectURI: redirectURI, state: state, error: ProtocolError(code, description))
        }
        if let repeated = fields.firstRepeatedName {
            return error(.invalidRequest, "parameter \(repeated) is repeated; each may appear only once (RFC 6749 §3.1)")
        }

        guard let responseType = fields.first("response_type") else {
            if personality == .github {
                // GitHub's web flow has only one response type and does not ask for it.
                return checkScopesAndPKCE(fields, client: client, redirectURIs: redirectURIs, redirectURI: redirectURI, context: context, error: error)
            }
            return error(.invalidRequest, "response_type is missing; use response_type=code (RFC 6749 §4.1.1)")
        }
        guard responseType == "code" else {
            return error(.unsupportedResponseType, "response_type \(responseType) is not supported; this provider only does the authorization code flow, response_type=code")
        }
        return checkScopesAndPKCE(fields, client: client, redirectURIs: redirectURIs, redirectURI: redirectURI, context: context, error: error)
    }

    private func checkScopesAndPKCE(
        _ fields: [FormField], client: MockClient, redirectURIs: [String], redirectURI: String, context: AuthorizationContext,
        error: (OAuthErrorCode, String) -> AuthorizationCheck
    ) -> AuthorizationCheck {
        for required in rules.requiredAuthorizationParameters {
            switch fields.first(required.name) {
            case nil:
                return error(.invalidRequest, "\(required.name) is missing: \(personality.displayName) requires \(required.name)=\(required.value) on the authorization request")
            case let value? where value != required.value:
                return error(.invalidRequest, "\(required.name) is \(value), but \(personality.displayName) requires \(required.name)=\(required.value)")
            default:
                continue
            }
        }

        let separators = rules.scopeSeparators
        var scopes = (fields.first("scope") ?? "").split(whereSeparator: { separators.contains($0) }).map(String.init)
        if scopes.isEmpty { scopes = rules.defaultScopes }
        let unknown: [String]
        switch rules.scopePolicy {
        case .known(let supported):
            unknown = scopes.filter { !supported.contains($0) }
            if !unknown.isEmpty {
                return error(.invalidScope, "unknown scope \(unknown.joined(separator: " ")); supported: \(supported.joined(separator: " ")) (RFC 6749 §3.3)")
            }
        case .google:
            unknown = scopes.filter { !GoogleScopes.isKnown($0) }
            if !unknown.isEmpty {
                return error(.invalidScope, "Some requested scopes were invalid: \(unknown.joined(separator: " ")). Google takes openid, email, profile and https://www.googleapis.com/auth/... scopes")
            }
        case .any:
            break
        }
        var seen = Set<String>()
        scopes = scopes.filter { seen.insert($0).inserted }

        let challenge = fields.first("code_challenge")
        let methodText = fields.first("code_challenge_method")
        var method: PKCEMethod?
        if let challenge {
            // RFC 7636 §4.3: an absent method means plain, which this provider does not allow (RFC 9700 §2.1.1).
            let requested = methodText ?? PKCEMethod.plain.rawValue
            guard requested == PKCEMethod.s256.rawValue else {
                let why = methodText == nil ? "code_challenge_method is missing, which means plain (RFC 7636 §4.3)" : "code_challenge_method \(requested) is not supported"
                return error(.invalidRequest, "\(why); this provider only accepts S256 (RFC 9700 §2.1.1)")
            }
            method = .s256
            if (try? PKCE.validateVerifier(challenge)) == nil || challenge.utf8.count != 43 {
                return error(.invalidRequest, "code_challenge must be the 43-character base64url SHA-256 of the verifier (RFC 7636 §4.2)")
            }
        } else if methodText != nil {
            return error(.invalidRequest, "code_challenge_method was sent without code_challenge (RFC 7636 §4.3)")
        } else if rules.requirePKCE {
            return error(.invalidRequest, "code_challenge is required: this provider requires PKCE with S256 (RFC 7636 §4.4.1, RFC 9700 §2.1.1)")
        }

        let refreshable: Bool
        switch rules.refresh {
        case .always: refreshable = true
        case .never: refreshable = false
        case .withScope(let scope): refreshable = scopes.contains(scope)
        case .withParameter(let name, let value): refreshable = fields.first(name) == value
        }

        // RFC 9449 §10: the generic provider binds the code to the key named; the imitated ones do not speak DPoP.
        let dpopJkt = personality == .oidc ? fields.first("dpop_jkt") : nil
        if let dpopJkt, dpopJkt.utf8.count != 43 || Base64URL.decode(dpopJkt)?.count != 32 {
            return error(.invalidRequest, "dpop_jkt must be the 43-character base64url SHA-256 JWK thumbprint of the client's DPoP key (RFC 9449 §10, RFC 7638)")
        }

        return .valid(ValidAuthorizationRequest(
            client: client,
            redirectURI: redirectURI,
            redirectURIParameter: redirectURIs.first,
            state: fields.first("state"),
            scopes: scopes,
            codeChallenge: challenge,
            codeChallengeMethod: method,
            nonce: fields.first("nonce"),
            prompt: (fields.first("prompt") ?? "").split(separator: " ").map(String.init),
            issuer: issuer(tenant: context.tenant),
            refreshable: refreshable,
            dpopJkt: dpopJkt
        ))
    }
}

/// Google's scope names: the short OpenID ones and the URL-shaped API ones.
enum GoogleScopes {
    static func isKnown(_ scope: String) -> Bool {
        ["openid", "email", "profile"].contains(scope) || scope.hasPrefix("https://www.googleapis.com/auth/")
    }

    /// The `scope` Google reports back: `email` and `profile` in their URL form.
    static func display(_ scopes: [String]) -> String {
        scopes.map { scope in
            switch scope {
            case "email": return "https://www.googleapis.com/auth/userinfo.email"
            case "profile": return "https://www.googleapis.com/auth/userinfo.profile"
            default: return scope
            }
        }.joined(separator: " ")
    }
}
