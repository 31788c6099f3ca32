import FlowEngine
import Foundation

/// Every event, newest last, one line each: time, type, short summary. Follows the newest event until the user
/// moves the selection up; only the visible rows are formatted, however long the log.
struct EventLogView {
    var state: FlowState
    var ui: UIState
    var glyphs: Glyphs

    var title: String {
        let log = state.log
        var t = "Events (\(Format.count(log.totalAppended)))"
        if log.dropped > 0 { t += " \(glyphs.separator) newest \(Format.count(log.count)) kept" }
        if state.droppedEvents > 0 { t += " \(glyphs.separator) \(Format.count(state.droppedEvents)) lost in a burst" }
        t += ui.logSelection == nil ? " \(glyphs.separator) following" : " \(glyphs.separator) G follows"
        return t
    }

    /// Draws the visible events and returns the `seq` shown on each row (for mouse clicks).
    @discardableResult
    func draw(into grid: inout CellGrid, _ r: Rect) -> [Int: Int] {
        let log = state.log
        var rows: [Int: Int] = [:]
        guard r.height > 0, !log.isEmpty else {
            if r.height > 0 { grid.write("No events yet.", x: r.x + 1, y: r.y, role: .muted, limit: r.maxX) }
            return rows
        }
        let selected = ui.logIndex(in: state) ?? log.count - 1
        // Keep the selection on screen: the window ends at it, or later when it is near the top.
        let end = min(log.count, max(selected + 1, min(log.count, r.height)))
        let start = max(0, end - r.height)
        let typeWidth = 24
        let highlight = ui.focus == .log || ui.logSelection != nil
        for (row, i) in (start..<end).enumerated() {
            let event = log[i]
            let y = r.y + row
            let reveal = state.grant.step(of: event).map(ui.isRevealed) ?? ui.revealByDefault
            var x = grid.write(" " + Format.clock(event.time, zone: ui.timeZone) + " ", x: r.x, y: y, role: .muted, limit: r.maxX)
            x = grid.write(Text.pad(event.type, to: typeWidth) + " ", x: x, y: y, role: event.role, limit: r.maxX)
            grid.write(Text.truncate(event.summary(reveal: reveal), to: r.maxX - x - 1, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: y, role: .text, limit: r.maxX)
            if i == selected, highlight { grid.restyle(x: r.x, y: y, width: r.width, role: .selection) }
            if let q = ui.search, q.pane == .log { grid.highlight(q.query, y: y, from: r.x, to: r.maxX) }
            rows[y] = event.seq
        }
        return rows
    }
}

/// The bottom line: how the flow stands, where the listener is, the elapsed time, and the keys that work here.
/// When the flow waits for the user it says, before anything else, which key continues.
struct StatusLine {
    var state: FlowState
    var ui: UIState
    var glyphs: Glyphs
    var now: Date
    /// Every flow, when several run at once: the line then says how each stands.
    var flows: [FlowState] = []

    var elapsed: TimeInterval? {
        guard let start = state.startedAt else { return nil }
        switch state.outcome {
        case .completed(let ms): return Double(ms) / 1000
        case .failed: return (state.lastEventAt ?? start).timeIntervalSince(start)
        case .running: return now.timeIntervalSince(start)
        }
    }

    /// The waiting prompt, followed by which key continues unless the prompt already says so.
    static func continueHint(prompt: String, keys: [Key]) -> String {
        var p = prompt.trimmingCharacters(in: .whitespaces)
        while p.hasSuffix(".") { p.removeLast() }
        let names = keys.map(\.label)
        if names.contains(where: { p.lowercased().contains("press \($0.lowercased())") }) { return p + "." }
        return p + ". Press " + names.joined(separator: " or ") + " to continue."
    }

    /// A line the user types into (search, API call, request edit): the label, the text so far with a cursor,
    /// and the keys at the right edge.
    private func drawPrompt(_ label: String, _ input: String, hints: String, into grid: inout CellGrid, _ r: Rect) {
        let limit = r.maxX
        var x = grid.write(label, x: r.x, y: r.y, role: .keyHint, limit: limit)
        x = grid.write(input, x: x, y: r.y, role: .text, limit: limit - CellGrid.columns(hints))
        grid.write(glyphs.asciiOnly ? "_" : "▏", x: x, y: r.y, role: .keyHint, limit: limit)
        grid.write(hints, x: limit - CellGrid.columns(hints, asciiOnly: glyphs.asciiOnly), y: r.y, role: .muted, limit: limit)
    }

    func draw(into grid: inout CellGrid, _ r: Rect) {
        grid.fill(x: r.x, y: r.y, width: r.width, height: 1, role: .background)
        var x = r.x
        let limit = r.maxX
        if let input = ui.searchInput {
            let whereTo = ui.searchTarget == .log ? "events" : "detail"
            return drawPrompt(" Search \(whereTo): /", input, hints: " Enter find \(glyphs.separator) Esc cancel ", into: &grid, r)
        }
        if let input = ui.callInput {
            return drawPrompt(" Call API ([METHOD] URL): ", input, hints: " Tab preset call \(glyphs.separator) Enter send \(glyphs.separator) Esc cancel ", into: &grid, r)
        }
        if let input = ui.editInput {
            return drawPrompt(" Edit \(state.waiting?.hop ?? "request"): ", input, hints: " Tab pick \(glyphs.separator) Enter apply \(glyphs.separator) Esc cancel ", into: &grid, r)
        }
        if let w = state.waiting, let hop = w.hop {
            let send = ui.keymap.keys(for: .proceed, in: ui.focus.context).first?.label ?? "c"
            let edit = ui.keymap.keys(for: .edit, in: ui.focus.context).first?.label ?? "e"
            let again = ui.keymap.keys(for: .again, in: ui.focus.context).first?.label ?? "a"
            x = grid.write(" \(glyphs.paused) BEFORE \(hop.uppercased()): \(send) send \(glyphs.separator) \(edit) edit \(glyphs.separator) \(again) resend last \(glyphs.separator) " + w.prompt, x: x, y: r.y, role: .selection, limit: limit)
            x = grid.write(" ", x: x, y: r.y, role: .selection, limit: limit)
        } else if let w = state.waiting {
            let keys = ui.keymap.keys(for: .proceed, in: ui.focus.context)
            x = grid.write(" \(glyphs.paused) WAITING: " + Self.continueHint(prompt: w.prompt, keys: Array(keys.prefix(1))), x: x, y: r.y, role: .selection, limit: limit)
            x = grid.write(" ", x: x, y: r.y, role: .selection, limit: limit)
        } else if flows.count > 1 {
            for (i, f) in flows.enumerated() {
                let sep = i == 0 ? " " : " \(glyphs.separator) "
                x = grid.write(sep, x: x, y: r.y, role: .muted, limit: limit)
                let name = "\(i + 1) " + Text.truncate(f.shortLabel, to: 16, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly)
                switch f.outcome {
                case .running:
                    x = grid.write("\(glyphs.inProgress) \(name) " + (f.waiting != nil ? "waiting" : "running"), x: x, y: r.y, role: .stepInProgress, limit: limit)
                case .completed(let ms):
                    x = grid.write("\(glyphs.done) \(name) completed in \(Format.duration(Double(ms) / 1000))", x: x, y: r.y, role: .stepDone, limit: limit)
                case .failed(let failure):
                    x = grid.write("\(glyphs.failed) \(name) failed" + (failure.error.map { ": \($0)" } ?? ""), x: x, y: r.y, role: .stepFailed, limit: limit)
                }
            }
        } else {
            switch state.outcome {
            case .running:
                let text = state.started == nil ? "starting" : "running"
                x = grid.write(" \(glyphs.inProgress) \(text)", x: x, y: r.y, role: .stepInProgress, limit: limit)
            case .completed(let ms):
                x = grid.write(" \(glyphs.done) completed in \(Format.duration(Double(ms) / 1000))", x: x, y: r.y, role: .stepDone, limit: limit)
            case .failed(let f):
                x = grid.write(" \(glyphs.failed) failed" + (f.error.map { ": \($0)" } ?? ""), x: x, y: r.y, role: .stepFailed, limit: limit)
            }
        }
        var facts: [String] = []
        let tokenActions = ui.tokenActionsAvailable(in: state)
        // Once the flow completed with tokens, the keys for them matter more than where the listener was.
        if !state.listenerAddresses.isEmpty, !tokenActions { facts.append("listening " + state.listenerAddresses.joined(separator: ", ")) }
        // While the flow waits at a step the clock stops showing: the time is the user's, and a clock that moved
        // would need a redraw every second of an idle screen.
        if let e = elapsed, state.outcome == .running, state.waiting == nil { facts.append(Format.elapsed(e)) }
        if let e = elapsed, case .failed = state.outcome { facts.append("after " + Format.duration(e)) }
        if case .failed = state.outcome, ui.replay == nil, let again = ui.keymap.keys(for: .again, in: ui.focus.context).first {
            facts.insert("\(again.label) runs it again", at: 0)
        }
        if let replay = ui.replay { facts.insert(replay.summary, at: 0) }
        if let n = ui.notice { facts.insert(n, at: 0) }
        let sep = " \(glyphs.separator) "
        // After the waiting banner (which ends in a space) the separator needs no space of its own.
        let factsText = facts.isEmpty ? "" : (state.waiting == nil ? sep : String(sep.dropFirst())) + facts.joined(separator: sep)
        func width(_ h: [(keys: String, action: String)]) -> Int {
            h.reduce(0) { $0 + CellGrid.columns($1.keys) + CellGrid.columns($1.action) + 3 }
        }
        // Facts first; key hints fill what is left from the right, the least useful dropped first, but "? help"
        // and "q quit" always stay.
        let keep = state.waiting == nil ? 2 : 0
        func fitted(compact: Bool) -> [(keys: String, action: String)] {
            var shown = ui.keymap.hints(for: ui.context, waiting: state.waiting != nil, tokenActions: tokenActions, compact: compact, replay: ui.replay, diagram: ui.showingDiagram)
            while shown.count > keep, (x - r.x) + CellGrid.columns(factsText) + width(shown) + 1 > r.width {
                shown.remove(at: max(0, shown.count - 3))
            }
            return shown
        }
        var shown = fitted(compact: false)
        // All five token actions or none: when they do not all fit, they share one hint.
        if tokenActions, ui.context != .help, shown.filter({ ["refresh", "userinfo", "introspect", "revoke", "rotation"].contains($0.action) }).count < 5 {
            shown = fitted(compact: true)
        }
        let hintsAt = limit - width(shown)
        let factsRoom = max(0, hintsAt - x - 1)
        grid.write(Text.truncate(factsText, to: factsRoom, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: r.y, role: ui.notice != nil ? .keyHint : .muted, limit: hintsAt)
        var hx = max(x, hintsAt)
        for h in shown {
            hx = grid.write(" " + h.keys, x: hx, y: r.y, role: .keyHint, limit: limit)
            hx = grid.write(" " + h.action + " ", x: hx, y: r.y, role: .muted, limit: limit)
        }
    }
}

/// The bottom line of `oauthscope listen`: where it listens, where it forwards, and the keys of the list; while a
/// filter is typed, the filter.
struct ListenStatusLine {
    var state: FlowState
    var listeners: [ListenerStarted]
    var ui: UIState
    var glyphs: Glyphs

    /// Every bound address once, in the order the listeners started.
    var addresses: [String] {
        var seen: [String] = []
        for a in listeners.flatMap(\.addresses) + state.listenerAddresses where !seen.contains(a) { seen.append(a) }
        return seen
    }

    func draw(into grid: inout CellGrid, _ r: Rect) {
        grid.fill(x: r.x, y: r.y, width: r.width, height: 1, role: .background)
        let limit = r.maxX
        var x = r.x
        if let input = ui.filterInput {
            x = grid.write(" Filter callbacks: /", x: x, y: r.y, role: .keyHint, limit: limit)
            x = grid.write(input, x: x, y: r.y, role: .text, limit: limit - 1)
            x = grid.write(glyphs.asciiOnly ? "_" : "▏", x: x, y: r.y, role: .keyHint, limit: limit)
            // The longest help that still fits after what is typed.
            let long = " Enter keep \(glyphs.separator) Esc cancel \(glyphs.separator) e.g. stray  !stray  state=abc  favicon "
            let short = " Enter keep \(glyphs.separator) Esc cancel "
            for hints in [long, short] {
                let w = CellGrid.columns(hints, asciiOnly: glyphs.asciiOnly)
                if limit - x >= w + 2 {
                    grid.write(hints, x: limit - w, y: r.y, role: .muted, limit: limit)
                    break
                }
            }
            return
        }
        let sep = " \(glyphs.separator) "
        let addrs = addresses
        if addrs.isEmpty {
            x = grid.write(" \(glyphs.inProgress) starting the listener", x: x, y: r.y, role: .stepInProgress, limit: limit)
        } else {
            x = grid.write(" \(glyphs.inProgress) listening " + addrs.joined(separator: ", "), x: x, y: r.y, role: .stepInProgress, limit: limit)
        }
        var facts: [String] = []
        if let n = ui.notice { facts.append(n) }
        if state.droppedEvents > 0 { facts.append("\(Format.count(state.droppedEvents)) events lost in a burst") }
        let factsText = facts.isEmpty ? "" : sep + facts.joined(separator: sep)
        let hints = self.hints
        func width(_ h: [(String, String)]) -> Int { h.reduce(0) { $0 + CellGrid.columns($1.0) + CellGrid.columns($1.1) + 3 } }
        var shown = hints
        // Facts first; hints fill what is left, the least useful dropped first, "? help" and "q quit" kept.
        while shown.count > 2, (x - r.x) + CellGrid.columns(factsText) + width(shown) + 1 > r.width {
            shown.remove(at: max(0, shown.count - 3))
        }
        let hintsAt = limit - width(shown)
        grid.write(Text.truncate(factsText, to: max(0, hintsAt - x - 1), ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: r.y, role: ui.notice != nil ? .keyHint : .muted, limit: hintsAt)
        var hx = max(x, hintsAt)
        for h in shown {
            hx = grid.write(" " + h.0, x: hx, y: r.y, role: .keyHint, limit: limit)
            hx = grid.write(" " + h.1 + " ", x: hx, y: r.y, role: .muted, limit: limit)
        }
    }

    /// The keys of the list, from the key table (so rebound keys show as rebound), most useful first.
    var hints: [(String, String)] {
        let map = ui.keymap
        let context = ui.context
        func first(_ c: UICommand, letter: Bool = true) -> String {
            let ks = map.keys(for: c, in: context)
            let pick = letter ? (ks.first { if case .char = $0 { return true } else { return false } } ?? ks.first) : ks.first
            return pick?.label ?? ""
        }
        let move = [first(.moveDown), first(.moveUp)].filter { !$0.isEmpty }.joined(separator: "/")
        if ui.showingHelp { return [(move, "scroll"), (first(.back), "close")].filter { !$0.0.isEmpty } }
        var out: [(String, String)]
        switch ui.focus {
        case .timeline:
            out = [(first(.open, letter: false), "open"), (first(.search), ui.callbackFilter == nil ? "filter" : "edit filter"), (first(.bottom), "follow"), (move, "callback")]
            if ui.callbackFilter != nil { out.append(((map.keys(for: .back, in: context).first { $0 == .escape } ?? map.keys(for: .back, in: context).first)?.label ?? "", "clear filter")) }
        case .detail:
            out = [(move, "scroll"), (first(.pageDown, letter: false), "page"), (first(.back), "close")]
        case .log:
            out = [(move, "event"), (first(.open, letter: false), "inspect"), (first(.bottom), "follow")]
        }
        out += [(first(.switchPane, letter: false), "pane"), (first(.reveal), "reveal"), (first(.help), "help"), (first(.back), "quit")]
        return out.filter { !$0.0.isEmpty }
    }
}
