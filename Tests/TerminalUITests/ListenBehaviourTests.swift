import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// The filter's meaning, as pure functions of one callback.
@Suite struct CallbackFilterTests {
    static let accepted = CallbackReceived(method: "GET", path: "/callback", query: .object([("code", .string("Splx…(32)")), ("state", .string("AbC-123")), ("iss", .string("https://id.example"))]), remote: "127.0.0.1:51234", verdict: .accepted)
    static let favicon = CallbackReceived(method: "GET", path: "/favicon.ico", query: .object([]), remote: "127.0.0.1:51236", verdict: .stray)
    static let denied = CallbackReceived(method: "POST", path: "/cb", query: .object([("error", .string("access_denied")), ("state", .string("xyz"))]), remote: "[::1]:40112", verdict: .errorResponse)
    static let mismatch = CallbackReceived(method: "GET", path: "/callback", query: .object([("code", .string("k2Jf…(16)")), ("state", .string("evil"))]), remote: "10.0.0.7:999", verdict: .stateMismatch)
    static let all = [accepted, favicon, denied, mismatch]

    func passing(_ query: String) -> [CallbackVerdict] {
        let f = CallbackFilter(query)
        return Self.all.filter(f.matches).map(\.verdict)
    }

    @Test func aVerdictNameMatchesThatVerdictOnly() {
        #expect(passing("stray") == [.stray])
        #expect(passing("STRAY") == [.stray], "any case")
        #expect(passing("state_mismatch") == [.stateMismatch])
        #expect(passing("state-mismatch") == [.stateMismatch])
        #expect(passing("verdict:accepted") == [.accepted])
    }

    @Test func nameEqualsValueLooksInThatParameter() {
        #expect(passing("state=abc") == [.accepted], "contains, any case")
        #expect(passing("state=xyz") == [.errorResponse])
        #expect(passing("state=nothing") == [])
        #expect(passing("error=") == [.errorResponse], "name= alone: the parameter is there")
        #expect(passing("code=") == [.accepted, .stateMismatch])
    }

    @Test func aPlainWordLooksEverywhere() {
        #expect(passing("favicon") == [.stray], "the path")
        #expect(passing("access_denied") == [.errorResponse], "a value")
        #expect(passing("iss") == [.accepted], "a name")
        #expect(passing("mismatch") == [.stateMismatch], "part of a verdict")
        #expect(passing("[::1]") == [.errorResponse], "the remote address")
        #expect(passing("post") == [.errorResponse], "the method")
    }

    @Test func fieldsAndNegationAndSeveralWords() {
        #expect(passing("path:/cb") == [.errorResponse])
        #expect(passing("path:/c") == [.accepted, .errorResponse, .stateMismatch])
        #expect(passing("param:err") == [.errorResponse])
        #expect(passing("value:evil") == [.stateMismatch])
        #expect(passing("remote:10.0") == [.stateMismatch])
        #expect(passing("method:post") == [.errorResponse])
        #expect(passing("!stray") == [.accepted, .errorResponse, .stateMismatch])
        #expect(passing("-stray -accepted") == [.errorResponse, .stateMismatch])
        #expect(passing("path:/callback code=") == [.accepted, .stateMismatch], "every word must match")
        #expect(CallbackFilter("   ").isEmpty)
        #expect(passing("") == [.accepted, .stray, .errorResponse, .stateMismatch])
        #expect(passing("!") == [], "a lone ! is a word to look for, not a negation of nothing")
    }

    @Test func theCacheLooksOnlyAtNewArrivals() {
        var script = Fixture.listenFlood(3_000)
        var state = script.state
        var cache = CallbackFilterCache.build(CallbackFilter("!stray"), for: state)
        #expect(cache.lastScanned == 2_000, "a new filter reads the kept window once, not the 3 001 seen")
        #expect(Array(cache.matches).count == 1)
        for _ in 0..<10 { script.add(Fixture.acceptedCallback, after: 1) }
        for e in script.events.suffix(10) { state.apply(e) }
        cache.update(with: state.callbacks)
        #expect(cache.lastScanned == 10)
        #expect(cache.matches.count == 11)
        #expect(cache.isCurrent(for: CallbackFilter("!stray"), in: state))
        cache.update(with: state.callbacks)
        #expect(cache.lastScanned == 0, "nothing new, nothing read")
        // Once the matches leave the bounded window they are forgotten.
        for i in 0..<2_000 { script.add(Fixture.listenCallback(.stray, [], detail: nil, status: 404, path: "/p\(i)"), after: 0) }
        for e in script.events.suffix(2_000) { state.apply(e) }
        cache.update(with: state.callbacks)
        #expect(cache.matches.isEmpty)
        #expect(cache.lastScanned == 2_000)
    }
}

@Suite struct ListenFollowTests {
    func title(_ state: FlowState, _ ui: inout UIState) -> String {
        let text = listenFrame(state, &ui)
        return (0..<text.height).map(text.row).first { $0.contains("Callbacks (") } ?? ""
    }

    @Test func followsUntilTheUserMovesAwayThenSaysSo() {
        var script = Fixture.listen
        var state = script.state
        var ui = UIState.listenTest
        #expect(title(state, &ui).contains("following"))
        _ = ui.handle(.char("k"), state: state)
        let pinned = state.callbacks[state.callbacks.count - 2].seq
        #expect(ui.callbackSelection == pinned)
        #expect(title(state, &ui).contains("1 newer below, not following · G follows"))
        // More arrive: the selection stays put and the count of newer ones grows.
        for _ in 0..<3 { script.add(Fixture.listenCallback(.stray, [], detail: nil, status: 404, path: "/x"), after: 10) }
        for e in script.events.suffix(3) { state.apply(e) }
        #expect(ui.callbackSelection == pinned)
        #expect(title(state, &ui).contains("4 newer below"))
        _ = ui.handle(.char("G"), state: state)
        #expect(ui.callbackSelection == nil)
        #expect(title(state, &ui).contains("following"))
        _ = ui.handle(.char("g"), state: state)
        #expect(ui.callbackSelection == state.callbacks.first?.seq)
        _ = ui.handle(.end, state: state)
        #expect(ui.callbackSelection == nil, "End follows too")
    }

    @Test func theNewestRowIsAtTheBottomAndFollowingShowsNewArrivals() {
        var script = Fixture.listenFlood(100)
        let state = script.state
        var ui = UIState.listenTest
        let grid = listenFrame(state, &ui, width: 120, height: 40)
        let rows = (0..<grid.height).map(grid.row)
        let last = rows.lastIndex { $0.contains("/callback") } ?? -1
        let stray = rows.lastIndex { $0.contains("! stray") } ?? -1
        #expect(last > stray, "the accepted callback came last and is drawn lowest")
        script.add(Fixture.listenCallback(.duplicate, [("state", .string("again"))], detail: nil, status: 400), after: 1)
        let text = listenFrame(script.state, &ui, width: 120, height: 40).text
        #expect(text.contains("state=again"))
    }

    @Test func openingPinsTheCallbackAndEscBacksOutOneThingAtATime() {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = listenFrame(state, &ui)
        _ = ui.handle(.enter, state: state)
        #expect(ui.callbackDetailOpen)
        #expect(ui.callbackSelection == state.callbacks.last?.seq, "Enter while following pins the newest")
        _ = ui.type("/stray", state: state)
        _ = ui.handle(.enter, state: state)
        #expect(ui.callbackFilter == "stray")
        #expect(ui.handle(.escape, state: state).isEmpty)
        #expect(!ui.callbackDetailOpen, "Esc closes the detail first")
        #expect(ui.handle(.escape, state: state).isEmpty)
        #expect(ui.callbackFilter == nil, "then clears the filter")
        #expect(ui.handle(.escape, state: state) == [.quit(.quit)], "then quits")
    }

    @Test func escWhileTypingKeepsTheFilterThatWasThere() {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = ui.type("/stray", state: state)
        _ = ui.handle(.enter, state: state)
        _ = ui.type("/", state: state)
        #expect(ui.filterInput == "stray", "/ edits the filter in place")
        _ = ui.handle(.backspace, state: state)
        #expect(ui.activeCallbackFilter?.query == "stra", "the list narrows as it is typed")
        _ = ui.handle(.escape, state: state)
        #expect(ui.filterInput == nil)
        #expect(ui.callbackFilter == "stray")
    }

    @Test func detailFollowsTheSelectionAndRevealTogglesCodes() {
        let script = Fixture.listen
        let state = script.state
        var ui = UIState.listenTest
        ui.revealByDefault = true
        _ = listenFrame(state, &ui)
        _ = ui.handle(.char("g"), state: state)
        _ = ui.handle(.enter, state: state)
        var text = listenFrame(state, &ui, width: 120, height: 60).text
        #expect(text.contains("Callback #4 · accepted"))
        _ = ui.handle(.char("j"), state: state)
        text = listenFrame(state, &ui, width: 120, height: 60).text
        #expect(text.contains("Callback #5 · stray"))
        #expect(text.contains("no: stray requests are never forwarded"))
        _ = ui.handle(.char("r"), state: state)
        #expect(!ui.isRevealed(.codeReceived))
    }

    @Test func copyGivesTheSelectedCallbackAsJSON() throws {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        _ = ui.handle(.char("g"), state: state)
        let effects = ui.handle(.char("y"), state: state)
        guard case .copy(let line)? = effects.first else {
            Issue.record("y copied nothing")
            return
        }
        let json = try #require(JSONValue.parse(line))
        #expect(json["type"]?.stringValue == "callback.received")
        #expect(json["seq"]?.numberValue == 4)
    }

    @Test func keysThatMeanNothingHereSaySo() {
        let state = Fixture.listen.state
        var ui = UIState.listenTest
        #expect(ui.handle(.char("c"), state: state).isEmpty)
        #expect(ui.notice?.contains("listen mode only watches callbacks") == true)
    }
}

/// A flood: the fold keeps memory bounded and the counts exact, and drawing a frame reads the visible rows only,
/// however long the history. These assert on the work done, not on wall time.
@Suite struct ListenFloodTests {
    static let flood = Fixture.listenFlood(50_000).state

    @Test func theFoldStaysBoundedAndCountsEverything() {
        let state = Self.flood
        #expect(state.callbacks.count == 2_000)
        #expect(state.callbacks.totalAppended == 50_001)
        #expect(state.callbackCounts[.stray] == 50_000)
        #expect(state.callbackCounts[.accepted] == 1)
        #expect(state.log.count == state.log.capacity)
    }

    @Test func aFrameReadsTheVisibleRowsWhateverTheHistory() {
        var small = UIState.listenTest
        var large = UIState.listenTest
        _ = listenFrame(Fixture.listenFlood(30).state, &small, width: 120, height: 40)
        let text = listenFrame(Self.flood, &large, width: 120, height: 40).text
        #expect(small.metrics.listRowsVisited == large.metrics.listRowsVisited)
        #expect(large.metrics.listRowsVisited <= large.metrics.listRows)
        #expect(text.contains("Callbacks (50 001) · newest 2 000 kept · following"))
        #expect(text.contains("50 000 stray"))
        #expect(text.contains("Events (50 003) · newest 5 000 kept"), "the raw event log keeps its title (e2e flood.sh reads it)")
    }

    @Test func aFilteredFrameDuringAFloodReadsOnlyTheNewArrivals() {
        var script = Fixture.listenFlood(50_000)
        var state = script.state
        var ui = UIState.listenTest
        _ = listenFrame(state, &ui)
        _ = ui.type("/!stray", state: state)
        _ = ui.handle(.enter, state: state)
        _ = listenFrame(state, &ui)
        #expect(ui.filterCache?.lastScanned == 0, "Enter already brought the filter up to date")
        for round in 0..<5 {
            for i in 0..<40 { script.add(Fixture.listenCallback(i == 0 ? .accepted : .stray, [("state", .string("r\(round)"))], detail: nil, status: 200), after: 0) }
            for e in script.events.suffix(40) { state.apply(e) }
            let text = listenFrame(state, &ui)
            #expect(ui.filterCache?.lastScanned == 40, "each frame filters the 40 callbacks that came since the last one")
            #expect(ui.metrics.listRowsVisited <= ui.metrics.listRows)
            #expect(text.text.contains("/!stray: \(round + 2) of 2 000"))
        }
    }
}
