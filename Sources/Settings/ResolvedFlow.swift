import FlowEngine
import Foundation
import OAuthCore

/// One flow's settings after merging and checking: what the controller needs, with errors that name the flag.
public struct ResolvedFlow: Sendable {
    /// The profile's name, or `flow`.
    public var label: String
    public var providerLabel: String
    public var provider: ProviderSource
    public var clientID: String
    public var secret: Secret?
    public var tokenAuth: ClientAuthMethod
    /// The grant to run (`--grant`).
    public var grant: GrantType
    /// What a grant without a redirect presents (refresh, subject and actor tokens; audiences, resources).
    public var grantInputs = DirectGrantInputs()
    public var redirectURI: String
    public var browser: String?
    public var noBrowser: Bool
    public var startFindings: [Finding]
    public var followUps: [FollowUpCall]
    /// Every merged value with its source.
    public var settings: ResolvedSettings

    /// Merges `layers` (flag, env, profile, default; any order) with the preset the merge names, and checks the
    /// result.
    /// - Parameters:
    ///   - profileName: the profile these layers came from ("" for none), for labels and errors.
    ///   - rebase: run the preset against the embedded provider's imitation at this base URL.
    ///   - exchangeOnly: only the token endpoint is needed (`listen --exchange`).
    ///   - environment: where `client_secret_env` is read.
    ///   - requireGrantTokens: a refresh or subject token must be given (the demo supplies its own afterwards).
    public static func resolve(_ layers: [SettingsLayer], profileName: String = "", rebase: URL? = nil, exchangeOnly: Bool = false,
                               environment: [String: String] = ProcessInfo.processInfo.environment, requireGrantTokens: Bool = true) throws(UsageError) -> ResolvedFlow {
        let label = profileName.isEmpty ? "flow" : profileName
        let given = ResolvedSettings(layers)
        var preset: ProviderPreset?
        if let name = given.text(.preset) {
            do throws(PresetError) {
                var params = Dictionary(given.pairs(.presetParams).map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
                let base = try ProviderPresets.require(name)
                if base.parameters.contains(where: { $0.name == "issuer" }), let issuer = given.text(.issuer) { params["issuer"] = issuer }
                var p = try base.resolved(parameters: params)
                if let rebase { p = p.rebased(onto: rebase) }
                preset = p
            } catch {
                throw UsageError(error.description)
            }
        }
        let m = preset.map { ResolvedSettings(layers + [SettingsLayer.preset($0)]) } ?? given

        let grant = m.choice(.grant, as: GrantType.self) ?? .authorizationCode
        if let p = preset, let why = p.refusal(of: grant) {
            throw UsageError("--grant \(grant.rawValue): \(why)")
        }
        // A grant without a redirect talks to the token endpoint alone.
        let tokenOnly = exchangeOnly || !grant.usesRedirect

        let provider: ProviderSource
        let providerLabel: String
        // Endpoints the user gave win over a preset's issuer; a preset's endpoints are the fallback only when
        // it has no issuer (a preset with one is discovered, so the ID token's keys are known).
        let endpointsGiven = m.givenByUser(.authorizeURL) || m.givenByUser(.tokenURL)
        let issuer = m.text(.issuer)
        if let a = m.text(.authorizeURL).flatMap(URL.init(string:)), let t = m.text(.tokenURL).flatMap(URL.init(string:)), endpointsGiven || issuer == nil {
            provider = .endpoints(authorization: a, token: t, issuer: issuer, jwks: nil)
            providerLabel = preset?.displayName ?? (a.host ?? a.absoluteString)
        } else if let issuer {
            provider = .issuer(issuer)
            providerLabel = preset.map { "\($0.displayName) (\(issuer))" } ?? issuer
        } else if tokenOnly, let t = m.text(.tokenURL).flatMap(URL.init(string:)) {
            // Exchanging codes another application asked for needs only the token endpoint.
            provider = .endpoints(authorization: t, token: t, issuer: nil, jwks: nil)
            providerLabel = preset?.displayName ?? (t.host ?? t.absoluteString)
        } else if m[.authorizeURL] != nil || m[.tokenURL] != nil {
            throw UsageError("give both --authorize-url and --token-url (or --issuer for discovery)")
        } else {
            throw UsageError("say which provider: --preset NAME, --issuer URL, or --authorize-url URL with --token-url URL (or a --profile that has them)")
        }
        guard let clientID = m.text(.clientID), !clientID.isEmpty else {
            let d = Setting.clientID.description
            throw UsageError("\(d.label) is required (or \(d.name) in the profile, or \(d.environmentVariable ?? d.name))")
        }
        var secret: Secret?
        if let v = m.text(.clientSecret) { secret = Secret(v) }
        else if let name = m.text(.clientSecretEnv) {
            guard let v = environment[name], !v.isEmpty else {
                throw UsageError("--client-secret-env \(name): the environment variable is not set or empty")
            }
            secret = Secret(v)
        } else if let path = m.text(.clientSecretFile) {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("--client-secret-file \(path): cannot read the file") }
            secret = Secret(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        } else if let command = m.text(.clientSecretCommand) {
            secret = Secret(try SecretCommand.run(command))
        }
        var findings = preset?.startFindings ?? []
        var auth = m.choice(.tokenAuth, as: TokenAuthArgument.self)?.method ?? (secret == nil ? .none : .clientSecretBasic)
        if auth != .none, secret == nil, !m.givenByUser(.tokenAuth), let p = preset {
            // The preset assumes a confidential client; without a secret this is a public one (RFC 8252 §8.4).
            auth = .none
            findings.append(FindingCatalogue.clientPublic.finding(p.tokenAuth.rawValue, step: "exchange"))
        }
        if auth != .none, secret == nil {
            throw UsageError("--token-auth \(m.text(.tokenAuth) ?? "basic") needs a client secret: give --client-secret-env NAME, --client-secret-file PATH or --client-secret")
        }
        // Only a confidential client may use client credentials (RFC 6749 §4.4). An explicit --token-auth none still
        // sends the request, with a warning, to show what the server answers.
        if grant == .clientCredentials, auth == .none, !m.givenByUser(.tokenAuth) {
            throw UsageError("--grant client-credentials needs client authentication: only a confidential client may use it (RFC 6749 §4.4). Give the client's secret with --client-secret-env NAME or --client-secret-file PATH (or --token-auth none to send it unauthenticated and see the server refuse it)")
        }
        let grantInputs = try DirectGrantSettings.inputs(for: grant, m, environment: environment)
        if requireGrantTokens, grant == .refreshToken, grantInputs.refreshToken == nil {
            throw UsageError("--grant refresh-token needs the refresh token: give --refresh-token-env NAME or --refresh-token-file PATH (never the token itself on the command line)")
        }
        if requireGrantTokens, grant == .tokenExchange, grantInputs.subjectToken == nil {
            throw UsageError("--grant token-exchange needs the subject token: give --subject-token-env NAME or --subject-token-file PATH (and --subject-token-type unless it is an access token)")
        }
        let tokenHeaders = m.pairs(.tokenHeaders)
        if let p = preset {
            for needed in p.requiredTokenHeaders where !tokenHeaders.contains(where: { $0.name.lowercased() == needed.lowercased() }) {
                throw UsageError("--preset \(p.name) needs --token-header '\(needed): ...' (\(p.displayName) checks it on the token request)")
            }
        }
        let redirectURI = m.text(.redirectURI) ?? Setting.defaultRedirectURI
        let registered = m.text(.registeredRedirectURI)
        if m.flag(.omitRedirectURI) {
            findings += omittedRedirectFindings(preset: preset, registered: registered, listening: redirectURI)
        } else if let rule = preset?.redirectRule, let finding = RedirectRuleCheck.explain(rule: rule, registered: registered, sent: redirectURI) {
            findings.append(finding)
        }
        let followUpNames = preset?.followUps.map(\.name) ?? []
        for a in m.list(.then) ?? [] where !FlowController.actionNames.contains(a) && !followUpNames.contains(a) {
            throw UsageError("--then \(a): unknown action; use \((FlowController.actionNames + followUpNames).joined(separator: ", "))")
        }
        var resolved = ResolvedFlow(
            label: label, providerLabel: providerLabel, provider: provider, clientID: clientID, secret: secret, tokenAuth: auth, grant: grant,
            redirectURI: redirectURI, browser: m.text(.browser), noBrowser: m.flag(.noBrowser), startFindings: findings,
            followUps: followUpCalls(preset, tokenHeaders: tokenHeaders), settings: m)
        resolved.grantInputs = grantInputs
        return resolved
    }

    /// What `--omit-redirect-uri` means for this provider: the provider sends the user to the registered
    /// callback, so that is where oauthscope must listen.
    static func omittedRedirectFindings(preset: ProviderPreset?, registered: String?, listening: String) -> [Finding] {
        var out: [Finding] = []
        let who = preset?.displayName ?? "The provider"
        if let p = preset, !p.quirks.contains(.redirectURIOptional) {
            out.append(FindingCatalogue.redirectOmitUndocumented.finding(p.displayName, step: "url"))
        } else {
            out.append(FindingCatalogue.redirectOmitted.finding(who, listening, step: "url"))
        }
        if let registered, let r = RedirectURIParts(registered), let l = RedirectURIParts(listening),
           (r.host, r.port, r.path) != (l.host, l.port, l.path) {
            out.append(FindingCatalogue.redirectOmittedElsewhere.finding(registered, listening, step: "url"))
        }
        return out
    }

    /// A preset's follow-ups as calls. An API key the token request needed (BitBadges' x-api-key) goes along, and
    /// every call names itself in User-Agent, which GitHub's API requires.
    static func followUpCalls(_ preset: ProviderPreset?, tokenHeaders: [FormField]) -> [FollowUpCall] {
        guard let preset else { return [] }
        let keys = tokenHeaders.filter { h in preset.requiredTokenHeaders.contains { $0.lowercased() == h.name.lowercased() } }
        return preset.followUps.compactMap { f in
            guard let u = URL(string: f.url) else { return nil }
            return FollowUpCall(name: f.name, method: f.method, url: u, headers: keys + [FormField("User-Agent", "oauthscope")], body: f.method == "POST" ? "{}" : nil, help: f.help)
        }
    }

    /// True when the flow waits for the user (step mode, or a manual exchange), so stdin carries commands.
    public var isInteractive: Bool {
        settings.flag(.step) || settings.choice(.exchange, as: ExchangeModeArgument.self) == .manual
    }

    /// The controller's configuration.
    /// - Parameters:
    ///   - redirectURI: the one the listener really listens on (port 0 resolved).
    ///   - serveActions: keep serving the front's commands after the flow (the TUI).
    public func configuration(mode: String, redirectURI: String, reveal: Bool, serveActions: Bool) -> FlowConfiguration {
        let m = settings
        var c = FlowConfiguration(
            mode: mode, providerLabel: label == "flow" ? providerLabel : "\(label): \(providerLabel)", provider: provider, clientID: clientID, clientSecret: secret,
            tokenAuth: tokenAuth, tokenBody: m.choice(.tokenBody, as: TokenBodyArgument.self)?.encoding ?? .form, scope: m.text(.scope), redirectURI: redirectURI,
            authorizationParameters: m.pairs(.params), tokenParameters: m.pairs(.tokenParams), tokenHeaders: m.pairs(.tokenHeaders),
            pkce: (m.choice(.pkce, as: PKCEArgument.self) ?? .s256).method, exchange: m.choice(.exchange, as: ExchangeModeArgument.self)?.mode ?? .auto,
            stepMode: m.flag(.step), callbackTimeout: .seconds(m.number(.timeout) ?? 300), reveal: reveal, insecureContinue: m.flag(.insecureContinue))
        c.grant = grant
        c.grantInputs = grantInputs
        c.thenActions = m.list(.then) ?? []
        c.unverifiedErrorGrace = .seconds(m.number(.unverifiedErrorGrace) ?? 10)
        c.serveActions = serveActions
        c.userinfoURL = m.text(.userinfoURL).flatMap(URL.init(string:))
        c.revocationURL = m.text(.revokeURL).flatMap(URL.init(string:))
        c.introspectionURL = m.text(.introspectURL).flatMap(URL.init(string:))
        c.startFindings = startFindings
        c.followUps = followUps
        c.profile = label == "flow" ? nil : label
        c.settings = m.origins(reveal: reveal)
        c.omitRedirectURI = m.flag(.omitRedirectURI)
        c.allowInsecureHTTP = m.flag(.allowInsecureHTTP)
        c.redirectRule = m.text(.preset).flatMap(ProviderPresets.named)?.redirectRule
        return c
    }
}

extension ResolvedFlow {
    /// The flows to run: one per profile (`--profile`, else `OAUTHSCOPE_PROFILE`), or one with none. Each merges
    /// flags > `OAUTHSCOPE_*` > its profile > its preset > the defaults, keeping only the settings `command` takes.
    public static func resolveAll(command: SettingCommand, flags: [SettingsLayer], profiles: [String] = [], configPath: String? = nil,
                                  environment: [String: String], defaults: SettingsLayer? = nil, rebase: URL? = nil,
                                  exchangeOnly: Bool = false) throws(UsageError) -> [ResolvedFlow] {
        let names = profiles.isEmpty ? (environment["OAUTHSCOPE_PROFILE"].flatMap { $0.isEmpty ? nil : [$0] } ?? []) : profiles
        var profileLayers: [(String, SettingsLayer)] = []
        if !names.isEmpty {
            let path = configPath ?? ConfigFile.defaultPath(environment: environment)
            guard let file = try ConfigFile.load(path: path) else {
                throw UsageError("--profile \(names[0]): there is no config file at \(path) (create it, or pass --config PATH)")
            }
            for name in names { profileLayers.append((name, try file.profile(name).restricted(to: command))) }
        } else {
            profileLayers.append(("", SettingsLayer(.profile)))
        }
        let env = try SettingsLayer.environment(environment, for: command)
        let base = flags.map { $0.restricted(to: command) } + [env, defaults ?? SettingsLayer.defaults(for: command)]
        var flows: [ResolvedFlow] = []
        for (name, layer) in profileLayers {
            flows.append(try resolve(base + [layer], profileName: name, rebase: rebase, exchangeOnly: exchangeOnly, environment: environment))
        }
        return flows
    }
}
