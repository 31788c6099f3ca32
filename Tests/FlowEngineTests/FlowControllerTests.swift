import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// A provider that answers from a script and records what it was sent.
final class ScriptedProvider: ProviderClient {
    let sent = Mutex<[(purpose: HopPurpose, spec: HTTPRequestSpec)]>([])
    let answers: @Sendable (String, HTTPRequestSpec) -> HTTPOutcome

    init(_ answers: @escaping @Sendable (String, HTTPRequestSpec) -> HTTPOutcome) { self.answers = answers }

    func discover(issuer: String, publisher: FlowPublisher) async throws(FlowFailure) -> ProviderMetadata {
        throw FlowFailure("no discovery in this test")
    }

    func send(_ request: HTTPRequestSpec, purpose: HopPurpose, publisher: FlowPublisher) async -> HTTPOutcome {
        sent.withLock { $0.append((purpose, request)) }
        return answers(purpose.rawValue, request)
    }

    var purposes: [HopPurpose] { sent.withLock { $0.map(\.purpose) } }

    static func json(_ body: String, status: Int = 200) -> HTTPOutcome {
        .response(status: status, headers: [FormField("Content-Type", "application/json"), FormField("Cache-Control", "no-store")], body: body, elapsedMs: 1)
    }
}

/// A user agent that makes the "provider" redirect back at once with a query built from the request's state.
/// Several queries are sent in order, as from several tabs or senders.
struct InstantRedirect: UserAgent {
    let registry: CallbackRegistry
    let bus: EventBus
    let queries: @Sendable (_ state: String) -> [String]

    init(registry: CallbackRegistry, bus: EventBus, query: @escaping @Sendable (_ state: String) -> String) {
        self.init(registry: registry, bus: bus, queries: { [query($0)] })
    }

    init(registry: CallbackRegistry, bus: EventBus, queries: @escaping @Sendable (_ state: String) -> [String]) {
        self.registry = registry
        self.bus = bus
        self.queries = queries
    }

    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        redirected(UserRedirected(via: "simulated", command: nil))
        let state = FormURLEncoded.decode(url.query ?? "").fields.first("state") ?? ""
        for query in queries(state) {
            let j = registry.judge(IncomingCallback(method: "GET", path: "/callback", rawQuery: query, remote: "127.0.0.1:1"))
            bus.publish(flow: j.flowID, .callbackReceived(j.event))
            for f in j.findings { bus.publish(flow: j.flowID, .finding(f)) }
            j.deliver()
        }
    }
}

struct Run {
    let bus = EventBus()
    let registry = CallbackRegistry(callbackPath: "/callback", defaultFlowID: "f")
    let events: AsyncStream<FlowEvent>
    init() { events = bus.subscribe(bufferSize: 10_000) }

    func config(exchange: ExchangeMode = .auto, then: [String] = [], timeout: Duration = .seconds(5)) -> FlowConfiguration {
        var c = FlowConfiguration(mode: "flow", providerLabel: "test", provider: .endpoints(authorization: URL(string: "https://as.example/authorize")!, token: URL(string: "https://as.example/token")!, issuer: nil, jwks: nil),
                                  clientID: "c", clientSecret: Secret("s"), tokenAuth: .clientSecretBasic, scope: "read", redirectURI: "http://127.0.0.1:1/callback", exchange: exchange, callbackTimeout: timeout)
        c.thenActions = then
        return c
    }

    func run(_ c: FlowConfiguration, provider: ScriptedProvider, agent: any UserAgent, commands: CommandChannel? = nil) async -> (FlowResult, [FlowEvent]) {
        let controller = FlowController(configuration: c, publisher: FlowPublisher(bus: bus, flowID: "f"), registry: registry, client: provider, userAgent: agent, commands: commands)
        let result = await controller.run()
        bus.finish()
        var out: [FlowEvent] = []
        for await e in events { out.append(e) }
        return (result, out)
    }
}

let okToken = ScriptedProvider.json(#"{"access_token":"at-1","token_type":"Bearer","expires_in":"3600","refresh_token":"rt-1"}"#)

@Suite("FlowController decisions")
struct FlowControllerTests {
    @Test("an error redirect fails the flow with its code and hint; no token request")
    func errorRedirect() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(r.config(), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "error=access_denied&state=\($0)" })
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.error == "access_denied")
        #expect(f.step == "callback")
        #expect(provider.purposes.isEmpty)
        #expect(events.last?.type == "flow.failed")
    }

    @Test("a forged state never leads to a token request, nor ends the flow: it waits until its timeout")
    func forgedState() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(r.config(timeout: .seconds(1)), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { _ in "code=x&state=forged" })
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.reason.contains("no callback arrived"), "ended by its timeout, not by the forgery: \(f.reason)")
        #expect(provider.purposes.isEmpty)
        #expect(events.contains { if case .finding(let x) = $0.payload { return x.code == "callback.not_this_flow" } else { return false } })
    }

    @Test("a forged callback then the flow's own: the flow completes with its own code")
    func forgedThenOwn() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(r.config(), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus, queries: { ["code=attacker&state=forged", "code=attacker", "code=own&state=\($0)"] }))
        #expect(result == .completed)
        let verdicts = events.compactMap { if case .callbackReceived(let c) = $0.payload { return c.verdict } else { return nil } }
        #expect(verdicts == [.stateMismatch, .stateMismatch, .accepted])
        let body = provider.sent.withLock { $0.first?.spec.body } ?? ""
        #expect(body.contains("code=own") && !body.contains("attacker"), "\(body)")
    }

    @Test("an error without state ends the flow only after the grace period, marked unverified")
    func unverifiedErrorAfterGrace() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        var c = r.config()
        c.unverifiedErrorGrace = .zero
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { _ in "error=access_denied&error_description=Call%20555" })
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.error == "access_denied")
        #expect(f.errorDescription == "(unverified) Call 555")
        #expect(f.reason.contains("without state"))
        #expect(provider.purposes.isEmpty)
        let finding = events.compactMap { if case .finding(let x) = $0.payload, x.code == "callback.unverified_error" { return x } else { return nil } }.first
        #expect(finding?.severity == .warn)
        #expect(finding?.message.contains("unverified") == true)
        #expect(finding?.message.contains("--unverified-error-grace") == true)
    }

    @Test("an error without state followed by the flow's own callback: the flow completes")
    func unverifiedErrorThenOwn() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        var c = r.config()
        c.unverifiedErrorGrace = .seconds(60)
        let (result, _) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus, queries: { ["error=access_denied", "code=own&state=\($0)"] }))
        #expect(result == .completed)
    }

    @Test("the code is exchanged once, with PKCE, and deviations become findings tied to the exchange step")
    func exchange() async throws {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(r.config(), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=the-code&state=\($0)" })
        #expect(result == .completed)
        #expect(provider.purposes == ["token"])
        let body = try #require(provider.sent.withLock { $0.first?.spec.body })
        #expect(body.contains("code=the-code"))
        #expect(body.contains("code_verifier="))
        let finding = events.compactMap { if case .finding(let f) = $0.payload { return f } else { return nil } }.first { $0.code == "token.expires_in_string" }
        #expect(finding?.step == "exchange")
        let x = events.compactMap { if case .tokenExchanged(let x) = $0.payload { return x } else { return nil } }.first
        #expect(x?.expiresIn == 3600)
    }

    @Test("--exchange manual waits for proceed before the token request")
    func manual() async {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in okToken }
        let watcher = Task {
            // Proceed only once the controller says it is waiting.
            for await e in r.bus.subscribe() where e.type == "step.waiting" {
                #expect(provider.purposes.isEmpty, "nothing may be sent before the user says go")
                commands.send(.proceed)
                return
            }
        }
        let (result, events) = await r.run(r.config(exchange: .manual), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        await watcher.value
        #expect(result == .completed)
        let types = events.map(\.type)
        let waiting = types.firstIndex(of: "step.waiting") ?? -1
        let code = types.firstIndex(of: "code.received") ?? Int.max
        #expect(waiting > code)
        #expect(provider.purposes == ["token"])
    }

    @Test("--exchange never stops at the code")
    func never() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(r.config(exchange: .never), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result == .completed)
        #expect(provider.purposes.isEmpty)
        #expect(events.contains { $0.type == "code.received" })
    }

    @Test("no callback within the timeout fails with a hint")
    func timeout() async {
        struct Nobody: UserAgent {
            func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) { redirected(UserRedirected(via: "printed", command: nil)) }
        }
        let r = Run()
        let (result, _) = await r.run(r.config(timeout: .milliseconds(50)), provider: ScriptedProvider { _, _ in okToken }, agent: Nobody())
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.reason.contains("no callback"))
        #expect(f.hint?.contains("--timeout") == true)
        #expect(r.registry.waitingFlows == 0)
    }

    @Test("--then refresh reports rotation, and check-rotation shows the old token rejected")
    func thenRefresh() async {
        let r = Run()
        let provider = ScriptedProvider { purpose, spec in
            switch purpose {
            case "token": return okToken
            case "refresh": return ScriptedProvider.json(#"{"access_token":"at-2","token_type":"Bearer","expires_in":60,"refresh_token":"rt-2"}"#)
            default:
                // The old refresh token comes back: rotation means it is refused.
                return spec.body.contains("refresh_token=rt-1") ? ScriptedProvider.json(#"{"error":"invalid_grant"}"#, status: 400) : okToken
            }
        }
        let (result, events) = await r.run(r.config(then: ["refresh", "check-rotation"]), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result == .completed)
        #expect(provider.purposes == ["token", "refresh", "check-rotation"])
        let actions = events.compactMap { if case .actionCompleted(let a) = $0.payload { return a } else { return nil } }
        #expect(actions.map(\.action) == ["refresh", "check-rotation"])
        #expect(actions.first?.rotated == true)
        #expect(actions.filter { !$0.ok }.isEmpty)
        #expect(events.last?.type == "flow.completed")
    }

    @Test("a failing --then action fails the flow, after the tokens were shown")
    func thenFails() async {
        let r = Run()
        let (result, events) = await r.run(r.config(then: ["userinfo"]), provider: ScriptedProvider { _, _ in okToken }, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.reason.contains("userinfo"))
        #expect(events.contains { $0.type == "token.exchanged" })
    }
}
