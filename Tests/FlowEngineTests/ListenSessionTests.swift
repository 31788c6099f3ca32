import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("listen: its own session model")
struct ListenSessionTests {
    static let a = "http://127.0.0.1:9000/cb"
    static let b = "http://127.0.0.1:9001/return"

    static func fold(_ payloads: [(String, FlowEvent.Payload)]) -> FlowState {
        var state = FlowState()
        for (i, (flow, p)) in payloads.enumerated() { state.apply(FlowEvent(seq: i + 1, time: Date(timeIntervalSince1970: 1_000 + Double(i)), flow: flow, payload: p)) }
        return state
    }

    static func callback(_ uri: String?, path: String, _ verdict: CallbackVerdict, state: String, exchange: String? = nil, mode: ResponseMode? = .query) -> FlowEvent.Payload {
        .callbackReceived(CallbackReceived(method: "GET", path: path, query: .object([("code", .string("Splx…(22)")), ("state", .string(state))]), remote: "127.0.0.1:1",
                                           verdict: verdict, status: 200, responseMode: mode, redirectURI: uri, exchange: exchange))
    }

    static let session: [(String, FlowEvent.Payload)] = [
        ("listen", .flowStarted(FlowStarted(mode: "listen", provider: "forwarding callbacks", clientID: nil, redirectURI: "\(a), \(b)", exchange: "auto"))),
        ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:9000"], redirectURI: a, forward: "http://127.0.0.1:3000/a", expectState: "sa"))),
        ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:9001"], redirectURI: b, forward: nil, expectState: "sb"))),
        ("listen", callback(a, path: "/cb", .accepted, state: "sa", exchange: "x1")),
        ("listen", callback(b, path: "/return", .stateMismatch, state: "sa")),
        ("listen", callback(b, path: "/return", .accepted, state: "sb", exchange: "x2", mode: .fragment)),
        ("x1", .tokenResponse(HTTPResponseCapture(purpose: .token, status: 200, headers: [], body: Sensitive(clear: "{}", redacted: "{}"), elapsedMs: 3))),
        ("x1", .tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 3600, scope: nil, accessToken: Sensitive(clear: "at", redacted: "at…(2)"), refreshToken: nil, idToken: nil, extra: nil))),
        ("x1", .flowCompleted(FlowCompleted(elapsedMs: 5))),
        ("x2", .finding(FindingCatalogue.listenNotExchanged.finding("state sb", "no code_verifier is given for this state"))),
    ]

    @Test("a listen session has no flow steps; each redirect URI is a route with its forward, expected state and counts")
    func routes() {
        let state = Self.fold(Self.session)
        #expect(state.steps.isEmpty, "listening fakes no authorization-code steps")
        guard let listen = state.listen else { Issue.record("no listen session"); return }
        #expect(listen.routes.map(\.redirectURI) == [Self.a, Self.b])
        #expect(listen.routes.map(\.forward) == ["http://127.0.0.1:3000/a", nil])
        #expect(listen.routes.map(\.expectState) == ["sa", "sb"])
        #expect(listen.routes[0].counts == [.accepted: 1])
        #expect(listen.routes[1].counts == [.stateMismatch: 1, .accepted: 1])
        #expect(state.callbacks.count == 3)
    }

    @Test("exchange flows fold in as the results of their callbacks, and never end the listen session")
    func exchanges() {
        let state = Self.fold(Self.session)
        #expect(state.outcome == .running, "x1's flow.completed is the exchange's, not the session's")
        #expect(state.tokens == nil)
        let x1 = state.listen?.exchanges["x1"]
        #expect(x1?.status == .completed && x1?.tokenType == "Bearer" && x1?.httpStatus == 200)
        #expect(x1?.summary == "x1 tokens (Bearer)")
        guard case .notExchanged(let why)? = state.listen?.exchanges["x2"]?.status else { Issue.record("x2 should be not exchanged"); return }
        #expect(why.contains("no code_verifier"))
        #expect(state.log.count == Self.session.count, "the event log keeps the exchanges' events too")
    }

    @Test("an older recording (forward in flow.started's provider, no redirect_uri on callbacks) folds the same way")
    func legacyRecording() {
        let state = Self.fold([
            ("listen", .flowStarted(FlowStarted(mode: "listen", provider: "forwarding to http://127.0.0.1:3000/cb", clientID: nil, redirectURI: "\(Self.a), \(Self.b)", exchange: "never"))),
            ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:9000"], redirectURI: Self.a))),
            ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:9001"], redirectURI: Self.b))),
            ("listen", Self.callback(nil, path: "/return", .accepted, state: "s", mode: nil)),
        ])
        let listen = state.listen
        #expect(listen?.routes.map(\.forward) == ["http://127.0.0.1:3000/cb", "http://127.0.0.1:3000/cb"])
        #expect(listen?.routes[1].counts == [.accepted: 1], "placed by its path")
        #expect(state.steps.isEmpty)
    }

    @Test("a flow is still a flow: its four steps, and no listen session")
    func flowUnchanged() {
        let state = Self.fold([("f1", .flowStarted(FlowStarted(mode: "demo", provider: "embedded", clientID: "c", redirectURI: Self.a)))])
        #expect(state.listen == nil)
        #expect(state.steps.map(\.step.label) == ["URL built", "User redirected", "Code received", "Token exchanged"])
    }
}
