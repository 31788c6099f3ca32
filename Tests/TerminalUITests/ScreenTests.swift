import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

@Suite struct ScreenTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func everyStepLabelAppears(size: (Int, Int)) {
        let text = render(Fixture.success.state, width: size.0, height: size.1).text
        for step in GrantDescription.authorizationCode.steps {
            #expect(text.contains(step.label), "\(step.label) missing at \(size)")
        }
    }

    @Test func stepsShowTheirStateGlyphs() {
        let text = render(Fixture.invalidGrant.state).text
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("✓ URL built") })
        #expect(lines.contains { $0.contains("✗ Token exchanged") })
        let waiting = render(Fixture.waiting.state).text
        #expect(waiting.contains("◐ User redirected"))
        #expect(waiting.contains("○ Code received"))
    }

    @Test(arguments: [("invalid-grant", Fixture.invalidGrant), ("access-denied", Fixture.accessDenied), ("unreachable", Fixture.unreachable), ("state-mismatch", Fixture.stateMismatch)])
    func failedStepShowsReasonAndHint(name: String, script: EventScript) throws {
        let state = script.state
        guard case .failed(let f) = state.outcome else {
            Issue.record("\(name) did not fail")
            return
        }
        let text = render(state, width: 200, height: 60).text
        #expect(text.contains("The flow failed here"), "\(name)")
        let hint = try #require(f.hint)
        #expect(text.contains(hint), "\(name): hint not shown")
        if let e = f.error { #expect(text.contains(e), "\(name): error code not shown") }
        if let d = f.errorDescription { #expect(text.contains(d), "\(name): error_description not shown") }
    }

    @Test func secretsAreRedactedUntilRevealed() {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .tokenExchanged
        let tall = { (ui: UIState) in render(state, ui, width: 200, height: 200).text }
        let hidden = tall(ui)
        let secretParts = [Fixture.accessToken, Fixture.refreshToken, Fixture.verifier, Fixture.code].map { String($0.dropFirst(4).prefix(16)) }
        for part in secretParts { #expect(!hidden.contains(part), "\(part) visible before reveal") }
        #expect(hidden.contains(Secret.redact(Fixture.accessToken)))

        _ = ui.handle(.char("r"), state: state)
        let shown = tall(ui)
        for part in secretParts.prefix(3) { #expect(shown.contains(part), "\(part) not shown after reveal") }

        _ = ui.handle(.char("r"), state: state)
        let hiddenAgain = tall(ui)
        for part in secretParts { #expect(!hiddenAgain.contains(part), "\(part) still visible after hiding") }
    }

    @Test func revealIsPerStep() {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .codeReceived
        _ = ui.handle(.char("r"), state: state)
        #expect(ui.isRevealed(.codeReceived))
        #expect(!ui.isRevealed(.tokenExchanged))
        let codeShown = render(state, ui, width: 200, height: 200).text
        #expect(codeShown.contains(Fixture.code))
        ui.selectedStep = .tokenExchanged
        #expect(!render(state, ui, width: 200, height: 200).text.contains(String(Fixture.accessToken.dropFirst(4).prefix(16))))
    }

    @Test(arguments: [(79, 24), (80, 23), (40, 10), (20, 5)])
    func tooSmallWindowSaysSo(size: (Int, Int)) {
        let text = render(Fixture.success.state, width: size.0, height: size.1).text
        #expect(text.replacingOccurrences(of: "\n", with: " ").contains("small"))
        #expect(!text.contains("URL built"))
    }

    @Test func smallestWindowIsDrawn() {
        let text = render(Fixture.success.state, width: 80, height: 24).text
        #expect(!text.contains("too small"))
        #expect(text.contains("URL built"))
    }

    @Test func asciiFallbackHasNoBoxDrawing() {
        for (_, script) in SnapshotTests.scenarios {
            let grid = render(script.state, width: 100, height: 30, glyphs: .ascii)
            for scalar in grid.text.unicodeScalars {
                #expect(scalar.isASCII, "non-ASCII \(String(scalar.value, radix: 16)) in ASCII mode")
                if !scalar.isASCII { return }
            }
        }
        let unicode = render(Fixture.success.state, width: 100, height: 30).text
        #expect(unicode.unicodeScalars.contains { (0x2500...0x257F).contains($0.value) }, "the Unicode screen should use box drawing")
    }

    @Test func hostileTextNeverReachesTheGrid() {
        let state = Fixture.hostileFlow.state
        var grids: [CellGrid] = []
        for step in GrantDescription.authorizationCode.steps {
            var ui = UIState.test
            ui.followsCurrentStep = false
            ui.selectedStep = step
            grids.append(render(state, ui, width: 160, height: 120))
        }
        var inspect = UIState.test
        inspect.focus = .log
        for _ in 0..<2 { _ = inspect.handle(.char("k"), state: state) }
        _ = inspect.handle(.enter, state: state)
        grids.append(render(state, inspect, width: 160, height: 60))
        grids.append(render(state, width: 80, height: 24, glyphs: .ascii))
        for grid in grids {
            for cell in grid.cells {
                for scalar in cell.text.unicodeScalars {
                    #expect(!TerminalSafeText.needsEscape(scalar), "U+\(String(scalar.value, radix: 16)) reached the grid")
                }
            }
            #expect(!grid.text.contains("\u{1b}"))
        }
        let text = grids[2].text
        #expect(text.contains(#"\x1b]2;owned\x07"#), "the OSC sequence should be shown escaped")
        #expect(text.contains(#"\u202e"#))
        #expect(text.contains(#"\u200b"#))
        #expect(text.contains(#"\x9b"#))
    }

    @Test func gridEscapesAtItsEntryPoint() {
        var grid = CellGrid(width: 30, height: 1)
        grid.write("a\u{1b}]2;t\u{07}b", x: 0, y: 0, role: .text)
        #expect(grid.row(0).hasPrefix(#"a\x1b]2;t\x07b"#))
    }

    @Test func wideCharactersTakeTwoCells() {
        var grid = CellGrid(width: 10, height: 1)
        let end = grid.write("a漢b", x: 0, y: 0, role: .text)
        #expect(end == 4)
        #expect(grid[1, 0].text == "漢" && grid[1, 0].width == 2)
        #expect(grid[2, 0].width == 0)
        #expect(grid[3, 0].text == "b")
        #expect(grid.row(0) == "a漢b      ")
        // A wide character that would straddle the edge is not half drawn.
        var edge = CellGrid(width: 3, height: 1)
        edge.write("ab漢", x: 0, y: 0, role: .text)
        #expect(edge.row(0) == "ab ")
    }

    @Test func floodKeepsTheScreenBoundedAndHonest() {
        let state = Fixture.flood.state
        #expect(state.callbacks.totalAppended == 10_001)
        let text = render(state).text
        #expect(text.contains("Requests at the listener (10 001)"), "the header counts every request, kept or not")
        #expect(text.contains("older not kept"), "requests that fell out of the window are announced")
        #expect(text.contains("earlier"), "hidden sub-steps must be announced, not cut silently")
        #expect(text.contains("Events (10 009)"))
    }

    @Test func waitingSaysWhichKeyContinues() {
        let text = render(Fixture.waiting.state, width: 120, height: 40).text
        let status = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status.contains("WAITING"))
        #expect(status.contains("Press c to continue"))
        #expect(status.contains("listening 127.0.0.1:8765, [::1]:8765"))
    }

    @Test("the engine's prompt names no key: the status line names the keymap's, so a rebound key is what it says")
    func waitingNamesTheReboundKey() {
        var ui = UIState.test
        ui.keymap = Keymap(bindings: Keymap.standard.bindings.map { $0.command == .proceed && $0.key == .char("c") ? Binding(.char("n"), .proceed, $0.contexts, $0.help) : $0 })
        let status = render(Fixture.waiting.state, ui, width: 120, height: 40).text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status.contains("Open the authorization URL. Press n to continue."))
        #expect(!status.contains("Press c"))
    }

    @Test func continueHintIsNotSaidTwice() {
        #expect(StatusLine.continueHint(prompt: "Open the URL.", keys: [.char("c")]) == "Open the URL. Press c to continue.")
        #expect(StatusLine.continueHint(prompt: "Press c to exchange the code.", keys: [.char("c"), .char(" ")]) == "Press c to exchange the code.")
    }

    @Test func helpIsGeneratedFromTheKeyTable() {
        var ui = UIState.test
        _ = ui.handle(.char("?"), state: FlowState())
        let text = render(Fixture.success.state, ui, width: 120, height: 60).text
        for row in Keymap.standard.helpRows() {
            #expect(text.contains(row.help), "help lacks \(row.help)")
        }
    }

    @Test func longValuesWrapInsteadOfBeingCut() {
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .urlBuilt
        let text = render(Fixture.success.state, ui, width: 80, height: 200).text
        // The detail pane is narrower than the URL: every character of it must still be on screen, in order.
        let url: String
        if case .urlBuilt(let u)? = Fixture.success.events.first(where: { $0.type == "authorization.url_built" })?.payload { url = u.url } else { url = "" }
        let joined = text.split(separator: "\n").map { line -> String in
            let inner = line.split(separator: "│", omittingEmptySubsequences: false)
            return inner.count > 3 ? inner[3].trimmingCharacters(in: .whitespaces) : ""
        }.joined()
        #expect(!url.isEmpty)
        #expect(joined.contains(url), "the authorization URL is cut")
    }
}

/// The title line names what the flow is: the redirect URI for a grant that sends the user back, the grant for one
/// that does not (a device or client-credentials run has no redirect URI to speak of).
@Suite struct TitleGrantTests {
    func title(grant: String?) -> String {
        var s = EventScript()
        s.add(.flowStarted(FlowStarted(mode: "demo", provider: "embedded provider", clientID: "demo-client", redirectURI: Fixture.redirectURI, grant: grant)), after: 0)
        return render(s.state).row(0)
    }

    @Test func theAuthorizationCodeShowsItsRedirectURI() {
        #expect(title(grant: nil).contains("redirect \(Fixture.redirectURI)"))
    }

    @Test(arguments: [GrantType.device, .clientCredentials, .refreshToken, .tokenExchange])
    func aGrantWithoutRedirectShowsTheGrant(_ grant: GrantType) {
        let t = title(grant: grant.rawValue)
        #expect(t.contains("grant \(grant.rawValue)"), "\(t)")
        #expect(!t.contains("redirect "), "\(t)")
    }
}
