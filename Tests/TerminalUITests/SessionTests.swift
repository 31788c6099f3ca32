import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// Several flows on one listener: each folded on its own, shown one at a time or side by side.
@Suite struct SessionTests {
    @Test func eachFlowIsFoldedOnItsOwn() {
        let session = TwoFlows.session
        #expect(session.flowIDs == ["f-a1", "f-b2"])
        #expect(session.flows[0].callbacks.count == 1)
        #expect(session.flows[1].callbacks.count == 1)
        guard case .completed = session.flows[0].outcome else {
            Issue.record("the first flow should have completed")
            return
        }
        guard case .failed(let f) = session.flows[1].outcome else {
            Issue.record("the second flow should have failed")
            return
        }
        #expect(f.error == "invalid_grant")
        #expect(session.decisive.flowID == "f-b2", "a failure decides the exit status")
        #expect(session.isFinished)
        #expect(session.unownedEvents == 0)
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func oneAtATimeWithASwitcher(size: (Int, Int)) {
        let session = TwoFlows.session
        var ui = UIState.test
        ui.title = "oauthscope flow"
        assertSnapshot(frame(session, &ui, width: size.0, height: size.1).text, named: "two-flows-first-\(size.0)x\(size.1)")
        _ = ui.handle(.char("]"), session: session)
        assertSnapshot(frame(session, &ui, width: size.0, height: size.1).text, named: "two-flows-second-\(size.0)x\(size.1)")
    }

    @Test func sideBySideWhenWide() {
        let session = TwoFlows.session
        var ui = UIState.test
        ui.title = "oauthscope flow"
        _ = ui.handle(.char("2"), session: session)
        assertSnapshot(frame(session, &ui, width: 200, height: 40).text, named: "two-flows-side-by-side-200x40")
    }
}

@Suite struct FlowSwitchingTests {
    @Test func bracketsAndNumbersPickTheFlow() {
        let session = TwoFlows.session
        var ui = UIState.test
        #expect(ui.selectedFlow == 0)
        _ = ui.handle(.char("]"), session: session)
        #expect(ui.selectedFlow == 1)
        #expect(ui.notice == "Flow 2 of 2: github")
        _ = ui.handle(.char("]"), session: session)
        #expect(ui.selectedFlow == 0, "] wraps round")
        _ = ui.handle(.char("["), session: session)
        #expect(ui.selectedFlow == 1, "[ wraps back")
        _ = ui.handle(.char("1"), session: session)
        #expect(ui.selectedFlow == 0)
        _ = ui.handle(.char("9"), session: session)
        #expect(ui.selectedFlow == 0)
        #expect(ui.notice == "There are 2 flows: 1-2 picks one.")
    }

    @Test func switchingForgetsTheOtherFlowsSelection() {
        let session = TwoFlows.session
        var ui = UIState.test
        _ = ui.handle(.char("k"), session: session)
        ui.focus = .log
        _ = ui.handle(.char("k"), session: session)
        #expect(!ui.followsCurrentStep)
        #expect(ui.logSelection != nil)
        _ = ui.handle(.char("2"), session: session)
        #expect(ui.followsCurrentStep, "the new flow is read from its current step")
        #expect(ui.logSelection == nil)
        #expect(ui.displayedStep(in: session.flow(at: 1)) == .tokenExchanged)
    }

    @Test func keysGoToTheFlowOnDisplay() {
        let session = TwoFlows.session
        var ui = UIState.test
        _ = ui.handle(.char("2"), session: session)
        // The second flow failed: no tokens, so a token action says so instead of sending anything.
        #expect(ui.handle(.char("R"), session: session).isEmpty)
        #expect(ui.notice?.contains("No tokens were issued") == true)
        _ = ui.handle(.char("1"), session: session)
        #expect(ui.handle(.char("R"), session: session) == [.send(.action("refresh"))])
    }

    @Test func digitsAreTextWhileSearching() {
        let session = TwoFlows.session
        var ui = UIState.test
        ui.focus = .detail
        _ = ui.handle(.char("/"), session: session)
        _ = ui.handle(.char("2"), session: session)
        #expect(ui.searchInput == "2")
        #expect(ui.selectedFlow == 0)
    }

    @Test func oneFlowSaysThereIsNothingToSwitchTo() {
        var ui = UIState.test
        let session = SessionState(single: Fixture.success.state)
        _ = ui.handle(.char("]"), session: session)
        #expect(ui.selectedFlow == 0)
        #expect(ui.notice?.hasPrefix("Only one flow") == true)
        _ = ui.handle(.char("2"), session: session)
        #expect(ui.selectedFlow == 0)
    }

    @Test func eventsOfNoFlowAreKeptApart() {
        var session = SessionState()
        var script = EventScript()
        script.add(.finding(Finding(.info, "listener.note", "before any flow")), after: 0)
        session.apply(script.events[0])
        #expect(session.displayed.count == 1, "with no flow yet, the events of none are what the screen shows")
        for e in TwoFlows.events() { session.apply(e) }
        session.apply(FlowEvent(seq: 99, time: EventScript.start, flow: "stranger", payload: .finding(Finding(.warn, "x", "for no flow"))))
        #expect(session.flows.count == 2)
        #expect(session.unownedEvents == 2)
        #expect(session.flows.allSatisfy { $0.findings.allSatisfy { $0.code != "x" } })
        var ui = UIState.test
        #expect(frame(session, &ui).row(0).contains("2 events of no flow"))
    }

    @Test func statusLineAndFinalStatesUseEveryFlow() {
        let session = TwoFlows.session
        var ui = UIState.test
        let text = frame(session, &ui, width: 120, height: 40).text
        let status = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status.contains("✓ 1 jira completed in"))
        #expect(status.contains("✗ 2 github failed: invalid_grant"))
        #expect(session.displayed.map(\.flowID) == ["f-a1", "f-b2"])
    }
}
