/// What each parameter of an authorization-code flow is for and which section of which specification defines it,
/// plus a short "what just happened and why" for each step. Pure data: every front (the terminal UI, the plain
/// printer) explains the flow from the same words.
public enum Glossary {
    /// Where a name appears. The same name can mean different things in different places: `scope` in the
    /// authorization request asks, `scope` in the token response tells what was granted.
    public enum Context: String, Sendable, Hashable, CaseIterable {
        case authorizationRequest = "authorization request"
        case callback
        case tokenRequest = "token request"
        case tokenResponse = "token response"
        case idTokenClaim = "ID token claim"
        case joseHeader = "JOSE header"
    }

    /// One explained name.
    public struct Entry: Sendable, Hashable {
        /// What the value is for, in a sentence or two a newcomer understands.
        public let purpose: String
        /// The section that defines it, e.g. "RFC 6749 §4.1.1".
        public let ref: String

        public init(_ purpose: String, _ ref: String) {
            self.purpose = purpose
            self.ref = ref
        }
    }

    /// The four steps of the flow, keyed like `FlowStep.key` (`url`, `redirect`, `callback`, `exchange`) so that
    /// this module needs nothing from the flow engine.
    public enum Step: String, Sendable, Hashable, CaseIterable {
        case urlBuilt = "url"
        case userRedirected = "redirect"
        case codeReceived = "callback"
        case tokenExchanged = "exchange"
    }

    /// The explanation of `name`, looked up first in `context`, then in every other context in flow order.
    public static func parameter(_ name: String, in context: Context? = nil) -> (purpose: String, ref: String)? {
        let order = context.map { ctx in [ctx] + Context.allCases.filter { $0 != ctx } } ?? Context.allCases
        for c in order {
            if let e = table(c)[name] { return (e.purpose, e.ref) }
        }
        return nil
    }

    /// The explanation of `name` in `context` only, without looking in the other contexts.
    public static func parameter(_ name: String, onlyIn context: Context) -> (purpose: String, ref: String)? {
        table(context)[name].map { ($0.purpose, $0.ref) }
    }

    /// The explanation of an ID-token claim (`iss`, `sub`, `aud`, `exp`, `iat`, `nonce`, `at_hash`, `azp`, ...).
    public static func claim(_ name: String) -> (purpose: String, ref: String)? {
        idTokenClaims[name].map { ($0.purpose, $0.ref) }
    }

    /// What a standard scope grants (`openid`, `profile`, `email`, `address`, `phone`, `offline_access`), for the
    /// consent page and the token views. A provider's own scopes are its documentation's to explain.
    public static func scope(_ name: String) -> (purpose: String, ref: String)? {
        scopes[name].map { ($0.purpose, $0.ref) }
    }

    static let scopes: [String: Entry] = [
        "openid": Entry("sign you in with OpenID Connect: the application gets an ID token saying who you are", "OIDC Core §3.1.2.1"),
        "profile": Entry("your basic profile: name, nickname, picture, locale and the like", "OIDC Core §5.4"),
        "email": Entry("your e-mail address and whether it is verified", "OIDC Core §5.4"),
        "address": Entry("your postal address", "OIDC Core §5.4"),
        "phone": Entry("your phone number and whether it is verified", "OIDC Core §5.4"),
        "offline_access": Entry("keep access while you are away: a refresh token that outlives this session", "OIDC Core §11"),
    ]

    /// What an OAuth error code means and which section defines it: RFC 6749 §4.1.2.1 and §5.2, OIDC Core
    /// §3.1.2.6, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8707 §2, and the codes of providers the presets cover.
    public static func errorCode(_ code: String) -> (purpose: String, ref: String)? {
        errorCodes[code].map { ($0.purpose, $0.ref) }
    }

    /// Every error code explained, for listings and tests.
    public static var errorCodeNames: [String] { errorCodes.keys.sorted() }

    static let errorCodes: [String: Entry] = [
        "invalid_request": Entry("A parameter is missing, repeated, unsupported or malformed.", "RFC 6749 §4.1.2.1, §5.2"),
        "unauthorized_client": Entry("This client may not use this grant or response type.", "RFC 6749 §4.1.2.1, §5.2"),
        "access_denied": Entry("The user or the server refused the request.", "RFC 6749 §4.1.2.1"),
        "unsupported_response_type": Entry("The server does not issue what response_type asked for.", "RFC 6749 §4.1.2.1"),
        "invalid_scope": Entry("A requested scope is unknown, malformed or beyond what may be granted.", "RFC 6749 §4.1.2.1, §5.2"),
        "server_error": Entry("The server failed on its side (an error redirect stands in for HTTP 500).", "RFC 6749 §4.1.2.1"),
        "temporarily_unavailable": Entry("The server is overloaded or down for maintenance (stands in for HTTP 503).", "RFC 6749 §4.1.2.1"),
        "invalid_client": Entry("Client authentication failed: unknown client, wrong secret or wrong method.", "RFC 6749 §5.2"),
        "invalid_grant": Entry("The code or refresh token is invalid, expired, revoked, used already, or was issued for another client or redirect_uri.", "RFC 6749 §5.2"),
        "unsupported_grant_type": Entry("The server does not support this grant_type.", "RFC 6749 §5.2"),
        "interaction_required": Entry("The user must do something on the provider's pages, and prompt=none forbade showing them.", "OIDC Core §3.1.2.6"),
        "login_required": Entry("The user must sign in, and prompt=none forbade asking.", "OIDC Core §3.1.2.6"),
        "account_selection_required": Entry("The user must pick one of several accounts, and prompt=none forbade asking.", "OIDC Core §3.1.2.6"),
        "consent_required": Entry("The user must approve this client, and prompt=none forbade asking.", "OIDC Core §3.1.2.6"),
        "invalid_request_uri": Entry("The request_uri cannot be fetched or holds an invalid request object.", "OIDC Core §3.1.2.6, RFC 9101 §6.2"),
        "invalid_request_object": Entry("The request object (the request parameter) is invalid: bad signature, claims or encoding.", "OIDC Core §3.1.2.6, RFC 9101 §6.2"),
        "request_not_supported": Entry("The server does not take the request parameter (request objects).", "OIDC Core §3.1.2.6"),
        "request_uri_not_supported": Entry("The server does not take the request_uri parameter.", "OIDC Core §3.1.2.6"),
        "registration_not_supported": Entry("The server does not take the registration parameter.", "OIDC Core §3.1.2.6"),
        "invalid_token": Entry("The access token is expired, revoked, malformed or not for this resource.", "RFC 6750 §3.1"),
        "insufficient_scope": Entry("The access token is valid but lacks the scope this request needs.", "RFC 6750 §3.1"),
        "invalid_target": Entry("The resource asked for is unknown or not allowed for this client.", "RFC 8707 §2"),
        "unsupported_token_type": Entry("The server cannot revoke this kind of token.", "RFC 7009 §2.2.1"),
        "redirect_uri_mismatch": Entry("The redirect_uri does not match the client's registered callback (GitHub's and Google's code).",
                                       "docs.github.com: Troubleshooting authorization request errors"),
        "bad_verification_code": Entry("GitHub: the code is wrong, expired or used already (its word for invalid_grant).",
                                       "docs.github.com: Troubleshooting OAuth app access token request errors"),
        "incorrect_client_credentials": Entry("GitHub: the client_id or client_secret is wrong (its word for invalid_client).",
                                              "docs.github.com: Troubleshooting OAuth app access token request errors"),
    ]

    /// A provider's own member or parameter, from its preset's glossary: `preset` (the flow's preset) when known,
    /// else the first shipped preset that defines `name`, labelled with its provider. Nil when no preset knows it.
    public static func providerField(_ name: String, preset: String? = nil) -> (purpose: String, ref: String)? {
        let candidates = preset.flatMap(ProviderPresets.named).map { [$0] } ?? ProviderPresets.all
        for p in candidates {
            if let e = p.glossary[name] { return ("\(p.displayName): \(e.purpose)", e.ref) }
        }
        return nil
    }

    /// Every name explained in `context`, for listings and tests.
    public static func names(in context: Context) -> [String] { table(context).keys.sorted() }

    /// A short paragraph: what this step did and why the protocol does it, with the sections that say so.
    public static func stepExplanation(_ step: Step) -> String {
        switch step {
        case .urlBuilt:
            return """
                The client (this tool, playing your application) built the authorization URL: the provider's \
                authorization endpoint plus query parameters saying who the client is (client_id), what it wants \
                (response_type=code, scope) and where to send the answer (redirect_uri). It also made fresh random \
                values: state, to tie the answer to this request and stop cross-site request forgery, and with PKCE \
                a secret code_verifier whose hash (code_challenge) goes in the URL, so that only this client can \
                later redeem the code. Nothing has been sent yet. (RFC 6749 §4.1.1, RFC 7636 §4.1–4.3, \
                OIDC Core §3.1.2.1)
                """
        case .userRedirected:
            return """
                The user's browser was sent to the authorization URL. From here the client is out of the loop: \
                the user signs in at the provider and approves (or denies) the requested access. The client never \
                sees the user's password; it only waits for the browser to come back to its redirect_uri. \
                (RFC 6749 §4.1 steps A–B, RFC 8252 §4.1 for native apps and loopback redirects)
                """
        case .codeReceived:
            return """
                The provider redirected the browser back to the redirect_uri, where the local listener caught the \
                request. A success carries a short-lived, single-use authorization code and the same state that was \
                sent; an error carries error and error_description instead. The client must check that state \
                matches (otherwise an attacker could inject their own code) and, when the provider sends iss, that \
                it is the expected issuer (mix-up defence). The code alone is not a token. (RFC 6749 §4.1.2, \
                §4.1.2.1, §10.12, RFC 9207 §2.4)
                """
        case .tokenExchanged:
            return """
                The client sent the code to the provider's token endpoint in a direct back-channel POST, not \
                through the browser, together with the code_verifier that proves it made the original request and, \
                for a confidential client, its own credentials. The provider answered with an access token (used \
                to call APIs), often a refresh token (to get new access tokens later) and, for OpenID Connect, an \
                ID token: a signed JWT saying who the user is, whose signature, issuer, audience, expiry and nonce \
                the client must check. (RFC 6749 §4.1.3–4.1.4, §5.1, RFC 7636 §4.5, OIDC Core §3.1.3.7)
                """
        }
    }

    /// The explanation for a step named by its key (`url`, `redirect`, `callback`, `exchange`).
    public static func stepExplanation(key: String) -> String? { Step(rawValue: key).map(stepExplanation) }

    private static func table(_ c: Context) -> [String: Entry] {
        switch c {
        case .authorizationRequest: return authorizationRequest
        case .callback: return callback
        case .tokenRequest: return tokenRequest
        case .tokenResponse: return tokenResponse
        case .idTokenClaim: return idTokenClaims
        case .joseHeader: return joseHeader
        }
    }

    static let authorizationRequest: [String: Entry] = [
        "response_type": Entry("Which grant the client wants: \"code\" asks for an authorization code.", "RFC 6749 §3.1.1"),
        "client_id": Entry("Who the client is, as registered with the provider.", "RFC 6749 §2.2"),
        "redirect_uri": Entry("Where the provider sends the browser back; must match a registered URI exactly.", "RFC 6749 §3.1.2"),
        "scope": Entry("What access is asked for; space-separated. \"openid\" turns on OpenID Connect.", "RFC 6749 §3.3"),
        "state": Entry("A random value returned unchanged on the callback; ties it to this request (CSRF defence).", "RFC 6749 §4.1.1, §10.12"),
        "nonce": Entry("A random value the provider copies into the ID token; stops replay of an old ID token.", "OIDC Core §3.1.2.1"),
        "code_challenge": Entry("The hash of the secret code_verifier; the token request must prove it knows the verifier.", "RFC 7636 §4.3"),
        "code_challenge_method": Entry("How the challenge was made from the verifier: S256 (SHA-256) or plain.", "RFC 7636 §4.3"),
        "prompt": Entry("Whether the provider should show login or consent again (none, login, consent, select_account).", "OIDC Core §3.1.2.1"),
        "audience": Entry("Which API the access token is for (a provider extension, e.g. Auth0, Atlassian).", "provider extension"),
        "resource": Entry("The API the access token is meant for, as a URI.", "RFC 8707 §2"),
        "response_mode": Entry("How the answer is returned: query, fragment or form_post.", "OAuth 2.0 Multiple Response Types §2.1"),
        "login_hint": Entry("Who the user probably is, to pre-fill the sign-in form.", "OIDC Core §3.1.2.1"),
        "max_age": Entry("How many seconds ago the user may have last signed in; older means sign in again.", "OIDC Core §3.1.2.1"),
        "access_type": Entry("Google: \"offline\" asks for a refresh token.", "provider extension"),
        "display": Entry("How the provider should show its pages: page, popup, touch or wap.", "OIDC Core §3.1.2.1"),
        "ui_locales": Entry("The languages the user prefers for the provider's pages, best first (BCP 47 tags).", "OIDC Core §3.1.2.1"),
        "claims": Entry("A JSON object asking for particular claims in the ID token or from userinfo.", "OIDC Core §5.5"),
        "acr_values": Entry("The authentication strength asked for (e.g. a second factor), best first; the ID token's acr says what was done.", "OIDC Core §3.1.2.1"),
        "id_token_hint": Entry("An ID token from before, naming the user the client expects to be signed in.", "OIDC Core §3.1.2.1"),
        "request": Entry("The whole authorization request as a signed JWT (a request object), so it cannot be tampered with on the way.", "RFC 9101 §5, OIDC Core §6.1"),
        "request_uri": Entry("Where the provider fetches the request object from, or the handle of a pushed request (PAR).", "RFC 9101 §5, RFC 9126 §4"),
        "dpop_jkt": Entry("The thumbprint of the client's DPoP key: the code is bound to it, so only a token request with a proof of that key can redeem it.", "RFC 9449 §10"),
    ]

    static let callback: [String: Entry] = [
        "code": Entry("The authorization code: short-lived, single use, worthless without the client's credentials or PKCE verifier.", "RFC 6749 §4.1.2"),
        "state": Entry("Must equal the state sent in the authorization request, or the callback is rejected.", "RFC 6749 §4.1.2"),
        "iss": Entry("The issuer that produced this answer; checked against the expected issuer (mix-up defence).", "RFC 9207 §2"),
        "error": Entry("Why the request failed, as a code: access_denied, invalid_request, invalid_scope, ...", "RFC 6749 §4.1.2.1"),
        "error_description": Entry("The provider's human-readable words about the error.", "RFC 6749 §4.1.2.1"),
        "error_uri": Entry("A page explaining the error.", "RFC 6749 §4.1.2.1"),
        "session_state": Entry("Session identifier for OpenID Connect session management.", "OIDC Session Management §3"),
    ]

    static let tokenRequest: [String: Entry] = [
        "grant_type": Entry("What is being redeemed: \"authorization_code\" (or \"refresh_token\" to renew).", "RFC 6749 §4.1.3"),
        "code": Entry("The authorization code from the callback, redeemed once.", "RFC 6749 §4.1.3"),
        "redirect_uri": Entry("Must be identical to the redirect_uri of the authorization request.", "RFC 6749 §4.1.3"),
        "client_id": Entry("The client, when it does not authenticate with HTTP Basic.", "RFC 6749 §4.1.3"),
        "code_verifier": Entry("The secret whose hash was the code_challenge; proves this client started the flow.", "RFC 7636 §4.5"),
        "client_secret": Entry("The client's password, for confidential clients (better sent with HTTP Basic).", "RFC 6749 §2.3.1"),
        "client_assertion": Entry("A signed JWT authenticating the client instead of a secret.", "RFC 7523 §2.2"),
        "client_assertion_type": Entry("Says what kind of assertion client_assertion is.", "RFC 7523 §2.2"),
        "refresh_token": Entry("The refresh token being redeemed for a new access token.", "RFC 6749 §6"),
        "token": Entry("The token to revoke or to introspect.", "RFC 7009 §2.1, RFC 7662 §2.1"),
        "token_type_hint": Entry("Which kind of token `token` is (access_token or refresh_token), to speed up the server's lookup.", "RFC 7009 §2.1, RFC 7662 §2.1"),
        "scope": Entry("On a refresh: the access wanted, no more than originally granted.", "RFC 6749 §6"),
        "resource": Entry("The API the new access token is meant for, as a URI.", "RFC 8707 §2.2"),
        "subject_token": Entry("The token being exchanged: it stands for the party the new token will represent.", "RFC 8693 §2.1"),
        "subject_token_type": Entry("What kind of token subject_token is, as a URI such as urn:ietf:params:oauth:token-type:access_token.", "RFC 8693 §2.1, §3"),
        "actor_token": Entry("A token for the party acting on the subject's behalf (delegation); without it the new token stands for the subject alone.", "RFC 8693 §2.1, §1.1"),
        "actor_token_type": Entry("What kind of token actor_token is; REQUIRED with actor_token.", "RFC 8693 §2.1"),
        "requested_token_type": Entry("The kind of token wanted back; the server may issue another and says so in issued_token_type.", "RFC 8693 §2.1"),
        "audience": Entry("The logical name of the service the new token is for (repeatable).", "RFC 8693 §2.1"),
    ]

    static let tokenResponse: [String: Entry] = [
        "access_token": Entry("The credential sent to APIs, usually as \"Authorization: Bearer ...\".", "RFC 6749 §5.1"),
        "token_type": Entry("How to use the access token; almost always Bearer.", "RFC 6749 §5.1, §7.1"),
        "expires_in": Entry("Seconds until the access token expires.", "RFC 6749 §5.1"),
        "refresh_token": Entry("Gets new access tokens later without the user; keep it as secret as a password.", "RFC 6749 §5.1"),
        "scope": Entry("The access actually granted, when it differs from what was asked.", "RFC 6749 §5.1"),
        "id_token": Entry("A signed JWT saying who the user is; the client must validate it.", "OIDC Core §3.1.3.3"),
        "issued_token_type": Entry("What the token in access_token really is (token exchange); REQUIRED there.", "RFC 8693 §2.2.1"),
        "error": Entry("Why the token request failed: invalid_grant, invalid_client, ...", "RFC 6749 §5.2"),
        "error_description": Entry("The provider's human-readable words about the error.", "RFC 6749 §5.2"),
    ]

    static let idTokenClaims: [String: Entry] = [
        "iss": Entry("Who issued the token; must be exactly the expected issuer.", "OIDC Core §2"),
        "sub": Entry("The user's stable identifier at this issuer.", "OIDC Core §2"),
        "aud": Entry("Who the token is for; must contain this client's client_id.", "OIDC Core §2"),
        "exp": Entry("When the token expires (seconds since 1970); must be in the future.", "OIDC Core §2"),
        "iat": Entry("When the token was issued (seconds since 1970).", "OIDC Core §2"),
        "nonce": Entry("Must equal the nonce sent in the authorization request.", "OIDC Core §2, §3.1.3.7"),
        "at_hash": Entry("Half of the access token's hash; binds the access token to this ID token.", "OIDC Core §3.1.3.6"),
        "azp": Entry("The party the token was issued to, when there are several audiences.", "OIDC Core §2"),
        "auth_time": Entry("When the user actually signed in.", "OIDC Core §2"),
        "acr": Entry("How strongly the user was authenticated.", "OIDC Core §2"),
        "amr": Entry("Which authentication methods were used (pwd, otp, ...).", "OIDC Core §2"),
        "c_hash": Entry("Half of the code's hash, in hybrid flows.", "OIDC Core §3.3.2.11"),
        "email": Entry("The user's e-mail address.", "OIDC Core §5.1"),
        "name": Entry("The user's full name.", "OIDC Core §5.1"),
        "nbf": Entry("Not before: the token must not be accepted earlier than this time (seconds since 1970).", "RFC 7519 §4.1.5"),
        "sid": Entry("The session at the provider this token belongs to; logout messages name it.", "OIDC Front-Channel Logout §3, Back-Channel Logout §2.4"),
        "jti": Entry("A unique identifier of this token, to detect replays.", "RFC 7519 §4.1.7"),
    ]

    static let joseHeader: [String: Entry] = [
        "alg": Entry("The signature algorithm; must be one the client expects (never \"none\").", "RFC 7515 §4.1.1"),
        "kid": Entry("Which key of the provider's JWKS signed the token.", "RFC 7515 §4.1.4"),
        "typ": Entry("The media type of the token, usually JWT.", "RFC 7515 §4.1.9"),
    ]
}
