import Foundation
import OAuthCore

// The grants without a redirect, as data: two steps each, the request and the answer. Their ids are shared
// (`request`, `exchange`), so failures, pauses and findings name them the same way in every grant; the labels and
// explanations are each grant's own.

extension FlowStep {
    /// The first step of a grant that goes straight to the token endpoint: finding the endpoint and building the
    /// request, up to the moment it leaves (step mode pauses here).
    static func directRequest(label: String, explanation: String) -> FlowStep {
        FlowStep(id: "request", label: label, begins: [.flowStarted], completes: [.tokenRequest],
                 events: [.flowStarted, .listenerStarted, .discoveryCompleted], purposes: [.discovery, .token],
                 carriesSecrets: true, explanation: explanation)
    }

    /// The second: the token endpoint's answer, read and checked.
    static func directAnswer(label: String, explanation: String) -> FlowStep {
        FlowStep(id: "exchange", label: label, begins: [.tokenRequest], completes: [.tokenExchanged],
                 events: [.tokenResponse, .flowCompleted, .actionCompleted], carriesSecrets: true, explanation: explanation)
    }
}

extension GrantDescription {
    /// Client credentials (RFC 6749 §4.4): the client asks for a token for itself; no user, no redirect.
    public static let clientCredentials = GrantDescription(id: GrantType.clientCredentials.rawValue, steps: [
        .directRequest(label: "Token requested", explanation: """
            The client asks the token endpoint for a token on its own behalf: grant_type=client_credentials, the scope \
            it wants, and its own authentication (HTTP Basic or client_secret in the body, RFC 6749 §2.3.1). No user \
            and no browser take part, so there is no redirect, no code and no PKCE. Only a confidential client may use \
            this grant, because the client's credentials are the only proof of who asks (RFC 6749 §4.4.2).
            """),
        .directAnswer(label: "Token issued", explanation: """
            The server authenticated the client and answered with an access token for the client itself (RFC 6749 \
            §4.4.3, §5.1). A refresh token SHOULD NOT be included: the client can simply ask again with its \
            credentials. An ID token makes no sense here, since no user signed in. Errors are those of RFC 6749 §5.2: \
            invalid_client when authentication fails, unauthorized_client when this client may not use the grant \
            (a public client never may), invalid_scope for a scope it may not have.
            """),
    ])

    /// Refresh (RFC 6749 §6): a refresh token for a new access token, maybe a narrower scope.
    public static let refreshToken = GrantDescription(id: GrantType.refreshToken.rawValue, steps: [
        .directRequest(label: "Refresh requested", explanation: """
            The client presents a refresh token it was issued earlier (grant_type=refresh_token, RFC 6749 §6) with its \
            own authentication, and may ask for a narrower scope: never a wider one, which is invalid_scope. No user \
            takes part. The refresh token is a long-lived secret, so it comes from an environment variable or a file, \
            never the command line.
            """),
        .directAnswer(label: "Token refreshed", explanation: """
            A new access token. The server may rotate the refresh token: a new one in the answer, and the one \
            presented then stops working (RFC 9700 §4.14.2, required for public clients unless the token is \
            sender-constrained). Without a new one, the old one stays valid (RFC 6749 §6). A refreshed ID token gets \
            every check of the first one (OIDC Core §12.2). invalid_grant means the refresh token is unknown, expired, \
            revoked or already used.
            """),
    ])

    /// Token exchange (RFC 8693): a subject token (and an actor token) for a new token for an audience or resource.
    public static let tokenExchange = GrantDescription(id: GrantType.tokenExchange.rawValue, steps: [
        .directRequest(label: "Exchange requested", explanation: """
            The client presents a token it holds, the subject_token with its subject_token_type (RFC 8693 §2.1, types \
            in §3), and asks for a new token: for an audience (a logical name of the service) or a resource (an \
            absolute URI, RFC 8707), of a requested_token_type, with a scope. An actor_token names who acts on the \
            subject's behalf (delegation, §1.1); without it, the new token stands for the subject alone \
            (impersonation).
            """),
        .directAnswer(label: "Token issued", explanation: """
            The server validated the subject token and issued a new one (RFC 8693 §2.2.1). issued_token_type is \
            REQUIRED: it says what the token in access_token really is. token_type is N_A when that token is not an \
            access token (an ID token, a SAML assertion). Errors (§2.2.2): invalid_request for a missing or malformed \
            parameter, invalid_target when the audience or resource is unknown or not allowed, invalid_grant for a \
            subject token that is not valid.
            """),
    ])
}
