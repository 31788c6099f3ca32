import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// `demo --lesson`: the detail pane introduces the lesson while the flow runs and explains it once it has ended.
@Suite("Lesson in the terminal UI")
struct LessonViewTests {
    static let started = LessonStarted(name: "deny", title: "The user refuses on the consent page", intro: "The user clicks Deny on the consent page.",
                                       staged: ["the simulated user clicks Deny on the consent page"], expected: "access_denied", ref: "RFC 6749 §4.1.2.1")

    @Test("while the flow runs, the introduction and what is staged are shown; at the end, what happened and why", arguments: [(120, 40), (80, 24)])
    func introThenOutro(width: Int, height: Int) {
        var script = EventScript()
        script.add(.lessonStarted(Self.started))
        script.add(Fixture.started)
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        let running = render(script.state, ui, width: width, height: height).text
        #expect(running.contains("Lesson deny"), "\(running)")
        #expect(running.contains("staged:"))
        #expect(!running.contains("what happened, and why"))

        script.add(.flowFailed(FlowFailed(reason: "the authorization server answered with error access_denied", error: "access_denied", step: "callback")))
        script.add(.lessonCompleted(LessonCompleted(name: "deny", outcome: "failed", error: "access_denied", expected: "access_denied", asExpected: true,
                                                    explanation: "The user refused.", ref: "RFC 6749 §4.1.2.1")))
        let ended = render(script.state, ui, width: width, height: height).text
        #expect(ended.contains("Lesson deny: what happened"), "\(ended)")
        #expect(ended.contains("as the lesson"))
        #expect(ended.contains("lesson.completed"), "the event log lists it")
    }

    @Test("the lesson's introduction, published before its flow starts, belongs to that flow")
    func introBeforeTheFlow() {
        var script = EventScript()
        script.add(.lessonStarted(Self.started))
        script.add(Fixture.started)
        var session = SessionState()
        for e in script.events { session.apply(e) }
        #expect(session.flow(at: 0).lesson == Self.started)
        #expect(session.unownedEvents == 0)
    }

    @Test("a lesson that ended otherwise says what it expected")
    func unexpected() {
        var script = EventScript()
        script.add(.lessonStarted(Self.started))
        script.add(Fixture.started)
        script.add(.flowCompleted(FlowCompleted(elapsedMs: 40)))
        script.add(.lessonCompleted(LessonCompleted(name: "deny", outcome: "completed", error: nil, expected: "access_denied", asExpected: false,
                                                    explanation: "The lesson expected access_denied, but the flow completed.", ref: "RFC 6749 §4.1.2.1")))
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        let text = render(script.state, ui).text
        #expect(text.contains("but the lesson expected access_denied"), "\(text)")
    }
}
