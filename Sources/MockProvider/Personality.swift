import Foundation
import OAuthCore

/// Which real provider the embedded one imitates: its paths, client authentication, body encodings, response
/// shapes and quirks, so that the matching preset of `ProviderPresets`, rebased onto the provider's base URL, runs
/// a whole flow against it. The raw value is the preset's name.
public enum MockPersonality: String, Sendable, Hashable, CaseIterable {
    /// Sign In with BitBadges: `/siwbb/authorize`, a JSON token request to `/api/v0/siwbb/token` with an `x-api-key`
    /// header, and the user's address in the token response.
    case bitbadges
    /// Bitbucket Cloud: `/site/oauth2/authorize`, `/site/oauth2/access_token` with HTTP Basic, and a
    /// `redirect_uri` that must extend the consumer's callback URL.
    case bitbucket
    /// Atlassian 3LO: `/authorize` with `audience=api.atlassian.com` and `prompt=consent`, a JSON token request to
    /// `/oauth/token`, rotating refresh tokens with `offline_access`, and `/oauth/token/accessible-resources`.
    case atlassian
    /// GitHub OAuth apps: `/login/oauth/authorize`, `/login/oauth/access_token` answering form-encoded unless asked
    /// for JSON and sending errors with HTTP 200, and `/user`. No OpenID Connect.
    case github
    /// Google: OpenID Connect with discovery, `/o/oauth2/v2/auth`, `/token`, and a refresh token only with
    /// `access_type=offline`.
    case google
    /// The Microsoft identity platform: everything under `/{tenant}/`, an issuer naming the tenant, and
    /// `expires_in` as a string.
    case microsoft
    /// A generic OpenID Connect provider: discovery, `/authorize`, `/token`, `/jwks`, `/userinfo`, `/revoke`,
    /// `/introspect`. The default.
    case oidc

    /// Looks a personality up by name, ignoring case.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// The provider's name for people, e.g. `Bitbucket Cloud`.
    public var displayName: String {
        switch self {
        case .bitbadges: return "BitBadges"
        case .bitbucket: return "Bitbucket Cloud"
        case .atlassian: return "Atlassian"
        case .github: return "GitHub"
        case .google: return "Google"
        case .microsoft: return "Microsoft identity platform"
        case .oidc: return "This provider"
        }
    }

    /// One line saying what the personality imitates.
    public var summary: String {
        switch self {
        case .bitbadges: return "Sign In with BitBadges: JSON token request with x-api-key, address and chain in the token response"
        case .bitbucket: return "Bitbucket Cloud: HTTP Basic at the token endpoint, redirect_uri under the consumer's callback URL"
        case .atlassian: return "Atlassian 3LO: audience and prompt=consent required, JSON token request, rotating refresh tokens"
        case .github: return "GitHub OAuth app: form-encoded token response unless Accept: application/json, errors with HTTP 200, no OIDC"
        case .google: return "Google: OpenID Connect, refresh token only with access_type=offline"
        case .microsoft: return "Microsoft identity platform: /{tenant}/ paths and issuer, expires_in as a string"
        case .oidc: return "a generic OpenID Connect provider with discovery, PKCE, JWKS, userinfo, revocation and introspection"
        }
    }

    /// The paths this personality serves, as `METHOD /path` with `{tenant}` for Microsoft's path parameter.
    public var routes: [String] {
        PersonalityRoutes.table(self).map { "\($0.method) \($0.path.replacingOccurrences(of: ":tenant", with: "{tenant}"))" }
    }
}

/// The rules a personality enforces and the shapes it answers with: the data behind every endpoint's decisions.
struct PersonalityRules: Sendable {
    enum ScopePolicy: Sendable {
        /// Only these scopes; another is `invalid_scope`.
        case known([String])
        /// `openid`, `email`, `profile` and any `https://www.googleapis.com/auth/...` scope.
        case google
        /// Any scope: the provider's scopes are too many to list, or come from the client's registration.
        case any
    }

    enum RefreshPolicy: Sendable {
        case always
        /// Only when the grant holds this scope (`offline_access`).
        case withScope(String)
        /// Only when the authorization request carried this parameter (`access_type=offline`).
        case withParameter(String, String)
        case never
    }

    /// The token request encodings accepted.
    enum BodyEncodings: Sendable {
        case formOrJSON
        case form
        case json
        /// Form, JSON, or parameters in the query string (GitHub).
        case formJSONOrQuery
    }

    /// The provider's redirect rule: its preset's, the same table the check before the browser reads.
    var redirectRule: RedirectRule
    var scopePolicy: ScopePolicy
    /// The scopes granted when the request names none.
    var defaultScopes: [String]
    /// The characters that separate scopes in `scope` (space; GitHub and BitBadges also take commas).
    var scopeSeparators: Set<Character> = [" "]
    /// Parameters the authorization request must carry with exactly this value (Atlassian's `audience`, `prompt`).
    var requiredAuthorizationParameters: [FormField] = []
    var requirePKCE: Bool = false
    /// Whether the authorization response carries `iss` (RFC 9207) and the metadata says so.
    var sendsIssParameter: Bool = false
    var codeLifetime: TimeInterval
    var refresh: RefreshPolicy = .always
    /// A refresh returns a new refresh token and disables the old one (RFC 9700 §4.14.2); otherwise the same one
    /// stays valid and comes back.
    var rotatesRefreshTokens: Bool = true
    /// Whether an ID token is issued when `openid` is granted.
    var issuesIDTokens: Bool = false
    /// The client authentication methods the token endpoint accepts; nil means the client's registered method.
    var tokenAuthMethods: [ClientAuthMethod]?
    var tokenBody: BodyEncodings = .form
    /// Whether the token request must name `grant_type` (GitHub infers it).
    var requiresGrantType: Bool = true

    static func of(_ personality: MockPersonality, _ configuration: MockProviderConfiguration) -> PersonalityRules {
        let codeLifetime = configuration.codeLifetime.timeInterval
        switch personality {
        case .oidc:
            return PersonalityRules(
                // RFC 6749 §3.3 lets the server pick a default scope when the request names none.
                redirectRule: ProviderPresets.oidc.redirectRule, scopePolicy: .known(ProviderCore.supportedScopes), defaultScopes: ["openid"],
                requirePKCE: configuration.requirePKCE, sendsIssParameter: true, codeLifetime: codeLifetime,
                issuesIDTokens: true, tokenAuthMethods: nil, tokenBody: .formOrJSON
            )
        case .google:
            return PersonalityRules(
                redirectRule: ProviderPresets.google.redirectRule, scopePolicy: .google, defaultScopes: ["openid"],
                codeLifetime: codeLifetime, refresh: .withParameter("access_type", "offline"), rotatesRefreshTokens: false,
                issuesIDTokens: true, tokenAuthMethods: [.clientSecretPost, .clientSecretBasic], tokenBody: .formOrJSON
            )
        case .microsoft:
            return PersonalityRules(
                redirectRule: ProviderPresets.microsoft.redirectRule, scopePolicy: .any, defaultScopes: ["openid"],
                codeLifetime: codeLifetime, refresh: .withScope("offline_access"),
                issuesIDTokens: true, tokenAuthMethods: [.clientSecretPost, .clientSecretBasic], tokenBody: .form
            )
        case .github:
            return PersonalityRules(
                redirectRule: ProviderPresets.github.redirectRule, scopePolicy: .any, defaultScopes: [],
                scopeSeparators: [" ", ","], codeLifetime: codeLifetime, refresh: .never,
                tokenAuthMethods: [.clientSecretPost], tokenBody: .formJSONOrQuery, requiresGrantType: false
            )
        case .bitbucket:
            return PersonalityRules(
                redirectRule: ProviderPresets.bitbucket.redirectRule, scopePolicy: .any, defaultScopes: ["account"],
                codeLifetime: codeLifetime, rotatesRefreshTokens: false,
                tokenAuthMethods: [.clientSecretBasic], tokenBody: .form
            )
        case .atlassian:
            return PersonalityRules(
                redirectRule: ProviderPresets.atlassian.redirectRule, scopePolicy: .any, defaultScopes: [],
                requiredAuthorizationParameters: [FormField("audience", "api.atlassian.com"), FormField("prompt", "consent")],
                codeLifetime: codeLifetime, refresh: .withScope("offline_access"),
                tokenAuthMethods: [.clientSecretPost], tokenBody: .json
            )
        case .bitbadges:
            return PersonalityRules(
                redirectRule: ProviderPresets.bitbadges.redirectRule, scopePolicy: .any, defaultScopes: [],
                scopeSeparators: [" ", ","],
                // BitBadges keeps codes for delayed (QR code) exchanges: at least 30 minutes.
                codeLifetime: max(codeLifetime, 30 * 60),
                tokenAuthMethods: [.clientSecretPost], tokenBody: .json
            )
        }
    }
}
