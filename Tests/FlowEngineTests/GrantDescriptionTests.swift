import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("A grant is data")
struct GrantDescriptionTests {
    func events(_ payloads: [FlowEvent.Payload]) -> [FlowEvent] {
        payloads.enumerated().map { FlowEvent(seq: $0.offset + 1, time: Date(timeIntervalSince1970: 1_000 + Double($0.offset)), flow: "f", payload: $0.element) }
    }

    @Test("the authorization-code grant keeps the design card's four steps, labels and ids")
    func authorizationCode() {
        let g = GrantDescription.authorizationCode
        #expect(g.id == "authorization_code")
        #expect(g.steps.map(\.label) == ["URL built", "User redirected", "Code received", "Token exchanged"])
        #expect(g.steps.map(\.id) == ["url", "redirect", "callback", "exchange"])
        #expect(g.steps.allSatisfy { !$0.explanation.isEmpty })
        #expect(Set(g.steps.map(\.id)).count == g.steps.count)
    }

    @Test("every event of a full flow lands in the step it always did")
    func placement() {
        let g = GrantDescription.authorizationCode
        let cases: [(FlowEvent.Payload, String?)] = [
            (.flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r")), "url"),
            (.discoveryCompleted(DiscoveryCompleted(issuer: "i", url: "u", authorizationEndpoint: "a", tokenEndpoint: "t", jwksURI: nil, userinfoEndpoint: nil, metadata: .object([]), elapsedMs: 1)), "url"),
            (.httpRequest(HTTPRequestCapture(purpose: "discovery", method: "GET", url: "u", headers: [], body: "")), "url"),
            (.httpRequest(HTTPRequestCapture(purpose: "jwks", method: "GET", url: "u", headers: [], body: "")), "exchange"),
            (.urlBuilt(AuthorizationURLBuilt(url: "u", params: .object([]), pkce: nil, endpoint: "e")), "url"),
            (.userRedirected(UserRedirected(via: "printed", command: nil)), "redirect"),
            (.callbackReceived(CallbackReceived(method: "GET", path: "/cb", query: .object([]), remote: "r", verdict: .stray)), "callback"),
            (.codeReceived(CodeReceived(code: "c", checks: [])), "callback"),
            (.tokenRequest(HTTPRequestCapture(purpose: "token", method: "POST", url: "u", headers: [], body: "")), "exchange"),
            (.tokenResponse(HTTPResponseCapture(purpose: "token", status: 200, headers: [], body: "", elapsedMs: 1)), "exchange"),
            (.flowCompleted(FlowCompleted(elapsedMs: 1)), "exchange"),
            (.actionCompleted(ActionCompleted(action: "refresh", ok: true, summary: "s")), "exchange"),
            (.stepWaiting(StepWaiting(step: "exchange", prompt: "p")), "exchange"),
            (.flowFailed(FlowFailed(reason: "r", step: "redirect")), "redirect"),
            (.finding(Finding(.warn, "x", "m")), nil),
            (.busOverflow(BusOverflow(dropped: 1)), nil),
        ]
        for (payload, id) in cases {
            let e = FlowEvent(seq: 1, time: Date(), flow: "f", payload: payload)
            #expect(g.step(of: e)?.id == id, "\(e.type)")
        }
    }

    @Test("the fold follows any grant's description: a made-up three-step grant progresses, fails and places events by it")
    func anyGrant() {
        let issued = FlowStep(id: "issued", label: "Device code issued", begins: [.flowStarted], completes: [.discoveryCompleted], events: [.flowStarted], explanation: "e1")
        let polling = FlowStep(id: "polling", label: "Polling", begins: [.discoveryCompleted], completes: [.tokenResponse], events: [.httpRequest, .tokenRequest], purposes: ["poll"], explanation: "e2")
        let token = FlowStep(id: "token", label: "Token exchanged", begins: [.tokenResponse], completes: [.tokenExchanged], events: [.actionCompleted], carriesSecrets: true, explanation: "e3")
        let grant = GrantDescription(id: "test_device", steps: [issued, polling, token])
        var s = FlowState(grant: grant)
        #expect(s.steps.map(\.step.label) == ["Device code issued", "Polling", "Token exchanged"])
        for e in events([
            .flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r")),
            .discoveryCompleted(DiscoveryCompleted(issuer: "i", url: "u", authorizationEndpoint: "a", tokenEndpoint: "t", jwksURI: nil, userinfoEndpoint: nil, metadata: .object([]), elapsedMs: 1)),
            .httpRequest(HTTPRequestCapture(purpose: "poll", method: "POST", url: "u", headers: [], body: "")),
        ]) { s.apply(e) }
        #expect(s[issued].status == .done)
        #expect(s[polling].status == .inProgress)
        #expect(s[token].status == .waiting)
        #expect(s.currentStep == polling)
        #expect(s[polling].substeps.map(\.text) == ["poll: POST u"])
        // A step of another grant is not part of this flow: it reads as waiting and cannot be written.
        #expect(s[FlowStep.codeReceived].status == .waiting)
        s[FlowStep.codeReceived].status = .done
        #expect(s.steps.count == 3)
        s.apply(FlowEvent(seq: 4, time: Date(timeIntervalSince1970: 1_010), flow: "f", payload: .flowFailed(FlowFailed(reason: "expired_token", step: "polling"))))
        #expect(s[polling].status == .failed)
        #expect(s[token].status == .waiting)
    }

    @Test("flow.started names its grant only when it is not the authorization code, so older recordings read the same")
    func grantField() throws {
        let plain = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_000), flow: "f", payload: .flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r")))
        #expect(!plain.jsonLine().contains("grant"))
        var s = FlowState()
        s.apply(try FlowEvent.parse(jsonLine: plain.jsonLine()))
        #expect(s.grant == .authorizationCode)

        let named = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_000), flow: "f", payload: .flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r", grant: "authorization_code")))
        #expect(named.jsonLine().hasSuffix(",\"grant\":\"authorization_code\"}"))
        #expect(try FlowEvent.parse(jsonLine: named.jsonLine()) == named)

        // A grant this build does not know keeps the steps it has, rather than showing none.
        var unknown = FlowState()
        unknown.apply(FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_000), flow: "f", payload: .flowStarted(FlowStarted(mode: "flow", provider: "p", clientID: "c", redirectURI: "r", grant: "urn:example:made-up"))))
        #expect(unknown.grant == .authorizationCode)
        #expect(unknown[.urlBuilt].status == .inProgress)
    }

    @Test("the plain printer names its step lines from the grant")
    func printer() {
        var p = PlainPrinter(unicode: false)
        var out: [String] = []
        for e in events([
            .flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r")),
            .urlBuilt(AuthorizationURLBuilt(url: "u", params: .object([]), pkce: nil, endpoint: "e")),
            .userRedirected(UserRedirected(via: "printed", command: nil)),
            .flowFailed(FlowFailed(reason: "no callback", step: "callback")),
        ]) { out += p.lines(for: e) }
        #expect(out.contains { $0.hasPrefix("ok URL built        1.0 s") })
        #expect(out.contains { $0.hasPrefix("ok User redirected  1.0 s") })
        #expect(out.contains("FAIL Code received    no callback"))
    }
}
