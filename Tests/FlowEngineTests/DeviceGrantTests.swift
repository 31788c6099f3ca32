import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// The device grant's runner against a scripted provider: the sleeps it asks for are recorded instead of slept,
/// and the clock moves by them, so the poll schedule is checked without waiting.
@Suite("Device grant runner")
struct DeviceGrantTests {
    final class FakeTime: Sendable {
        let state = Mutex<(now: Date, slept: [Int])>((Date(timeIntervalSince1970: 1_800_000_000), []))
        var now: Date { state.withLock { $0.now } }
        var slept: [Int] { state.withLock { $0.slept } }
        func sleep(_ d: Duration) {
            state.withLock {
                $0.slept.append(Int(d.components.seconds))
                $0.now = $0.now.addingTimeInterval(TimeInterval(d.components.seconds))
            }
        }
    }

    final class Opened: UserAgent {
        let urls = Mutex<[URL]>([])
        func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
            redirected(UserRedirected(via: .printed, command: nil))
            urls.withLock { $0.append(url) }
        }
    }

    static let authorization = #"{"device_code":"dc-secret-value-123456","user_code":"BCDF-GHJK","verification_uri":"https://as.example/device","verification_uri_complete":"https://as.example/device?user_code=BCDF-GHJK","expires_in":60,"interval":5}"#

    /// Runs the grant with the token endpoint answering `polls` in turn (then the last one again).
    func run(polls: [String], authorization: String = Self.authorization) async -> (FlowResult, [FlowEvent], FakeTime, ScriptedProvider) {
        let answers = Mutex(polls)
        let provider = ScriptedProvider { purpose, _ in
            if purpose == HopPurpose.deviceAuthorization.rawValue { return ScriptedProvider.json(authorization) }
            let body = answers.withLock { a -> String in a.count > 1 ? a.removeFirst() : (a.first ?? "{}") }
            return ScriptedProvider.json(body, status: body.contains("\"error\"") ? 400 : 200)
        }
        let bus = EventBus()
        let events = bus.subscribe(bufferSize: 10_000)
        var c = Run().config()
        c.grant = .device
        c.deviceAuthorizationURL = URL(string: "https://as.example/device_authorization")
        let time = FakeTime()
        let controller = FlowController(configuration: c, publisher: FlowPublisher(bus: bus, flowID: "f"), registry: CallbackRegistry(callbackPath: "/callback", defaultFlowID: "f"),
                                        client: provider, userAgent: Opened(), clock: { time.now }, sleep: { time.sleep($0) })
        let result = await controller.run()
        bus.finish()
        var out: [FlowEvent] = []
        for await e in events { out.append(e) }
        return (result, out, time, provider)
    }

    static let pending = #"{"error":"authorization_pending"}"#
    static let tokens = #"{"access_token":"at-123456789012345","token_type":"Bearer","expires_in":3600}"#

    @Test("pending, slow_down, pending, approved: sleeps 5, 5, 10, 10; four polls; the four steps done in order")
    func approved() async {
        let (result, events, time, provider) = await run(polls: [Self.pending, #"{"error":"slow_down"}"#, Self.pending, Self.tokens])
        #expect(result == .completed)
        #expect(time.slept == [5, 5, 10, 10])
        #expect(provider.purposes == [.deviceAuthorization, .devicePoll, .devicePoll, .devicePoll, .devicePoll])
        let polls = events.compactMap { if case .devicePoll(let p) = $0.payload { return p }; return nil }
        #expect(polls.map(\.status) == [.pending, .slowDown, .pending, .approved])
        #expect(polls.map(\.interval) == [5, 10, 10, 10])
        var state = FlowState()
        for e in events { state.apply(e) }
        #expect(state.grant.id == "device")
        #expect(state.steps.map(\.step.label) == ["Device code issued", "User verifies", "Polling", "Token exchanged"])
        #expect(state.steps.allSatisfy { $0.status == .done })
        // The poll request: the device_code grant to the token endpoint, with the client's authentication.
        let poll = provider.sent.withLock { $0.last?.spec }
        #expect(poll?.url.absoluteString == "https://as.example/token")
        #expect(poll?.body.contains("device_code=dc-secret-value-123456") == true)
        #expect(poll?.headers.contains { $0.name == "Authorization" } == true)
        // The device code is a secret: redacted in the event.
        let issued = events.compactMap { if case .deviceAuthorization(let d) = $0.payload { return d }; return nil }.first
        #expect(issued?.deviceCode.display(reveal: false).contains("secret-value") == false)
    }

    @Test("access_denied ends at User verifies; another error at Polling; no tokens")
    func refused() async {
        let (denied, deniedEvents, _, _) = await run(polls: [Self.pending, #"{"error":"access_denied"}"#])
        guard case .failed(let f) = denied else { Issue.record("denied flow completed"); return }
        #expect(f.step == "verify" && f.error == "access_denied")
        #expect(!deniedEvents.contains { if case .tokenExchanged = $0.payload { return true }; return false })
        let (other, _, _, _) = await run(polls: [#"{"error":"invalid_client"}"#])
        guard case .failed(let g) = other else { Issue.record("invalid_client completed"); return }
        #expect(g.step == "poll" && g.error == "invalid_client")
    }

    @Test("the device code's lifetime stops polling: no poll is sent after it expires")
    func expires() async {
        // expires_in 60 with interval 5 (raised by slow_down to 10, 15, ...): polling stops before 60 s.
        let (result, _, time, provider) = await run(polls: [#"{"error":"slow_down"}"#])
        guard case .failed(let f) = result else { Issue.record("expired flow completed"); return }
        #expect(f.step == "verify")
        #expect(f.reason.contains("expires"))
        #expect(time.slept.reduce(0, +) <= 60)
        #expect(time.slept == [5, 10, 15, 20])
        #expect(provider.purposes.filter { $0 == .devicePoll }.count == 4)
    }

    @Test("no device authorization endpoint: a failure naming the flag, before anything is sent")
    func noEndpoint() async {
        let provider = ScriptedProvider { _, _ in ScriptedProvider.json("{}") }
        let bus = EventBus()
        var c = Run().config()
        c.grant = .device
        let controller = FlowController(configuration: c, publisher: FlowPublisher(bus: bus, flowID: "f"), registry: CallbackRegistry(callbackPath: "/callback", defaultFlowID: "f"),
                                        client: provider, userAgent: Opened())
        let result = await controller.run()
        bus.finish()
        guard case .failed(let f) = result else { Issue.record("completed without an endpoint"); return }
        #expect(f.step == "device_code" && f.hint?.contains("--device-authorization-url") == true)
        #expect(provider.purposes.isEmpty)
    }
}
