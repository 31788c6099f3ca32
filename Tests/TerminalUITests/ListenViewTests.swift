import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

extension UIState {
    static var listenTest: UIState {
        var ui = UIState.test
        ui.title = "oauthscope listen"
        return ui
    }
}

/// Renders like the UI loop: observe (which brings the filter cache up to date), then draw, then keep the metrics.
func listenFrame(_ state: FlowState, _ ui: inout UIState, width: Int = 120, height: Int = 40) -> CellGrid {
    frame(SessionState(single: state), &ui, width: width, height: height)
}

func frame(_ session: SessionState, _ ui: inout UIState, width: Int = 120, height: Int = 40) -> CellGrid {
    ui.observe(session)
    let f = ScreenRenderer(session: session, ui: ui, theme: .defaultDark, glyphs: .unicode, now: nil).render(width: width, height: height)
    ui.clamp(to: f.metrics)
    return f.grid
}

@Suite struct ListenSnapshotTests {
    @Test(arguments: [(80, 24), (120, 40)])
    func everyVerdict(size: (Int, Int)) {
        var ui = UIState.listenTest
        let text = listenFrame(Fixture.listen.state, &ui, width: size.0, height: size.1).text
        assertSnapshot(text, named: "listen-\(size.0)x\(size.1)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func filtered(size: (Int, Int)) {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = listenFrame(state, &ui, width: size.0, height: size.1)
        _ = ui.type("/!stray", state: state)
        _ = ui.handle(.enter, state: state)
        assertSnapshot(listenFrame(state, &ui, width: size.0, height: size.1).text, named: "listen-filter-\(size.0)x\(size.1)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func detailOpen(size: (Int, Int)) {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = listenFrame(state, &ui, width: size.0, height: size.1)
        // Up to the error response, open it.
        for _ in 0..<4 { _ = ui.handle(.char("k"), state: state) }
        _ = ui.handle(.enter, state: state)
        assertSnapshot(listenFrame(state, &ui, width: size.0, height: size.1).text, named: "listen-detail-\(size.0)x\(size.1)")
    }

    @Test func detailOfAFormPostWithHeaders() {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = listenFrame(state, &ui)
        _ = ui.handle(.char("k"), state: state)
        _ = ui.handle(.enter, state: state)
        ui.focus = .detail
        let text = listenFrame(state, &ui, width: 120, height: 80).text
        assertSnapshot(text, named: "listen-detail-form-post-120x80")
    }

    @Test func typingAFilter() {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = listenFrame(state, &ui, width: 80, height: 24)
        _ = ui.type("/favicon", state: state)
        let text = listenFrame(state, &ui, width: 80, height: 24).text
        #expect(text.contains("Filter callbacks: /favicon"))
        #expect(text.contains("/favicon: 2 of 8"), "the list narrows while the filter is typed")
    }
}

@Suite struct ListenHelpTests {
    @Test func helpExplainsTheListenViewAndTheFilter() {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = ui.handle(.char("?"), state: state)
        let text = listenFrame(state, &ui, width: 120, height: 80).text
        #expect(text.contains("Reading the screen (listen mode)"))
        #expect(text.contains("Filtering callbacks with /"))
        #expect(text.contains("Reveal / hide"), "e2e flood.sh waits for this line")
        #expect(text.split(separator: "\n").last?.contains("q close") == true)
    }
}
