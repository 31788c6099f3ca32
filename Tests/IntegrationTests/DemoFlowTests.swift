import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs whole flows in-process: the embedded provider, the real listener on a free port, the HTTP engine and
/// the simulated browser, exactly as `oauthscope demo` wires them.
struct Harness {
    let bus = EventBus()
    let events: AsyncStream<FlowEvent>
    let provider: MockProviderServer
    let issuer: URL
    let listener: CallbackListenerServer
    let registry: CallbackRegistry
    let client: HTTPProviderClient
    let redirectURI: String
    let flowID = "test"

    init(httpTimeout: Duration = .seconds(10), configure: (inout MockProviderConfiguration) -> Void = { _ in }) async throws {
        client = HTTPProviderClient(timeout: httpTimeout)
        events = bus.subscribe(bufferSize: 100_000)
        registry = CallbackRegistry(callbackPath: "/callback", defaultFlowID: flowID)
        listener = CallbackListenerServer(configuration: ListenerConfiguration(redirectURI: "http://127.0.0.1:0/callback"), registry: registry, bus: bus)
        _ = try await listener.start()
        redirectURI = listener.effectiveRedirectURI
        var config = MockProviderConfiguration()
        config.clients = [MockClient(id: "client-1", secret: "s3cret value", redirectURIs: [redirectURI], authMethod: .clientSecretBasic)]
        configure(&config)
        provider = MockProviderServer(configuration: config)
        issuer = try await provider.start()
    }

    func configuration(secret: String? = "s3cret value", scope: String = "openid email", auth: ClientAuthMethod = .clientSecretBasic) -> FlowConfiguration {
        FlowConfiguration(mode: "demo", providerLabel: "mock", provider: .issuer(issuer.absoluteString), clientID: "client-1",
                          clientSecret: secret.map(Secret.init), tokenAuth: auth, scope: scope, redirectURI: redirectURI,
                          callbackTimeout: .seconds(20))
    }

    func run(_ config: FlowConfiguration, agent: any UserAgent) async -> (FlowResult, [FlowEvent]) {
        let controller = FlowController(configuration: config, publisher: FlowPublisher(bus: bus, flowID: flowID), registry: registry, client: client, userAgent: agent)
        let result = await controller.run()
        return (result, await drain())
    }

    /// Everything published so far (ends the bus).
    func drain() async -> [FlowEvent] {
        bus.finish()
        var out: [FlowEvent] = []
        for await e in events { out.append(e) }
        return out
    }

    func stop() async {
        await listener.stop()
        await provider.stop()
        await client.shutdown()
    }
}

@Suite("Demo flow end to end")
struct DemoFlowTests {
    @Test("a full flow publishes the canonical steps in order and completes")
    func happyPath() async throws {
        let h = try await Harness()
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let (result, events) = await h.run(h.configuration(), agent: browser)
        await browser.shutdown()
        await h.stop()
        #expect(result == .completed)
        let canonical = ["authorization.url_built", "user.redirected", "callback.received", "code.received", "token.request", "token.response", "token.exchanged", "flow.completed"]
        let types = events.map(\.type).filter(canonical.contains)
        #expect(types == canonical)
        // Sequence numbers strictly increase.
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.seq < $1.seq })
        // The ID token's checks all passed, including the signature against the JWKS.
        let exchanged = events.compactMap { if case .tokenExchanged(let x) = $0.payload { return x } else { return nil } }.first
        let checks = exchanged?.idToken?.checks ?? []
        #expect(Set(checks.map(\.name)).isSuperset(of: ["signature", "iss", "aud", "exp", "iat", "nonce"]))
        #expect(checks.filter { !$0.ok }.isEmpty, "\(checks.filter { !$0.ok })")
    }

    @Test("no secret appears in the JSONL unless revealed")
    func redaction() async throws {
        let h = try await Harness()
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let (result, events) = await h.run(h.configuration(), agent: browser)
        await browser.shutdown()
        await h.stop()
        #expect(result == .completed)
        let tokens = events.compactMap { if case .tokenExchanged(let x) = $0.payload { return x } else { return nil } }.first
        let code = events.compactMap { if case .codeReceived(let c) = $0.payload { return c } else { return nil } }.first
        let secrets = [tokens?.accessToken.clear, tokens?.refreshToken?.clear, code?.code.clear, "s3cret value", "s3cret+value"].compactMap { $0 }
        #expect(secrets.count == 5)
        let redacted = events.map { $0.jsonLine(reveal: false) }.joined(separator: "\n")
        for s in secrets { #expect(!redacted.contains(s), "\(s.prefix(6))… leaked") }
        // The Basic header's base64 holds the secret too.
        let basic = HTTPBasicCredentials.headerValue(clientID: "client-1", clientSecret: "s3cret value")
        #expect(!redacted.contains(String(basic.dropFirst(6))))
        let revealed = events.map { $0.jsonLine(reveal: true) }.joined(separator: "\n")
        #expect(revealed.contains(tokens?.accessToken.clear ?? "missing"))
    }

    @Test("the user denies: the flow fails with access_denied and its hint, and no token request is made")
    func userDenies() async throws {
        let h = try await Harness()
        let browser = SimulatedBrowser(redirectURI: h.redirectURI, decision: "deny")
        let (result, events) = await h.run(h.configuration(), agent: browser)
        await browser.shutdown()
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected failure, got \(result)"); return }
        #expect(f.error == "access_denied")
        #expect(f.hint?.isEmpty == false)
        #expect(!events.contains { $0.type == "token.request" })
        #expect(events.last?.type == "flow.failed")
    }

    @Test("a wrong client secret fails at the token endpoint with invalid_client")
    func wrongSecret() async throws {
        let h = try await Harness()
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let (result, events) = await h.run(h.configuration(secret: "not the secret"), agent: browser)
        await browser.shutdown()
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected failure"); return }
        #expect(f.error == "invalid_client")
        #expect(f.step == "exchange")
        #expect(events.contains { $0.type == "token.response" })
    }

    @Test("an unreachable token endpoint fails clearly, without a crash")
    func unreachableTokenEndpoint() async throws {
        let h = try await Harness()
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        var config = h.configuration()
        // Discovery is skipped: the token endpoint is a closed port.
        config.provider = .endpoints(authorization: h.issuer.appendingPathComponent("authorize"), token: URL(string: "http://127.0.0.1:9/token")!, issuer: h.issuer.absoluteString, jwks: nil)
        let (result, _) = await h.run(config, agent: browser)
        await browser.shutdown()
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected failure"); return }
        #expect(f.reason.contains("unreachable") || f.reason.contains("refused"))
        #expect(f.step == "exchange")
    }

    @Test("a forged callback with another state does not end the flow: its own callback completes it, with its own code")
    func stateMismatch() async throws {
        let h = try await Harness()
        // A "browser" that first sends the victim's listener a code with an attacker's state (as a page could), then
        // the real user signs in.
        struct ForgerThenUser: UserAgent {
            let redirectURI: String
            let browser: SimulatedBrowser
            func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
                if let forged = URL(string: redirectURI + "?code=attacker-code&state=attacker-state") {
                    _ = try? await URLSession.shared.data(from: forged)
                }
                try await browser.open(url, redirected: redirected)
            }
        }
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let (result, events) = await h.run(h.configuration(), agent: ForgerThenUser(redirectURI: h.redirectURI, browser: browser))
        await browser.shutdown()
        await h.stop()
        #expect(result == .completed)
        let verdicts = events.compactMap { if case .callbackReceived(let c) = $0.payload { return c.verdict } else { return nil } }
        #expect(verdicts == [.stateMismatch, .accepted])
        #expect(events.contains { if case .finding(let f) = $0.payload { return f.code == "callback.not_this_flow" } else { return false } })
        let request = events.compactMap { if case .tokenRequest(let r) = $0.payload { return r } else { return nil } }
        #expect(request.count == 1)
        #expect(request.first?.body.clear.contains("attacker-code") == false)
    }
}
