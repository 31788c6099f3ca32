import ExchangeEngine
import FlowEngine
import Foundation
import Lessons
import MockProvider
import OAuthCore
import Testing

/// Every lesson of `demo --lesson`, run in-process the way the demo wires it: the lesson's staging applied to the
/// embedded provider, to the flow and to the simulated browser.
@Suite("Lessons")
struct LessonTests {
    @Test("the lesson table has the classic failures, each named, introduced, explained and referenced")
    func table() {
        let names = Lesson.all.map(\.name)
        #expect(Set(names).count == names.count)
        for wanted in ["happy-path", "deny", "state-mismatch", "redirect-mismatch", "wrong-verifier", "code-replay", "expired-code",
                       "login-required", "consent-required", "invalid-scope", "refresh-rotation", "bad-signature"] {
            #expect(names.contains(wanted), "\(wanted) missing")
        }
        for l in Lesson.all {
            #expect(l.name.range(of: "^[a-z]+(-[a-z]+)*$", options: .regularExpression) != nil, "\(l.name)")
            #expect(!l.summary.isEmpty && !l.intro.isEmpty && !l.explanation.isEmpty, "\(l.name)")
            #expect(l.ref.contains("RFC") || l.ref.contains("OIDC"), "\(l.name): \(l.ref)")
            #expect(Lesson.named(l.name.uppercased()) == l)
            // What is staged is said: only the happy path stages nothing.
            #expect(l.started.staged.isEmpty == (l.name == "happy-path"), "\(l.name)")
        }
        #expect(Lesson.named("no-such-lesson") == nil)
    }

    @Test("a flow that ends otherwise than the lesson expects is said to, with what it showed")
    func judgesTheEnd() throws {
        let deny = try #require(Lesson.named("deny"))
        let happy = try #require(Lesson.named("happy-path"))
        var denied = FlowState()
        denied.apply(FlowEvent(seq: 1, time: Date(), flow: "f", payload: .flowFailed(FlowFailed(reason: "r", error: "access_denied", step: "callback"))))
        #expect(deny.completed(denied)?.asExpected == true)
        #expect(deny.completed(denied)?.error == "access_denied")
        let wrong = try #require(happy.completed(denied))
        #expect(!wrong.asExpected)
        #expect(wrong.outcome == "failed")
        #expect(wrong.explanation.contains("expected flow.completed"))
        var done = FlowState()
        done.apply(FlowEvent(seq: 1, time: Date(), flow: "f", payload: .flowCompleted(FlowCompleted(elapsedMs: 1))))
        #expect(happy.completed(done)?.asExpected == true)
        #expect(deny.completed(done)?.asExpected == false)
        #expect(deny.completed(FlowState()) == nil, "no verdict while the flow runs")
    }

    @Test("every lesson's staged failure ends the flow the way the lesson says", arguments: Lesson.all)
    func staged(_ lesson: Lesson) async throws {
        let h = try await Harness { lesson.staging.apply(to: &$0) }
        var config = h.configuration(scope: "openid email profile")
        lesson.staging.apply(to: &config)
        let browser = SimulatedBrowser(redirectURI: h.redirectURI, decision: lesson.staging.decision, forgesCallbackFirst: lesson.staging.forgedCallback)
        let (result, events) = await h.run(config, agent: browser)
        await browser.shutdown()
        await h.stop()

        // Read the outcome from the events themselves, independently of the lesson's own judgement.
        let failed = events.compactMap { if case .flowFailed(let f) = $0.payload { return f } else { return nil } }.last
        let actions = events.compactMap { if case .actionCompleted(let a) = $0.payload { return a } else { return nil } }
        let verdicts = events.compactMap { if case .callbackReceived(let c) = $0.payload { return c.verdict } else { return nil } }
        let idChecks: [Check] = events.compactMap { e -> [Check]? in if case .tokenExchanged(let x) = e.payload { return x.idToken?.checks } else { return nil } }.last ?? []
        switch lesson.expectation {
        case .completes:
            #expect(result == .completed, "\(String(describing: failed))")
        case .failsWith(let code):
            #expect(failed?.error == code, "\(lesson.name): \(String(describing: failed))")
        case .failsCheck(let name):
            #expect(failed != nil && failed?.error == nil)
            #expect(idChecks.contains { $0.name == name && !$0.ok }, "\(idChecks)")
        case .failsAt(let step):
            #expect(failed?.step == step.key && failed?.error == nil, "\(String(describing: failed))")
            #expect(!events.contains { $0.type == "callback.received" }, "the provider never redirected back")
        case .refusesCallback(let verdict):
            #expect(result == .completed, "\(String(describing: failed))")
            #expect(verdicts.first == verdict, "\(verdicts)")
            #expect(verdicts.last == .accepted)
        case .refusesAction(let action, let error):
            #expect(result == .completed, "\(String(describing: failed))")
            let done = actions.last { $0.action == action }
            #expect(done?.ok == true && done?.error == error, "\(actions)")
        }
        var state = FlowState()
        for e in events { state.apply(e) }
        let verdict = try #require(lesson.completed(state))
        #expect(verdict.asExpected, "\(lesson.name): \(verdict.explanation)")
    }

    @Test("a replayed code revokes the tokens issued from it: introspection says they are no longer active")
    func replayRevokes() async throws {
        let lesson = try #require(Lesson.named("code-replay"))
        let h = try await Harness { lesson.staging.apply(to: &$0) }
        var config = h.configuration()
        lesson.staging.apply(to: &config)
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        let (_, events) = await h.run(config, agent: browser)
        await browser.shutdown()
        await h.stop()
        let introspection = events.compactMap { if case .actionCompleted(let a) = $0.payload, a.action == "introspect" { return a } else { return nil } }.first
        #expect(introspection?.result?["active"]?.boolValue == false, "\(String(describing: introspection))")
    }
}
