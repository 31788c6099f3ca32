import ArgumentParser
import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import TerminalUI

struct OAuthScope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oauthscope",
        abstract: "Run an OAuth 2.0 / OpenID Connect authorization-code flow and watch every step live.",
        subcommands: [Demo.self, Flow.self, Listen.self, Replay.self, Export.self, Provider.self, Themes.self]
    )
}

/// Starts the listener, builds the flows, runs them with the session's fronts, and tidies up. Several flows share
/// one listener; each callback finds its flow by `state`.
struct FlowRunner {
    var session: Session
    var listenerConfiguration: ListenerConfiguration
    /// The deadline of each HTTP hop (`--http-timeout`).
    var httpTimeout: Duration = HTTPProviderClient.defaultTimeout

    /// - Parameter makeFlow: given the flow's index, the effective redirect URI and the bound addresses, returns
    ///   that flow's configuration, its user agent, and what to tidy up afterwards.
    func run(tuning: FlowTuning, flows count: Int = 1, makeFlow: (Int, String, [String], FlowPublisher) async throws -> (FlowConfiguration, any UserAgent, () async -> Void)) async throws -> Int32 {
        let parts: (scheme: String, host: String, port: Int, path: String)
        do { parts = try RedirectURI.parse(listenerConfiguration.redirectURI) } catch { throw UsageError(error.description) }
        let flowIDs = (0..<count).map { _ in "f" + SecureRandom.token(bytes: 4) }
        let registry = CallbackRegistry(callbackPath: parts.path, defaultFlowID: flowIDs[0])
        let listener = CallbackListenerServer(configuration: listenerConfiguration, registry: registry, bus: session.bus)
        let addresses: [String]
        do { addresses = try await listener.start() } catch { throw UsageError(error.description) }
        let client = HTTPProviderClient(timeout: httpTimeout)
        var controllers: [FlowController] = []
        var cleanups: [() async -> Void] = []
        do {
            for (i, id) in flowIDs.enumerated() {
                let publisher = FlowPublisher(bus: session.bus, flowID: id)
                let (config, agent, cleanup) = try await makeFlow(i, listener.effectiveRedirectURI, addresses, publisher)
                controllers.append(FlowController(configuration: config, publisher: publisher, registry: registry, client: client, userAgent: agent, commands: session.commands))
                cleanups.append(cleanup)
            }
        } catch {
            for c in cleanups { await c() }
            await listener.stop()
            await client.shutdown()
            throw error
        }
        let interactive = tuning.step || tuning.exchange == .manual
        let all = controllers
        let result = try await session.run({
            await withTaskGroup(of: FlowResult.self) { group in
                for c in all { group.addTask { await c.run() } }
                var worst = FlowResult.completed
                for await r in group where r != .completed { worst = r }
                return worst
            }
        }, readsStdinCommands: interactive)
        await listener.stop()
        await client.shutdown()
        for c in cleanups { await c() }
        await session.finish()
        return result.exitCode
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A whole flow against the embedded authorization server: no account, no network.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var browserOptions: BrowserOptions
    @OptionGroup var tuning: FlowTuning
    @OptionGroup var http: HTTPOptions

    @Option(help: "Scopes to ask for.")
    var scope = "openid email profile"

    @Option(help: ArgumentHelp("The redirect URI to listen on (port 0: any free port).", valueName: "URI"))
    var redirectURI = "http://127.0.0.1:8765/callback"

    @Option(help: "Sign ID tokens with ES256 or RS256.")
    var alg: String = "ES256"

    @Option(help: ArgumentHelp("Make the embedded provider misbehave on purpose, to watch a check catch it (repeatable): \(MockFault.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "NAME"))
    var fault: [String] = []

    @Option(name: .customLong("registered-redirect-uri"), help: ArgumentHelp("Register this callback URL for the demo client instead of the one oauthscope listens on, to watch the provider's redirect rule at work.", valueName: "URI"))
    var registeredRedirectURI: String?

    @Option(help: ArgumentHelp("Have the embedded provider imitate a real one and run its preset against it: \(MockPersonality.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "NAME"))
    var personality: String?

    func validate() throws {
        if let p = personality, MockPersonality(name: p) == nil {
            throw ValidationError("--personality \(p): unknown; choose from \(MockPersonality.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for f in fault where MockFault(name: f) == nil {
            throw ValidationError("--fault \(f): unknown; choose from \(MockFault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let followUps = personality.flatMap(ProviderPresets.named)?.followUps.map(\.name) ?? []
        for a in tuning.thenActions where !FlowController.actionNames.contains(a) && !followUps.contains(a) {
            throw ValidationError("--then \(a): unknown action; use \((FlowController.actionNames + followUps).joined(separator: ", "))")
        }
    }

    func run() async throws {
        guard let signing = SigningAlgorithm(rawValue: alg.uppercased()) else {
            throw ValidationError("--alg \(alg): use ES256 or RS256")
        }
        let faults = Set(fault.compactMap(MockFault.init(name:)))
        let session = try Session(options: output, title: "oauthscope demo")
        var listenerConfig = ListenerConfiguration(redirectURI: redirectURI, reveal: output.reveal)
        // The demo must just work: when the default port is taken, any free port will do, since the embedded
        // provider accepts any loopback port (RFC 8252 §7.3).
        if redirectURI == "http://127.0.0.1:8765/callback", !PortProbe.isFree(host: "127.0.0.1", port: 8765) {
            listenerConfig.redirectURI = "http://127.0.0.1:0/callback"
        }
        let runner = FlowRunner(session: session, listenerConfiguration: listenerConfig, httpTimeout: http.timeout)
        let realBrowser = browserOptions.browser != nil
        let code = try await runner.run(tuning: tuning) { _, redirect, addresses, publisher in
            var providerConfig = MockProviderConfiguration()
            providerConfig.signingAlgorithm = signing
            providerConfig.faults = faults
            let persona = personality.flatMap(MockPersonality.init(name:)) ?? .oidc
            providerConfig.personality = persona
            let presetAuth = ProviderPresets.named(persona.rawValue)?.tokenAuth ?? .clientSecretBasic
            providerConfig.clients = [MockClient(id: MockClient.demo.id, secret: MockClient.demo.secret, redirectURIs: [registeredRedirectURI ?? redirect], authMethod: personality == nil ? .clientSecretBasic : presetAuth)]
            let provider = MockProviderServer(configuration: providerConfig)
            let base: URL
            do { base = try await provider.start() } catch { throw UsageError("the embedded provider could not start: \(error)") }
            let browserNote = realBrowser || browserOptions.noBrowser ? "" : " (simulated browser)"
            var config: FlowConfiguration
            if personality != nil {
                // The real preset, pointed at the imitation: the same settings path a `flow --preset` takes.
                var s = FlowSettings()
                s.preset = persona.rawValue
                if persona == .oidc { s.issuer = base.absoluteString }
                s.clientID = MockClient.demo.id
                s.clientSecret = MockClient.demo.secret
                s.redirectURI = redirect
                if ProviderPresets.named(persona.rawValue)?.requiredTokenHeaders.contains(where: { $0.lowercased() == "x-api-key" }) == true {
                    s.tokenHeaders = [FormField("x-api-key", providerConfig.apiKey)]
                }
                let resolved = try ResolvedFlow.resolve(s, profileName: "", registeredRedirectURI: registeredRedirectURI, rebase: base)
                config = resolved.configuration(redirectURI: redirect, tuning: tuning, output: output)
                config.mode = "demo"
                tuning.apply(to: &config, output: output)
                config.providerLabel = "embedded provider imitating \(persona.displayName) at \(base.absoluteString)" + browserNote
                if scope != "openid email profile" { config.scope = scope }
            } else {
                config = FlowConfiguration(
                    mode: "demo", providerLabel: "embedded provider at \(base.absoluteString)" + browserNote,
                    provider: .issuer(base.absoluteString), clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret.map(Secret.init),
                    tokenAuth: .clientSecretBasic, scope: scope, redirectURI: redirect, pkce: tuning.pkce.method,
                    exchange: tuning.exchange.mode, stepMode: tuning.step, callbackTimeout: .seconds(tuning.timeout),
                    reveal: output.reveal, insecureContinue: tuning.insecureContinue)
                tuning.apply(to: &config, output: output)
            }
            for f in faults.sorted(by: { $0.rawValue < $1.rawValue }) {
                config.startFindings.append(Finding(.info, "demo.fault", "--fault \(f.rawValue): \(f.summary)", ref: nil, step: "url"))
            }
            config.listenerAddresses = addresses
            let agent: any UserAgent
            var cleanup: () async -> Void = { await provider.stop() }
            if browserOptions.noBrowser {
                agent = PrintedURL()
            } else if let command = browserOptions.browser {
                agent = SystemBrowser(command: command, publisher: publisher)
            } else {
                let simulated = SimulatedBrowser(redirectURI: redirect)
                agent = simulated
                cleanup = {
                    await simulated.shutdown()
                    await provider.stop()
                }
            }
            return (config, agent, cleanup)
        }
        throw ExitCode(code)
    }
}

struct Flow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A flow against a real provider.",
        discussion: """
        Say where the provider is with --preset NAME (\(ProviderPresets.all.map(\.name).joined(separator: ", "))), --issuer URL \
        (discovery), or --authorize-url and --token-url; or name a --profile from the config file. Flags beat the \
        environment (OAUTHSCOPE_CLIENT_ID, OAUTHSCOPE_CLIENT_SECRET, ...), which beats the profile, which beats the preset.
        """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var browserOptions: BrowserOptions
    @OptionGroup var tuning: FlowTuning
    @OptionGroup var http: HTTPOptions
    @OptionGroup var providerOptions: ProviderOptions

    @Option(name: .customLong("redirect-uri"), help: ArgumentHelp("The redirect URI registered with the provider; oauthscope listens on it (default http://127.0.0.1:8765/callback).", valueName: "URI"))
    var redirectURI: String?

    @Option(name: .customLong("registered-redirect-uri"), help: ArgumentHelp("The callback URL registered for the client, if it differs: oauthscope checks the redirect_uri against it by the provider's rule before sending the user.", valueName: "URI"))
    var registeredRedirectURI: String?

    @Option(name: .customLong("listen-address"), help: ArgumentHelp("Bind the listener here instead of the redirect URI's loopback host (on purpose only).", valueName: "ADDR"))
    var listenAddress: String?

    @OptionGroup var followUps: FollowUpEndpoints

    /// The flags as the top settings layer (tuning flags only when given, so profiles can set them).
    func flagSettings() throws -> FlowSettings {
        var s = try providerOptions.settings()
        s.redirectURI = redirectURI
        s.userinfoURL = followUps.userinfoURL
        s.revokeURL = followUps.revokeURL
        s.introspectURL = followUps.introspectURL
        s.browser = browserOptions.browser
        if tuning.pkce != .s256 { s.pkce = tuning.pkce.rawValue }
        if tuning.exchange != .auto { s.exchange = tuning.exchange.rawValue }
        if tuning.timeout != 300 { s.timeout = tuning.timeout }
        if !tuning.thenActions.isEmpty { s.then = tuning.thenActions }
        return s
    }

    func run() async throws {
        let flags = try flagSettings()
        let resolved = try providerOptions.resolveAll(flags: flags, output: output, registeredRedirectURI: registeredRedirectURI)
        let redirect = resolved[0].redirectURI
        if let other = resolved.first(where: { $0.redirectURI != redirect }) {
            throw UsageError("--profile \(other.label): all flows of one session share one listener, but its redirect_uri \(other.redirectURI) differs from \(redirect); give --redirect-uri to use one for all")
        }
        let session = try Session(options: output, title: "oauthscope flow")
        let runner = FlowRunner(session: session, listenerConfiguration: ListenerConfiguration(redirectURI: redirect, listenAddress: listenAddress, reveal: output.reveal), httpTimeout: http.timeout)
        let listenAddress = self.listenAddress
        let allowInsecureHTTP = providerOptions.allowInsecureHTTP
        let browserFlag = browserOptions.browser
        let noBrowser = browserOptions.noBrowser
        let code = try await runner.run(tuning: tuning, flows: resolved.count) { index, redirect, addresses, publisher in
            var config = resolved[index].configuration(redirectURI: redirect, tuning: tuning, output: output)
            config.listenerAddresses = addresses
            config.allowInsecureHTTP = allowInsecureHTTP
            if listenAddress != nil {
                publisher.publish(.finding(Finding(.warn, "listener.non_loopback", "The listener is bound to \(listenAddress ?? "") on purpose; other machines may be able to reach it and read codes.", ref: "RFC 8252 §8.3", step: "redirect")))
            }
            let agent: any UserAgent = noBrowser
                ? PrintedURL()
                : SystemBrowser(command: SystemBrowser.resolve(flag: browserFlag ?? resolved[index].browser), publisher: publisher)
            return (config, agent, {})
        }
        throw ExitCode(code)
    }
}

/// Where the provider is and who the client is: shared by `flow` and `listen --exchange`.
struct ProviderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A provider preset: \(ProviderPresets.all.map(\.name).joined(separator: ", ")).", valueName: "NAME"))
    var preset: String?

    @Option(name: .customLong("preset-param"), help: ArgumentHelp("A preset's parameter, e.g. tenant=contoso.onmicrosoft.com (repeatable).", valueName: "K=V"))
    var presetParams: [String] = []

    @Option(name: .customLong("preset-base"), help: ArgumentHelp("Send the preset's requests to this origin instead (the embedded provider's imitation from 'provider serve --personality', or a proxy); paths are kept.", valueName: "URL"))
    var presetBase: String?

    @Option(help: ArgumentHelp("A [profiles.NAME] table of the config file (repeatable: several flows share one listener).", valueName: "NAME"))
    var profile: [String] = []

    @Option(help: ArgumentHelp("The issuer, for OIDC / RFC 8414 discovery.", valueName: "URL"))
    var issuer: String?

    @Option(name: .customLong("authorize-url"), help: ArgumentHelp("The authorization endpoint.", valueName: "URL"))
    var authorizeURL: String?

    @Option(name: .customLong("token-url"), help: ArgumentHelp("The token endpoint.", valueName: "URL"))
    var tokenURL: String?

    @Option(name: .customLong("client-id"), help: "The client id.")
    var clientID: String?

    @Option(name: .customLong("client-secret"), help: "The client secret (prefer --client-secret-env or --client-secret-file).")
    var clientSecret: String?

    @Option(name: .customLong("client-secret-env"), help: ArgumentHelp("Read the client secret from this environment variable.", valueName: "NAME"))
    var clientSecretEnv: String?

    @Option(name: .customLong("client-secret-file"), help: ArgumentHelp("Read the client secret from this file.", valueName: "PATH"))
    var clientSecretFile: String?

    @Option(help: "Scopes to ask for, space-separated.")
    var scope: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("An extra authorization request parameter (repeatable).", valueName: "K=V"))
    var params: [String] = []

    @Option(name: .customLong("token-param"), help: ArgumentHelp("An extra token request body field (repeatable).", valueName: "K=V"))
    var tokenParams: [String] = []

    @Option(name: .customLong("token-header"), help: ArgumentHelp("An extra token request header (repeatable).", valueName: "'NAME: VALUE'"))
    var tokenHeaders: [String] = []

    @Option(name: .customLong("token-body"), help: "Token request body: form or json (default: the preset's, else form).")
    var tokenBody: TokenBodyArgument?

    @Option(name: .customLong("token-auth"), help: "Client authentication: basic, post or none (default: the preset's, else basic with a secret and none without).")
    var tokenAuth: TokenAuthArgument?

    @Flag(name: .customLong("allow-insecure-http"), help: "Use plain-http endpoints that are not loopback (or that an https issuer's metadata names), with a warning; without it nothing is sent to them.")
    var allowInsecureHTTP = false

    func validate() throws {
        for (flag, value) in [("--issuer", issuer), ("--authorize-url", authorizeURL), ("--token-url", tokenURL)] {
            if let v = value, URL(string: v)?.scheme == nil || URL(string: v)?.host == nil {
                throw ValidationError("\(flag) \(v) is not an absolute URL like https://example.com/...")
            }
        }
        let secretSources = [clientSecret != nil, clientSecretEnv != nil, clientSecretFile != nil].filter { $0 }.count
        if secretSources > 1 { throw ValidationError("give only one of --client-secret, --client-secret-env, --client-secret-file") }
        if let b = presetBase, URL(string: b)?.host == nil { throw ValidationError("--preset-base \(b) is not an absolute URL like http://127.0.0.1:9400") }
        if let p = preset, ProviderPresets.named(p) == nil {
            throw ValidationError("--preset \(p) is not a preset oauthscope knows; choose one of \(ProviderPresets.all.map(\.name).joined(separator: ", "))")
        }
    }

    /// These flags as a settings layer.
    func settings() throws -> FlowSettings {
        var s = FlowSettings()
        s.preset = preset
        for kv in presetParams {
            let f = try parseKeyValue(kv, flag: "--preset-param")
            s.presetParams[f.name] = f.value
        }
        s.issuer = issuer
        s.authorizeURL = authorizeURL
        s.tokenURL = tokenURL
        s.clientID = clientID
        s.clientSecret = clientSecret
        s.clientSecretEnv = clientSecretEnv
        s.clientSecretFile = clientSecretFile
        s.scope = scope
        s.params = try params.map { try parseKeyValue($0, flag: "--param") }
        s.tokenParams = try tokenParams.map { try parseKeyValue($0, flag: "--token-param") }
        s.tokenHeaders = try tokenHeaders.map(parseHeader)
        s.tokenBody = tokenBody?.rawValue
        s.tokenAuth = tokenAuth?.rawValue
        return s
    }

    /// The flows to run: one per --profile (or one with none), each merged as flags > environment > profile > preset.
    func resolveAll(flags: FlowSettings, output: OutputOptions, registeredRedirectURI: String?, exchangeOnly: Bool = false) throws -> [ResolvedFlow] {
        let env = ProcessInfo.processInfo.environment
        var profiles: [(String, FlowSettings)] = []
        let names = profile.isEmpty ? (env["OAUTHSCOPE_PROFILE"].map { [$0] } ?? []) : profile
        if !names.isEmpty {
            let path = output.configPath(env)
            guard let file = try ConfigFile.load(path: path) else {
                throw UsageError("--profile \(names[0]): there is no config file at \(path) (create it, or pass --config PATH)")
            }
            for name in names { profiles.append((name, try file.profile(name))) }
        } else {
            profiles.append(("", FlowSettings()))
        }
        let environment = FlowSettings.fromEnvironment(env)
        return try profiles.map { name, p in
            try ResolvedFlow.resolve(p.overlaid(with: environment).overlaid(with: flags), profileName: name, registeredRedirectURI: registeredRedirectURI,
                                     rebase: presetBase.flatMap(URL.init(string:)), exchangeOnly: exchangeOnly)
        }
    }
}

/// One flow's settings after merging and checking: what the controller needs, with errors that name the flag.
struct ResolvedFlow {
    var label: String
    var providerLabel: String
    var provider: ProviderSource
    var clientID: String
    var secret: Secret?
    var tokenAuth: ClientAuthMethod
    var tokenBody: TokenBodyEncoding
    var scope: String?
    var redirectURI: String
    var params: [FormField]
    var tokenParams: [FormField]
    var tokenHeaders: [FormField]
    var pkce: PKCEMethod?
    var exchange: ExchangeMode?
    var timeout: Int?
    var then: [String]?
    var userinfoURL: URL?
    var revocationURL: URL?
    var introspectionURL: URL?
    var browser: String?
    var startFindings: [Finding]
    var followUps: [FollowUpCall] = []

    /// - Parameter rebase: run the preset against the embedded provider's imitation at this base URL.
    static func resolve(_ s: FlowSettings, profileName: String, registeredRedirectURI: String?, rebase: URL? = nil, exchangeOnly: Bool = false) throws -> ResolvedFlow {
        let label = profileName.isEmpty ? "flow" : profileName
        var preset: ProviderPreset?
        if let name = s.preset {
            do throws(PresetError) {
                var params = s.presetParams
                let base = try ProviderPresets.require(name)
                if base.parameters.contains(where: { $0.name == "issuer" }), let issuer = s.issuer { params["issuer"] = issuer }
                preset = try base.resolved(parameters: params)
                if let rebase { preset = preset?.rebased(onto: rebase) }
            } catch {
                throw UsageError(error.description)
            }
        }
        // The preset is the lowest layer.
        var layered = FlowSettings()
        if let p = preset {
            // A preset with an issuer is discovered, so the ID token's keys (jwks_uri) are known; its endpoints are
            // the fallback only when it has no issuer.
            layered.issuer = p.issuer
            layered.authorizeURL = p.authorizationEndpoint
            layered.tokenURL = p.tokenEndpoint
            layered.scope = p.defaultScope
            layered.params = p.authorizationParameters
            layered.tokenHeaders = p.tokenHeaders
            layered.tokenAuth = p.tokenAuth == .clientSecretBasic ? "basic" : p.tokenAuth == .clientSecretPost ? "post" : "none"
            layered.tokenBody = p.tokenBody.rawValue
            layered.pkce = p.pkce.map { $0 == .s256 ? "s256" : "plain" } ?? "none"
            layered.userinfoURL = p.userinfoEndpoint
            layered.revokeURL = p.revocationEndpoint
            layered.introspectURL = p.introspectionEndpoint
        }
        let m = layered.overlaid(with: s)

        let provider: ProviderSource
        let providerLabel: String
        let endpointsGiven = s.authorizeURL != nil || s.tokenURL != nil
        if let a = m.authorizeURL.flatMap(URL.init(string:)), let t = m.tokenURL.flatMap(URL.init(string:)), endpointsGiven || m.issuer == nil {
            provider = .endpoints(authorization: a, token: t, issuer: m.issuer, jwks: nil)
            providerLabel = preset?.displayName ?? (a.host ?? a.absoluteString)
        } else if let issuer = m.issuer {
            provider = .issuer(issuer)
            providerLabel = preset.map { "\($0.displayName) (\(issuer))" } ?? issuer
        } else if exchangeOnly, let t = m.tokenURL.flatMap(URL.init(string:)) {
            // Exchanging codes another application asked for needs only the token endpoint.
            provider = .endpoints(authorization: t, token: t, issuer: nil, jwks: nil)
            providerLabel = preset?.displayName ?? (t.host ?? t.absoluteString)
        } else if m.authorizeURL != nil || m.tokenURL != nil {
            throw UsageError("give both --authorize-url and --token-url (or --issuer for discovery)")
        } else {
            throw UsageError("say which provider: --preset NAME, --issuer URL, or --authorize-url URL with --token-url URL (or a --profile that has them)")
        }
        guard let clientID = m.clientID, !clientID.isEmpty else {
            throw UsageError("--client-id is required (or client_id in the profile, or OAUTHSCOPE_CLIENT_ID)")
        }
        var secret: Secret?
        if let v = m.clientSecret { secret = Secret(v) }
        else if let name = m.clientSecretEnv {
            guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else {
                throw UsageError("--client-secret-env \(name): the environment variable is not set or empty")
            }
            secret = Secret(v)
        } else if let path = m.clientSecretFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("--client-secret-file \(path): cannot read the file") }
            secret = Secret(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        } else if let command = m.clientSecretCommand {
            secret = Secret(try SecretCommand.run(command))
        }
        var findings = preset?.startFindings ?? []
        var auth: ClientAuthMethod = m.tokenAuth.flatMap(ClientAuthMethod.init(flag:)) ?? (secret == nil ? .none : .clientSecretBasic)
        if auth != .none, secret == nil, s.tokenAuth == nil, let p = preset {
            // The preset assumes a confidential client; without a secret this is a public one (RFC 8252 §8.4).
            auth = .none
            findings.append(Finding(.info, "client.public", "No client secret was given, so the token request authenticates as a public client (client_id only, with PKCE) instead of \(p.tokenAuth.rawValue). Give --client-secret-env NAME for a confidential client.", ref: "RFC 8252 §8.4", step: "exchange"))
        }
        if auth != .none, secret == nil {
            throw UsageError("--token-auth \(m.tokenAuth ?? "basic") needs a client secret: give --client-secret-env NAME, --client-secret-file PATH or --client-secret")
        }
        if let p = preset {
            for needed in p.requiredTokenHeaders where !m.tokenHeaders.contains(where: { $0.name.lowercased() == needed.lowercased() }) {
                throw UsageError("--preset \(p.name) needs --token-header '\(needed): ...' (\(p.displayName) checks it on the token request)")
            }
        }
        let redirectURI = m.redirectURI ?? "http://127.0.0.1:8765/callback"
        if let rule = preset?.redirectRule, let finding = RedirectRuleCheck.explain(rule: rule, registered: registeredRedirectURI, sent: redirectURI) {
            findings.append(finding)
        }
        let followUpNames = preset?.followUps.map(\.name) ?? []
        for a in m.then ?? [] where !FlowController.actionNames.contains(a) && !followUpNames.contains(a) {
            throw UsageError("then: unknown action \(a); use \((FlowController.actionNames + followUpNames).joined(separator: ", "))")
        }
        func url(_ v: String?, _ flag: String) throws -> URL? {
            guard let v else { return nil }
            guard let u = URL(string: v), u.host != nil else { throw UsageError("\(flag) \(v) is not an absolute URL") }
            return u
        }
        return ResolvedFlow(
            label: label, providerLabel: providerLabel, provider: provider, clientID: clientID, secret: secret, tokenAuth: auth,
            tokenBody: m.tokenBody.flatMap(TokenBodyEncoding.init(rawValue:)) ?? .form, scope: m.scope, redirectURI: redirectURI,
            params: m.params, tokenParams: m.tokenParams, tokenHeaders: m.tokenHeaders,
            pkce: m.pkce.map { $0.lowercased() == "none" ? nil : ($0.lowercased() == "plain" ? .plain : .s256) } ?? .s256,
            exchange: m.exchange.flatMap(ExchangeMode.init(rawValue:)), timeout: m.timeout, then: m.then,
            userinfoURL: try url(m.userinfoURL, "--userinfo-url"), revocationURL: try url(m.revokeURL, "--revoke-url"),
            introspectionURL: try url(m.introspectURL, "--introspect-url"), browser: m.browser, startFindings: findings,
            followUps: followUpCalls(preset, tokenHeaders: m.tokenHeaders))
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

    func configuration(redirectURI: String, tuning: FlowTuning, output: OutputOptions) -> FlowConfiguration {
        var c = FlowConfiguration(
            mode: "flow", providerLabel: label == "flow" ? providerLabel : "\(label): \(providerLabel)", provider: provider, clientID: clientID, clientSecret: secret,
            tokenAuth: tokenAuth, tokenBody: tokenBody, scope: scope, redirectURI: redirectURI,
            authorizationParameters: params, tokenParameters: tokenParams, tokenHeaders: tokenHeaders,
            pkce: pkce, exchange: exchange ?? .auto, stepMode: tuning.step,
            callbackTimeout: .seconds(timeout ?? tuning.timeout), reveal: output.reveal, insecureContinue: tuning.insecureContinue)
        c.thenActions = then ?? []
        c.serveActions = output.resolvedOutput == .tui
        c.unverifiedErrorGrace = .seconds(tuning.unverifiedErrorGrace)
        c.userinfoURL = userinfoURL
        c.revocationURL = revocationURL
        c.introspectionURL = introspectionURL
        c.startFindings = startFindings
        c.followUps = followUps
        c.profile = label == "flow" ? nil : label
        return c
    }
}

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Play a recorded session (from --record) in the UI or as text.")

    @Argument(help: "The JSONL recording.")
    var file: String

    @OptionGroup var output: OutputOptions

    @Option(help: "Playback speed: 1 is real time, 0 as fast as possible.")
    var speed: Double = 1

    @Flag(help: "Start paused (terminal UI): Space plays, . shows one event at a time, +/- change the speed, G jumps to the end.")
    var paused = false

    func run() async throws {
        let read: (events: [FlowEvent], problems: [RecordingError])
        do { read = try RecordingReader.read(path: file) } catch { throw UsageError(error.description) }
        for p in read.problems { StandardOutput.error("oauthscope: \(p.description)") }
        guard !read.events.isEmpty else { throw UsageError("\(file): no events to replay") }
        if paused, output.resolvedOutput != .tui { throw UsageError("--paused needs the terminal UI, where Space resumes (--output tui)") }
        let session = try Session(options: output, title: "oauthscope replay \(file)", replay: ReplayStatus(paused: paused, speed: speed))
        let bus = session.bus
        let events = read.events
        let speed = self.speed
        // In the terminal UI the replay obeys its keys; the text outputs play straight through.
        let controls = session.terminal == nil ? nil : session.commands.commands(for: "replay")
        let cursor = ReplayCursor(events: events, speed: speed, paused: paused)
        let result = try await session.run({
            if let controls {
                await ReplayPlayer.play(cursor, on: bus, controls: controls)
            } else {
                await RecordingReader.replay(events, on: bus, speed: speed)
            }
            if let last = events.last, case .flowFailed(let f) = last.payload { return .failed(f) }
            return .completed
        }, readsStdinCommands: false)
        await session.finish()
        throw ExitCode(result.exitCode)
    }
}

struct Provider: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The embedded authorization server.", subcommands: [Serve.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the embedded provider on its own, to test an app's callback handling against it.")

        @Option(help: "Port (0: any free port).")
        var port = 9400

        @Option(help: ArgumentHelp("A client as ID:SECRET (repeatable; ID: alone for a public client).", valueName: "ID:SECRET"))
        var client: [String] = []

        @Option(name: .customLong("redirect-uri"), help: ArgumentHelp("Redirect URIs the clients may use (repeatable).", valueName: "URI"))
        var redirectURIs: [String] = []

        @Flag(help: "Approve at once instead of showing a consent page.")
        var autoApprove = false

        @Option(help: ArgumentHelp("Imitate a real provider's paths, client authentication, body encoding and quirks: \(MockPersonality.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "NAME"))
        var personality: String?

        @Option(help: ArgumentHelp("Misbehave on purpose (repeatable): \(MockFault.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "NAME"))
        var fault: [String] = []

        func validate() throws {
            if let p = personality, MockPersonality(name: p) == nil {
                throw ValidationError("--personality \(p): unknown; choose from \(MockPersonality.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for f in fault where MockFault(name: f) == nil {
                throw ValidationError("--fault \(f): unknown; choose from \(MockFault.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            var config = MockProviderConfiguration()
            config.port = port
            config.autoApprove = autoApprove
            config.faults = Set(fault.compactMap(MockFault.init(name:)))
            let persona = personality.flatMap(MockPersonality.init(name:)) ?? .oidc
            config.personality = persona
            let auth = ProviderPresets.named(persona.rawValue)?.tokenAuth ?? .clientSecretBasic
            let redirects = redirectURIs.isEmpty ? ["http://127.0.0.1:8765/callback"] : redirectURIs
            if !client.isEmpty {
                config.clients = try client.map { spec in
                    guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
                        throw ValidationError("--client \(spec): expected ID:SECRET (or ID: for a public client)")
                    }
                    let secret = String(spec[spec.index(after: colon)...])
                    return MockClient(id: String(spec[..<colon]), secret: secret.isEmpty ? nil : secret, redirectURIs: redirects, authMethod: secret.isEmpty ? .none : (personality == nil ? .clientSecretBasic : auth))
                }
            } else {
                config.clients = [MockClient(id: MockClient.demo.id, secret: MockClient.demo.secret, redirectURIs: redirects, authMethod: personality == nil ? .clientSecretBasic : auth)]
            }
            let server = MockProviderServer(configuration: config)
            let issuer: URL
            do { issuer = try await server.start() } catch { throw UsageError("--port \(port): \(error)") }
            StandardOutput.write("embedded provider at \(issuer.absoluteString), imitating \(persona.displayName)")
            for route in persona.routes { StandardOutput.write("  \(route)") }
            if persona == .bitbadges { StandardOutput.write("x-api-key: \(config.apiKey)") }
            if personality != nil { StandardOutput.write("run its preset against it: oauthscope flow --preset \(persona.rawValue) --preset-base \(issuer.absoluteString) ...") }
            for c in config.clients {
                StandardOutput.write("client \(c.id)" + (c.secret.map { " secret \($0)" } ?? " (public)") + ", redirect URIs: \(c.redirectURIs.joined(separator: " "))")
            }
            StandardOutput.write("Ctrl-C stops it.")
            await Interrupts.wait()
            await server.stop()
        }
    }
}

struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch callbacks arrive on a redirect URI: every request, parsed and checked.",
        discussion: "Point your application's redirect URI at oauthscope, or run it in front of your app's callback with --forward.")

    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("redirect-uri"), help: ArgumentHelp("A redirect URI to listen on (repeatable).", valueName: "URI"))
    var redirectURIs: [String] = ["http://127.0.0.1:8765/callback"]

    @Option(help: ArgumentHelp("Pass each callback on to the application's real callback: a 307 redirect of the browser with the same query.", valueName: "URL"))
    var forward: String?

    @Option(name: .customLong("expect-state"), help: ArgumentHelp("Mark callbacks whose state differs from this value.", valueName: "VALUE"))
    var expectState: String?

    @Option(name: .customLong("listen-address"), help: ArgumentHelp("Bind here instead of the redirect URI's loopback host (on purpose only).", valueName: "ADDR"))
    var listenAddress: String?

    @Flag(help: "Exchange each arriving code for tokens with the client given below (--preset/--issuer/--token-url, --client-id, a secret). Off by default: listening never redeems an application's codes.")
    var exchange = false

    @Flag(name: .customLong("exchange-any"), help: "With --exchange: exchange codes whatever their state (instead of --expect-state). Anyone who can reach the listener can then have a code redeemed with your client; shown as a warning.")
    var exchangeAny = false

    @Option(name: .customLong("code-verifier"), help: ArgumentHelp("With --exchange: the PKCE code_verifier the application used, when the provider enforces PKCE.", valueName: "VERIFIER"))
    var codeVerifier: String?

    @OptionGroup var http: HTTPOptions

    @OptionGroup var providerOptions: ProviderOptions

    func validate() throws {
        if codeVerifier != nil, !exchange { throw ValidationError("--code-verifier goes with --exchange") }
        if exchangeAny, !exchange { throw ValidationError("--exchange-any goes with --exchange") }
        if exchange, expectState == nil, !exchangeAny {
            throw ValidationError("--exchange redeems codes with your client secret: add --expect-state VALUE (the state your application sent) so only its callbacks are exchanged, or --exchange-any to exchange whatever arrives")
        }
        if let f = forward, URL(string: f)?.host == nil { throw ValidationError("--forward \(f) is not an absolute URL like http://127.0.0.1:3000/callback") }
        if redirectURIs.isEmpty { throw ValidationError("give at least one --redirect-uri") }
    }

    func run() async throws {
        // Resolve the exchange settings before anything listens, so a mistake is a usage error.
        let exchanger: ResolvedFlow? = exchange
            ? try providerOptions.resolveAll(flags: try providerOptions.settings(), output: output, registeredRedirectURI: nil, exchangeOnly: true)[0]
            : nil
        let session = try Session(options: output, title: "oauthscope listen")
        let flowID = "listen"
        var listeners: [CallbackListenerServer] = []
        var registries: [CallbackRegistry] = []
        var addresses: [(String, [String])] = []
        for uri in redirectURIs {
            let parts: (scheme: String, host: String, port: Int, path: String)
            do { parts = try RedirectURI.parse(uri) } catch { throw UsageError(error.description) }
            let registry = CallbackRegistry(watchingPath: parts.path, flowID: flowID, expectedState: expectState)
            let listener = CallbackListenerServer(
                configuration: ListenerConfiguration(redirectURI: uri, listenAddress: listenAddress, forward: forward.flatMap(URL.init(string:)), reveal: output.reveal),
                registry: registry, bus: session.bus)
            do {
                addresses.append((listener.effectiveRedirectURI, try await listener.start()))
            } catch {
                for l in listeners { await l.stop() }
                throw UsageError(error.description)
            }
            listeners.append(listener)
            registries.append(registry)
        }
        let bus = session.bus
        // --exchange: each accepted code is redeemed as its own little flow (x1, x2, ...), in arrival order.
        var exchangeTasks: [Task<Void, Never>] = []
        let client = HTTPProviderClient(timeout: http.timeout)
        if let exchanger {
            let verifier = codeVerifier
            let tuning = try FlowTuning.parse([])
            let out = output
            for (registry, listener) in zip(registries, listeners) {
                let redirect = listener.effectiveRedirectURI
                var config = exchanger.configuration(redirectURI: redirect, tuning: tuning, output: out)
                config.mode = "listen"
                config.serveActions = false
                config.allowInsecureHTTP = providerOptions.allowInsecureHTTP
                let frozen = config
                exchangeTasks.append(Task {
                    var n = 0
                    for await arrived in registry.arrivals {
                        n += 1
                        let controller = FlowController(configuration: frozen, publisher: FlowPublisher(bus: bus, flowID: "x\(n)"), registry: registry, client: client, userAgent: PrintedURL())
                        _ = await controller.exchangeArrivedCode(arrived.code, codeVerifier: verifier)
                    }
                })
            }
        }
        let forward = self.forward
        let listenAddress = self.listenAddress
        let uris = listeners.map(\.effectiveRedirectURI)
        bus.publish(flow: flowID, .flowStarted(FlowStarted(mode: "listen", provider: forward.map { "forwarding to \($0)" } ?? "watching callbacks", clientID: nil, redirectURI: uris.joined(separator: ", "), exchange: "never")))
        for (uri, addrs) in addresses { bus.publish(flow: flowID, .listenerStarted(ListenerStarted(addresses: addrs, redirectURI: uri))) }
        if let listenAddress {
            bus.publish(flow: flowID, .finding(Finding(.warn, "listener.non_loopback", "The listener is bound to \(listenAddress) on purpose; other machines may reach it and read codes.", ref: "RFC 8252 §8.3")))
        }
        if exchanger != nil, exchangeAny, expectState == nil {
            bus.publish(flow: flowID, .finding(Finding(.warn, "listen.exchange_any", "--exchange-any: every code that arrives is exchanged with your client, whatever its state; any local process or web page that reaches the listener can have its code redeemed. Give --expect-state to exchange only your application's callbacks.", ref: "RFC 6749 §10.12, RFC 9700 §4.7")))
        }
        _ = try await session.run({
            // Listening is the whole job: it ends when this task is cancelled, by quitting the screen or by
            // Ctrl-C / SIGTERM in plain and jsonl output.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return .completed
        }, readsStdinCommands: false)
        // Exchanges still under way are dropped: the user asked to stop, and a hop may take up to --http-timeout.
        for t in exchangeTasks { t.cancel() }
        for l in listeners { await l.stop() }
        for r in registries { r.finishArrivals() }
        for t in exchangeTasks { await t.value }
        await client.shutdown()
        await session.finish()
    }
}

struct Themes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the colour themes, or preview one.",
        discussion: "Shipped themes live in themes/ and are built in; your own go in $XDG_CONFIG_HOME/oauthscope/themes/NAME.toml.",
        subcommands: [List.self, Preview.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the themes and where each comes from.")
        func run() throws {
            for (name, source) in ThemeCatalog.available() {
                StandardOutput.write(name.padding(toLength: 18, withPad: " ", startingAt: 0) + source)
            }
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draw a sample screen with every role of a theme.")

        @Argument(help: "A theme name or a .toml path.")
        var name: String

        @Option(help: "Width of the sample.")
        var width = 100

        @Option(help: "Height of the sample.")
        var height = 30

        func run() throws {
            let env = ProcessInfo.processInfo.environment
            let (theme, problems) = ThemeCatalog.load(name, environment: env)
            for p in problems { StandardOutput.error("oauthscope: \(p.description)") }
            let grid = renderThemePreview(theme: theme, width: max(40, width), height: max(12, height), glyphs: Session.localeIsUTF8 ? .unicode : .ascii)
            StandardOutput.write(renderedGrid: ANSIText.render(grid, theme: theme, depth: ColorDepth.detect(environment: env)))
            if problems.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        }
    }
}
