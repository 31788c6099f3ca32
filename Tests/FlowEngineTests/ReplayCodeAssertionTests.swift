import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// A JWT client assertion is fresh on every request that leaves (RFC 7523 §3: its jti may be used once, and it lives
/// a minute): `replay-code` and `again` at a pause send the code again with a new assertion, so what the provider
/// refuses is the reused code (RFC 6749 §4.1.2), and a request held at a pause leaves with one signed as it leaves.
@Suite("replay-code and client assertions")
struct ReplayCodeAssertionTests {
    static func assertion(in spec: HTTPRequestSpec) throws -> JSONValue {
        try #require(TokenRequestBuilder.clientAssertion(in: spec)).claims
    }

    @Test("replay-code sends the same code with a freshly signed assertion (a new jti)")
    func freshAssertion() async throws {
        let r = Run()
        let used = Mutex<Set<String>>([])
        // Refuses a reused assertion jti as a real provider does, before it looks at the code.
        let provider = ScriptedProvider { purpose, spec in
            let jti = (try? Self.assertion(in: spec))?["jti"]?.stringValue ?? ""
            let replayed = used.withLock { !$0.insert(jti).inserted }
            if replayed { return ScriptedProvider.json(#"{"error":"invalid_client","error_description":"assertion jti already used"}"#, status: 401) }
            return purpose == "replay-code" ? ScriptedProvider.json(#"{"error":"invalid_grant","error_description":"code already used"}"#, status: 400) : okToken
        }
        var c = r.config(then: ["replay-code"])
        c.tokenAuth = .clientSecretJWT
        c.clientSecret = Secret("a-client-secret-long-enough-for-hs256-0123456789")
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=the-code&state=\($0)" })
        #expect(result == .completed)
        let specs = provider.sent.withLock { $0.filter { $0.purpose == "token" || $0.purpose == "replay-code" } }
        #expect(specs.map(\.purpose) == ["token", "replay-code"])
        let first = try Self.assertion(in: specs[0].spec), second = try Self.assertion(in: specs[1].spec)
        #expect(first["jti"]?.stringValue != nil && first["jti"] != second["jti"])
        let codes = specs.map { FormURLEncoded.decode($0.spec.body).fields.first("code") }
        #expect(codes == ["the-code", "the-code"])
        let replay = try #require(events.compactMap { if case .actionCompleted(let a) = $0.payload, a.action == "replay-code" { return a } else { return nil } }.first)
        #expect(replay.ok && replay.error == "invalid_grant", "the lesson is the reused code: \(replay.summary)")
        // The assertion sent with the replay is shown, as for every hop that carries one.
        #expect(events.contains { if case .clientAssertion(let a) = $0.payload { return a.hop == "replay-code" } else { return false } })
    }

    static func jwtConfig(_ r: Run, then: [String]) -> FlowConfiguration {
        var c = r.config(then: then)
        c.tokenAuth = .clientSecretJWT
        c.clientSecret = Secret("a-client-secret-long-enough-for-hs256-0123456789")
        c.stepMode = true
        return c
    }

    @Test("again at a pause sends the code once more with a new assertion")
    func againResigns() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in okToken }
        let driver = StepModeTests.driver(r, commands, replies: ["refresh": [.again]])
        let (result, _) = await r.run(Self.jwtConfig(r, then: ["refresh"]), provider: provider,
                                      agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=the-code&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        let tokens = provider.sent.withLock { $0.filter { $0.purpose == "token" }.map(\.spec) }
        #expect(tokens.count == 2)
        let jtis = try tokens.map { try Self.assertion(in: $0)["jti"]?.stringValue }
        #expect(jtis.count == 2 && jtis[0] != nil && jtis[0] != jtis[1])
        #expect(tokens.map { FormURLEncoded.decode($0.body).fields.first("code") } == ["the-code", "the-code"])
    }

    @Test("a token request held at the pause longer than an assertion lives leaves with one signed as it leaves")
    func pauseOutlivesTheAssertion() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in okToken }
        let start = Date(timeIntervalSince1970: 1_796_378_854)
        let now = Mutex(start)
        let held = ClientAssertion.lifetime * 5
        let events = r.bus.subscribe(bufferSize: 10_000)
        // The user reads the token request for five minutes of the flow's clock, then sends it.
        let driver = Task {
            for await e in events {
                switch e.payload {
                case .stepWaiting(let w):
                    if w.hop == "token" { now.withLock { $0 = $0.addingTimeInterval(held) } }
                    commands.send(.proceed)
                case .flowCompleted, .flowFailed: return
                default: continue
                }
            }
        }
        let controller = FlowController(configuration: Self.jwtConfig(r, then: []), publisher: FlowPublisher(bus: r.bus, flowID: "f"), registry: r.registry, client: provider,
                                        userAgent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=the-code&state=\($0)" }, commands: commands, clock: { now.withLock { $0 } })
        let result = await controller.run()
        r.bus.finish()
        _ = await driver.value
        #expect(result == .completed)
        let sent = try #require(provider.sent.withLock { $0.first { $0.purpose == "token" }?.spec })
        let claims = try Self.assertion(in: sent)
        let leftAt = start.addingTimeInterval(held).timeIntervalSince1970
        #expect(claims["iat"]?.numberValue == leftAt)
        #expect((claims["exp"]?.numberValue ?? 0) > leftAt, "the assertion sent is still valid when it leaves")
        var shown: [FlowEvent] = []
        for await e in r.events { shown.append(e) }
        let assertions = shown.compactMap { if case .clientAssertion(let a) = $0.payload, a.hop == "token" { return a } else { return nil } }
        #expect(assertions.last?.claims["jti"] == claims["jti"], "the assertion shown last is the one sent")
    }
}
