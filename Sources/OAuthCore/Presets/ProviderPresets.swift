import Foundation

/// The presets oauthscope ships (`--preset NAME`). Every fact is taken from the provider's public
/// documentation, cited above each preset; where the documentation is silent the comment says what was
/// assumed and why.
public enum ProviderPresets {
    public static let all: [ProviderPreset] = [bitbadges, bitbucket, atlassian, github, google, microsoft, oidc]

    /// The preset called `name` (case-insensitive), or nil.
    public static func named(_ name: String) -> ProviderPreset? {
        let n = name.lowercased()
        return all.first { $0.name == n }
    }

    /// The preset called `name`, or an error listing the known names (for `--preset` parsing).
    public static func require(_ name: String) throws(PresetError) -> ProviderPreset {
        guard let p = named(name) else { throw .unknownPreset(name, known: all.map(\.name)) }
        return p
    }

    // MARK: - BitBadges

    /// Sign In with BitBadges (SIWBB).
    ///
    /// - Authorization `https://bitbadges.io/siwbb/authorize`, token `https://api.bitbadges.io/api/v0/siwbb/token`,
    ///   revoke `https://api.bitbadges.io/api/v0/siwbb/token/revoke`:
    ///   https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/overview
    /// - Token request body `code`, `grant_type`, `client_id`, `client_secret`, `redirect_uri` ("only needed for the
    ///   digital immediate flow"); a code can be exchanged only once; the optional `issuedAtTimeWindowMs` check
    ///   (10 minutes in the example, 0 disables it) is for the app to choose:
    ///   https://docs.bitbadges.io/for-developers/sign-in-with-bitbadges/verification/verification-flow
    /// - The body is JSON: the API takes JSON POST bodies (`POST https://api.bitbadges.io/api/v0/routeFn`), and the
    ///   SDK payload `iExchangeSIWBBAuthorizationCodePayload` also has `code_verifier` "(if used with PKCE)":
    ///   https://github.com/BitBadges/bitbadgesjs/blob/main/packages/bitbadgesjs-sdk/src/api-indexer/requests/requests.ts
    ///   The challenge method is not named there; S256 is assumed.
    /// - Every request carries the API key in the `x-api-key` header:
    ///   https://docs.bitbadges.io/for-developers/bitbadges-api/api
    /// - The response adds `address`, `chain`, `bitbadgesAddress`, `access_token_expires_at` and
    ///   `refresh_token_expires_at` (UNIX milliseconds): `ExchangeSIWBBAuthorizationCodeSuccessResponse` in the same
    ///   SDK file.
    /// - `scope` is comma-separated ('completeClaims,readClaimAlerts'); without `redirect_uri` the code is stored
    ///   in the user's account as a QR code for a delayed, in-person exchange:
    ///   https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/authorization-url/configuration
    /// - Access tokens last 1 day, refresh tokens 60 days; `POST /api/v0/auth/status` checks a token:
    ///   https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/verification/access-tokens
    /// - "Codes are kept at least 30 minutes" comes from the project's issue; the documentation pages above do
    ///   not state a code lifetime, and describe delayed (QR) exchanges as intended use.
    public static let bitbadges = ProviderPreset(
        name: "bitbadges",
        displayName: "BitBadges (Sign In with BitBadges)",
        authorizationEndpoint: "https://bitbadges.io/siwbb/authorize",
        tokenEndpoint: "https://api.bitbadges.io/api/v0/siwbb/token",
        revocationEndpoint: "https://api.bitbadges.io/api/v0/siwbb/token/revoke",
        tokenAuth: .clientSecretPost,
        tokenBody: .json,
        requiredTokenHeaders: ["x-api-key"],
        pkce: .s256,
        redirectRule: .exact,
        followUps: [
            PresetFollowUp(name: "status", method: "POST", url: "https://api.bitbadges.io/api/v0/auth/status",
                           help: "Whether the access token is still signed in and which scopes it holds (Bearer token plus x-api-key; body {})."),
        ],
        notes: [
            FindingCatalogue.presetBitbadgesApiKey.finding(),
            FindingCatalogue.presetBitbadgesJsonBody.finding(),
            FindingCatalogue.presetBitbadgesIdentity.finding(),
            FindingCatalogue.presetBitbadgesLateExchange.finding(),
        ],
        quirks: [
            .extraTokenResponseFields(["address", "chain", "bitbadgesAddress", "access_token_expires_at"]),
            .commaSeparatedScopes,
            .noOpenIDConnect,
            .redirectURIOptional,
        ],
        codeLifetimeHint: "BitBadges keeps authorization codes at least 30 minutes, so a late exchange is legitimate.",
        glossary: [
            "address": Glossary.Entry("The user's blockchain address, as signed in (Ethereum 0x..., Cosmos, Solana or Bitcoin form).", "https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/verification/access-tokens"),
            "chain": Glossary.Entry("Which chain the address belongs to: Ethereum, Cosmos, Solana or Bitcoin.", "https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/verification/access-tokens"),
            "bitbadgesAddress": Glossary.Entry("The same user as a BitBadges (Cosmos bb1...) address, the same for every chain.", "https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/verification/access-tokens"),
            "access_token_expires_at": Glossary.Entry("When the access token expires, in milliseconds since 1970 (besides expires_in).", "https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/verification/access-tokens"),
            "refresh_token_expires_at": Glossary.Entry("When the refresh token expires, in milliseconds since 1970.", "https://docs.bitbadges.io/for-developers/bitbadges-api/sign-in-with-bitbadges/verification/access-tokens"),
        ],
        grantRefusals: [
            .device: "BitBadges documents only the authorization-code flow (https://docs.bitbadges.io/for-developers/authorization/sign-in-with-bitbadges)",
            .clientCredentials: "BitBadges documents only the authorization-code flow; server-to-server calls use the API key",
            .tokenExchange: "BitBadges has no token-exchange endpoint",
        ]
    )

    // MARK: - Bitbucket Cloud

    /// Bitbucket Cloud OAuth 2.0 consumers.
    ///
    /// - Authorization `https://bitbucket.org/site/oauth2/authorize`, token `https://bitbucket.org/site/oauth2/access_token`
    ///   with the client id and secret as HTTP Basic (`curl -X POST -u "client_id:secret"`), form body:
    ///   https://developer.atlassian.com/cloud/bitbucket/oauth-2/
    /// - A `redirect_uri` in the request "must be appended to the same URL configured in the consumer"
    ///   (example.com/add-on → example.com/add-on/function); without one, the consumer's callback URL is used:
    ///   https://confluence.atlassian.com/bitbucket/oauth-on-bitbucket-cloud-238027431.html
    /// - The current user is `GET https://api.bitbucket.org/2.0/user` (Bitbucket REST API 2.0, "Get current user"):
    ///   https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/
    /// - Scopes come from the consumer's permissions, so `scope` may be left out (same pages). There is no OIDC.
    /// - PKCE is not in Bitbucket Cloud's documentation (it is in Bitbucket Data Center's); S256 is sent anyway
    ///   and marked `pkceUndocumented`.
    public static let bitbucket = ProviderPreset(
        name: "bitbucket",
        displayName: "Bitbucket Cloud",
        authorizationEndpoint: "https://bitbucket.org/site/oauth2/authorize",
        tokenEndpoint: "https://bitbucket.org/site/oauth2/access_token",
        userinfoEndpoint: "https://api.bitbucket.org/2.0/user",
        tokenAuth: .clientSecretBasic,
        tokenBody: .form,
        pkce: .s256,
        redirectRule: .prefix,
        notes: [
            FindingCatalogue.presetBitbucketRedirectPrefix.finding(),
            FindingCatalogue.presetBitbucketBasicAuth.finding(),
            FindingCatalogue.presetBitbucketScopes.finding(),
        ],
        quirks: [.noOpenIDConnect, .pkceUndocumented, .redirectURIOptional],
        glossary: [
            "scopes": Glossary.Entry("The scopes granted, space-separated, taken from the consumer's permissions (Bitbucket's name; RFC 6749 calls it scope).",
                                     "https://developer.atlassian.com/cloud/bitbucket/oauth-2/"),
            "state": Glossary.Entry("In the token response: the grant type that was redeemed, e.g. authorization_code (not the state of the authorization request).",
                                    "https://developer.atlassian.com/cloud/bitbucket/oauth-2/"),
        ],
        grantRefusals: [
            .device: "Bitbucket Cloud has no device authorization endpoint (https://developer.atlassian.com/cloud/bitbucket/oauth-2/)",
            .tokenExchange: "Bitbucket Cloud's token endpoint takes authorization_code, refresh_token, client_credentials and its own JWT grant, not RFC 8693",
        ]
    )

    // MARK: - Atlassian (Jira, Confluence) 3LO

    /// Atlassian Cloud OAuth 2.0 (3LO) apps, for Jira and Confluence.
    ///
    /// - Authorization `https://auth.atlassian.com/authorize` with `audience=api.atlassian.com` and `prompt=consent`;
    ///   token `https://auth.atlassian.com/oauth/token` with a JSON body (`grant_type`, `client_id`,
    ///   `client_secret`, `code`, `redirect_uri`); then `GET https://api.atlassian.com/oauth/token/accessible-resources`
    ///   with the Bearer token lists the sites (cloud ids) the token reaches:
    ///   https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
    /// - The authorization parameters (scope required, space-separated; `prompt=consent`):
    ///   https://developer.atlassian.com/cloud/oauth/getting-started/implementing-oauth-3lo
    /// - `offline_access` in the scope yields a refresh token; refresh tokens rotate, the used one is disabled:
    ///   https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens
    /// - `GET https://api.atlassian.com/me` returns the user's account (scope `read:me`, User Identity API), per
    ///   the 3LO page above.
    /// - PKCE is not documented for 3LO; the optional `code_verifier` comes from the project's issue. S256 is sent
    ///   and marked `pkceUndocumented`.
    public static let atlassian = ProviderPreset(
        name: "atlassian",
        displayName: "Atlassian Cloud (Jira, Confluence) 3LO",
        authorizationEndpoint: "https://auth.atlassian.com/authorize",
        tokenEndpoint: "https://auth.atlassian.com/oauth/token",
        userinfoEndpoint: "https://api.atlassian.com/me",
        tokenAuth: .clientSecretPost,
        tokenBody: .json,
        defaultScope: "read:me offline_access",
        authorizationParameters: [FormField("audience", "api.atlassian.com"), FormField("prompt", "consent")],
        pkce: .s256,
        redirectRule: .exact,
        followUps: [
            PresetFollowUp(name: "accessible-resources", method: "GET", url: "https://api.atlassian.com/oauth/token/accessible-resources",
                           help: "The Atlassian sites this token reaches, with the cloud id each API call needs (Bearer token)."),
        ],
        notes: [
            FindingCatalogue.presetAtlassianAudience.finding(),
            FindingCatalogue.presetAtlassianScopes.finding(),
            FindingCatalogue.presetAtlassianCloudId.finding(),
        ],
        quirks: [.rotatingRefreshTokens, .noOpenIDConnect, .pkceUndocumented],
        grantRefusals: [
            .device: "Atlassian's OAuth 2.0 (3LO) apps use the authorization-code flow only (https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/)",
            .clientCredentials: "3LO apps act for a user; service accounts use their own credentials, not this grant",
            .tokenExchange: "Atlassian's token endpoint does not implement RFC 8693",
        ]
    )

    // MARK: - GitHub

    /// GitHub OAuth apps (the web application flow).
    ///
    /// - Authorization `https://github.com/login/oauth/authorize`, token `https://github.com/login/oauth/access_token`
    ///   with `client_id`, `client_secret`, `code`, `redirect_uri` as parameters; the response is
    ///   `access_token=...&token_type=bearer` unless `Accept: application/json` (or XML) is sent; a `redirect_uri`
    ///   must have the callback URL's host and port and a path under its path, except that a loopback
    ///   `redirect_uri` may use any port; without one the callback URL is used:
    ///   https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
    /// - Token errors (`bad_verification_code`, `incorrect_client_credentials`, `redirect_uri_mismatch`) and their
    ///   bodies: https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
    ///   The page does not state the status; the errors come with HTTP 200 (a logged exchange showing
    ///   `HTTP 200 https://github.com/login/oauth/access_token` with `bad_verification_code`:
    ///   https://github.com/pockethub/PocketHub/issues/891).
    /// - PKCE (S256 only) is supported since 2025-07-14:
    ///   https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication
    /// - No OpenID Connect for OAuth apps; the user is `GET https://api.github.com/user`:
    ///   https://docs.github.com/en/rest/users/users#get-the-authenticated-user
    public static let github = ProviderPreset(
        name: "github",
        displayName: "GitHub (OAuth app)",
        authorizationEndpoint: "https://github.com/login/oauth/authorize",
        tokenEndpoint: "https://github.com/login/oauth/access_token",
        userinfoEndpoint: "https://api.github.com/user",
        tokenAuth: .clientSecretPost,
        tokenBody: .form,
        defaultScope: "read:user",
        tokenHeaders: [FormField("Accept", "application/json")],
        pkce: .s256,
        redirectRule: .github,
        notes: [
            FindingCatalogue.presetGithubRedirect.finding(),
            FindingCatalogue.presetGithubNoOidc.finding(),
        ],
        quirks: [.formEncodedTokenResponseUnlessJSON, .errorsWithStatus200, .noOpenIDConnect, .redirectURIOptional],
        probesNotApplicable: [ProbeCatalogue.refreshRotated.id: "a GitHub OAuth app issues no refresh tokens (GitHub docs: 'Authorizing OAuth apps')"],
        grantRefusals: [
            .clientCredentials: "GitHub OAuth and GitHub Apps have no client-credentials grant; a GitHub App authenticates with a JWT to get an installation token (https://docs.github.com/en/apps)",
            .tokenExchange: "GitHub's token endpoint does not implement RFC 8693",
        ]
    )

    // MARK: - Google

    /// Google (OpenID Connect, certified).
    ///
    /// - Issuer `https://accounts.google.com` with discovery at `/.well-known/openid-configuration`; userinfo
    ///   `https://openidconnect.googleapis.com/v1/userinfo`:
    ///   https://developers.google.com/identity/openid-connect/openid-connect
    /// - Authorization `https://accounts.google.com/o/oauth2/v2/auth`, token `https://oauth2.googleapis.com/token`
    ///   with `client_id` and `client_secret` in the form body; `access_type=offline` for a refresh token;
    ///   revocation `https://oauth2.googleapis.com/revoke`:
    ///   https://developers.google.com/identity/protocols/oauth2/web-server
    /// - PKCE S256 and loopback redirects on any port for desktop clients:
    ///   https://developers.google.com/identity/protocols/oauth2/native-app
    public static let google = ProviderPreset(
        name: "google",
        displayName: "Google",
        issuer: "https://accounts.google.com",
        authorizationEndpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        tokenEndpoint: "https://oauth2.googleapis.com/token",
        userinfoEndpoint: "https://openidconnect.googleapis.com/v1/userinfo",
        revocationEndpoint: "https://oauth2.googleapis.com/revoke",
        tokenAuth: .clientSecretPost,
        tokenBody: .form,
        defaultScope: "openid email profile",
        authorizationParameters: [FormField("access_type", "offline")],
        pkce: .s256,
        redirectRule: .exact,
        notes: [
            FindingCatalogue.presetGoogleOffline.finding(),
            FindingCatalogue.presetGoogleClientType.finding(),
        ],
        glossary: [
            "authuser": Glossary.Entry("On the callback: which of the browser's signed-in Google accounts answered (0 is the first).",
                                       "https://developers.google.com/identity/protocols/oauth2/web-server"),
            "hd": Glossary.Entry("The Google Workspace domain of the user; as a request parameter, the domain to sign in with.",
                                 "https://developers.google.com/identity/openid-connect/openid-connect"),
            "include_granted_scopes": Glossary.Entry("Ask for the scopes already granted to this client too (incremental authorization).",
                                                     "https://developers.google.com/identity/protocols/oauth2/web-server"),
            "refresh_token_expires_in": Glossary.Entry("Seconds until the refresh token expires, when Google limits its life.",
                                                       "https://developers.google.com/identity/protocols/oauth2/web-server"),
        ],
        grantRefusals: [
            .clientCredentials: "Google uses service-account JWT assertions for server-to-server calls, not client_credentials (https://developers.google.com/identity/protocols/oauth2/service-account)",
            .tokenExchange: "Google's RFC 8693 endpoint is the Security Token Service (sts.googleapis.com), not this issuer's token endpoint",
        ]
    )

    // MARK: - Microsoft identity platform

    /// Microsoft identity platform (Entra ID and personal accounts), v2.0 endpoints.
    ///
    /// - Authorization `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize`, token `.../oauth2/v2.0/token`;
    ///   `tenant` is `common`, `organizations`, `consumers`, a tenant id or a domain; `client_secret` in the form
    ///   body; PKCE S256; `offline_access` for a refresh token:
    ///   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
    /// - OIDC discovery at `https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration`;
    ///   userinfo `https://graph.microsoft.com/oidc/userinfo`:
    ///   https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
    /// - For `localhost` / loopback redirect URIs the port is ignored when matching:
    ///   https://learn.microsoft.com/en-us/entra/identity-platform/reply-url
    /// - `expires_in` as a string ("3599") is what the v1.0 endpoint sends (token responses quoted in
    ///   https://speakerdeck.com/player/d37aa921a06f452194388ee0f8d49e80, slide 20); the v2.0 page shows a number.
    ///   Kept as a quirk because tenants still reach v1.0-shaped responses and the parser accepts both.
    /// - With `common` the discovery `issuer` is `https://login.microsoftonline.com/{tenantid}/v2.0` and ID tokens
    ///   carry the user's tenant: https://github.com/coreos/go-oidc/issues/121,
    ///   https://github.com/MicrosoftDocs/azure-docs/issues/38427
    /// - No RFC 7009 revocation endpoint is published in the metadata.
    public static let microsoft = ProviderPreset(
        name: "microsoft",
        displayName: "Microsoft identity platform",
        issuer: "https://login.microsoftonline.com/{tenant}/v2.0",
        authorizationEndpoint: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        tokenEndpoint: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        userinfoEndpoint: "https://graph.microsoft.com/oidc/userinfo",
        tokenAuth: .clientSecretPost,
        tokenBody: .form,
        defaultScope: "openid profile email offline_access",
        pkce: .s256,
        redirectRule: .loopbackAnyPort,
        parameters: [
            PresetParameter(name: "tenant", help: "the directory: common, organizations, consumers, a tenant id or a domain such as contoso.onmicrosoft.com", defaultValue: "common"),
        ],
        notes: [
            FindingCatalogue.presetMicrosoftTenant.finding(),
            FindingCatalogue.presetMicrosoftMultiTenantIssuer.finding(),
            FindingCatalogue.presetMicrosoftLoopback.finding(),
        ],
        quirks: [.expectsStringExpiresIn, .multiTenantIssuerTemplate],
        glossary: [
            "ext_expires_in": Glossary.Entry("Seconds the access token stays usable when Microsoft's token service is down (extended lifetime).",
                                             "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow"),
            "tid": Glossary.Entry("The directory (tenant) the user signed in from.", "https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference"),
            "oid": Glossary.Entry("The user's object id, the same for every application in the tenant.", "https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference"),
            "domain_hint": Glossary.Entry("Skips the account picker for users of this domain (consumers or organizations).",
                                          "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow"),
        ],
        grantRefusals: [
            .tokenExchange: "the Microsoft identity platform's on-behalf-of flow uses the JWT-bearer grant, not RFC 8693 (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow)",
        ]
    )

    // MARK: - Any OpenID Connect issuer

    /// Any OpenID Connect provider (Keycloak, Okta, Auth0, Dex, ...) found by discovery from `--issuer`:
    /// OIDC Discovery 1.0 §4 (https://openid.net/specs/openid-connect-discovery-1_0.html), with RFC 8414 §3
    /// as the fallback. The endpoints, supported client authentication and PKCE methods come from the
    /// metadata; the defaults here are RFC 6749 §2.3.1 (Basic) and RFC 9700 §2.1.1 (S256). Redirect URIs are
    /// compared exactly except for the port of a loopback one, as RFC 9700 §2.1 and RFC 8252 §7.3 ask of servers.
    public static let oidc = ProviderPreset(
        name: "oidc",
        displayName: "OpenID Connect (discovery)",
        issuer: "{issuer}",
        tokenAuth: .clientSecretBasic,
        tokenBody: .form,
        defaultScope: "openid",
        pkce: .s256,
        redirectRule: .loopbackAnyPort,
        parameters: [
            PresetParameter(name: "issuer", help: "the issuer URL whose /.well-known/openid-configuration describes the provider"),
        ],
        notes: [
            FindingCatalogue.presetOidcDiscovery.finding(),
        ]
    )
}
