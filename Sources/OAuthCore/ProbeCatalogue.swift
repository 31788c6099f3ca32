import Foundation

/// What one probe of `oauthscope doctor` found.
public enum ProbeResult: String, Sendable, Hashable, Codable, CaseIterable {
    /// The provider follows the rule.
    case pass
    /// The provider breaks a MUST, or lets an attack through.
    case fail
    /// A SHOULD broken, or a risk.
    case warn
    /// Not checked, with why (not supported, no endpoint, no refresh token).
    case skip
}

/// One active probe of the flow doctor: its stable id (part of the command-line contract), the question it asks,
/// the rule it checks and what a failure means and how to fix it. The runner in FlowEngine drives the hops; the
/// verdicts are `ProbeVerdicts`, pure functions of what came back.
public struct ProbeKind: Sendable, Hashable {
    public let id: String
    /// The question, for the report card.
    public let asks: String
    public let ref: String
    /// What a fail or warn means, and what the provider (or the client) should do about it.
    public let meaning: String

    public init(_ id: String, asks: String, ref: String, meaning: String) {
        self.id = id
        self.asks = asks
        self.ref = ref
        self.meaning = meaning
    }
}

/// The probes, in the order the doctor runs them.
public enum ProbeCatalogue {
    public static let metadataConsistent = ProbeKind(
        "metadata-consistent", asks: "issuer equals the discovery base; endpoints https (or loopback); JWKS reachable, keys have kid",
        ref: "RFC 8414 §3.3, OIDC Discovery §4.3",
        meaning: "A client must check that the metadata's issuer is the one it asked for, or an attacker's metadata can point it at other endpoints. Endpoints on plain http leak codes and tokens; keys without kid make key rotation ambiguous. Fix the discovery document so issuer is exactly the URL it is served under, every endpoint is https, and every JWKS key has a kid.")
    public static let pkceS256Advertised = ProbeKind(
        "pkce-s256-advertised", asks: "does the metadata list S256 (and not only plain)?",
        ref: "RFC 8414 §2, RFC 7636 §4.2",
        meaning: "Clients decide whether to send PKCE from code_challenge_methods_supported. Without S256 there, careful clients may fall back to plain or none, and the code can be redeemed by whoever intercepts it. Advertise S256 in the metadata and support it.")
    public static let stateEchoed = ProbeKind(
        "state-echoed", asks: "is a long, unusual state returned byte for byte?",
        ref: "RFC 6749 §4.1.2",
        meaning: "The client compares state to the value it sent to tie the callback to its own request (CSRF protection, RFC 9700 §4.7). A provider that truncates, re-encodes or drops it breaks every client that checks. Return state exactly as received.")
    public static let issParameter = ProbeKind(
        "iss-parameter", asks: "is iss on the callback, and equal to the issuer, when advertised?",
        ref: "RFC 9207",
        meaning: "The iss parameter lets a client that talks to several providers tell which one answered, defeating mix-up attacks (RFC 9700 §4.4). A provider that advertises authorization_response_iss_parameter_supported must send it, equal to its issuer; one that does not should start.")
    public static let pkceVerifierChecked = ProbeKind(
        "pkce-verifier-checked", asks: "is a wrong code_verifier refused?",
        ref: "RFC 7636 §4.6, RFC 9700 §2.1.1",
        meaning: "PKCE only protects a stolen code if the token endpoint compares the code_verifier with the code_challenge. A provider that accepts any verifier gives the code to whoever intercepts it. The token endpoint must compute BASE64URL(SHA256(code_verifier)) and refuse the request with invalid_grant when it differs.")
    public static let codeSingleUse = ProbeKind(
        "code-single-use", asks: "is a second redemption of a code refused?",
        ref: "RFC 6749 §4.1.2, RFC 9700 §4.2.4",
        meaning: "An authorization code must be redeemable once: a leaked code (browser history, logs, Referer) must be worthless after the client used it. The token endpoint must refuse a second redemption with invalid_grant, and should revoke the tokens issued from the first one.")
    public static let tokenNoStore = ProbeKind(
        "token-no-store", asks: "do token responses carry Cache-Control: no-store?",
        ref: "RFC 6749 §5.1",
        meaning: "Token responses hold credentials; without Cache-Control: no-store a proxy or the client's HTTP cache may keep them. Send Cache-Control: no-store (and Pragma: no-cache) on every token response.")
    public static let idTokenAlgAllowed = ProbeKind(
        "id-token-alg-allowed", asks: "are only asymmetric algorithms advertised and used; never none?",
        ref: "RFC 8725 §3.1",
        meaning: "An ID token signed with none proves nothing, and one with an HMAC algorithm invites key confusion (the public key used as the HMAC secret). Advertise and use only asymmetric algorithms (RS256, ES256, PS256, EdDSA) in id_token_signing_alg_values_supported.")
    public static let refreshRotated = ProbeKind(
        "refresh-rotated", asks: "does a refresh return a new refresh token, and is the old one then refused?",
        ref: "RFC 9700 §4.14.2",
        meaning: "Refresh tokens for public clients must be sender-constrained or rotated, so a stolen one is detected when both parties use it. Return a new refresh token on each refresh and refuse the old one afterwards (revoking the grant when it is replayed).")
    public static let pkceRequired = ProbeKind(
        "pkce-required", asks: "is a token request without code_verifier, for a code issued with a challenge, refused?",
        ref: "RFC 7636 §4.4.1",
        meaning: "When the authorization request carried a code_challenge, the token request must carry the matching verifier; accepting one without it lets an attacker who strips the verifier (or never had it) redeem the code. Refuse it with invalid_grant.")
    public static let clientAuthRequired = ProbeKind(
        "client-auth-required", asks: "is a confidential client's token request without credentials refused?",
        ref: "RFC 6749 §3.2.1",
        meaning: "A confidential client must authenticate at the token endpoint, or its secret protects nothing: anyone holding a code could redeem it as the client. Refuse token requests for a confidential client that come without its credentials (invalid_client, HTTP 401).")
    public static let errorHasState = ProbeKind(
        "error-has-state", asks: "does an error redirect carry state (and iss when advertised)?",
        ref: "RFC 6749 §4.1.2.1, RFC 9207 §2",
        meaning: "An error redirect without state cannot be told from one an attacker forged, so the client can only show it as unverified. Every error response through the redirect URI must carry the state of the request (and iss when the provider advertises it).")
    public static let redirectURIExact = ProbeKind(
        "redirect-uri-exact", asks: "are variants of the registered redirect URI refused (extra path segment, added query, other host, https to http)?",
        ref: "RFC 6749 §3.1.2, RFC 9700 §4.1.3",
        meaning: "A provider that redirects to a variant of the registered URI (prefix matching, extra query, another host) lets an attacker steer codes to a page they control. Compare redirect URIs exactly (RFC 9700 §4.1.3); only a loopback URI may differ in its port (RFC 8252 §7.3). Show an error page, never redirect, for an unregistered URI.")

    /// Every probe, in run order.
    public static let all: [ProbeKind] = [
        metadataConsistent, pkceS256Advertised, stateEchoed, issParameter, pkceVerifierChecked, codeSingleUse, tokenNoStore,
        idTokenAlgAllowed, refreshRotated, pkceRequired, clientAuthRequired, errorHasState, redirectURIExact,
    ]

    public static func kind(id: String) -> ProbeKind? { all.first { $0.id == id } }
}
