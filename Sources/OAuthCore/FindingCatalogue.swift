import Foundation

/// One kind of finding: its stable code, severity, the rule's reference and the message template. Every module
/// makes its findings from `FindingCatalogue`, so the flow doctor, the explanations and the documentation read
/// one table; a test keeps finding codes out of every other source file.
public struct FindingKind: Sendable, Hashable {
    /// A stable machine-readable code, e.g. `token.expires_in_string`; `{{name}}` parts are filled in (a family of
    /// codes such as `id_token.{{check}}`).
    public let code: String
    public let severity: Severity
    /// Where the rule comes from, e.g. "RFC 6749 §5.1", or the provider's documentation.
    public let ref: String?
    /// The message, with `{{name}}` for each value the call site gives, in order of appearance (code first).
    public let template: String

    public init(_ code: String, _ severity: Severity, ref: String?, _ template: String) {
        self.code = code
        self.severity = severity
        self.ref = ref
        self.template = template
    }

    /// The placeholders of the code and then the template, in order, each once.
    public var placeholders: [String] {
        var names: [String] = []
        for text in [code, template] {
            var rest = Substring(text)
            while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
                let name = String(rest[open.upperBound..<close.lowerBound])
                if !names.contains(name) { names.append(name) }
                rest = rest[close.upperBound...]
            }
        }
        return names
    }

    /// The finding with `values` filling the placeholders in order. Values are shown as string interpolation
    /// shows them; a missing value leaves its placeholder visible rather than failing.
    public func finding(_ values: Any..., step: String? = nil) -> Finding {
        finding(values: values, step: step)
    }

    /// The same, for a kind whose severity or reference depends on the case (`endpoint.insecure_http` is a
    /// warning under `--allow-insecure-http`, and cites the endpoint's own rule).
    public func finding(_ values: Any..., severity: Severity, ref: String? = nil, step: String? = nil) -> Finding {
        var f = finding(values: values, step: step)
        f.severity = severity
        if let ref { f.ref = ref }
        return f
    }

    /// The same, with the values as an array.
    public func finding(values: [Any], step: String? = nil) -> Finding {
        var filledCode = code
        var message = template
        for (name, value) in zip(placeholders, values) {
            let text = "\(value)"
            filledCode = filledCode.replacingOccurrences(of: "{{\(name)}}", with: text)
            message = message.replacingOccurrences(of: "{{\(name)}}", with: text)
        }
        return Finding(severity, filledCode, message, ref: ref, step: step)
    }
}

/// Every finding oauthscope can report, grouped by the part of the flow it concerns.
public enum FindingCatalogue {
    // MARK: - browser

    public static let browserExitStatus = FindingKind(
        "browser.exit_status", .warn, ref: nil,
        "The browser command \"{{command}}\" exited with status {{terminationStatus}}; if no browser opened, open the authorization URL yourself.")

    // MARK: - callback

    public static let callbackNotThisFlow = FindingKind(
        "callback.not_this_flow", .warn, ref: "RFC 6749 §10.12, RFC 9700 §4.7",
        "A request reached the callback that {{what}}: it could be a forgery (login CSRF, a page with a link to the callback) or a stale tab. It is shown, not used; the flow keeps waiting for its own callback or its timeout.")
    public static let callbackUnverifiedError = FindingKind(
        "callback.unverified_error", .warn, ref: "RFC 6749 §4.1.2.1, RFC 9700 §4.7",
        "An error redirect (error={{error}}) arrived without state, so it cannot be tied to this flow: it may be the provider's answer (some omit state on errors) or anyone's forgery.{{value}} The flow ends with it after {{seconds}} s unless a callback with this flow's state arrives first (--unverified-error-grace).")

    // MARK: - client

    public static let clientPublic = FindingKind(
        "client.public", .info, ref: "RFC 8252 §8.4",
        "No client secret was given, so the token request authenticates as a public client (client_id only, with PKCE) instead of {{tokenAuth}}. Give --client-secret-env NAME for a confidential client.")

    // MARK: - demo

    public static let demoFault = FindingKind(
        "demo.fault", .info, ref: nil,
        "--fault {{f}}: {{summary}}")

    // MARK: - doctor

    /// A probe of `oauthscope doctor` that failed (error) or warned; its ref is the probe's own rule.
    public static let doctorProbe = FindingKind(
        "doctor_probe.{{probe}}", .error, ref: "RFC 9700",
        "{{probe}}: {{detail}}")

    // MARK: - discovery

    public static let discoveryIssuerTemplate = FindingKind(
        "discovery.issuer_template", .warn, ref: "OIDC Discovery §4.3",
        "The metadata issuer is the template \"{{issuer}}\" for the multi-tenant alias in {{expectedIssuer}}; each ID token's iss is checked against it with {tenantid} replaced by the token's tid claim.")
    public static let discoveryIssuerTrailingSlash = FindingKind(
        "discovery.issuer_trailing_slash", .warn, ref: "OIDC Discovery §4.3",
        "The metadata issuer \"{{issuer}}\" differs from \"{{expectedIssuer}}\" by a trailing slash; ID tokens must carry exactly the metadata's value.")
    public static let discoveryNoS256 = FindingKind(
        "discovery.no_s256", .warn, ref: "RFC 9700 §2.1.1",
        "The server does not advertise PKCE S256.")
    public static let discoveryPkceUnadvertised = FindingKind(
        "discovery.pkce_unadvertised", .info, ref: "RFC 8414 §2",
        "The metadata does not list code_challenge_methods_supported; the server may ignore PKCE.")
    public static let discoveryRfc8414 = FindingKind(
        "discovery.rfc8414", .info, ref: "RFC 8414 §3",
        "No OpenID configuration; the RFC 8414 authorization server metadata was used instead.")

    // MARK: - endpoint

    /// An error; a warning with --allow-insecure-http. The reference adds the endpoint's own rule.
    public static let endpointHttpFromHttpsIssuer = FindingKind(
        "endpoint.http_from_https_issuer", .error, ref: "RFC 8414 §2",
        "The issuer {{issuer}} is https, but its metadata puts the {{role}} on plain http ({{url}}): a downgrade, so {{exposes}}. {{consequence}}")
    /// An error; a warning with --allow-insecure-http. The reference is the endpoint's own rule.
    public static let endpointInsecureHttp = FindingKind(
        "endpoint.insecure_http", .error, ref: "RFC 6749 §3.1, §3.2",
        "The {{role}} {{url}} is plain http on a host that is not loopback, so {{exposes}}. {{consequence}}")

    // MARK: - exchange

    public static let exchangeSkipped = FindingKind(
        "exchange.skipped", .info, ref: "RFC 6749 §4.1.2",
        "--exchange never: the code was not exchanged, so the application can redeem it itself. Codes are short-lived and single-use.")

    // MARK: - http

    public static let httpRedirectRefused = FindingKind(
        "http.redirect_refused", .error, ref: "RFC 6749 §3.2; RFC 9700 §4.11",
        "The {{what}} answered HTTP {{status}} {{target}}. A token or other back-channel request is never redirected: following it would resend the code and the client's credentials elsewhere, so oauthscope does not follow it.")

    // MARK: - id_token

    public static let idToken = FindingKind(
        "id_token.{{name}}", .error, ref: "OIDC Core §3.1.3.7",
        "ID-token check {{name}} failed (continuing because of --insecure-continue): {{detail}}")

    // MARK: - listen

    public static let listenExchangeAny = FindingKind(
        "listen.exchange_any", .warn, ref: "RFC 6749 §10.12, RFC 9700 §4.7",
        "--exchange-any: every code that arrives is exchanged with your client, whatever its state; any local process or web page that reaches the listener can have its code redeemed. Give --expect-state to exchange only your application's callbacks.")
    public static let listenNoVerifier = FindingKind(
        "listen.no_verifier", .info, ref: "RFC 7636 §4.5",
        "No code_verifier is known for a code another application asked for; a provider that enforces PKCE will refuse this exchange (give --code-verifier).")
    public static let listenNotExchanged = FindingKind(
        "listen.not_exchanged", .warn, ref: "RFC 7636 §4.5",
        "The code that arrived with {{what}} is not exchanged: {{why}}.")
    public static let listenVerifierFileReadable = FindingKind(
        "listen.verifier_file_readable", .warn, ref: "RFC 7636 §7.1",
        "{{path}} holds code verifiers and can be read by other users (mode {{mode}}); chmod 600 it.")
    public static let listenFragmentUnreadable = FindingKind(
        "listen.fragment_unreadable", .warn, ref: "OAuth 2.0 Multiple Response Type Encoding Practices §2.1",
        "A URL fragment posted back by the listener's page could not be read: {{why}}. Nothing was judged.")

    // MARK: - listener

    public static let listenerNonLoopback = FindingKind(
        "listener.non_loopback", .warn, ref: "RFC 8252 §8.3",
        "The listener is bound to {{listenAddress}} on purpose; other machines may be able to reach it and read codes.")

    // MARK: - oidc

    public static let oidcNoIdToken = FindingKind(
        "oidc.no_id_token", .warn, ref: "OIDC Core §3.1.3.3",
        "The scope asked for openid but the token response has no id_token.")
    public static let oidcNoNonce = FindingKind(
        "oidc.no_nonce", .info, ref: "OIDC Core §3.1.2.1",
        "An OpenID Connect request without a nonce: ID-token replay cannot be detected.")

    // MARK: - pkce

    public static let pkceDisabled = FindingKind(
        "pkce.disabled", .warn, ref: "RFC 9700 §2.1.1",
        "PKCE is off: a stolen authorization code could be redeemed by someone else.")
    public static let pkcePlain = FindingKind(
        "pkce.plain", .warn, ref: "RFC 7636 §4.2",
        "PKCE method plain sends the verifier itself as the challenge; use S256.")
    public static let pkceUnsupportedMethod = FindingKind(
        "pkce.unsupported_method", .warn, ref: "RFC 8414 §2",
        "The server does not list {{method}} in code_challenge_methods_supported; it may ignore or reject PKCE.")

    // MARK: - preset

    public static let presetAtlassianAudience = FindingKind(
        "preset.atlassian.audience", .info, ref: "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/",
        "Atlassian needs audience=api.atlassian.com and prompt=consent on the authorization request; oauthscope adds both.")
    public static let presetAtlassianCloudId = FindingKind(
        "preset.atlassian.cloud_id", .info, ref: "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/",
        "API calls go to https://api.atlassian.com/ex/{product}/{cloudid}/...; the accessible-resources follow-up lists the cloud ids.")
    public static let presetAtlassianScopes = FindingKind(
        "preset.atlassian.scopes", .info, ref: "https://developer.atlassian.com/cloud/oauth/getting-started/implementing-oauth-3lo",
        "Only scopes added to the app in the developer console can be requested; the default read:me needs the User Identity API. offline_access gives a refresh token.")
    public static let presetBitbadgesApiKey = FindingKind(
        "preset.bitbadges.api_key", .info, ref: "https://docs.bitbadges.io/for-developers/bitbadges-api/api",
        "BitBadges wants its API key in an x-api-key header on the token request; pass it with --token-header 'x-api-key: ...'.")
    public static let presetBitbadgesIdentity = FindingKind(
        "preset.bitbadges.identity", .info, ref: "https://docs.bitbadges.io/for-developers/sign-in-with-bitbadges/verification/verification-flow",
        "The user's identity is the address, chain and bitbadgesAddress in the token response; there is no ID token.")
    public static let presetBitbadgesJsonBody = FindingKind(
        "preset.bitbadges.json_body", .info, ref: "https://docs.bitbadges.io/for-developers/sign-in-with-bitbadges/verification/verification-flow",
        "The token request is a JSON body (code, grant_type, client_id, client_secret, redirect_uri), not a form.")
    public static let presetBitbadgesLateExchange = FindingKind(
        "preset.bitbadges.late_exchange", .info, ref: "https://docs.bitbadges.io/for-developers/authenticating-with-bitbadges/approaches/manual",
        "BitBadges keeps codes for delayed exchanges (QR codes for in-person sign-in), so exchanging a code minutes later is legitimate; each code can be exchanged only once.")
    public static let presetBitbucketBasicAuth = FindingKind(
        "preset.bitbucket.basic_auth", .info, ref: "https://developer.atlassian.com/cloud/bitbucket/oauth-2/",
        "The token request authenticates the consumer with HTTP Basic (key:secret), as in Bitbucket's curl -u example.")
    public static let presetBitbucketRedirectPrefix = FindingKind(
        "preset.bitbucket.redirect_prefix", .info, ref: "https://confluence.atlassian.com/bitbucket/oauth-on-bitbucket-cloud-238027431.html",
        "Bitbucket accepts a redirect_uri only if it is the consumer's callback URL or a path under it (…/add-on → …/add-on/function); without one it uses the configured callback URL. For oauthscope, set the consumer's callback URL to http://127.0.0.1:8765/ or to the exact --redirect-uri.")
    public static let presetBitbucketScopes = FindingKind(
        "preset.bitbucket.scopes", .info, ref: "https://confluence.atlassian.com/bitbucket/oauth-on-bitbucket-cloud-238027431.html",
        "Bitbucket grants the scopes ticked on the consumer's permissions; --scope is optional.")
    public static let presetGithubNoOidc = FindingKind(
        "preset.github.no_oidc", .info, ref: "https://docs.github.com/en/rest/users/users#get-the-authenticated-user",
        "GitHub OAuth apps issue no ID token; the user comes from GET https://api.github.com/user, which wants a User-Agent header.")
    public static let presetGithubRedirect = FindingKind(
        "preset.github.redirect", .info, ref: "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
        "A redirect_uri must keep the callback URL's host and port and may add a path under it; a loopback redirect_uri may use any port.")
    public static let presetGoogleClientType = FindingKind(
        "preset.google.client_type", .info, ref: "https://developers.google.com/identity/protocols/oauth2/native-app",
        "A Web application client must list the redirect URI exactly, port included; a Desktop app client accepts a loopback redirect on any port.")
    public static let presetGoogleOffline = FindingKind(
        "preset.google.offline", .info, ref: "https://developers.google.com/identity/protocols/oauth2/web-server",
        "access_type=offline asks Google for a refresh token; Google returns one only when the user grants consent, so a repeat sign-in may come back without it (add --param prompt=consent to ask again).")
    public static let presetMicrosoftLoopback = FindingKind(
        "preset.microsoft.loopback", .info, ref: "https://learn.microsoft.com/en-us/entra/identity-platform/reply-url",
        "For a localhost redirect URI Microsoft ignores the port when matching, so the registered http://localhost/… works on any port.")
    public static let presetMicrosoftMultiTenantIssuer = FindingKind(
        "preset.microsoft.multi_tenant_issuer", .info, ref: "https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc",
        "With common, organizations or consumers, the discovery issuer is a {tenantid} template and each ID token's iss names the user's own tenant, so iss cannot be compared with the discovery issuer literally. Give a tenant id (--preset-param tenant=...) for a strict iss check.")
    public static let presetMicrosoftTenant = FindingKind(
        "preset.microsoft.tenant", .info, ref: "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow",
        "The tenant decides who may sign in: common (work, school and personal accounts), organizations, consumers, or one directory by id or domain (--preset-param tenant=...).")
    public static let presetOidcDiscovery = FindingKind(
        "preset.oidc.discovery", .info, ref: "OIDC Discovery §4",
        "Endpoints, client authentication methods and PKCE support are read from the issuer's discovery document.")
    public static let presetQuirkCommaSeparatedScopes = FindingKind(
        "preset.quirk.comma_separated_scopes", .info, ref: "RFC 6749 §3.3",
        "scope is a comma-separated list, not the space-separated list of RFC 6749 §3.3.")
    public static let presetQuirkErrorsWithStatus200 = FindingKind(
        "preset.quirk.errors_with_status_200", .info, ref: "RFC 6749 §5.2",
        "Token endpoint errors (bad_verification_code, redirect_uri_mismatch, ...) come back with HTTP 200; the body decides, not the status.")
    public static let presetQuirkExtraTokenResponseFields = FindingKind(
        "preset.quirk.extra_token_response_fields", .info, ref: "RFC 6749 §5.1",
        "The token response carries {{fields}} beside the standard members.")
    public static let presetQuirkFormEncodedTokenResponse = FindingKind(
        "preset.quirk.form_encoded_token_response", .info, ref: "RFC 6749 §5.1",
        "The token endpoint answers form-encoded unless asked for JSON with Accept: application/json, which oauthscope sends.")
    public static let presetQuirkMultiTenantIssuer = FindingKind(
        "preset.quirk.multi_tenant_issuer", .info, ref: "OIDC Discovery §4.3",
        "With a multi-tenant alias the discovery issuer is a {tenantid} template and each ID token's iss names the user's tenant, so iss cannot be compared with the metadata literally.")
    public static let presetQuirkNoOidc = FindingKind(
        "preset.quirk.no_oidc", .info, ref: "OIDC Core §3.1",
        "There is no OpenID Connect here: no ID token and no discovery; identity comes from an API call after the exchange.")
    public static let presetQuirkPkceUndocumented = FindingKind(
        "preset.quirk.pkce_undocumented", .info, ref: "RFC 7636 §4.4",
        "The provider does not document PKCE; oauthscope sends S256 anyway, but the code may not be bound to the verifier.")
    public static let presetQuirkRedirectUriOptional = FindingKind(
        "preset.quirk.redirect_uri_optional", .info, ref: "RFC 6749 §4.1.1",
        "redirect_uri may be omitted, and the provider then uses the callback URL registered for the client.")
    public static let presetQuirkRotatingRefreshTokens = FindingKind(
        "preset.quirk.rotating_refresh_tokens", .info, ref: "RFC 9700 §4.14.2",
        "Refresh tokens rotate: every refresh returns a new one and disables the one just used, so keep the newest.")
    public static let presetQuirkStringExpiresIn = FindingKind(
        "preset.quirk.string_expires_in", .info, ref: "RFC 6749 §5.1",
        "expires_in may arrive as a string such as \"3599\"; oauthscope reads it as a number and says so.")

    // MARK: - grants without a redirect (client credentials, refresh, token exchange)

    public static let clientCredentialsRefreshToken = FindingKind(
        "client_credentials.refresh_token", .warn, ref: "RFC 6749 §4.4.3",
        "The client-credentials answer carries a refresh token; RFC 6749 says it SHOULD NOT: the client can ask again with its own credentials, so a refresh token only adds a secret to keep.")
    public static let clientCredentialsIdToken = FindingKind(
        "client_credentials.id_token", .warn, ref: "RFC 6749 §4.4, OIDC Core §2",
        "The client-credentials answer carries an ID token, but no user took part: an ID token asserts a user's authentication, and here there is none.")
    public static let clientCredentialsPublicClient = FindingKind(
        "client_credentials.public_client", .warn, ref: "RFC 6749 §4.4",
        "The client-credentials grant is for confidential clients only; this request carries no client authentication (--token-auth none), so the server should refuse it with unauthorized_client or invalid_client.")
    public static let grantUnadvertised = FindingKind(
        "discovery.grant_unadvertised", .warn, ref: "RFC 8414 §2",
        "The provider's metadata {{how}}, so it may refuse grant_type {{wire}}; the request is sent anyway.")
    public static let demoSeededToken = FindingKind(
        "demo.seeded_token", .info, ref: nil,
        "The embedded provider started with a {{what}} for the demo client (user {{user}}, scope {{scope}}), as if an earlier authorization-code flow had issued it: this run uses it as {{role}}.")
    public static let refreshRotated = FindingKind(
        "refresh.rotated", .info, ref: "RFC 9700 §4.14.2",
        "The refresh token rotated: the answer carries a new one, and the one presented should now be refused. Keep the new one.")
    public static let refreshScopeWider = FindingKind(
        "refresh.scope_wider", .warn, ref: "RFC 6749 §6",
        "The refreshed token's scope adds {{extra}} to the scope asked for ({{asked}}); a refresh may narrow the scope, and the answer should say the scope granted.")
    public static let tokenExchangeIssuedTypeMissing = FindingKind(
        "token_exchange.issued_token_type_missing", .error, ref: "RFC 8693 §2.2.1",
        "The token-exchange answer has no issued_token_type, which is REQUIRED: without it the client cannot know what kind of token it holds.")
    public static let tokenExchangeTokenTypeNA = FindingKind(
        "token_exchange.token_type_na", .warn, ref: "RFC 8693 §2.2.1",
        "token_type is N_A, but the issued token is an access token: N_A is only for tokens that cannot be used as access tokens.")
    public static let tokenExchangeTokenTypeNotNA = FindingKind(
        "token_exchange.token_type_not_na", .warn, ref: "RFC 8693 §2.2.1",
        "The issued token is {{issued}}, not an access token, so token_type should be N_A; it is \"{{tokenType}}\".")
    public static let tokenExchangeOtherType = FindingKind(
        "token_exchange.other_type", .info, ref: "RFC 8693 §2.1",
        "The server issued {{issued}} although {{requested}} was asked for; requested_token_type is a wish the server may not grant.")

    // MARK: - redirect

    public static let redirectInvalid = FindingKind(
        "redirect.invalid", .error, ref: "RFC 6749 §3.1.2",
        "The redirect_uri \"{{sent}}\" is not an absolute URI; pass one like http://127.0.0.1:8765/callback with --redirect-uri.")
    public static let redirectMismatch = FindingKind(
        "redirect.mismatch", .error, ref: "RFC 9700 §4.1.3",
        "{{lead}} Registered: {{shownRegistered}}; sending: {{shownSent}}{{value}}.{{portNote}} {{value2}}")
    public static let redirectOmitUndocumented = FindingKind(
        "redirect.omit_undocumented", .warn, ref: "RFC 6749 §3.1.2.3",
        "redirect_uri is left out (--omit-redirect-uri), but {{displayName}} does not document a fallback to the registered callback; it may refuse the request. RFC 6749 allows leaving it out only when the client registered exactly one redirect URI.")
    public static let redirectOmitted = FindingKind(
        "redirect.omitted", .info, ref: "RFC 6749 §3.1.2.3",
        "redirect_uri is left out of the authorization and token requests (--omit-redirect-uri), so {{who}} sends the user to the callback URL registered for the client. oauthscope listens on {{listening}}: the registered callback must be that address, or the code arrives somewhere else.")
    public static let redirectOmittedElsewhere = FindingKind(
        "redirect.omitted_elsewhere", .error, ref: "RFC 6749 §3.1.2.3",
        "Without redirect_uri the provider redirects to the registered callback {{registered}}, but oauthscope listens on {{listening}}. Run with --redirect-uri {{registered}} (when it is a loopback address), or forward the callback with oauthscope listen.")
    public static let redirectPrefixMismatch = FindingKind(
        "redirect.prefix_mismatch", .error, ref: "RFC 6749 §3.1.2.3",
        "{{why}} {{fix}}")
    public static let redirectRegisteredInvalid = FindingKind(
        "redirect.registered_invalid", .error, ref: "RFC 6749 §3.1.2",
        "The registered callback \"{{registered}}\" is not an absolute URI, so it cannot be compared with the redirect_uri; copy it exactly from the provider's client settings.")

    // MARK: - refresh

    public static let refreshIdToken = FindingKind(
        "refresh.id_token_{{name}}", .error, ref: "OIDC Core §12.2",
        "The refreshed ID token fails {{name}}: {{detail}}")
    public static let refreshNotRotated = FindingKind(
        "refresh.not_rotated", .info, ref: "RFC 9700 §4.14.2",
        "The refresh token was not rotated. For public clients, refresh tokens must be sender-constrained or rotated.")
    public static let refreshOldTokenAccepted = FindingKind(
        "refresh.old_token_accepted", .error, ref: "RFC 9700 §4.14.2",
        "The provider accepted a refresh token that rotation had replaced: a stolen old token stays usable.")

    // MARK: - token

    public static let tokenCacheControl = FindingKind(
        "token.cache_control", .info, ref: "RFC 6749 §5.1",
        "The token response lacks Cache-Control: no-store, which RFC 6749 requires for responses carrying tokens.")
    public static let tokenContentType = FindingKind(
        "token.content_type", .warn, ref: "RFC 6749 §5.1",
        "The token response is JSON but its Content-Type is \"{{value}}\", not application/json.")
    public static let tokenErrorWithSuccessStatus = FindingKind(
        "token.error_with_success_status", .warn, ref: "RFC 6749 §5.2",
        "The token endpoint sent an error with HTTP {{status}}; RFC 6749 requires 400 (401 for invalid_client).")
    public static let tokenExpiresInMissing = FindingKind(
        "token.expires_in_missing", .info, ref: "RFC 6749 §5.1",
        "expires_in is absent, so the lifetime of the access token is unknown.")
    public static let tokenExpiresInRange = FindingKind(
        "token.expires_in_range", .warn, ref: "RFC 6749 §5.1",
        "expires_in {{problem}} (seconds), so it is not a lifetime; ignored, and the lifetime is unknown.")
    public static let tokenExpiresInString = FindingKind(
        "token.expires_in_string", .warn, ref: "RFC 6749 §5.1",
        "expires_in is the string \"{{s}}\", not a number{{value}}; read as {{value2}}.")
    public static let tokenExpiresInType = FindingKind(
        "token.expires_in_type", .warn, ref: "RFC 6749 §5.1",
        "expires_in has an unexpected type; ignored.")
    public static let tokenFormEncoded = FindingKind(
        "token.form_encoded", .warn, ref: "RFC 6749 §5.1",
        "The token response is form-encoded, not JSON (GitHub does this unless sent Accept: application/json). oauthscope reads it anyway.")
    public static let tokenNonstandardError = FindingKind(
        "token.nonstandard_error", .warn, ref: "RFC 6749 §5.2",
        "The error body has no \"error\" member{{value}}")
    public static let tokenTokenTypeMissing = FindingKind(
        "token.token_type_missing", .warn, ref: "RFC 6749 §5.1",
        "token_type is missing; it is REQUIRED. Assuming Bearer.")
    public static let tokenTokenTypeUnusual = FindingKind(
        "token.token_type_unusual", .info, ref: "RFC 6749 §7.1",
        "token_type is \"{{tokenType}}\"; clients must know how to use it.")

    /// The whole table, for the documentation and the tests.
    public static let all: [FindingKind] = [
        browserExitStatus, callbackNotThisFlow, callbackUnverifiedError, clientPublic,
        demoFault, doctorProbe, discoveryIssuerTemplate, discoveryIssuerTrailingSlash, discoveryNoS256,
        discoveryPkceUnadvertised, discoveryRfc8414, endpointHttpFromHttpsIssuer, endpointInsecureHttp,
        exchangeSkipped, httpRedirectRefused, idToken, listenExchangeAny,
        listenNoVerifier, listenNotExchanged, listenVerifierFileReadable, listenFragmentUnreadable, listenerNonLoopback, oidcNoIdToken, oidcNoNonce,
        pkceDisabled, pkcePlain, pkceUnsupportedMethod, presetAtlassianAudience,
        presetAtlassianCloudId, presetAtlassianScopes, presetBitbadgesApiKey, presetBitbadgesIdentity,
        presetBitbadgesJsonBody, presetBitbadgesLateExchange, presetBitbucketBasicAuth, presetBitbucketRedirectPrefix,
        presetBitbucketScopes, presetGithubNoOidc, presetGithubRedirect, presetGoogleClientType,
        presetGoogleOffline, presetMicrosoftLoopback, presetMicrosoftMultiTenantIssuer, presetMicrosoftTenant,
        presetOidcDiscovery, presetQuirkCommaSeparatedScopes, presetQuirkErrorsWithStatus200, presetQuirkExtraTokenResponseFields,
        presetQuirkFormEncodedTokenResponse, presetQuirkMultiTenantIssuer, presetQuirkNoOidc, presetQuirkPkceUndocumented,
        presetQuirkRedirectUriOptional, presetQuirkRotatingRefreshTokens, presetQuirkStringExpiresIn, redirectInvalid,
        redirectMismatch, redirectOmitUndocumented, redirectOmitted, redirectOmittedElsewhere,
        redirectPrefixMismatch, redirectRegisteredInvalid, refreshIdToken, refreshNotRotated,
        refreshOldTokenAccepted, tokenCacheControl, tokenContentType, tokenErrorWithSuccessStatus,
        tokenExpiresInMissing, tokenExpiresInRange, tokenExpiresInString, tokenExpiresInType,
        tokenFormEncoded, tokenNonstandardError, tokenTokenTypeMissing, tokenTokenTypeUnusual,
        clientCredentialsRefreshToken, clientCredentialsIdToken, clientCredentialsPublicClient, grantUnadvertised,
        demoSeededToken, refreshRotated, refreshScopeWider, tokenExchangeIssuedTypeMissing,
        tokenExchangeTokenTypeNA, tokenExchangeTokenTypeNotNA, tokenExchangeOtherType,
    ]

    /// The kind a code belongs to (a family code such as `id_token.signature` finds `id_token.{{check}}`).
    public static func kind(code: String) -> FindingKind? {
        all.first { $0.code == code } ?? all.first { k in
            guard let open = k.code.range(of: "{{") else { return false }
            return code.hasPrefix(k.code[..<open.lowerBound]) && code.count > k.code.distance(from: k.code.startIndex, to: open.lowerBound)
        }
    }
}
