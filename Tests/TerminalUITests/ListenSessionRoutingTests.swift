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
}
