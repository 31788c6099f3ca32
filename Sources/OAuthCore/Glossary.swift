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

    /// The explanation of an ID-token claim (`iss`, `sub`, `aud`, `exp`, `iat`, `nonce`, `at_hash`, `azp`, ...).
    public static func claim(_ name: String) -> (purpose: String, ref: String)? {
        idTokenClaims[name].map { ($0.purpose, $0.ref) }
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
    ]

    static let tokenResponse: [String: Entry] = [
        "access_token": Entry("The credential sent to APIs, usually as \"Authorization: Bearer ...\".", "RFC 6749 §5.1"),
        "token_type": Entry("How to use the access token; almost always Bearer.", "RFC 6749 §5.1, §7.1"),
        "expires_in": Entry("Seconds until the access token expires.", "RFC 6749 §5.1"),
        "refresh_token": Entry("Gets new access tokens later without the user; keep it as secret as a password.", "RFC 6749 §5.1"),
        "scope": Entry("The access actually granted, when it differs from what was asked.", "RFC 6749 §5.1"),
        "id_token": Entry("A signed JWT saying who the user is; the client must validate it.", "OIDC Core §3.1.3.3"),
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
    ]

    static let joseHeader: [String: Entry] = [
        "alg": Entry("The signature algorithm; must be one the client expects (never \"none\").", "RFC 7515 §4.1.1"),
        "kid": Entry("Which key of the provider's JWKS signed the token.", "RFC 7515 §4.1.4"),
        "typ": Entry("The media type of the token, usually JWT.", "RFC 7515 §4.1.9"),
    ]
}
