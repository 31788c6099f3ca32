import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// Keys as pure state transitions: UIState + key → UIState + effects.
@Suite struct KeyHandlingTests {
    let done = Fixture.success.state

    @Test func jAndKMoveBetweenStepsAndStopFollowing() {
        var ui = UIState.test
        #expect(ui.displayedStep(in: done) == .tokenExchanged, "follows the current step at first")
        #expect(ui.handle(.char("k"), state: done).isEmpty)
        #expect(ui.displayedStep(in: done) == .codeReceived)
        #expect(!ui.followsCurrentStep)
        _ = ui.handle(.up, state: done)
        _ = ui.handle(.up, state: done)
        _ = ui.handle(.up, state: done)
        #expect(ui.displayedStep(in: done) == .urlBuilt, "stops at the first step")
        _ = ui.handle(.char("j"), state: done)
        #expect(ui.displayedStep(in: done) == .userRedirected)
        _ = ui.handle(.char("G"), state: done)
        #expect(ui.displayedStep(in: done) == .tokenExchanged)
        _ = ui.handle(.char("g"), state: done)
        #expect(ui.displayedStep(in: done) == .urlBuilt)
    }

    @Test func tabCyclesPanesAndShiftTabGoesBack() {
        var ui = UIState.test
        _ = ui.handle(.tab, state: done)
        #expect(ui.focus == .detail)
        _ = ui.handle(.tab, state: done)
        #expect(ui.focus == .log)
        _ = ui.handle(.tab, state: done)
        #expect(ui.focus == .timeline)
        _ = ui.handle(.backTab, state: done)
        #expect(ui.focus == .log)
        _ = ui.handle(.left, state: done)
        #expect(ui.focus == .detail)
        _ = ui.handle(.right, state: done)
        #expect(ui.focus == .log)
    }

    @Test func enterOpensTheStepInTheDetailPane() {
        var ui = UIState.test
        _ = ui.handle(.char("k"), state: done)
        _ = ui.handle(.enter, state: done)
        #expect(ui.focus == .detail)
        #expect(ui.displayedStep(in: done) == .codeReceived)
    }

    @Test func detailScrollsAndClampsToItsContent() {
        var ui = UIState.test
        ui.focus = .detail
        var metrics = PaneMetrics()
        metrics.detailRows = 10
        metrics.detailLines = 25
        ui.clamp(to: metrics)
        _ = ui.handle(.char("j"), state: done)
        #expect(ui.detailScroll == 1)
        _ = ui.handle(.pageDown, state: done)
        #expect(ui.detailScroll == 10)
        _ = ui.handle(.char("G"), state: done)
        #expect(ui.detailScroll == 15)
        _ = ui.handle(.char("j"), state: done)
        #expect(ui.detailScroll == 15, "cannot scroll past the end")
        _ = ui.handle(.pageUp, state: done)
        #expect(ui.detailScroll == 6)
        _ = ui.handle(.char("g"), state: done)
        #expect(ui.detailScroll == 0)
        _ = ui.handle(.char("k"), state: done)
        #expect(ui.detailScroll == 0)
    }

    @Test func logSelectionMovesAndGFollowsAgain() {
        var ui = UIState.test
        ui.focus = .log
        #expect(ui.logSelection == nil)
        _ = ui.handle(.char("k"), state: done)
        let last = done.log[done.log.count - 1].seq
        #expect(ui.logSelection == done.log[done.log.count - 2].seq)
        _ = ui.handle(.char("g"), state: done)
        #expect(ui.logSelection == done.log[0].seq)
        _ = ui.handle(.char("G"), state: done)
        #expect(ui.logSelection == nil, "G follows the newest event again")
        #expect(ui.logIndex(in: done).map { done.log[$0].seq } == last)
    }

    @Test func enterOnALogLineOpensThatEventAndQGoesBack() {
        var ui = UIState.test
        ui.focus = .log
        _ = ui.handle(.char("g"), state: done)
        _ = ui.handle(.enter, state: done)
        #expect(ui.inspectedSeq == done.log[0].seq)
        #expect(ui.focus == .detail)
        #expect(ui.inspectedEvent(in: done)?.type == "flow.started")
        #expect(ui.handle(.char("q"), state: done).isEmpty, "q closes the event first")
        #expect(ui.inspectedSeq == nil)
        #expect(ui.focus == .log)
        #expect(ui.handle(.char("q"), state: done).isEmpty, "then goes back to the timeline")
        #expect(ui.focus == .timeline)
        #expect(ui.handle(.char("q"), state: done) == [.quit(.quit)], "then quits")
    }

    @Test func helpOpensClosesAndSwallowsPaneKeys() {
        var ui = UIState.test
        _ = ui.handle(.char("?"), state: done)
        #expect(ui.showingHelp)
        #expect(ui.handle(.char("c"), state: Fixture.waiting.state).isEmpty, "continue is not a help key")
        #expect(ui.handle(.char("q"), state: done).isEmpty)
        #expect(!ui.showingHelp)
        _ = ui.handle(.char("?"), state: done)
        _ = ui.handle(.char("?"), state: done)
        #expect(!ui.showingHelp)
    }

    @Test func capitalQAndCtrlCQuitAtOnce() {
        var ui = UIState.test
        ui.focus = .detail
        ui.showingHelp = true
        #expect(ui.handle(.char("Q"), state: done) == [.quit(.quit)])
        #expect(ui.handle(.interrupt, state: done) == [.quit(.interrupted)])
    }

    @Test(arguments: [Key.char("c"), Key.char(" ")])
    func continueSendsProceedOnlyWhenWaiting(key: Key) {
        var ui = UIState.test
        #expect(ui.handle(key, state: Fixture.waiting.state) == [.send(.proceed)])
        #expect(ui.handle(key, state: done).isEmpty)
        #expect(ui.notice?.contains("finished") == true)
    }

    @Test func revealTogglesTheDisplayedStepOnly() {
        var ui = UIState.test
        _ = ui.handle(.char("r"), state: done)
        #expect(ui.isRevealed(.tokenExchanged))
        #expect(!ui.isRevealed(.codeReceived))
        _ = ui.handle(.char("r"), state: done)
        #expect(!ui.isRevealed(.tokenExchanged))
        var revealing = UIState(revealByDefault: true)
        #expect(revealing.isRevealed(.codeReceived))
        _ = revealing.handle(.char("r"), state: done)
        #expect(!revealing.isRevealed(.tokenExchanged), "r hides what --reveal showed")
        #expect(revealing.isRevealed(.codeReceived))
    }

    @Test func unboundKeysDoNothing() {
        var ui = UIState.test
        let before = ui
        #expect(ui.handle(.char("z"), state: done).isEmpty)
        #expect(ui == before)
    }

    @Test func everyCommandHasAKeyAndHelp() {
        let map = Keymap.standard
        for command in UICommand.allCases {
            #expect(!map.keys(for: command).isEmpty, "\(command) has no key")
        }
        for b in map.bindings { #expect(!b.help.isEmpty) }
        // Each key means one thing per context.
        for context in KeyContext.allCases {
            let keys = map.bindings.filter { $0.contexts.contains(context) }.map(\.key)
            #expect(Set(keys).count == keys.count, "a key is bound twice in \(context)")
        }
    }
}

@Suite struct GlossaryTests {
    static let required = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
                           "code_challenge_method", "prompt", "audience", "code", "iss", "error", "error_description",
                           "grant_type", "code_verifier", "client_secret", "access_token", "token_type", "expires_in",
                           "refresh_token", "id_token"]

    @Test(arguments: required)
    func everyParameterIsExplained(name: String) throws {
        let entry = try #require(Glossary.parameter(name))
        #expect(entry.purpose.count > 10)
        #expect(!entry.ref.isEmpty)
    }

    @Test(arguments: ["iss", "sub", "aud", "exp", "iat", "nonce", "at_hash", "azp"])
    func everyClaimIsExplained(name: String) throws {
        let entry = try #require(Glossary.claim(name))
        #expect(entry.ref.hasPrefix("OIDC Core"))
    }

    @Test func contextPicksTheRightMeaning() {
        #expect(Glossary.parameter("iss", in: .callback)?.ref == "RFC 9207 §2")
        #expect(Glossary.parameter("iss", in: .idTokenClaim)?.ref == "OIDC Core §2")
        #expect(Glossary.parameter("code_verifier")?.ref == "RFC 7636 §4.5")
        #expect(Glossary.parameter("no_such_parameter") == nil)
    }

    @Test func everyStepIsExplainedWithReferences() {
        for step in GrantDescription.authorizationCode.steps {
            let text = Glossary.stepExplanation(key: step.key) ?? ""
            #expect(text.contains("RFC"), "\(step) explanation cites no RFC")
            #expect(text.count > 200)
        }
    }
}
