import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// Whole screens rendered from folded events, compared with reviewed text files in Snapshots/.
@Suite struct SnapshotTests {
    static let scenarios: [(String, EventScript)] = [
        ("success", Fixture.success),
        ("state-mismatch", Fixture.stateMismatch),
        ("access-denied", Fixture.accessDenied),
        ("invalid-grant", Fixture.invalidGrant),
        ("unreachable", Fixture.unreachable),
        ("flood", Fixture.flood),
        ("waiting", Fixture.waiting),
    ]

    @Test(arguments: [(80, 24), (120, 40)])
    func everyScenario(size: (Int, Int)) {
        for (name, script) in Self.scenarios {
            let grid = render(script.state, width: size.0, height: size.1)
            assertSnapshot(grid.text, named: "\(name)-\(size.0)x\(size.1)")
        }
    }

    @Test func eachStepOfTheSuccessfulFlow() {
        let state = Fixture.success.state
        for step in GrantDescription.authorizationCode.steps {
            var ui = UIState.test
            ui.followsCurrentStep = false
            ui.selectedStep = step
            ui.focus = .detail
            // Tall enough to hold the whole detail, so the snapshot shows all of it.
            let grid = render(state, ui, width: 120, height: 120)
            assertSnapshot(grid.text, named: "success-step\((GrantDescription.authorizationCode.index(of: step) ?? 0) + 1)-120x120")
        }
    }

    @Test func helpOverlay() {
        var ui = UIState.test
        _ = ui.handle(.char("?"), state: Fixture.success.state)
        assertSnapshot(render(Fixture.success.state, ui, width: 80, height: 24).text, named: "help-80x24")
    }

    @Test func asciiScreen() {
        assertSnapshot(render(Fixture.success.state, width: 80, height: 24, glyphs: .ascii).text, named: "success-ascii-80x24")
    }

    @Test func eventOpenedFromTheLog() {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.focus = .log
        _ = ui.handle(.char("k"), state: state)
        _ = ui.handle(.char("k"), state: state)
        _ = ui.handle(.enter, state: state)
        assertSnapshot(render(state, ui, width: 120, height: 40).text, named: "event-inspector-120x40")
    }
}
