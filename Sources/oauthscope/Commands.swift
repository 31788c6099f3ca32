import ArgumentParser
import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import Lessons
import MockProvider
import OAuthCore
import Settings
import TerminalUI

struct OAuthScope: AsyncParsableCommand {
    /// The release this source tree is; the commit comes from the build (`BuildInfo`, written by the plugin).
    static let version = "0.1.0"
    /// `oauthscope --version`: `oauthscope 0.1.0 (commit 5814803abcde, 2026-12-04)`.
    static let versionLine = "oauthscope \(version) (commit \(BuildInfo.commit), \(BuildInfo.commitDate))"

    static let configuration = CommandConfiguration(
        commandName: "oauthscope",
        abstract: "Run an OAuth 2.0 / OpenID Connect authorization-code flow and watch every step live.",
        version: versionLine,
        subcommands: [Demo.self, Flow.self, Listen.self, Replay.self, Export.self, Provider.self, Themes.self, Doctor.self, LessonList.self]
    )
}

/// Starts the listener, builds the flows, runs them with the session's fronts, and tidies up. Several flows share
/// one listener; each callback finds its flow by `state`.
struct FlowRunner {
    var session: Session
    var listenerConfiguration: ListenerConfiguration
    /// The deadline of each HTTP hop (`--http-timeout`).
    var httpTimeout: Duration = HTTPProviderClient.defaultTimeout
    /// False for a grant without a redirect (`GrantType.usesRedirect`): no callback listener is started.
    var startsListener = true
    /// Runs once the flows have ended, before the fronts are closed (a lesson's closing words).
    var beforeFinish: (@Sendable () async -> Void)?

    /// - Parameter makeFlow: given the flow's index, the effective redirect URI and the bound addresses, returns
    ///   that flow's configuration, its user agent, and what to tidy up afterwards.
    /// - Parameter interactive: some flow waits for the user (step mode, manual exchange), so stdin carries commands.
    func run(flows count: Int = 1, interactive: Bool, makeFlow: (Int, String, [String], FlowPublisher) async throws -> (FlowConfiguration, any UserAgent, () async -> Void)) async throws -> Int32 {
        let parts: (scheme: String, host: String, port: Int, path: String)
        do { parts = try RedirectURI.parse(listenerConfiguration.redirectURI) } catch { throw UsageError(error.description) }
        let flowIDs = (0..<count).map { _ in "f" + SecureRandom.token(bytes: 4) }
        let registry = CallbackRegistry(callbackPath: parts.path, defaultFlowID: flowIDs[0])
        // Only a grant that sends the user back to the redirect URI needs the listener (device, client
        // credentials, refresh and token exchange talk to the token endpoint alone).
        let listener = startsListener ? CallbackListenerServer(configuration: listenerConfiguration, registry: registry, bus: session.bus) : nil
        var addresses: [String] = []
        if let listener {
            do { addresses = try await listener.start() } catch { throw UsageError(error.description) }
        }
        let redirectURI = listener?.effectiveRedirectURI ?? listenerConfiguration.redirectURI
        let client = HTTPProviderClient(timeout: httpTimeout)
        var controllers: [FlowController] = []
        var cleanups: [() async -> Void] = []
        do {
            for (i, id) in flowIDs.enumerated() {
                let publisher = FlowPublisher(bus: session.bus, flowID: id)
                let (config, agent, cleanup) = try await makeFlow(i, redirectURI, addresses, publisher)
                controllers.append(FlowController(configuration: config, publisher: publisher, registry: registry, client: client, userAgent: agent, commands: session.commands))
                cleanups.append(cleanup)
            }
        } catch {
            for c in cleanups { await c() }
            await listener?.stop()
            await client.shutdown()
            throw error
        }
        let all = controllers
        let result = try await session.run({
            await withTaskGroup(of: FlowResult.self) { group in
                for c in all { group.addTask { await c.run() } }
                var worst = FlowResult.completed
                for await r in group where r != .completed { worst = r }
                return worst
            }
        }, readsStdinCommands: interactive)
        await listener?.stop()
        await client.shutdown()
        for c in cleanups { await c() }
        await beforeFinish?()
        await session.finish()
        return result.exitCode
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A whole flow against the embedded authorization server: no account, no network.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var tuning: FlowTuning
    @OptionGroup var redirect: RedirectOptions
    @OptionGroup var http: HTTPOptions
    @OptionGroup var clientOptions: DemoClientOptions
    @OptionGroup var pushed: PushedRequestOptions

    @Flag(name: .customLong("require-par"), help: "Have the embedded provider take authorization requests only when pushed (require_pushed_authorization_requests, RFC 9126 §5).")
    var requirePAR = false
    @OptionGroup var grantOptions: GrantOptions

    @Option(name: .customLong("scope"), help: Setting.scope.description.argumentHelp)
    var scope: String?

    @Option(name: .customLong("param"), help: Setting.params.description.argumentHelp)
    var params: [String] = []

    @Option(help: "Sign ID tokens with ES256 or RS256.")
    var alg: SigningAlgorithm = .es256

    @Option(help: ArgumentHelp("Make the embedded provider misbehave on purpose, to watch a check catch it (repeatable).", valueName: "NAME"))
    var fault: [MockFault] = []

    @Option(help: ArgumentHelp("Have the embedded provider imitate a real one and run its preset against it.", valueName: "NAME"))
    var personality: MockPersonality?

    @Option(help: ArgumentHelp("Run a lesson: a classic failure staged on purpose, introduced before and explained after (list them with 'oauthscope lessons').", valueName: "NAME"))
    var lesson: String?

    /// The demo's own defaults: the embedded provider's client, and the scopes it knows.
    static let defaultScope = "openid email profile"

    /// The scope the demo asks for by default: a user's for the grants with a user, an API scope for client
    /// credentials (no user, so no `openid`), and none for refresh and token exchange, which keep the grant's.
    static func defaultScope(for grant: GrantType) -> String? {
        switch grant {
        case .clientCredentials: return "api.read"
        case .refreshToken, .tokenExchange: return nil
        case .authorizationCode, .device: return defaultScope
        }
    }

    func run() async throws {
        var chosenLesson: Lesson?
        if let name = self.lesson {
            guard let found = Lesson.named(name) else {
                throw UsageError("--lesson \(name): no such lesson; choose one of \(Lesson.all.map(\.name).joined(separator: ", ")) (see 'oauthscope lessons')")
            }
            if personality != nil { throw UsageError("--lesson runs against the embedded OpenID Connect provider; leave out --personality") }
            chosenLesson = found
        }
        let lesson = chosenLesson
        let env = ProcessInfo.processInfo.environment
        var flags = [try tuning.layer(), redirect.layer(), try http.layer(), clientOptions.layer(), try pushed.layer(), try grantOptions.layer()]
        var scopeFlag = SettingsLayer(.flag)
        scopeFlag.set(.scope, scope)
        var extra: [FormField] = []
        for kv in params { extra.append(try parseKeyValue(kv, flag: "--param")) }
        scopeFlag.set(.params, pairs: extra)
        flags.append(scopeFlag)
        let envLayer = try SettingsLayer.environment(env, for: .demo)
        var defaults = SettingsLayer.defaults(for: .demo)
        let chosenGrant = ResolvedSettings(flags + [envLayer, defaults]).choice(.grant, as: GrantType.self) ?? .authorizationCode
        defaults.set(.scope, Self.defaultScope(for: chosenGrant))
        // Refresh and token exchange present a token from an earlier grant: the embedded provider starts with one.
        let seeded: SeededGrant? = chosenGrant == .refreshToken || chosenGrant == .tokenExchange ? SeededGrant.random(clientID: MockClient.demo.id) : nil
        let merged = ResolvedSettings(flags + [envLayer, defaults])
        var listenerRedirect = merged.text(.redirectURI) ?? Setting.defaultRedirectURI
        // The demo must just work: when the default port is taken and no redirect URI was given, any free port
        // will do, since the embedded provider accepts any loopback port (RFC 8252 §7.3).
        if !merged.givenByUser(.redirectURI), !PortProbe.isFree(host: "127.0.0.1", port: 8765) {
            listenerRedirect = "http://127.0.0.1:0/callback"
        }
        let faults = Set(fault).union(lesson?.staging.faults ?? [])
        // The embedded client is registered for the method the demo authenticates with; private-key-jwt without
        // --private-key gets a fresh P-256 key, whose public half the provider registers.
        let clientAuth = merged.choice(.tokenAuth, as: TokenAuthArgument.self)?.method ?? (merged.givenByUser(.privateKey) ? .privateKeyJWT : nil)
        var clientKey: ClientSigningKey?
        if let path = merged.text(.privateKey) { clientKey = try ClientKeyFile.load(path) } else if clientAuth == .privateKeyJWT { clientKey = .generateP256() }
        let generatedKey = merged.text(.privateKey) == nil ? clientKey : nil
        let registeredKey = clientKey
        let requirePAR = self.requirePAR
        let session = try Session(options: output, title: lesson.map { "oauthscope demo: lesson \($0.name)" } ?? "oauthscope demo")
        let listenerConfig = ListenerConfiguration(redirectURI: listenerRedirect, reveal: output.reveal)
        var runner = FlowRunner(session: session, listenerConfiguration: listenerConfig, httpTimeout: merged.httpTimeout ?? HTTPProviderClient.defaultTimeout)
        runner.startsListener = (merged.choice(.grant, as: GrantType.self) ?? .authorizationCode).usesRedirect
        if let lesson {
            // Subscribed before the flow starts, it says how the lesson ended once the flow has.
            let narrator = LessonNarrator(lesson: lesson, bus: session.bus)
            runner.beforeFinish = { await narrator.finished() }
        }
        let personality = self.personality
        let signing = alg
        let output = self.output
        let interactive = merged.flag(.step) || merged.choice(.exchange, as: ExchangeModeArgument.self) == .manual
        let code = try await runner.run(interactive: interactive) { _, redirect, addresses, publisher in
            let embedded = try await EmbeddedProvider.start(personality: personality, registeredRedirectURI: merged.text(.registeredRedirectURI) ?? redirect,
                                                            defaults: defaults) { providerConfig in
                providerConfig.signingAlgorithm = signing
                providerConfig.faults = faults
                // The device grant's demo polls every second, so it ends in a few seconds.
                providerConfig.deviceInterval = 1
                providerConfig.requirePushedAuthorizationRequests = requirePAR
                if let clientAuth {
                    for i in providerConfig.clients.indices {
                        providerConfig.clients[i].authMethod = clientAuth
                        providerConfig.clients[i].jwks = registeredKey?.publicJWKS
                    }
                }
                if let seeded { providerConfig.seededGrants = [seeded] }
                lesson?.staging.apply(to: &providerConfig)
            }
            let provider = embedded.server
            let layers = flags + [embedded.chosen, envLayer, embedded.defaults]
            let resolved: ResolvedFlow
            do { resolved = try ResolvedFlow.resolve(layers, rebase: embedded.rebase, environment: env, requireGrantTokens: false, generatedKey: generatedKey) } catch {
                await provider.stop()
                throw error
            }
            let browserNote = resolved.browser != nil || resolved.noBrowser || !resolved.grant.usesRedirect ? "" : " (simulated browser)"
            var config = resolved.configuration(mode: "demo", redirectURI: redirect, reveal: output.reveal, serveActions: output.resolvedOutput == .tui)
            config.providerLabel = embedded.label + browserNote
            config.apiBase = embedded.base
            if let seeded { Self.present(seeded, in: &config) }
            for f in faults.sorted(by: { $0.rawValue < $1.rawValue }) {
                config.startFindings.append(FindingCatalogue.demoFault.finding(f.rawValue, f.summary, step: "url"))
            }
            if let lesson {
                lesson.staging.apply(to: &config)
                publisher.publish(.lessonStarted(lesson.started))
            }
            config.listenerAddresses = addresses
            let agent: any UserAgent
            var cleanup: () async -> Void = { await provider.stop() }
            if resolved.noBrowser {
                agent = PrintedURL()
            } else if let command = resolved.browser {
                agent = SystemBrowser(command: command, publisher: publisher)
            } else if resolved.grant == .device {
                // The simulated user approves once the device has polled twice, so the pending answers show.
                config.deviceUserAfterPolls = 2
                let user = SimulatedDeviceUser()
                agent = user
                cleanup = {
                    await user.shutdown()
                    await provider.stop()
                }
            } else {
                let simulated = SimulatedBrowser(redirectURI: redirect, decision: lesson?.staging.decision ?? "approve",
                                                 forgesCallbackFirst: lesson?.staging.forgedCallback ?? false)
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

extension Demo {
    /// Hands the seeded grant's token to a refresh or token-exchange run that was given none, and says so.
    static func present(_ seeded: SeededGrant, in config: inout FlowConfiguration) {
        let scope = seeded.scopes.joined(separator: " ")
        switch config.grant {
        case .refreshToken where config.grantInputs.refreshToken == nil:
            config.grantInputs.refreshToken = Secret(seeded.refreshToken)
            config.startFindings.append(FindingCatalogue.demoSeededToken.finding("a refresh token", seeded.user, scope, "the refresh token to present", step: "request"))
            config.providerLabel += ", which seeded a refresh token for the demo client"
        case .tokenExchange where config.grantInputs.subjectToken == nil:
            config.grantInputs.subjectToken = Secret(seeded.accessToken)
            config.grantInputs.subjectTokenType = TokenTypeURI.accessToken
            config.startFindings.append(FindingCatalogue.demoSeededToken.finding("an access token", seeded.user, scope, "the subject token", step: "request"))
            config.providerLabel += ", which seeded an access token (the subject token) for the demo client"
        default:
            break
        }
    }
}

/// `oauthscope lessons`: the lessons `demo --lesson NAME` runs, one line each.
struct LessonList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons", abstract: "List the lessons: classic failures staged on purpose, run with 'oauthscope demo --lesson NAME'.")

    func run() throws {
        let width = (Lesson.all.map(\.name.count).max() ?? 0) + 2
        StandardOutput.write(lines: Lesson.all.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + $0.summary })
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
    @OptionGroup var tuning: FlowTuning
    @OptionGroup var http: HTTPOptions
    @OptionGroup var providerOptions: ProviderOptions
    @OptionGroup var redirect: RedirectOptions
    @OptionGroup var pushed: PushedRequestOptions
    @OptionGroup var grantOptions: GrantOptions

    @Option(name: .customLong("listen-address"), help: ArgumentHelp("Bind the listener here instead of the redirect URI's loopback host (on purpose only).", valueName: "ADDR"))
    var listenAddress: String?

    @OptionGroup var followUps: FollowUpEndpoints

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let resolved = try ResolvedFlow.resolveAll(
            command: .flow, flags: [try providerOptions.layer(), try tuning.layer(), redirect.layer(), try followUps.layer(), try http.layer(), try pushed.layer(), try grantOptions.layer()],
            profiles: providerOptions.profile, configPath: output.configPath(env), environment: env,
            rebase: providerOptions.presetBase.flatMap(URL.init(string:)))
        // A call's path alone is relative to the demo's embedded provider; a real provider's API needs the whole URL.
        for flow in resolved {
            for a in flow.settings.list(.then) ?? [] where APICallRequest.isCall(a) {
                do throws(APICallError) { _ = try APICallRequest.parseAction(a) } catch { throw UsageError("--then \(a.prefix(200)): \(error)") }
            }
        }
        let redirectURI = resolved[0].redirectURI
        if let other = resolved.first(where: { $0.redirectURI != redirectURI }) {
            throw UsageError("--profile \(other.label): all flows of one session share one listener, but its redirect_uri \(other.redirectURI) differs from \(redirectURI); give --redirect-uri to use one for all")
        }
        let session = try Session(options: output, title: "oauthscope flow")
        var runner = FlowRunner(session: session, listenerConfiguration: ListenerConfiguration(redirectURI: redirectURI, listenAddress: listenAddress, reveal: output.reveal),
                                httpTimeout: resolved[0].settings.httpTimeout ?? HTTPProviderClient.defaultTimeout)
        runner.startsListener = resolved.contains { $0.grant.usesRedirect }
        let listenAddress = self.listenAddress
        let output = self.output
        let code = try await runner.run(flows: resolved.count, interactive: resolved.contains(where: \.isInteractive)) { index, redirect, addresses, publisher in
            let flow = resolved[index]
            var config = flow.configuration(mode: "flow", redirectURI: redirect, reveal: output.reveal, serveActions: output.resolvedOutput == .tui)
            config.listenerAddresses = addresses
            if listenAddress != nil {
                publisher.publish(.finding(FindingCatalogue.listenerNonLoopback.finding(listenAddress ?? "", step: "redirect")))
            }
            let agent: any UserAgent = flow.noBrowser
                ? PrintedURL()
                : SystemBrowser(command: SystemBrowser.resolve(flag: flow.browser), publisher: publisher)
            return (config, agent, {})
        }
        throw ExitCode(code)
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
            // The flow's end decides, not what follows it (a lesson's closing words).
            let end = events.last { if case .flowCompleted = $0.payload { return true }; if case .flowFailed = $0.payload { return true }; return false }
            if let end, case .flowFailed(let f) = end.payload { return .failed(f) }
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

        @Option(help: ArgumentHelp("Imitate a real provider's paths, client authentication, body encoding and quirks.", valueName: "NAME"))
        var personality: MockPersonality?

        @Option(help: ArgumentHelp("Misbehave on purpose (repeatable).", valueName: "NAME"))
        var fault: [MockFault] = []

        @Option(name: .customLong("client-auth"), help: ArgumentHelp("How the clients must authenticate (default: private-key-jwt with --client-jwks, else the personality's, else client-secret-basic).", valueName: "METHOD"))
        var clientAuth: TokenAuthArgument?

        @Option(name: .customLong("client-jwks"), help: ArgumentHelp("The clients' public keys, a JWK Set file, for private-key-jwt.", valueName: "PATH"))
        var clientJWKS: String?

        @Flag(name: .customLong("require-par"), help: "Take authorization requests only when pushed (require_pushed_authorization_requests, RFC 9126 §5).")
        var requirePAR = false

        /// Reads `--client-jwks`: a bounded read, then `ClientJWKS.parse` (a JSON object with a non-empty `keys` array of public keys).
        static func loadJWKS(_ path: String) throws -> JSONValue {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("--client-jwks \(path): cannot read the file") }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: ClientSigningKey.maxFileSize + 1)) ?? nil
            guard let data, data.count <= ClientSigningKey.maxFileSize else { throw ValidationError("--client-jwks \(path): empty, unreadable or over \(ClientSigningKey.maxFileSize) bytes") }
            do throws(ClientKeyError) {
                return try ClientJWKS.parse(data)
            } catch {
                throw ValidationError("--client-jwks \(path): \(error.description)")
            }
        }

        func run() async throws {
            var config = MockProviderConfiguration()
            config.port = port
            config.autoApprove = autoApprove
            config.faults = Set(fault)
            let persona = personality ?? .oidc
            config.personality = persona
            let jwks = try clientJWKS.map(Self.loadJWKS)
            config.requirePushedAuthorizationRequests = requirePAR
            let auth = clientAuth?.method ?? (jwks != nil ? .privateKeyJWT : ProviderPresets.named(persona.rawValue)?.tokenAuth ?? .clientSecretBasic)
            let redirects = redirectURIs.isEmpty ? ["http://127.0.0.1:8765/callback"] : redirectURIs
            if !client.isEmpty {
                config.clients = try client.map { spec in
                    guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
                        throw ValidationError("--client \(spec): expected ID:SECRET (or ID: for a public client)")
                    }
                    let secret = String(spec[spec.index(after: colon)...])
                    let method: ClientAuthMethod = clientAuth == nil && jwks == nil ? (secret.isEmpty ? .none : (personality == nil ? .clientSecretBasic : auth)) : auth
                    return MockClient(id: String(spec[..<colon]), secret: secret.isEmpty ? nil : secret, redirectURIs: redirects, authMethod: method, jwks: jwks)
                }
            } else {
                let method: ClientAuthMethod = clientAuth == nil && jwks == nil ? (personality == nil ? .clientSecretBasic : auth) : auth
                config.clients = [MockClient(id: MockClient.demo.id, secret: MockClient.demo.secret, redirectURIs: redirects, authMethod: method, jwks: jwks)]
            }
            // Each client starts with a grant, so refresh and token exchange can be tried at once.
            config.seededGrants = config.clients.map { SeededGrant.random(clientID: $0.id) }
            let server = MockProviderServer(configuration: config)
            let issuer: URL
            do { issuer = try await server.start() } catch { throw UsageError("--port \(port): \(error)") }
            StandardOutput.write("embedded provider at \(issuer.absoluteString), imitating \(persona.displayName)")
            for route in persona.routes { StandardOutput.write("  \(route)") }
            if persona == .bitbadges { StandardOutput.write("x-api-key: \(config.apiKey)") }
            if personality != nil { StandardOutput.write("run its preset against it: oauthscope flow --preset \(persona.rawValue) --preset-base \(issuer.absoluteString) ...") }
            for c in config.clients {
                StandardOutput.write("client \(c.id)" + (c.secret.map { " secret \($0)" } ?? " (public)") + ", \(c.authMethod.rawValue), redirect URIs: \(c.redirectURIs.joined(separator: " "))")
            }
            for g in config.seededGrants {
                StandardOutput.write("seeded grant for \(g.clientID) (user \(g.user), scope \(g.scopes.joined(separator: " "))): refresh token \(g.refreshToken) access token \(g.accessToken)")
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
        discussion: """
        Point your application's redirect URI at oauthscope, or run it in front of your app's callback with --forward. \
        With several --redirect-uri, --forward and --expect-state take URI=VALUE for one of them; a plain VALUE applies \
        to every redirect URI without its own.
        """)

    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("redirect-uri"), help: ArgumentHelp("A redirect URI to listen on (repeatable).", valueName: "URI"))
    var redirectURIs: [String] = ["http://127.0.0.1:8765/callback"]

    @Option(help: ArgumentHelp("Pass each callback on to the application's real callback: a 307 redirect of the browser with the same query. URI=URL for one redirect URI (repeatable).", valueName: "[URI=]URL"))
    var forward: [String] = []

    @Option(name: .customLong("expect-state"), help: ArgumentHelp("Mark callbacks whose state differs from this value. URI=VALUE for one redirect URI (repeatable).", valueName: "[URI=]VALUE"))
    var expectState: [String] = []

    @Option(name: .customLong("listen-address"), help: ArgumentHelp("Bind here instead of the redirect URI's loopback host (on purpose only).", valueName: "ADDR"))
    var listenAddress: String?

    @Flag(help: "Exchange each arriving code for tokens with the client given below (--preset/--issuer/--token-url, --client-id, a secret). Off by default: listening never redeems an application's codes.")
    var exchange = false

    @Flag(name: .customLong("exchange-any"), help: Setting.exchangeAny.description.argumentHelp)
    var exchangeAny = false

    @Option(name: .customLong("code-verifier"), help: ArgumentHelp("With --exchange: the PKCE code_verifier the application used; STATE=VERIFIER for the flow with that state (repeatable).", valueName: "[STATE=]VERIFIER"))
    var codeVerifier: [String] = []

    @Option(name: .customLong("code-verifier-file"), help: ArgumentHelp("With --exchange: each flow's code_verifier by its state, as lines 'STATE VERIFIER' or a JSON object.", valueName: "PATH"))
    var codeVerifierFile: String?

    @Flag(name: .customLong("no-fragment-page"), help: "Do not answer a request without query parameters with the page that posts a URL fragment back (response_mode=fragment).")
    var noFragmentPage = false

    @OptionGroup var http: HTTPOptions

    @OptionGroup var providerOptions: ProviderOptions

    func validate() throws {
        if !codeVerifier.isEmpty || codeVerifierFile != nil, !exchange { throw ValidationError("--code-verifier and --code-verifier-file go with --exchange") }
        if exchangeAny, !exchange { throw ValidationError("--exchange-any goes with --exchange") }
        if redirectURIs.isEmpty { throw ValidationError("give at least one --redirect-uri") }
    }

    func run() async throws {
        let routes = try ListenArguments.routes(redirectURIs: redirectURIs, forwards: forward, expectStates: expectState)
        var verifiers = try CodeVerifiers.parse(flags: codeVerifier)
        var looseVerifierFile: (path: String, mode: String)?
        if let path = codeVerifierFile {
            let read = try CodeVerifiers.read(path: path)
            if verifiers.single != nil { throw UsageError("--code-verifier-file gives verifiers by state: write --code-verifier STATE=VERIFIER beside it, not a plain one") }
            for (state, v) in read.verifiers {
                if verifiers.byState[state] != nil { throw UsageError("--code-verifier-file \(path): state \(state) is also given with --code-verifier") }
                verifiers.byState[state] = v
            }
            looseVerifierFile = read.looseMode.map { (path, $0) }
        }
        // Known states (an --expect-state for every redirect URI, or verifiers by state) keep other callbacks' codes
        // from being redeemed with the client's secret.
        if exchange, !exchangeAny, routes.contains(where: { $0.expectState == nil }), verifiers.byState.isEmpty {
            throw UsageError("--exchange redeems codes with your client secret: add --expect-state VALUE (the state your application sent) so only its callbacks are exchanged, --code-verifier STATE=VERIFIER for each flow, or --exchange-any to exchange whatever arrives")
        }
        // Resolve the exchange settings before anything listens, so a mistake is a usage error.
        let env = ProcessInfo.processInfo.environment
        let exchanger: ResolvedFlow? = exchange
            ? try ResolvedFlow.resolveAll(command: .listen, flags: [try providerOptions.layer()], profiles: providerOptions.profile,
                                          configPath: output.configPath(env), environment: env,
                                          rebase: providerOptions.presetBase.flatMap(URL.init(string:)), exchangeOnly: true)[0]
            : nil
        let session = try Session(options: output, title: "oauthscope listen")
        let flowID = "listen"
        let counter = exchanger == nil ? nil : ExchangeCounter()
        var listeners: [CallbackListenerServer] = []
        var registries: [CallbackRegistry] = []
        var started: [ListenerStarted] = []
        for route in routes {
            let parts: (scheme: String, host: String, port: Int, path: String)
            do { parts = try RedirectURI.parse(route.redirectURI) } catch { throw UsageError(error.description) }
            let registry = CallbackRegistry(watchingPath: parts.path, flowID: flowID, expectedState: route.expectState, exchanges: counter)
            var configuration = ListenerConfiguration(redirectURI: route.redirectURI, listenAddress: listenAddress, forward: route.forward, reveal: output.reveal)
            configuration.catchFragments = !noFragmentPage
            let listener = CallbackListenerServer(configuration: configuration, registry: registry, bus: session.bus)
            do {
                let addresses = try await listener.start()
                started.append(ListenerStarted(addresses: addresses, redirectURI: listener.effectiveRedirectURI, forward: route.forward?.absoluteString, expectState: route.expectState))
            } catch {
                for l in listeners { await l.stop() }
                throw UsageError(error.description)
            }
            listeners.append(listener)
            registries.append(registry)
        }
        let bus = session.bus
        // --exchange: each accepted code is redeemed as its own little flow (x1, x2, ...), named in its callback.received.
        var exchangeTasks: [Task<Void, Never>] = []
        let httpSettings = ResolvedSettings([try http.layer(), try SettingsLayer.environment(env, for: .listen), SettingsLayer.defaults(for: .listen)])
        let client = HTTPProviderClient(timeout: httpSettings.httpTimeout ?? HTTPProviderClient.defaultTimeout)
        if let exchanger {
            let chosen = verifiers
            for (registry, listener) in zip(registries, listeners) {
                let redirect = listener.effectiveRedirectURI
                let frozen = exchanger.configuration(mode: "listen", redirectURI: redirect, reveal: output.reveal, serveActions: false)
                exchangeTasks.append(Task {
                    for await arrived in registry.arrivals {
                        let publisher = FlowPublisher(bus: bus, flowID: arrived.exchangeFlowID)
                        let verifier: String?
                        switch chosen.choose(state: arrived.state) {
                        case .verifier(let v): verifier = v
                        case .none: verifier = nil
                        case .unknownState(let state):
                            let what = state.map { "state \($0)" } ?? "no state"
                            publisher.publish(.finding(FindingCatalogue.listenNotExchanged.finding(what, state == nil
                                ? "without a state it cannot be matched to a flow's code_verifier (RFC 6749 §10.12)"
                                : "no code_verifier is given for this state (--code-verifier STATE=VERIFIER or --code-verifier-file)", step: FlowStep.tokenExchanged.key)))
                            continue
                        }
                        if arrived.state == nil {
                            publisher.publish(.finding(FindingCatalogue.listenNotExchanged.finding("no state", "without a state it cannot be told from a forged callback (RFC 6749 §10.12)", step: FlowStep.tokenExchanged.key)))
                            continue
                        }
                        let controller = FlowController(configuration: frozen, publisher: publisher, registry: registry, client: client, userAgent: PrintedURL())
                        _ = await controller.exchangeArrivedCode(arrived.code, codeVerifier: verifier)
                    }
                })
            }
        }
        let uris = listeners.map(\.effectiveRedirectURI)
        let forwarding = routes.contains { $0.forward != nil }
        bus.publish(flow: flowID, .flowStarted(FlowStarted(mode: "listen", provider: forwarding ? "forwarding callbacks" : "watching callbacks", clientID: nil, redirectURI: uris.joined(separator: ", "), exchange: exchanger == nil ? "never" : "auto")))
        for l in started { bus.publish(flow: flowID, .listenerStarted(l)) }
        if let listenAddress {
            bus.publish(flow: flowID, .finding(FindingCatalogue.listenerNonLoopback.finding(listenAddress)))
        }
        if let loose = looseVerifierFile {
            bus.publish(flow: flowID, .finding(FindingCatalogue.listenVerifierFileReadable.finding(loose.path, loose.mode)))
        }
        if exchanger != nil, exchangeAny, routes.contains(where: { $0.expectState == nil }) {
            bus.publish(flow: flowID, .finding(FindingCatalogue.listenExchangeAny.finding()))
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
