import Foundation

/// A value a preset needs from the user before its endpoints are complete, such as Microsoft's `tenant`.
/// Endpoints name it as `{name}`; `ProviderPreset.resolved(parameters:)` fills it in.
public struct PresetParameter: Sendable, Hashable {
    public var name: String
    /// One line for `--help` and for the error when it is missing.
    public var help: String
    /// Used when the user gives no value; nil makes the parameter required.
    public var defaultValue: String?

    public init(name: String, help: String, defaultValue: String? = nil) {
        self.name = name
        self.help = help
        self.defaultValue = defaultValue
    }

    /// The flag that sets this parameter. `issuer` is the ordinary `--issuer` flag; the rest go through
    /// `--preset-param`.
    public var flagHint: String {
        name == "issuer" ? "--issuer URL" : "--preset-param \(name)=..."
    }
}

/// How a provider compares the `redirect_uri` in a request with the one registered for the client. One value per
/// provider (its preset's `redirectRule`), read both by the check before the user is sent and by the embedded
/// provider's imitation, so the two cannot disagree.
public struct RedirectRule: Sendable, Hashable {
    /// Whether the path must be the registered one, or may continue it.
    public enum PathMatch: Sendable, Hashable {
        /// The whole URI character for character (RFC 9700 §4.1.3), except what `loopbackAnyPort` allows.
        case exact
        /// The registered path or a path under it, at a segment boundary (`/cb` and `/cb/x`, not `/cb2`).
        case sameOrUnder
    }

    public var path: PathMatch
    /// An `http` loopback redirect URI may use any port (RFC 8252 §7.3).
    public var loopbackAnyPort: Bool
    /// The host may be a subdomain of the registered one (GitHub: "host (excluding sub-domains)").
    public var subdomains: Bool

    public init(path: PathMatch, loopbackAnyPort: Bool, subdomains: Bool = false) {
        self.path = path
        self.loopbackAnyPort = loopbackAnyPort
        self.subdomains = subdomains
    }

    /// Character for character (RFC 9700 §4.1.3; Google, Atlassian, BitBadges).
    public static let exact = RedirectRule(path: .exact, loopbackAnyPort: false)
    /// Exact, except that an `http` loopback URI may use any port (RFC 8252 §7.3, RFC 9700 §2.1; Microsoft).
    public static let loopbackAnyPort = RedirectRule(path: .exact, loopbackAnyPort: true)
    /// The registered URL itself or a path under it, on the same scheme, host and port (Bitbucket Cloud).
    public static let prefix = RedirectRule(path: .sameOrUnder, loopbackAnyPort: false)
    /// A path under the registered one, on its host or a subdomain, same port, and any port on loopback (GitHub).
    public static let github = RedirectRule(path: .sameOrUnder, loopbackAnyPort: true, subdomains: true)

    /// Whether a request's `redirect_uri` is accepted for a client that registered `registered`.
    public func accepts(_ requested: String, registered: String) -> Bool {
        if requested == registered { return true }
        guard let r = RedirectURIParts(requested), let g = RedirectURIParts(registered), r.scheme == g.scheme else { return false }
        let hostOK = r.host == g.host || (subdomains && !r.isLoopbackHTTP && r.host.hasSuffix("." + g.host))
        let portOK = r.port == g.port || (loopbackAnyPort && r.isLoopbackHTTP && g.isLoopbackHTTP)
        guard hostOK, portOK else { return false }
        switch path {
        case .exact:
            // Only the port may differ, and only on loopback: the rest as written.
            return loopbackAnyPort && r.isLoopbackHTTP && r.path == g.path && r.query == g.query
        case .sameOrUnder:
            // The registered callback's own query, if any, must be kept.
            return RedirectRuleCheck.isSameOrUnder(r.path, g.path) && (g.query == nil || r.query == g.query)
        }
    }

    /// The rule in a sentence, for explanations: "... compares it character for character".
    public var summary: String {
        switch (path, loopbackAnyPort) {
        case (.exact, false):
            return "compares it with the registered callback character for character (RFC 9700 §4.1.3)"
        case (.exact, true):
            return "compares it with the registered callback exactly, except that an http loopback redirect_uri may use any port (RFC 8252 §7.3)"
        case (.sameOrUnder, let loopback):
            return "accepts it only when it is the registered callback or a path under it, on the same scheme, "
                + (subdomains ? "host (or a subdomain of it)" : "host") + " and port"
                + (loopback ? ", except that an http loopback redirect_uri may use any port (RFC 8252 §7.3)" : "")
        }
    }
}

/// A request worth making once the tokens are in hand, e.g. Atlassian's list of accessible sites.
public struct PresetFollowUp: Sendable, Hashable {
    /// A short key for `--then` and the TUI, e.g. `accessible-resources`.
    public var name: String
    /// The HTTP method, e.g. `GET`.
    public var method: String
    /// The absolute URL; may contain the preset's `{parameter}` placeholders until resolved.
    public var url: String
    /// What the call shows and how it is authenticated.
    public var help: String

    public init(name: String, method: String, url: String, help: String) {
        self.name = name
        self.method = method
        self.url = url
        self.help = help
    }
}

/// A way a provider's token endpoint departs from RFC 6749 or adds to it. The flow doctor turns these into
/// findings; the embedded provider imitates them.
public enum PresetQuirk: Sendable, Hashable {
    /// `expires_in` may arrive as a JSON string ("3599"), not a number (RFC 6749 §5.1 says number).
    case expectsStringExpiresIn
    /// The token response is `application/x-www-form-urlencoded` unless the request sends
    /// `Accept: application/json` (GitHub).
    case formEncodedTokenResponseUnlessJSON
    /// Token endpoint errors come with HTTP 200 instead of 400/401 (RFC 6749 §5.2).
    case errorsWithStatus200
    /// Members the token response carries beside the RFC 6749 / OIDC ones.
    case extraTokenResponseFields([String])
    /// Each refresh returns a new refresh token and disables the one used (RFC 9700 §4.14.2).
    case rotatingRefreshTokens
    /// The provider does not speak OpenID Connect: no `id_token`, no discovery, no `openid` scope.
    case noOpenIDConnect
    /// `scope` is a comma-separated list, not space-separated (RFC 6749 §3.3).
    case commaSeparatedScopes
    /// The provider does not document PKCE. oauthscope still sends S256 (RFC 9700 §2.1.1); a server that
    /// ignores unknown parameters (RFC 6749 §3.1) then does not bind the code to the verifier.
    case pkceUndocumented
    /// `redirect_uri` may be left out; the provider then uses the one registered for the client.
    case redirectURIOptional
    /// For a multi-tenant alias (`common`, `organizations`, `consumers`) the discovery document's `issuer`
    /// is a template (`.../{tenantid}/v2.0`) and each ID token's `iss` names the user's own tenant.
    case multiTenantIssuerTemplate

    /// This quirk's entry of the finding catalogue.
    public var kind: FindingKind {
        switch self {
        case .expectsStringExpiresIn: return FindingCatalogue.presetQuirkStringExpiresIn
        case .formEncodedTokenResponseUnlessJSON: return FindingCatalogue.presetQuirkFormEncodedTokenResponse
        case .errorsWithStatus200: return FindingCatalogue.presetQuirkErrorsWithStatus200
        case .extraTokenResponseFields: return FindingCatalogue.presetQuirkExtraTokenResponseFields
        case .rotatingRefreshTokens: return FindingCatalogue.presetQuirkRotatingRefreshTokens
        case .noOpenIDConnect: return FindingCatalogue.presetQuirkNoOidc
        case .commaSeparatedScopes: return FindingCatalogue.presetQuirkCommaSeparatedScopes
        case .pkceUndocumented: return FindingCatalogue.presetQuirkPkceUndocumented
        case .redirectURIOptional: return FindingCatalogue.presetQuirkRedirectUriOptional
        case .multiTenantIssuerTemplate: return FindingCatalogue.presetQuirkMultiTenantIssuer
        }
    }

    /// A stable code for the finding this quirk becomes, e.g. `preset.quirk.errors_with_status_200`.
    public var code: String { kind.code }

    /// One plain sentence for a person.
    public var explanation: String { finding.message }

    /// Where the rule this quirk departs from is written.
    public var ref: String { kind.ref ?? "" }

    /// The finding this quirk becomes at the start of a flow.
    public var finding: Finding {
        if case .extraTokenResponseFields(let names) = self { return kind.finding(names.joined(separator: ", ")) }
        return kind.finding()
    }
}

/// Everything oauthscope needs to run an authorization-code flow against one provider from a client id
/// alone: endpoints, client authentication, body encoding, extra parameters, quirks and follow-up calls.
/// Pure data; `ProviderPresets.all` holds the shipped ones, each with the documentation it was taken from.
public struct ProviderPreset: Sendable, Hashable {
    /// The `--preset` name, e.g. `bitbucket`.
    public var name: String
    /// For people, e.g. `Bitbucket Cloud`.
    public var displayName: String
    /// The issuer for discovery and for the `iss` checks; may contain `{tenant}`. Nil when there is no discovery.
    public var issuer: String?
    /// May contain `{tenant}`; nil when discovery supplies it.
    public var authorizationEndpoint: String?
    public var tokenEndpoint: String?
    public var userinfoEndpoint: String?
    public var revocationEndpoint: String?
    public var introspectionEndpoint: String?
    public var tokenAuth: ClientAuthMethod
    public var tokenBody: TokenBodyEncoding
    /// Used when the user gives no `--scope`.
    public var defaultScope: String?
    /// Sent on every authorization request, e.g. `audience=api.atlassian.com`, `prompt=consent`.
    public var authorizationParameters: [FormField]
    /// Sent on every token request, e.g. `Accept: application/json` for GitHub.
    public var tokenHeaders: [FormField]
    /// Header names the user must supply (`--token-header`), e.g. `x-api-key` for BitBadges.
    public var requiredTokenHeaders: [String]
    /// The PKCE method to use; nil means do not send PKCE.
    public var pkce: PKCEMethod?
    public var redirectRule: RedirectRule
    public var parameters: [PresetParameter]
    /// Calls offered after the exchange.
    public var followUps: [PresetFollowUp]
    /// Facts shown at the start of a flow (severity info), each with its documentation address as `ref`.
    public var notes: [Finding]
    /// How the token endpoint departs from the RFCs.
    public var quirks: Set<PresetQuirk>
    /// How long the provider keeps an authorization code, when that matters for a late exchange.
    public var codeLifetimeHint: String?
    /// The provider's own members and parameters (not defined by OAuth), each explained with its documentation.
    public var glossary: [String: Glossary.Entry]
    /// `oauthscope doctor` probes that cannot apply to this provider beyond what its quirks say, each with why and
    /// where its documentation says so (`doctorSkips` adds the quirk-derived ones).
    public var probesNotApplicable: [String: String]
    /// Grants the provider does not offer, each with why and where its documentation says so; `--grant` refuses
    /// them with that reason. Every other grant is tried (discovery's `grant_types_supported` may still say no).
    public var grantRefusals: [GrantType: String]

    public init(
        name: String, displayName: String, issuer: String? = nil,
        authorizationEndpoint: String? = nil, tokenEndpoint: String? = nil, userinfoEndpoint: String? = nil,
        revocationEndpoint: String? = nil, introspectionEndpoint: String? = nil,
        tokenAuth: ClientAuthMethod, tokenBody: TokenBodyEncoding = .form, defaultScope: String? = nil,
        authorizationParameters: [FormField] = [], tokenHeaders: [FormField] = [], requiredTokenHeaders: [String] = [],
        pkce: PKCEMethod? = .s256, redirectRule: RedirectRule = .exact, parameters: [PresetParameter] = [],
        followUps: [PresetFollowUp] = [], notes: [Finding] = [], quirks: Set<PresetQuirk> = [], codeLifetimeHint: String? = nil,
        glossary: [String: Glossary.Entry] = [:], probesNotApplicable: [String: String] = [:],
        grantRefusals: [GrantType: String] = [:]
    ) {
        self.name = name
        self.displayName = displayName
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.userinfoEndpoint = userinfoEndpoint
        self.revocationEndpoint = revocationEndpoint
        self.introspectionEndpoint = introspectionEndpoint
        self.tokenAuth = tokenAuth
        self.tokenBody = tokenBody
        self.defaultScope = defaultScope
        self.authorizationParameters = authorizationParameters
        self.tokenHeaders = tokenHeaders
        self.requiredTokenHeaders = requiredTokenHeaders
        self.pkce = pkce
        self.redirectRule = redirectRule
        self.parameters = parameters
        self.followUps = followUps
        self.notes = notes
        self.quirks = quirks
        self.codeLifetimeHint = codeLifetimeHint
        self.glossary = glossary
        self.probesNotApplicable = probesNotApplicable
        self.grantRefusals = grantRefusals
    }

    /// Why `--grant grant` cannot run against this provider, or nil when it can.
    public func refusal(of grant: GrantType) -> String? {
        grantRefusals[grant].map { "\(displayName) does not offer the \(grant.displayName) grant: \($0)" }
    }

    /// The doctor's probes skipped for this provider, by probe id, each with the reason shown as its `skip`
    /// detail: a provider without OpenID Connect issues no ID tokens. (Without discovery, `metadata-consistent`
    /// skips itself: its run is what finds the endpoints every later probe uses.)
    public var doctorSkips: [String: String] {
        var skips: [String: String] = [:]
        if quirks.contains(.noOpenIDConnect) {
            skips[ProbeCatalogue.idTokenAlgAllowed.id] = "\(displayName) does not speak OpenID Connect: it issues no ID tokens"
        }
        return skips.merging(probesNotApplicable) { _, stated in stated }
    }

    /// Every URL the preset holds, labelled, in a fixed order: issuer, the five endpoints, then follow-ups.
    public var endpoints: [(label: String, url: String)] {
        var list: [(String, String)] = []
        if let issuer { list.append(("issuer", issuer)) }
        if let authorizationEndpoint { list.append(("authorization_endpoint", authorizationEndpoint)) }
        if let tokenEndpoint { list.append(("token_endpoint", tokenEndpoint)) }
        if let userinfoEndpoint { list.append(("userinfo_endpoint", userinfoEndpoint)) }
        if let revocationEndpoint { list.append(("revocation_endpoint", revocationEndpoint)) }
        if let introspectionEndpoint { list.append(("introspection_endpoint", introspectionEndpoint)) }
        for f in followUps { list.append(("follow-up \(f.name)", f.url)) }
        return list
    }

    /// True when the authorization or token endpoint must come from discovery of `issuer`.
    public var needsDiscovery: Bool { authorizationEndpoint == nil || tokenEndpoint == nil }

    /// The notes followed by one finding per quirk, in a stable order: what a flow shows at its start.
    public var startFindings: [Finding] {
        notes + quirks.map(\.finding).sorted { $0.code < $1.code }
    }

    /// Endpoints with parameters filled in (`{tenant}` → the value given, else the default). Throws a clear
    /// error naming the flag when a required parameter has no value, a value cannot be used, or a parameter
    /// name is not one this preset takes.
    public func resolved(parameters given: [String: String]) throws(PresetError) -> ProviderPreset {
        let known = parameters.map(\.name)
        for key in given.keys.sorted() where !known.contains(key) {
            throw .unknownParameter(preset: name, parameter: key, known: known)
        }
        var values: [String: String] = [:]
        for p in parameters {
            let raw = given[p.name].map { $0.trimmingCharacters(in: .whitespaces) }
            guard let value = (raw?.isEmpty == false ? raw : nil) ?? p.defaultValue else {
                throw .missingParameter(preset: name, parameter: p.name, flag: p.flagHint, help: p.help)
            }
            if let reason = PresetParameterValidation.problem(name: p.name, value: value) {
                throw .invalidParameter(preset: name, parameter: p.name, value: value, reason: reason)
            }
            values[p.name] = value
        }
        func fill(_ s: String) -> String {
            var out = s
            for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
            return out
        }
        var r = self
        r.issuer = issuer.map(fill)
        r.authorizationEndpoint = authorizationEndpoint.map(fill)
        r.tokenEndpoint = tokenEndpoint.map(fill)
        r.userinfoEndpoint = userinfoEndpoint.map(fill)
        r.revocationEndpoint = revocationEndpoint.map(fill)
        r.introspectionEndpoint = introspectionEndpoint.map(fill)
        r.followUps = followUps.map { var f = $0; f.url = fill(f.url); return f }
        r.authorizationParameters = authorizationParameters.map { FormField($0.name, fill($0.value)) }
        // The values used become the defaults, so resolving again is a no-op and `--help` shows them.
        r.parameters = parameters.map { var p = $0; p.defaultValue = values[p.name]; return p }
        for (label, url) in r.endpoints {
            for p in parameters where url.contains("{\(p.name)}") {
                throw .unresolvedPlaceholder(preset: name, placeholder: p.name, endpoint: label)
            }
        }
        return r
    }

    /// The same preset with every endpoint's scheme, host and port replaced by `base`'s (paths and queries
    /// kept; `base`'s own path is ignored), for running it against the embedded provider's imitation on loopback.
    public func rebased(onto base: URL) -> ProviderPreset {
        guard let scheme = base.scheme, let host = base.host, !host.isEmpty else { return self }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let origin = "\(scheme)://\(bracketed)" + (base.port.map { ":\($0)" } ?? "")
        func swap(_ s: String) -> String { PresetURLText.replacingOrigin(of: s, with: origin) }
        var r = self
        r.issuer = issuer.map(swap)
        r.authorizationEndpoint = authorizationEndpoint.map(swap)
        r.tokenEndpoint = tokenEndpoint.map(swap)
        r.userinfoEndpoint = userinfoEndpoint.map(swap)
        r.revocationEndpoint = revocationEndpoint.map(swap)
        r.introspectionEndpoint = introspectionEndpoint.map(swap)
        r.followUps = followUps.map { var f = $0; f.url = swap(f.url); return f }
        return r
    }
}

/// Why a preset could not be used as asked. Each message names the flag that fixes it.
public enum PresetError: Error, Hashable, CustomStringConvertible {
    case unknownPreset(String, known: [String])
    case missingParameter(preset: String, parameter: String, flag: String, help: String)
    case invalidParameter(preset: String, parameter: String, value: String, reason: String)
    case unknownParameter(preset: String, parameter: String, known: [String])
    /// A `{placeholder}` was left in an endpoint after resolution: a defect in the preset itself.
    case unresolvedPlaceholder(preset: String, placeholder: String, endpoint: String)

    public var description: String {
        switch self {
        case .unknownPreset(let n, let known):
            return "--preset \(n) is not a preset oauthscope knows; choose one of \(known.joined(separator: ", "))"
        case .missingParameter(let preset, _, let flag, let help):
            return "--preset \(preset) needs \(flag) (\(help))"
        case .invalidParameter(let preset, let p, let v, let reason):
            let flag = p == "issuer" ? "--issuer" : "--preset-param \(p)"
            return "\(flag) \"\(v)\" cannot be used with --preset \(preset): \(reason)"
        case .unknownParameter(let preset, let p, let known):
            let takes = known.isEmpty ? "it takes no --preset-param" : "it takes \(known.joined(separator: ", "))"
            return "--preset-param \(p) is not a parameter of --preset \(preset); \(takes)"
        case .unresolvedPlaceholder(let preset, let ph, let endpoint):
            return "--preset \(preset) left {\(ph)} in its \(endpoint) after resolution; this is a bug in the preset, please report it"
        }
    }
}

/// Checks on parameter values, so that a value cannot change the shape of an endpoint URL.
enum PresetParameterValidation {
    static func problem(name: String, value: String) -> String? {
        switch name {
        case "issuer":
            guard let c = URLComponents(string: value), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty else {
                return "an issuer is an absolute URL such as https://login.example.com/realms/demo"
            }
            if c.query != nil || c.fragment != nil {
                return "an issuer has no query or fragment (OIDC Discovery §2)"
            }
            if scheme == "https" { return nil }
            if scheme == "http", RedirectURI.isLoopback(host: host) { return nil }
            return "an issuer uses https, except on a loopback address (OIDC Discovery §2)"
        default:
            // Tenant ids, domain names and aliases: letters, digits, '.', '-', '_' — nothing that could add a
            // path segment, a query or another host.
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".unicodeScalars)
            guard !value.isEmpty, value.unicodeScalars.allSatisfy(allowed.contains) else {
                return "only letters, digits, '.', '-' and '_' are allowed"
            }
            return nil
        }
    }
}

/// String-level URL surgery that works on templates such as `https://host/{tenant}/x`, which `URLComponents`
/// refuses because of the braces.
enum PresetURLText {
    /// Replaces `scheme://authority` of `url` with `origin`, keeping path, query and fragment as written.
    /// A string without `://` is returned unchanged.
    static func replacingOrigin(of url: String, with origin: String) -> String {
        guard let sep = url.range(of: "://") else { return url }
        let rest = url[sep.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        return origin + rest[end...]
    }
}
