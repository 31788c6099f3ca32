import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

@Suite("listen: the session routes exchange flows into the listen view")
struct ListenSessionRoutingTests {
    @Test("x1's events fold into the listen session, not into a flow of their own or into no flow")
    func exchangeFlowsJoinTheListenSession() {
        var session = SessionState()
        let events: [(String, FlowEvent.Payload)] = [
            ("listen", Fixture.listenStarted(forward: false)),
            ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8765"], redirectURI: Fixture.redirectURI, expectState: "good"))),
            ("listen", Fixture.listenCallback(.accepted, [("state", .string("good"))], detail: nil, status: 200)),
            ("x1", .flowFailed(FlowFailed(reason: "the token endpoint refused the code", error: "invalid_grant"))),
        ]
        for (i, (flow, p)) in events.enumerated() { session.apply(FlowEvent(seq: i + 1, time: Date(timeIntervalSince1970: Double(i)), flow: flow, payload: p)) }
        #expect(session.flows.count == 1)
        #expect(session.unownedEvents == 0)
        let listen = session.flows[0]
        #expect(listen.outcome == .running)
        #expect(listen.listen?.exchanges["x1"]?.status == .failed(reason: "the token endpoint refused the code", error: "invalid_grant"))
        #expect(listen.listen?.routes.first?.expectState == "good")
    }

    static let a = "http://127.0.0.1:9000/cb"
    static let b = "http://127.0.0.1:9000/cb2"

    static func twoRoutes() -> FlowState {
        var state = FlowState()
        let events: [(String, FlowEvent.Payload)] = [
            ("listen", Fixture.listenStarted(forward: false)),
            ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:9000"], redirectURI: a))),
            ("listen", .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:9000"], redirectURI: b))),
            ("listen", .callbackReceived(CallbackReceived(method: "GET", path: "/cb", query: .object([("state", .string("s"))]), remote: "r", verdict: .accepted, responseMode: .query, redirectURI: a, exchange: "x1"))),
            ("listen", .callbackReceived(CallbackReceived(method: "POST", path: "/cb2", query: .object([("state", .string("s"))]), remote: "r", verdict: .accepted, responseMode: .fragment, redirectURI: b))),
            ("listen", .callbackReceived(CallbackReceived(method: "POST", path: "/cb2", query: .object([("state", .string("t"))]), remote: "r", verdict: .stateMismatch, responseMode: .formPost, redirectURI: b))),
        ]
        for (i, (flow, p)) in events.enumerated() { state.apply(FlowEvent(seq: i + 1, time: Date(timeIntervalSince1970: Double(i)), flow: flow, payload: p)) }
        return state
    }

    @Test("the filter knows uri:, mode: and exchange:; a whole URI names that redirect URI only")
    func filterTerms() {
        let all = Self.twoRoutes().callbacks.map(\.callback)
        func count(_ q: String) -> Int { all.filter(CallbackFilter(q).matches).count }
        #expect(count("uri:\(Self.a)") == 1, "not /cb2, which merely starts with it")
        #expect(count("uri:\(Self.b)") == 2)
        #expect(count("uri:cb") == 3)
        #expect(count("mode:fragment") == 1 && count("mode:form-post") == 1 && count("mode:query") == 1)
        #expect(count("exchange:") == 1 && count("exchange:x1") == 1 && count("exchange:x2") == 0)
        #expect(count("!mode:query accepted") == 1)
    }

    @Test("U lists one redirect URI's callbacks, then the next one's, then all again")
    func nextRedirectKey() {
        let state = Self.twoRoutes()
        var ui = UIState()
        _ = ui.handle(.char("U"), state: state)
        #expect(ui.callbackFilter == "uri:\(Self.a)")
        #expect(ui.callbackListing(in: state).count == 1)
        _ = ui.handle(.char("U"), state: state)
        #expect(ui.callbackFilter == "uri:\(Self.b)")
        #expect(ui.callbackListing(in: state).count == 2)
        _ = ui.handle(.char("U"), state: state)
        #expect(ui.callbackFilter == nil)
        #expect(ui.callbackListing(in: state).count == 3)
        var flow = UIState()
        _ = flow.handle(.char("U"), state: FlowState())
        #expect(flow.callbackFilter == nil && flow.notice?.contains("oauthscope listen") == true, "in a flow it only says what it is for")
    }
}
