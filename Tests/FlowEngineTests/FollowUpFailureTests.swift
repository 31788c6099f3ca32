import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("Follow-up hops that get no answer")
struct FollowUpFailureTests {
    @Test("a follow-up hop with no answer says why, in the hop's own words")
    func reasonKept() async {
        let r = Run()
        let reason = "token endpoint at as.example: no complete body within 15 s (received 1 byte)"
        let provider = ScriptedProvider { purpose, _ in
            purpose == "token" ? okToken : .failure(reason: reason, hint: "h")
        }
        let (_, events) = await r.run(r.config(then: ["refresh"]), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        let actions = events.compactMap { if case .actionCompleted(let a) = $0.payload { return a } else { return nil } }
        #expect(actions.map(\.action) == ["refresh"])
        #expect(actions.first?.ok == false)
        #expect(actions.first?.summary == reason)
    }
}
