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
}

/// The verdict on an authorization request.
enum AuthorizationCheck: Sendable {
    /// The client or its redirect URI cannot be trusted: show a page, never redirect (RFC 6749 §4.1.2.1).
    case refuse(title: String, message: String)
    /// A request error the client should learn of through its redirect URI (RFC 6749 §4.1.2.1).
    case redirectError(redirectURI: String, state: String?, error: ProtocolError)
    case valid(ValidAuthorizationRequest)
}

extension ProviderCore {
    /// `GET /authorize`: checks the request, then shows the consent page or, with `autoApprove`, answers at once.
    func authorize(query fields: [FormField]) -> HTTPReply {
        switch checkAuthorization(fields) {
        case .refuse(let title, let message):
            return .html(HTML.errorPage(title: title, message: message), status: 400)
        case .redirectError(let uri, let state, let error):
            return errorRedirect(uri, state: state, error)
        case .valid(let request):
            if configuration.autoApprove { return approve(request) }
            if request.prompt.contains("none") {
                return errorRedirect(request.redirectURI, state: request.state, ProtocolError(
                    .consentRequired, "prompt=none, but the user has to approve this client on the consent page (OIDC Core §3.1.2.6)"))
            }
            return .html(HTML.consentPage(
                clientID: request.client.id, user: user, scopes: request.scopes,
                parameters: fields.map { ($0.name, $0.value) }
            ))
        }
    }

    /// `POST /authorize`: the consent form. Its hidden fields are checked again from scratch, since the browser may
    /// have changed them; `decision` says what the user chose.
    func authorizeDecision(form fields: [FormField]) -> HTTPReply {
        let decisions = fields.values("decision")
        switch checkAuthorization(fields.filter { $0.name != "decision" }) {
        case .refuse(let title, let message):
            return .html(HTML.errorPage(title: title, message: message), status: 400)
        case .redirectError(let uri, let state, let error):
            return errorRedirect(uri, state: state, error)
        case .valid(let request):
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
            expiresAt: now.addingTimeInterval(configuration.codeLifetime.timeInterval)
        )
        store.withLock { store in
            store.sweep(now: now)
            store.codes[record.code] = record
        }
        var params = [("code", record.code)]
        if let state = request.state { params.append(("state", state)) }
        if let iss = callbackIssuer { params.append(("iss", iss)) }
        return .redirect(to: RedirectURIMatching.location(base: request.redirectURI, parameters: params))
    }

    /// The `iss` of authorization responses (RFC 9207 §2): the issuer, unless a fault leaves it out or names
    /// another issuer.
    var callbackIssuer: String? {
        if configuration.faults.contains(.missingIssParameter) { return nil }
        if configuration.faults.contains(.wrongIssParameter) { return MockFault.foreignIssuer }
        return issuer
    }

    /// An error response through the redirect URI, with `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207).
    func errorRedirect(_ redirectURI: String, state: String?, _ error: ProtocolError) -> HTTPReply {
        var params = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state { params.append(("state", state)) }
        if let iss = callbackIssuer { params.append(("iss", iss)) }
        return .redirect(to: RedirectURIMatching.location(base: redirectURI, parameters: params))
    }

    /// Checks an authorization request. The client and redirect URI come first: until both are verified, nothing
    /// may be sent to the redirect URI.
    func checkAuthorization(_ fields: [FormField]) -> AuthorizationCheck {
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
            guard client.redirectURIs.contains(where: { RedirectURIMatching.matches(requested: redirectURI, registered: $0) }) else {
                return .refuse(title: "redirect_uri mismatch", message: "redirect_uri \(redirectURI) is not registered for client \(clientID). Registered: \(client.redirectURIs.joined(separator: ", ")). It must match exactly, except that a loopback URI may use any port (RFC 6749 §3.1.2.3, RFC 8252 §7.3, RFC 9700 §4.1.3).")
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
            return error(.invalidRequest, "response_type is missing; use response_type=code (RFC 6749 §4.1.1)")
        }
        guard responseType == "code" else {
            return error(.unsupportedResponseType, "response_type \(responseType) is not supported; this provider only does the authorization code flow, response_type=code")
        }

        var scopes = (fields.first("scope") ?? "").split(separator: " ").map(String.init)
        if scopes.isEmpty { scopes = Self.defaultScopes }
        let unknown = scopes.filter { !Self.supportedScopes.contains($0) }
        if !unknown.isEmpty {
            return error(.invalidScope, "unknown scope \(unknown.joined(separator: " ")); supported: \(Self.supportedScopes.joined(separator: " ")) (RFC 6749 §3.3)")
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
        } else if configuration.requirePKCE {
            return error(.invalidRequest, "code_challenge is required: this provider requires PKCE with S256 (RFC 7636 §4.4.1, RFC 9700 §2.1.1)")
        }

        return .valid(ValidAuthorizationRequest(
            client: client,
            redirectURI: redirectURI,
            redirectURIParameter: redirectURIs.first,
            state: state,
            scopes: scopes,
            codeChallenge: challenge,
            codeChallengeMethod: method,
            nonce: fields.first("nonce"),
            prompt: (fields.first("prompt") ?? "").split(separator: " ").map(String.init)
        ))
    }
}
