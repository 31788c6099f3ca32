import ArgumentParser
import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore

struct OAuthScope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oauthscope",
        abstract: "Run an OAuth 2.0 / OpenID Connect authorization-code flow and watch every step live.",
        subcommands: [Demo.self, Flow.self, Listen.self, Replay.self, Provider.self]
    )
}

/// Starts the listener, builds the flow, runs it with the session's fronts, and tidies up.
struct FlowRunner {
    var session: Session
    var listenerConfiguration: ListenerConfiguration
    var flowID = "f" + SecureRandom.token(bytes: 4)

    /// - Parameter makeFlow: given the effective redirect URI and the bound addresses, returns the flow's
    ///   configuration and its user agent.
    func run(tuning: FlowTuning, makeFlow: (String, [String], FlowPublisher) async throws -> (FlowConfiguration, any UserAgent, () async -> Void)) async throws -> Int32 {
        let parts: (scheme: String, host: String, port: Int, path: String)
        do { parts = try RedirectURI.parse(listenerConfiguration.redirectURI) } catch { throw UsageError(error.description) }
        let registry = CallbackRegistry(callbackPath: parts.path, defaultFlowID: flowID)
        let listener = CallbackListenerServer(configuration: listenerConfiguration, registry: registry, bus: session.bus)
        let addresses: [String]
        do { addresses = try await listener.start() } catch { throw UsageError(error.description) }
        let publisher = FlowPublisher(bus: session.bus, flowID: flowID)
        let client = HTTPProviderClient(timeout: .seconds(15))
        let (config, agent, cleanup): (FlowConfiguration, any UserAgent, () async -> Void)
        do {
            (config, agent, cleanup) = try await makeFlow(listener.effectiveRedirectURI, addresses, publisher)
        } catch {
            await listener.stop()
            await client.shutdown()
            throw error
        }
        let controller = FlowController(configuration: config, publisher: publisher, registry: registry, client: client, userAgent: agent, commands: session.commands)
        let interactive = tuning.step || tuning.exchange == .manual
        let result = try await session.run({ await controller.run() }, readsStdinCommands: interactive)
        await listener.stop()
        await client.shutdown()
        await cleanup()
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

    @Option(help: "Scopes to ask for.")
    var scope = "openid email profile"

    @Option(help: ArgumentHelp("The redirect URI to listen on (port 0: any free port).", valueName: "URI"))
    var redirectURI = "http://127.0.0.1:8765/callback"

    @Option(help: "Sign ID tokens with ES256 or RS256.")
    var alg: String = "ES256"

    func run() async throws {
        guard let signing = SigningAlgorithm(rawValue: alg.uppercased()) else {
            throw ValidationError("--alg \(alg): use ES256 or RS256")
        }
        let session = try Session(options: output, title: "oauthscope demo")
        var listenerConfig = ListenerConfiguration(redirectURI: redirectURI, reveal: output.reveal)
        // The demo must just work: when the default port is taken, any free port will do, since the embedded
        // provider accepts any loopback port (RFC 8252 §7.3).
        if redirectURI == "http://127.0.0.1:8765/callback", !PortProbe.isFree(host: "127.0.0.1", port: 8765) {
            listenerConfig.redirectURI = "http://127.0.0.1:0/callback"
        }
        let runner = FlowRunner(session: session, listenerConfiguration: listenerConfig)
        let realBrowser = browserOptions.browser != nil
        let code = try await runner.run(tuning: tuning) { redirect, addresses, publisher in
            var providerConfig = MockProviderConfiguration()
            providerConfig.signingAlgorithm = signing
            providerConfig.clients = [MockClient(id: MockClient.demo.id, secret: MockClient.demo.secret, redirectURIs: [redirect], authMethod: .clientSecretBasic)]
            let provider = MockProviderServer(configuration: providerConfig)
            let issuer: URL
            do { issuer = try await provider.start() } catch { throw UsageError("the embedded provider could not start: \(error)") }
            var config = FlowConfiguration(
                mode: "demo", providerLabel: "embedded provider at \(issuer.absoluteString)" + (realBrowser || browserOptions.noBrowser ? "" : " (simulated browser)"),
                provider: .issuer(issuer.absoluteString), clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret.map(Secret.init),
                tokenAuth: .clientSecretBasic, scope: scope, redirectURI: redirect, pkce: tuning.pkce.method,
                exchange: tuning.exchange.mode, stepMode: tuning.step, callbackTimeout: .seconds(tuning.timeout),
                reveal: output.reveal, insecureContinue: tuning.insecureContinue)
            config.listenerAddresses = addresses
            tuning.apply(to: &config, output: output)
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
        discussion: "Give --issuer for discovery, or --authorize-url and --token-url.")

    @OptionGroup var output: OutputOptions
    @OptionGroup var browserOptions: BrowserOptions
    @OptionGroup var tuning: FlowTuning

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

    @Option(name: .customLong("redirect-uri"), help: ArgumentHelp("The redirect URI registered with the provider; oauthscope listens on it.", valueName: "URI"))
    var redirectURI = "http://127.0.0.1:8765/callback"

    @Option(name: .customLong("listen-address"), help: ArgumentHelp("Bind the listener here instead of the redirect URI's loopback host (on purpose only).", valueName: "ADDR"))
    var listenAddress: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("An extra authorization request parameter (repeatable).", valueName: "K=V"))
    var params: [String] = []

    @Option(name: .customLong("token-param"), help: ArgumentHelp("An extra token request body field (repeatable).", valueName: "K=V"))
    var tokenParams: [String] = []

    @Option(name: .customLong("token-header"), help: ArgumentHelp("An extra token request header (repeatable).", valueName: "'NAME: VALUE'"))
    var tokenHeaders: [String] = []

    @Option(name: .customLong("token-body"), help: "Token request body: form (default) or json.")
    var tokenBody: TokenBodyArgument = .form

    @Option(name: .customLong("token-auth"), help: "Client authentication: basic, post or none (default: basic with a secret, else none).")
    var tokenAuth: TokenAuthArgument?

    @OptionGroup var followUps: FollowUpEndpoints

    func validate() throws {
        if issuer == nil && (authorizeURL == nil || tokenURL == nil) {
            throw ValidationError("give --issuer URL, or both --authorize-url URL and --token-url URL")
        }
        if issuer != nil && (authorizeURL != nil || tokenURL != nil) {
            throw ValidationError("--issuer and --authorize-url/--token-url exclude each other; give one or the other")
        }
        for (flag, value) in [("--issuer", issuer), ("--authorize-url", authorizeURL), ("--token-url", tokenURL)] {
            if let v = value, URL(string: v)?.scheme == nil || URL(string: v)?.host == nil {
                throw ValidationError("\(flag) \(v) is not an absolute URL like https://example.com/...")
            }
        }
        guard let id = clientID, !id.isEmpty else { throw ValidationError("--client-id is required") }
        let secretSources = [clientSecret != nil, clientSecretEnv != nil, clientSecretFile != nil].filter { $0 }.count
        if secretSources > 1 { throw ValidationError("give only one of --client-secret, --client-secret-env, --client-secret-file") }
    }

    func resolveSecret() throws -> Secret? {
        if let s = clientSecret { return Secret(s) }
        if let name = clientSecretEnv {
            guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else {
                throw UsageError("--client-secret-env \(name): the environment variable is not set or empty")
            }
            return Secret(v)
        }
        if let path = clientSecretFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("--client-secret-file \(path): cannot read the file") }
            return Secret(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return nil
    }

    func run() async throws {
        let secret = try resolveSecret()
        let authParams = try params.map { try parseKeyValue($0, flag: "--param") }
        let bodyParams = try tokenParams.map { try parseKeyValue($0, flag: "--token-param") }
        let headers = try tokenHeaders.map(parseHeader)
        let provider: ProviderSource
        let label: String
        if let issuer {
            provider = .issuer(issuer)
            label = issuer
        } else if let a = authorizeURL.flatMap(URL.init(string:)), let t = tokenURL.flatMap(URL.init(string:)) {
            provider = .endpoints(authorization: a, token: t, issuer: nil, jwks: nil)
            label = a.host ?? a.absoluteString
        } else {
            throw UsageError("give --issuer URL, or both --authorize-url URL and --token-url URL")
        }
        let auth = tokenAuth?.method ?? (secret == nil ? .none : .clientSecretBasic)
        if auth != .none, secret == nil {
            throw UsageError("--token-auth \(tokenAuth?.rawValue ?? "basic") needs a client secret: give --client-secret, --client-secret-env or --client-secret-file")
        }
        let session = try Session(options: output, title: "oauthscope flow")
        let runner = FlowRunner(session: session, listenerConfiguration: ListenerConfiguration(redirectURI: redirectURI, listenAddress: listenAddress, reveal: output.reveal))
        let code = try await runner.run(tuning: tuning) { redirect, addresses, publisher in
            var config = FlowConfiguration(
                mode: "flow", providerLabel: label, provider: provider, clientID: clientID ?? "", clientSecret: secret,
                tokenAuth: auth, tokenBody: tokenBody.encoding, scope: scope, redirectURI: redirect,
                authorizationParameters: authParams, tokenParameters: bodyParams, tokenHeaders: headers,
                pkce: tuning.pkce.method, exchange: tuning.exchange.mode, stepMode: tuning.step,
                callbackTimeout: .seconds(tuning.timeout), reveal: output.reveal, insecureContinue: tuning.insecureContinue)
            config.listenerAddresses = addresses
            tuning.apply(to: &config, output: output)
            followUps.apply(to: &config)
            if listenAddress != nil {
                publisher.publish(.finding(Finding(.warn, "listener.non_loopback", "The listener is bound to \(listenAddress ?? "") on purpose; other machines may be able to reach it and read codes.", ref: "RFC 8252 §8.3")))
            }
            let agent: any UserAgent
            if browserOptions.noBrowser {
                agent = PrintedURL()
            } else {
                agent = SystemBrowser(command: SystemBrowser.resolve(flag: browserOptions.browser), publisher: publisher)
            }
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

    func run() async throws {
        let read: (events: [FlowEvent], problems: [RecordingError])
        do { read = try RecordingReader.read(path: file) } catch { throw UsageError(error.description) }
        for p in read.problems { StandardOutput.error("oauthscope: \(p.description)") }
        guard !read.events.isEmpty else { throw UsageError("\(file): no events to replay") }
        let session = try Session(options: output, title: "oauthscope replay \(file)")
        let bus = session.bus
        let events = read.events
        let speed = self.speed
        let result = try await session.run({
            await RecordingReader.replay(events, on: bus, speed: speed)
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

        func run() async throws {
            var config = MockProviderConfiguration()
            config.port = port
            config.autoApprove = autoApprove
            let redirects = redirectURIs.isEmpty ? ["http://127.0.0.1:8765/callback"] : redirectURIs
            if !client.isEmpty {
                config.clients = try client.map { spec in
                    guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
                        throw ValidationError("--client \(spec): expected ID:SECRET (or ID: for a public client)")
                    }
                    let secret = String(spec[spec.index(after: colon)...])
                    return MockClient(id: String(spec[..<colon]), secret: secret.isEmpty ? nil : secret, redirectURIs: redirects, authMethod: secret.isEmpty ? .none : .clientSecretBasic)
                }
            } else {
                config.clients = [MockClient(id: MockClient.demo.id, secret: MockClient.demo.secret, redirectURIs: redirects, authMethod: .clientSecretBasic)]
            }
            let server = MockProviderServer(configuration: config)
            let issuer: URL
            do { issuer = try await server.start() } catch { throw UsageError("--port \(port): \(error)") }
            StandardOutput.write("embedded provider at \(issuer.absoluteString)")
            StandardOutput.write("discovery: \(issuer.absoluteString)/.well-known/openid-configuration")
            for c in config.clients {
                StandardOutput.write("client \(c.id)" + (c.secret.map { " secret \($0)" } ?? " (public)") + ", redirect URIs: \(c.redirectURIs.joined(separator: " "))")
            }
            StandardOutput.write("Ctrl-C stops it.")
            await SignalWaiter.waitForInterrupt()
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

    func validate() throws {
        if let f = forward, URL(string: f)?.host == nil { throw ValidationError("--forward \(f) is not an absolute URL like http://127.0.0.1:3000/callback") }
        if redirectURIs.isEmpty { throw ValidationError("give at least one --redirect-uri") }
    }

    func run() async throws {
        let session = try Session(options: output, title: "oauthscope listen")
        let flowID = "listen"
        var listeners: [CallbackListenerServer] = []
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
        }
        let bus = session.bus
        let forward = self.forward
        let listenAddress = self.listenAddress
        let uris = listeners.map(\.effectiveRedirectURI)
        bus.publish(flow: flowID, .flowStarted(FlowStarted(mode: "listen", provider: forward.map { "forwarding to \($0)" } ?? "watching callbacks", clientID: nil, redirectURI: uris.joined(separator: ", "), exchange: "never")))
        for (uri, addrs) in addresses { bus.publish(flow: flowID, .listenerStarted(ListenerStarted(addresses: addrs, redirectURI: uri))) }
        if let listenAddress {
            bus.publish(flow: flowID, .finding(Finding(.warn, "listener.non_loopback", "The listener is bound to \(listenAddress) on purpose; other machines may reach it and read codes.", ref: "RFC 8252 §8.3")))
        }
        let inTerminal = session.output == .tui
        _ = try await session.run({
            // Listening is the whole job: it ends when the user quits the screen (which cancels this task and
            // handles the signals itself), or on Ctrl-C / SIGTERM in plain and jsonl output.
            if inTerminal {
                let (never, _) = AsyncStream.makeStream(of: Void.self)
                for await _ in never {}
            } else {
                await SignalWaiter.waitForInterrupt()
            }
            return .completed
        }, readsStdinCommands: false)
        for l in listeners { await l.stop() }
        await session.finish()
    }
}
