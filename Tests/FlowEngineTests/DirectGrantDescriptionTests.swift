@testable import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("The grants without a redirect, as data")
struct DirectGrantDescriptionTests {
    static let grants: [GrantType] = [.clientCredentials, .refreshToken, .tokenExchange]

    @Test("each is known by its --grant name, with its own two labels and shared step ids")
    func described() throws {
        var labels: Set<[String]> = []
        for g in Self.grants {
            let d = try #require(GrantDescription.named(g.rawValue))
            #expect(d.steps.map(\.id) == ["request", "exchange"])
            #expect(d.steps.allSatisfy { !$0.explanation.isEmpty && $0.explanation.contains("RFC") })
            labels.insert(d.steps.map(\.label))
        }
        #expect(labels.count == 3)
        // The authorization code keeps its four labels.
        #expect(GrantDescription.authorizationCode.steps.map(\.label) == ["URL built", "User redirected", "Code received", "Token exchanged"])
    }

    @Test("step mode pauses before the token hop in the grant's first step, worded for the grant")
    func pauses() throws {
        let spec = HTTPRequestSpec(method: "POST", url: try #require(URL(string: "https://id.example/token")), headers: [], body: "")
        for g in Self.grants {
            #expect(StepGate.step(of: .token, in: g).id == "request")
            #expect(StepGate.prompt(hop: .token, request: spec, grant: g).contains(g.wireValue))
        }
        #expect(StepGate.step(of: .token).id == "exchange")
        #expect(StepGate.prompt(hop: .token, request: spec).hasPrefix("About to exchange the code"))
    }

    @Test("a fold of a direct grant's events finishes both steps, and a failure at the token step fails the second")
    func fold() {
        let now = Date()
        func e(_ seq: Int, _ p: FlowEvent.Payload) -> FlowEvent { FlowEvent(seq: seq, time: now, flow: "f", payload: p) }
        var state = FlowState()
        state.apply(e(1, .flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r", exchange: "auto", grant: "token-exchange"))))
        state.apply(e(2, .tokenRequest(HTTPRequestCapture(purpose: .token, method: "POST", url: "https://id.example/token", headers: [], body: Sensitive(public: "")))))
        state.apply(e(3, .flowFailed(FlowFailed(reason: "no issued_token_type", step: "exchange"))))
        #expect(state.grant == .tokenExchange)
        #expect(state[GrantDescription.tokenExchange.steps[0]].status == .done)
        #expect(state[GrantDescription.tokenExchange.steps[1]].status == .failed)
    }
}
