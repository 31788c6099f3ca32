import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

extension Fixture {
    /// The successful flow, then the ID token's keys, userinfo (the API lane) and a refresh that gets no answer.
    static var successWithFollowUps: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(acceptedCallback, after: 212)
        s.add(codeReceived, after: 1)
        s.add(tokenRequest, after: 2)
        let json = #"{"access_token":"\#(accessToken)","token_type":"Bearer","expires_in":3600,"refresh_token":"\#(refreshToken)","scope":"openid profile email"}"#
        s.add(tokenResponse(status: 200, json: json), after: 38)
        s.add(.httpRequest(HTTPRequestCapture(purpose: "jwks", method: "GET", url: "\(issuer)/jwks", headers: [HeaderField("Accept", "application/json")], body: "")), after: 1)
        s.add(.httpResponse(HTTPResponseCapture(purpose: "jwks", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Sensitive(public: #"{"keys":[]}"#), elapsedMs: 3)), after: 3)
        s.add(tokenExchanged, after: 2)
        s.add(.httpRequest(HTTPRequestCapture(purpose: "userinfo", method: "GET", url: "\(issuer)/userinfo", headers: [HeaderField(captured: "Authorization", "Bearer \(accessToken)")], body: "")), after: 5)
        s.add(.httpResponse(HTTPResponseCapture(purpose: "userinfo", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Sensitive(public: #"{"sub":"user-42"}"#), elapsedMs: 6)), after: 6)
        s.add(.actionCompleted(ActionCompleted(action: "userinfo", ok: true, summary: "claims for sub user-42")), after: 1)
        s.add(.httpRequest(HTTPRequestCapture(purpose: "refresh", method: "POST", url: "\(issuer)/token", headers: [HeaderField("Content-Type", "application/x-www-form-urlencoded")], body: Redactor.formBody("grant_type=refresh_token&refresh_token=\(refreshToken)"))), after: 5)
        s.add(.actionCompleted(ActionCompleted(action: "refresh", ok: false, summary: "could not connect")), after: 30)
        s.add(.flowCompleted(FlowCompleted(elapsedMs: 330)), after: 1)
        return s
    }
}

/// The sequence diagram (`d`): arrows derived from the events, drawn into the flow pane, a hop's HTTP on the right.
@Suite struct DiagramTests {
    func diagramWindow(_ state: FlowState, selection: Int?, rows: Int) -> (arrows: [DiagramArrow], selected: Int?) {
        var reader = SequenceDiagram(state)
        return reader.window(selection: selection, rows: rows)
    }

    func diagramUI() -> UIState {
        var ui = UIState.test
        _ = ui.handle(.char("d"), state: Fixture.success.state)
        return ui
    }

    @Test func arrowsFollowTheHopsInOrder() {
        let state = Fixture.successWithFollowUps.state
        let (arrows, selected) = diagramWindow(state, selection: nil, rows: 20)
        #expect(arrows.map(\.name) == ["discovery", "authorize", "callback", "token", "jwks", "userinfo", "refresh"])
        #expect(arrows.map(\.from) == [.client, .browser, .server, .client, .client, .client, .client])
        #expect(arrows.map(\.to) == [.server, .server, .client, .server, .server, .api, .server])
        #expect(arrows.map(\.frontChannel) == [false, true, true, false, false, false, false])
        #expect(arrows.map(\.status) == ["200 4 ms", "via simulated", "accepted 200", "200 38 ms", "200 3 ms", "200 6 ms", "no answer"])
        #expect(arrows[3].summary == "POST /token")
        #expect(arrows[2].summary == "GET /callback?code&state&iss")
        // Following: the newest hop is the selected one.
        #expect(selected == arrows.count - 1)
    }

    @Test func aStrayComesFromTheBrowserAndAnUnansweredRequestWaits() {
        var script = EventScript()
        Fixture.throughRedirect(&script)
        script.add(Fixture.callback(.stray, query: [], detail: "no code, no error", status: 404, path: "/favicon.ico"), after: 10)
        script.add(Fixture.acceptedCallback, after: 10)
        script.add(Fixture.codeReceived, after: 1)
        script.add(Fixture.tokenRequest, after: 2)
        let (arrows, _) = diagramWindow(script.state, selection: nil, rows: 10)
        let stray = arrows.first { $0.summary == "GET /favicon.ico" }
        #expect(stray?.from == .browser)
        #expect(stray?.status == "stray 404")
        #expect(stray?.statusRole == .findingWarn)
        // The token request is still in flight: no answer yet, and not a failure.
        #expect(arrows.last?.name == "token")
        #expect(arrows.last?.status == "…")
        // Once the flow gives up, it had no answer.
        #expect(diagramWindow(Fixture.unreachable.state, selection: nil, rows: 10).arrows.last?.status == "no answer")
    }

    @Test func theWindowHoldsOnlyWhatFitsAroundTheSelection() {
        let state = Fixture.flood.state
        let (arrows, selected) = diagramWindow(state, selection: nil, rows: 6)
        #expect(arrows.count == 6)
        #expect(arrows.last?.status == "accepted 200")
        #expect(selected == 5)
        // A selection far back is shown in the middle of its neighbours.
        let seq = arrows[0].seq - 40
        let around = diagramWindow(state, selection: seq, rows: 7)
        #expect(around.arrows.count == 7)
        #expect(around.selected == 3)
        #expect(around.arrows[3].seq == seq)
    }

    /// Ten thousand strays: a frame reads the events it shows and a few around them, never the history.
    @Test func aFrameReadsWhatItShowsNotTheHistory() {
        let state = Fixture.flood.state
        #expect(state.log.count == state.log.capacity, "the log is full")
        for rows in [5, 12] {
            var reader = SequenceDiagram(state)
            let (arrows, _) = reader.window(selection: nil, rows: rows)
            #expect(arrows.count == rows)
            #expect(reader.reads <= 3 * rows + 4, "\(reader.reads) events read for \(rows) rows")
            // Scrolled far back, the same.
            var back = SequenceDiagram(state)
            _ = back.window(selection: state.log[100].seq, rows: rows)
            #expect(back.reads <= 3 * rows + 4, "\(back.reads) events read for \(rows) rows, scrolled back")
        }
        var detail = SequenceDiagram(state)
        #expect(detail.selectedArrow(nil)?.status == "accepted 200")
        #expect(detail.reads <= 4)
    }

    @Test func dSwitchesTheFlowPaneAndBack() {
        let state = Fixture.success.state
        var ui = UIState.test
        let steps = render(state, ui).text
        #expect(steps.contains("URL built"))
        _ = ui.handle(.char("d"), state: state)
        #expect(ui.showingDiagram)
        let diagram = render(state, ui).text
        for lane in ["User/Browser", "oauthscope (client)", "Authorization", "server"] { #expect(diagram.contains(lane), "no lane \(lane)") }
        #expect(!diagram.contains("API"))
        #expect(!diagram.contains("URL built  "))
        #expect(diagram.contains("▶"))
        #expect(diagram.contains("◀"))
        #expect(diagram.contains(" d steps "))
        _ = ui.handle(.char("d"), state: state)
        #expect(!ui.showingDiagram)
        #expect(render(state, ui).text.contains("URL built"))
        // Beside the token step's own actions the hint may not fit; on another step it is offered.
        ui.followsCurrentStep = false
        ui.selectedStep = .codeReceived
        #expect(render(state, ui).text.contains(" d diagram "))
    }

    @Test func theAPILaneAppearsWhenUserinfoIsCalled() {
        let text = render(Fixture.successWithFollowUps.state, diagramUI()).text
        #expect(text.contains("API"))
        #expect(text.contains("userinfo 200 6 ms"))
    }

    @Test func upAndDownPickAHopAndItsHTTPShowsInTheDetail() {
        let state = Fixture.success.state
        var ui = diagramUI()
        // Following: the newest hop, the token request, is on the right.
        var screen = render(state, ui).text
        #expect(screen.contains("Hop · token · 200 38 ms"))
        #expect(screen.contains("POST http://127.0.0.1:9400/token"))
        _ = ui.handle(.char("k"), state: state)
        #expect(ui.diagramSelection != nil)
        screen = render(state, ui).text
        #expect(screen.contains("Hop · callback · accepted 200"))
        _ = ui.handle(.char("g"), state: state)
        screen = render(state, ui).text
        #expect(screen.contains("Hop · discovery · 200 4 ms"))
        #expect(screen.contains("http://127.0.0.1:9400/.well-known/"))
        _ = ui.handle(.char("k"), state: state)
        #expect(render(state, ui).text.contains("Hop · discovery"))
        // Down to the newest follows again.
        for _ in 0..<5 { _ = ui.handle(.char("j"), state: state) }
        #expect(ui.diagramSelection == nil)
    }

    @Test func secretsInAHopStayRedactedUntilRevealed() {
        let state = Fixture.success.state
        var ui = diagramUI()
        ui.focus = .detail
        #expect(!render(state, ui, width: 120, height: 80).text.contains(Fixture.verifier))
        _ = ui.handle(.char("r"), state: state)
        #expect(render(state, ui, width: 120, height: 80).text.contains(Fixture.verifier))
    }

    @Test func aMouseClickSelectsTheArrowOnThatRow() {
        let state = Fixture.success.state
        var ui = diagramUI()
        let (grid, metrics) = ScreenRenderer(state: state, ui: ui, theme: .defaultDark, glyphs: .unicode, now: nil).render(width: 120, height: 40)
        ui.clamp(to: metrics)
        guard let row = (0..<grid.height).first(where: { grid.row($0).contains("authorize via simulated") }) else {
            Issue.record("no authorize arrow on screen")
            return
        }
        _ = ui.handle(.mouse(MouseEvent(.press, x: 10, y: row + 1)), state: state)
        #expect(ui.diagramSelection == state.log.first { $0.type == "user.redirected" }?.seq)
    }

    @Test func aReplayedRecordingDrawsTheSameDiagram() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/recordings/demo-2026-12-04.jsonl").path
        let (events, problems) = try RecordingReader.read(path: path)
        #expect(problems.isEmpty)
        var state = FlowState()
        for e in events { state.apply(e) }
        let text = render(state, diagramUI()).text
        #expect(text.contains("API"))
        for hop in ["discovery 200", "authorize via simulated", "callback accepted", "token 200", "jwks 200", "userinfo 200", "refresh 200"] {
            #expect(text.contains(hop), "missing \(hop)")
        }
    }

    @Test func snapshots() {
        let ui = diagramUI()
        let state = Fixture.successWithFollowUps.state
        assertSnapshot(render(state, ui, width: 80, height: 24).text, named: "diagram-80x24")
        assertSnapshot(render(state, ui, width: 120, height: 40).text, named: "diagram-120x40")
        assertSnapshot(render(state, ui, width: 80, height: 24, glyphs: .ascii).text, named: "diagram-ascii-80x24")
        var selected = ui
        for _ in 0..<3 { _ = selected.handle(.char("k"), state: state) }
        assertSnapshot(render(state, selected, width: 120, height: 40).text, named: "diagram-selected-120x40")
        assertSnapshot(render(Fixture.invalidGrant.state, ui, width: 80, height: 24).text, named: "diagram-invalid-grant-80x24")
    }

    @Test func hostileTextInAHopIsEscaped() {
        let text = render(Fixture.hostileFlow.state, diagramUI()).text
        #expect(!text.contains("\u{1b}"))
        #expect(!text.contains("\u{202e}"))
    }
}
