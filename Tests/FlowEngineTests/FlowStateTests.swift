import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("FlowState fold")
struct FlowStateTests {
    func fold(_ payloads: [FlowEvent.Payload], start: Date = Date(timeIntervalSince1970: 1_000)) -> FlowState {
        var s = FlowState()
        for (i, p) in payloads.enumerated() { s.apply(FlowEvent(seq: i + 1, time: start.addingTimeInterval(Double(i)), flow: "f", payload: p)) }
        return s
    }

    let started = FlowEvent.Payload.flowStarted(FlowStarted(mode: "demo", provider: "p", clientID: "c", redirectURI: "r"))
    let built = FlowEvent.Payload.urlBuilt(AuthorizationURLBuilt(url: "u", params: .object([]), pkce: nil, endpoint: "e"))
    let redirected = FlowEvent.Payload.userRedirected(UserRedirected(via: "simulated", command: nil))

    @Test("steps move from waiting through in progress to done, with their times")
    func progression() {
        let s = fold([started, built, redirected])
        #expect(s[.urlBuilt].status == .done)
        #expect(s[.userRedirected].status == .done)
        #expect(s[.codeReceived].status == .inProgress)
        #expect(s[.tokenExchanged].status == .waiting)
        #expect(s[.urlBuilt].duration(now: Date()) == 1)
        #expect(s.currentStep == .codeReceived)
        #expect(s.outcome == .running)
    }

    @Test("a failure marks the step it names, with its reason")
    func failure() {
        let failed = FlowFailed(reason: "state mismatch", hint: "h", step: "callback")
        let s = fold([started, built, redirected, .flowFailed(failed)])
        #expect(s[.codeReceived].status == .failed)
        #expect(s.outcome == .failed(failed))
        #expect(s[.tokenExchanged].status == .waiting)
    }

    @Test("a flood of callbacks keeps memory bounded but counts every one")
    func flood() {
        var s = fold([started, built, redirected])
        let stray = CallbackReceived(method: "GET", path: "/favicon.ico", query: .object([]), remote: "r", verdict: .stray)
        for i in 0..<20_000 { s.apply(FlowEvent(seq: 100 + i, time: Date(), flow: "f", payload: .callbackReceived(stray))) }
        #expect(s.callbacks.count == s.callbacks.capacity)
        #expect(s.callbacks.totalAppended == 20_000)
        #expect(s.callbackCounts[.stray] == 20_000)
        #expect(s.log.count <= s.log.capacity)
        #expect(s[.codeReceived].substeps.count <= s[.codeReceived].substeps.capacity)
    }

    @Test("findings attach to the step they name")
    func findingStep() {
        let s = fold([started, built, redirected, .finding(Finding(.warn, "x", "about the URL", step: "url"))])
        #expect(s[.urlBuilt].substeps.contains { $0.text.contains("about the URL") })
        #expect(!s[.codeReceived].substeps.contains { $0.text.contains("about the URL") })
    }
}

@Suite("BoundedLog")
struct BoundedLogTests {
    @Test("keeps the newest items in order")
    func window() {
        var log = BoundedLog<Int>(capacity: 3)
        for i in 1...7 { log.append(i) }
        #expect(Array(log) == [5, 6, 7])
        #expect(log.dropped == 4)
        log.updateLast { $0 = 70 }
        #expect(Array(log) == [5, 6, 70])
    }
}
