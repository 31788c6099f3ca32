import Foundation

/// A defect the embedded provider injects on purpose, so that each check a client makes (ID-token signature and
/// claims, the RFC 9207 `iss` parameter, the shape of the token response) can be shown to fail exactly when it
/// should.
///
/// The raw value is the fault's kebab-case name, the one the command line takes: `MockFault(rawValue:
/// "bad-signature")`. `MockFault(name:)` also accepts the Swift case name (`badSignature`) and underscores.
public enum MockFault: String, Sendable, Hashable, CaseIterable {
    /// The ID token's signature bytes are altered after signing.
    case badSignature = "bad-signature"
    /// The ID token's `aud` is another client, `MockFault.foreignClientID`.
    case wrongAudience = "wrong-audience"
    /// The ID token's `aud` holds the client and another one, and `azp` names the other one.
    case wrongAuthorizedParty = "wrong-azp"
    /// The ID token expired an hour ago (`exp` = now − 3600) and was issued an hour before that.
    case expiredIDToken = "expired-id-token"
    /// The ID token was issued an hour in the future (`iat` = now + 3600), beyond any reasonable clock skew.
    case issuedInFuture = "issued-in-future"
    /// The ID token has no `nonce` claim although the authorization request sent one.
    case missingNonce = "missing-nonce"
    /// The ID token's `nonce` is a fresh random value, not the one sent.
    case wrongNonce = "wrong-nonce"
    /// The ID token is unsigned: header `{"alg":"none","typ":"JWT"}` and an empty signature (RFC 8725 §2.1).
    case algNone = "alg-none"
    /// The ID token is HS256, "signed" with the PEM of the provider's public key as the HMAC secret (RFC 8725 §2.1).
    case hmacKeyConfusion = "hmac-key-confusion"
    /// The provider has rotated its key: ID tokens are signed with a new key whose `kid` the first `/jwks` response
    /// does not list; every later `/jwks` response lists both keys, so a client that refetches the JWKS once on an
    /// unknown `kid` succeeds.
    case rotatedKey = "rotated-key"
    /// ID tokens are signed with a key that `/jwks` never publishes, so refetching does not help.
    case unknownKid = "unknown-kid"
    /// The ID token's `at_hash` is the hash of another access token.
    case wrongAtHash = "wrong-at-hash"
    /// The ID token's `iss` is another issuer, `MockFault.foreignIssuer`.
    case wrongIssuerInToken = "wrong-issuer-in-token"
    /// The authorization response has no `iss` parameter, although the metadata advertises
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §2.4).
    case missingIssParameter = "missing-iss-parameter"
    /// The authorization response's `iss` parameter is another issuer, `MockFault.foreignIssuer`: a mix-up
    /// (RFC 9207 §2.4).
    case wrongIssParameter = "wrong-iss-parameter"
    /// The token response sends `expires_in` as a string, `"3600"`.
    case expiresInString = "expires-in-string"
    /// The token response is `application/x-www-form-urlencoded` instead of JSON (RFC 6749 §5.1).
    case formEncodedTokenResponse = "form-encoded-token-response"
    /// The token endpoint answers errors with HTTP 200; a request that would succeed gets `invalid_grant`.
    case tokenErrorWith200 = "token-error-with-200"
    /// The token endpoint answers every request with HTTP 500 and an HTML page, without consuming the code.
    case serverError = "server-error"
    /// Numbers no integer holds: the token response's `expires_in` and the ID token's `exp` and `iat` are 1e19.
    case hugeNumbers = "huge-numbers"
    /// Terminal escape sequences (ESC, OSC 0, OSC 52, OSC 8, C1 controls, bidi controls) in `token_type`, `scope`,
    /// `error_description`, a response header and ID-token claims: `MockFault.hostileText`.
    case escapeSequences = "escape-sequences"
    /// The token endpoint sends its headers and one byte of body, then nothing more.
    case stalledBody = "stalled-body"
    /// The token endpoint's body never ends.
    case endlessBody = "endless-body"
    /// The token response is `MockFault.deepJSONDepth` nested `[` with nothing else.
    case deepJSON = "deep-json"
    /// The token endpoint's status line and headers trickle in a byte at a time and never end, from a second port
    /// that the metadata names as the token endpoint. The provider's own token path, which presets call without
    /// discovery, sends nothing at all until the provider stops.
    case slowHeaders = "slow-headers"
    /// The token endpoint answers `302 Found` to `MockFault.redirectTarget`.
    case redirectFromTokenEndpoint = "redirect-from-token-endpoint"
    /// The user has no session at the provider: an authorization request with `prompt=none` is answered
    /// `login_required` instead of `consent_required` (OIDC Core §3.1.2.6).
    case signedOut = "signed-out"

    // Planted weaknesses for `oauthscope doctor`: each makes exactly one probe fail (or warn).

    /// A wrong `code_verifier` is accepted (a missing one is still refused), like the PyPI oidc-provider-mock
    /// (probe `pkce-verifier-checked`, RFC 7636 §4.6).
    case pkceNotEnforced = "pkce-not-enforced"
    /// Codes are never spent: a code can be redeemed again and again (probe `code-single-use`, RFC 6749 §4.1.2).
    case codeReusable = "code-reusable"
    /// A redirect URI that starts with a registered one is accepted: extra path segments and query parameters pass
    /// (probe `redirect-uri-exact`, RFC 9700 §4.1.3).
    case redirectURILenient = "redirect-uri-lenient"
    /// Error redirects leave `state` out (probe `error-has-state`, RFC 6749 §4.1.2.1).
    case noStateOnError = "no-state-on-error"
    /// A refresh keeps the refresh token: no new one, the old one stays valid (probe `refresh-rotated`,
    /// RFC 9700 §4.14.2).
    case refreshNotRotated = "refresh-not-rotated"
    /// A token request with `client_id` alone is accepted for a confidential client (probe `client-auth-required`,
    /// RFC 6749 §3.2.1).
    case noClientAuth = "no-client-auth"
    /// Token responses come without `Cache-Control: no-store` and `Pragma: no-cache` (probe `token-no-store`,
    /// RFC 6749 §5.1).
    case noStoreMissing = "no-store-missing"

    /// A client-credentials answer carries a refresh token, which RFC 6749 §4.4.3 says it SHOULD NOT.
    case ccRefreshToken = "cc-refresh-token"
    /// A token-exchange answer leaves out `issued_token_type`, which RFC 8693 §2.2.1 requires.
    case noIssuedTokenType = "no-issued-token-type"

    /// The issuer the `wrongIssuerInToken` and `wrongIssParameter` faults put in place of the real one.
    public static let foreignIssuer = "https://issuer.other.example"
    /// The client the `wrongAudience` and `wrongAuthorizedParty` faults name in place of the real one.
    public static let foreignClientID = "another-client"
    /// The number `hugeNumbers` puts in `expires_in`, `exp` and `iat`: beyond Int64, so converting it traps.
    public static let hugeNumber = 1e19
    /// How deep `deepJSON` nests its arrays.
    public static let deepJSONDepth = 200_000
    /// Where `redirectFromTokenEndpoint` sends the client.
    public static let redirectTarget = "https://attacker.example/collect?from=token-endpoint"
    /// What `escapeSequences` puts in every string it touches: a window-title change (OSC 0), a clipboard write
    /// (OSC 52), a hyperlink (OSC 8), a clear-screen (CSI 2J), the same CSI as a C1 byte, DEL, and bidi controls
    /// that reverse what follows.
    public static let hostileText =
        "\u{1B}]0;oauthscope pwned\u{07}\u{1B}]52;c;cHduZWQ=\u{07}\u{1B}]8;;https://attacker.example/\u{1B}\\link\u{1B}]8;;\u{1B}\\"
        + "\u{1B}[2J\u{9B}31m\u{9D}0;c1 title\u{9C}\u{7F}\u{202E}desrever\u{202C}\u{2066}isolate\u{2069}"
    /// What `escapeSequences` puts in a header value: HTTP turns ESC into a space (RFC 9110 §5.5), so C1 controls
    /// (sent as UTF-8) and bidi controls carry the attack there.
    public static let hostileHeaderValue = "\u{9B}2J\u{9D}0;c1 title\u{9C}\u{202E}desrever\u{202C}"

    /// Looks a fault up by its kebab-case name (`bad-signature`), its Swift case name (`badSignature`) or with
    /// underscores (`bad_signature`), ignoring case.
    public init?(name: String) {
        let wanted = Self.normalized(name)
        guard let fault = Self.allCases.first(where: { Self.normalized($0.rawValue) == wanted || Self.normalized($0.caseName) == wanted }) else {
            return nil
        }
        self = fault
    }

    private static func normalized(_ s: String) -> String {
        s.lowercased().filter { $0 != "-" && $0 != "_" }
    }

    /// The Swift case name (`badSignature`), from the enum's own metadata.
    private var caseName: String { String(describing: self) }

    /// One line saying what the fault does and which client check it defeats.
    public var summary: String {
        switch self {
        case .badSignature: return "the ID token's signature bytes are altered (signature check)"
        case .wrongAudience: return "the ID token's aud is \(Self.foreignClientID) (aud check, OIDC Core §3.1.3.7 step 3)"
        case .wrongAuthorizedParty: return "the ID token's aud adds \(Self.foreignClientID) and azp names it (azp check, step 5)"
        case .expiredIDToken: return "the ID token expired an hour ago (exp check, step 9)"
        case .issuedInFuture: return "the ID token was issued an hour in the future (iat check, step 10)"
        case .missingNonce: return "the ID token has no nonce although one was sent (nonce check, step 11)"
        case .wrongNonce: return "the ID token's nonce is not the one sent (nonce check, step 11)"
        case .algNone: return "the ID token is unsigned, alg none (RFC 8725 §3.1)"
        case .hmacKeyConfusion: return "the ID token is HS256 with the public key as HMAC secret (RFC 8725 §3.1)"
        case .rotatedKey: return "ID tokens are signed with a new key the first /jwks lacks; later /jwks list it (refetch on unknown kid)"
        case .unknownKid: return "ID tokens are signed with a key /jwks never publishes"
        case .wrongAtHash: return "the ID token's at_hash does not match the access token (OIDC Core §3.1.3.8)"
        case .wrongIssuerInToken: return "the ID token's iss is \(Self.foreignIssuer) (iss check, step 2)"
        case .missingIssParameter: return "the callback has no iss although the metadata advertises it (RFC 9207 §2.4)"
        case .wrongIssParameter: return "the callback's iss is \(Self.foreignIssuer): a mix-up (RFC 9207 §2.4)"
        case .expiresInString: return "the token response's expires_in is the string \"3600\" (RFC 6749 §5.1)"
        case .formEncodedTokenResponse: return "the token response is form-encoded, not JSON (RFC 6749 §5.1)"
        case .tokenErrorWith200: return "the token endpoint answers errors with HTTP 200 (RFC 6749 §5.2)"
        case .serverError: return "the token endpoint answers HTTP 500 with an HTML page"
        case .hugeNumbers: return "expires_in and the ID token's exp and iat are 1e19, beyond any integer (RFC 7519 §2)"
        case .escapeSequences: return "terminal escape sequences (ESC, OSC 0/52/8, C1, bidi) in token_type, scope, error_description, a header and ID-token claims"
        case .stalledBody: return "the token endpoint sends headers and one byte, then silence (one deadline per hop)"
        case .endlessBody: return "the token endpoint's body never ends (a body size cap and one deadline per hop)"
        case .deepJSON: return "the token response is \(Self.deepJSONDepth) nested [ (a JSON depth limit)"
        case .slowHeaders: return "the token endpoint's headers trickle in a byte at a time and never end; at a preset's fixed path they never start (one deadline per hop)"
        case .redirectFromTokenEndpoint: return "the token endpoint answers 302 to \(Self.redirectTarget); never followed (RFC 6749 §3.2, RFC 9700 §4.11)"
        case .pkceNotEnforced: return "a wrong code_verifier is accepted (doctor probe pkce-verifier-checked, RFC 7636 §4.6)"
        case .codeReusable: return "authorization codes can be redeemed more than once (doctor probe code-single-use, RFC 6749 §4.1.2)"
        case .redirectURILenient: return "a redirect_uri that merely starts with a registered one is accepted (doctor probe redirect-uri-exact, RFC 9700 §4.1.3)"
        case .noStateOnError: return "error redirects carry no state (doctor probe error-has-state, RFC 6749 §4.1.2.1)"
        case .refreshNotRotated: return "a refresh keeps the old refresh token valid and returns no new one (doctor probe refresh-rotated, RFC 9700 §4.14.2)"
        case .noClientAuth: return "a confidential client's token request without credentials is accepted (doctor probe client-auth-required, RFC 6749 §3.2.1)"
        case .noStoreMissing: return "token responses lack Cache-Control: no-store (doctor probe token-no-store, RFC 6749 §5.1)"
        case .ccRefreshToken: return "a client-credentials answer carries a refresh token (RFC 6749 §4.4.3: SHOULD NOT)"
        case .noIssuedTokenType: return "a token-exchange answer has no issued_token_type (RFC 8693 §2.2.1: REQUIRED)"
        case .signedOut: return "the user has no session at the provider, so prompt=none gets login_required (OIDC Core §3.1.2.6)"
        }
    }
}
