import FlowEngine
import Foundation
import OAuthCore

/// The smallest window the screen is drawn in; below it a message says so instead.
public let minimumScreenSize = (width: 80, height: 24)

/// Draws the whole screen for `state`: title bar, timeline, detail pane, event log, status line, and the help
/// overlay when it is open (the listen view instead when `state` is `oauthscope listen`). Pure: the same inputs
/// always give the same grid. `now` drives the elapsed clock and token countdowns; nil means the time of the last
/// event (what snapshots use).
public func renderScreen(state: FlowState, ui: UIState, theme: Theme, width: Int, height: Int, now: Date? = nil, glyphs: Glyphs = .unicode) -> CellGrid {
    ScreenRenderer(state: state, ui: ui, theme: theme, glyphs: glyphs, now: now).render(width: width, height: height).grid
}

/// Draws every flow of a session: the flow `ui.selectedFlow` with a flow switcher in the title bar, or two flows
/// side by side when the window is at least `sideBySideWidth` columns wide. One flow draws as `renderScreen(state:)`.
public func renderScreen(session: SessionState, ui: UIState, theme: Theme, width: Int, height: Int, now: Date? = nil, glyphs: Glyphs = .unicode) -> CellGrid {
    ScreenRenderer(session: session, ui: ui, theme: theme, glyphs: glyphs, now: now).render(width: width, height: height).grid
}

/// From this many columns up, two flows are drawn side by side.
public let sideBySideWidth = 160

struct Rect: Hashable {
    var x, y, width, height: Int
    var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }
    var maxX: Int { x + width }
    static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    func contains(x px: Int, y py: Int) -> Bool { px >= x && px < x + width && py >= y && py < y + height }
}

/// Where each pane of one flow goes in the space between the title bar and the status line.
struct ScreenLayout {
    var timeline, detail, log: Rect

    /// With `diagram` the flow pane holds the sequence diagram, which needs more width than the steps.
    init(body: Rect, screenHeight height: Int, diagram: Bool = false) {
        let logHeight = height >= 40 ? 10 : height >= 30 ? 8 : 7
        let mainHeight = body.height - logHeight
        var timelineWidth = body.width >= 120 ? 42 : body.width >= 100 ? 38 : 34
        if diagram { timelineWidth = max(timelineWidth, body.width * 11 / 20) }
        timeline = Rect(x: body.x, y: body.y, width: timelineWidth, height: mainHeight)
        detail = Rect(x: body.x + timelineWidth, y: body.y, width: body.width - timelineWidth, height: mainHeight)
        log = Rect(x: body.x, y: body.y + mainHeight, width: body.width, height: logHeight)
    }
}

/// Renders one frame and reports the pane sizes it used (for paging and scroll clamping).
struct ScreenRenderer {
    var session: SessionState
    var ui: UIState
    var theme: Theme
    var glyphs: Glyphs
    var now: Date?

    init(session: SessionState, ui: UIState, theme: Theme, glyphs: Glyphs, now: Date?) {
        self.session = session
        self.ui = ui
        self.theme = theme
        self.glyphs = glyphs
        self.now = now
    }

    init(state: FlowState, ui: UIState, theme: Theme, glyphs: Glyphs, now: Date?) {
        self.init(session: SessionState(single: state), ui: ui, theme: theme, glyphs: glyphs, now: now)
    }

    /// The flow with the keys.
    var state: FlowState { session.flow(at: ui.selectedFlow) }

    var clockNow: Date { clock(for: state) }

    func clock(for s: FlowState) -> Date { now ?? s.lastEventAt ?? s.startedAt ?? Date(timeIntervalSince1970: 0) }

    func render(width: Int, height: Int) -> (grid: CellGrid, metrics: PaneMetrics) {
        var grid = CellGrid(width: width, height: height, asciiOnly: glyphs.asciiOnly)
        var metrics = ui.metrics
        guard width >= minimumScreenSize.width, height >= minimumScreenSize.height else {
            drawTooSmall(&grid)
            return (grid, metrics)
        }
        let flows = session.displayed
        let title = Rect(x: 0, y: 0, width: width, height: 1)
        if flows.count > 1 { drawSwitcher(&grid, title) } else { drawTitle(&grid, title) }
        let body = Rect(x: 0, y: 1, width: width, height: height - 2)
        let selected = min(max(0, ui.selectedFlow), flows.count - 1)
        if flows.count > 1, width >= sideBySideWidth {
            // Two at a time: the chosen flow and its neighbour, in their order.
            let left = max(0, min(selected - selected % 2, flows.count - 2))
            let half = width / 2
            let halves = [Rect(x: 0, y: body.y, width: half, height: body.height), Rect(x: half, y: body.y, width: width - half, height: body.height)]
            for (k, position) in [left, left + 1].enumerated() {
                let active = position == selected
                drawFlowBody(&grid, halves[k], position: position, ui: active ? ui : passiveUI, active: active, screenHeight: height, metrics: &metrics)
            }
        } else {
            drawFlowBody(&grid, body, position: selected, ui: ui, active: true, screenHeight: height, metrics: &metrics)
        }
        let status = Rect(x: 0, y: height - 1, width: width, height: 1)
        if let report = state.doctor {
            drawDoctorStatus(&grid, status, report: report)
        } else if state.listen != nil {
            ListenStatusLine(state: state, listeners: session.listenerStarts(at: selected), ui: ui, glyphs: glyphs).draw(into: &grid, status)
        } else {
            StatusLine(state: state, ui: ui, glyphs: glyphs, now: clockNow, flows: flows.count > 1 ? flows : []).draw(into: &grid, status)
        }

        if ui.showingHelp {
            let (helpRows, helpLines) = drawHelp(&grid, width: width, height: height)
            metrics.helpRows = helpRows
            metrics.helpLines = helpLines
        }
        return (grid, metrics)
    }

    /// How a flow without the keys is drawn beside the one with them: following its current step, nothing
    /// selected, the user's reveal choice and clock.
    var passiveUI: UIState {
        var p = UIState(revealByDefault: ui.revealByDefault, timeZone: ui.timeZone)
        p.keymap = ui.keymap
        p.title = ui.title
        return p
    }

    /// One flow's panes in `body`: the four steps, or the listen view. Only the side with the keys (`active`)
    /// shows focus and reports its metrics.
    func drawFlowBody(_ grid: inout CellGrid, _ body: Rect, position: Int, ui: UIState, active: Bool, screenHeight: Int, metrics: inout PaneMetrics) {
        let state = session.flow(at: position)
        if let report = state.doctor {
            drawDoctorBody(&grid, body, report: report)
            return
        }
        if state.listen != nil {
            drawListenBody(&grid, body, state: state, listeners: session.listenerStarts(at: position), ui: ui, active: active, screenHeight: screenHeight, metrics: &metrics)
            return
        }
        let layout = ScreenLayout(body: body, screenHeight: screenHeight, diagram: ui.showingDiagram)
        let focusOn = active && !ui.showingHelp
        let now = clock(for: state)

        let timeline = TimelineView(state: state, ui: ui, glyphs: glyphs, now: now)
        // With several flows the box says which one it is; side by side, the one with the keys is marked.
        let count = session.displayed.count
        var boxTitle = "Flow"
        if count > 1 {
            boxTitle = "Flow \(position + 1)/\(count) \(glyphs.separator) \(state.shortLabel)"
            if active, body.width < grid.width { boxTitle = glyphs.selected + " " + boxTitle }
        }
        if ui.showingDiagram { boxTitle += " \(glyphs.separator) sequence diagram" }
        drawBox(&grid, layout.timeline, title: boxTitle, focused: focusOn && ui.focus == .timeline)
        var rowSteps: [Int: FlowStep] = [:]
        var diagramRows: (rowSeqs: [Int: Int], arrowRows: Int) = ([:], 0)
        if ui.showingDiagram {
            diagramRows = DiagramView(state: state, ui: ui, glyphs: glyphs).draw(into: &grid, layout.timeline.inner)
        } else {
            rowSteps = timeline.draw(into: &grid, layout.timeline.inner)
        }

        let detail = DetailView.content(state: state, ui: ui, glyphs: glyphs, now: now)
        let lines = detail.document.layout(width: max(1, layout.detail.inner.width - 1), asciiOnly: glyphs.asciiOnly)
        let rows = layout.detail.inner.height
        let maxScroll = max(0, lines.count - rows)
        let scroll = min(ui.detailScroll, maxScroll)
        var detailTitle = detail.title
        if lines.count > rows { detailTitle += " \(glyphs.separator) \(scroll + 1)-\(min(lines.count, scroll + rows))/\(lines.count)" }
        drawBox(&grid, layout.detail, title: detailTitle, focused: focusOn && ui.focus == .detail)
        let inner = layout.detail.inner
        let search = ui.search.flatMap { $0.pane == .detail ? $0 : nil }
        for (i, line) in lines.dropFirst(scroll).prefix(rows).enumerated() {
            grid.draw(line, x: inner.x + 1, y: inner.y + i, limit: inner.maxX)
            if let q = search {
                grid.highlight(q.query, y: inner.y + i, from: inner.x + 1, to: inner.maxX)
                // The current match is marked in the margin, so n and N show where they went.
                if q.current == scroll + i { grid.write(glyphs.selected, x: inner.x, y: inner.y + i, role: .searchMatch) }
            }
        }
        drawScrollMarks(&grid, layout.detail, scroll: scroll, total: lines.count, rows: rows)

        let log = EventLogView(state: state, ui: ui, glyphs: glyphs)
        drawBox(&grid, layout.log, title: log.title, focused: focusOn && ui.focus == .log)
        let logSeqs = log.draw(into: &grid, layout.log.inner)

        guard active else { return }
        metrics.timelineRowSteps = rowSteps
        metrics.diagramRowSeqs = diagramRows.rowSeqs
        metrics.diagramRows = diagramRows.arrowRows
        metrics.timelineRows = layout.timeline.inner.height
        metrics.timelineRect = layout.timeline
        metrics.detailRect = layout.detail
        metrics.logRect = layout.log
        metrics.detailRows = rows
        metrics.detailLines = lines.count
        metrics.detailWidth = max(1, layout.detail.inner.width - 1)
        metrics.asciiOnly = glyphs.asciiOnly
        metrics.logRowSeqs = logSeqs
        metrics.logRows = layout.log.inner.height
    }

    /// The title bar with several flows: each flow's number, label and how it stands, the one on display marked.
    func drawSwitcher(_ grid: inout CellGrid, _ r: Rect) {
        grid.fill(x: r.x, y: r.y, width: r.width, height: 1, role: .title)
        var x = grid.write(" " + ui.title + " ", x: r.x, y: r.y, role: .title)
        let flows = session.displayed
        let selected = min(max(0, ui.selectedFlow), flows.count - 1)
        for (i, f) in flows.enumerated() {
            x = grid.write(glyphs.separator + " ", x: x, y: r.y, role: .muted, limit: r.maxX)
            let (mark, role): (String, ThemeRole)
            switch f.outcome {
            case .running: (mark, role) = (f.waiting != nil ? glyphs.paused : glyphs.inProgress, .stepInProgress)
            case .completed: (mark, role) = (glyphs.done, .stepDone)
            case .failed: (mark, role) = (glyphs.failed, .stepFailed)
            }
            let label = "flow \(i + 1)/\(flows.count): " + Text.truncate(f.shortLabel, to: 24, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly)
            let start = x
            x = grid.write(label + " ", x: x, y: r.y, role: i == selected ? .selection : .title, limit: r.maxX)
            x = grid.write(mark, x: x, y: r.y, role: role, limit: r.maxX)
            if i == selected { grid.restyle(x: start, y: r.y, width: x - start - CellGrid.columns(mark, asciiOnly: glyphs.asciiOnly), role: .selection) }
            x = grid.write(" ", x: x, y: r.y, role: .title, limit: r.maxX)
        }
        let hint = session.unownedEvents > 0 ? "\(glyphs.separator) \(Format.count(session.unownedEvents)) events of no flow " : ""
        x = grid.write(hint, x: x, y: r.y, role: .muted, limit: r.maxX)
        let keys = "\(glyphs.separator) [ ] or 1-\(min(9, flows.count)) switch"
        if r.maxX - x > CellGrid.columns(keys, asciiOnly: glyphs.asciiOnly) + 1 {
            grid.write(keys, x: r.maxX - CellGrid.columns(keys, asciiOnly: glyphs.asciiOnly) - 1, y: r.y, role: .muted, limit: r.maxX)
        }
    }

    func drawBox(_ grid: inout CellGrid, _ r: Rect, title: String, focused: Bool) {
        guard r.width >= 2, r.height >= 2 else { return }
        let role: ThemeRole = focused ? .borderFocus : .border
        let g = glyphs
        let bar = String(repeating: g.horizontal, count: r.width - 2)
        grid.write(g.topLeft + bar + g.topRight, x: r.x, y: r.y, role: role)
        for y in (r.y + 1)..<(r.y + r.height - 1) {
            grid.write(g.vertical, x: r.x, y: y, role: role)
            grid.write(g.vertical, x: r.maxX - 1, y: y, role: role)
        }
        grid.write(g.bottomLeft + bar + g.bottomRight, x: r.x, y: r.y + r.height - 1, role: role)
        if !title.isEmpty {
            let limit = r.maxX - 2
            var t = " " + title + " "
            if CellGrid.columns(t, asciiOnly: glyphs.asciiOnly) > limit - (r.x + 2) {
                t = Text.truncate(t, to: limit - (r.x + 2) - 1, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly) + " "
            }
            grid.write(t, x: r.x + 2, y: r.y, role: focused ? .borderFocus : .title, limit: limit)
        }
    }

    /// Arrows on the right border when there is more above or below, so nothing scrolls out of sight unnoticed.
    func drawScrollMarks(_ grid: inout CellGrid, _ r: Rect, scroll: Int, total: Int, rows: Int) {
        guard rows > 0 else { return }
        if scroll > 0 { grid.write(glyphs.asciiOnly ? "^" : "▲", x: r.maxX - 1, y: r.y + 1, role: .keyHint) }
        if scroll + rows < total { grid.write(glyphs.asciiOnly ? "v" : "▼", x: r.maxX - 1, y: r.y + r.height - 2, role: .keyHint) }
    }

    func drawTitle(_ grid: inout CellGrid, _ r: Rect) {
        grid.fill(x: r.x, y: r.y, width: r.width, height: 1, role: .title)
        var x = grid.write(" " + ui.title + " ", x: r.x, y: r.y, role: .title)
        var parts: [String] = []
        if !state.flowID.isEmpty, state.listen == nil { parts.append("flow \(state.flowID)") }
        if let s = state.started {
            parts.append(s.provider)
            if let c = s.clientID { parts.append("client \(c)") }
            // Only a grant that sends the user back has a redirect URI to speak of; the others say their grant.
            if let g = s.grant.flatMap(GrantType.init(rawValue:)), !g.usesRedirect {
                parts.append("grant \(g.rawValue)")
            } else {
                parts.append("redirect \(s.redirectURI)")
            }
            if s.stepMode { parts.append("step mode") }
            if s.exchange != "auto", state.listen == nil { parts.append("exchange \(s.exchange)") }
        }
        if !parts.isEmpty {
            x = grid.write(glyphs.separator + " ", x: x, y: r.y, role: .muted)
            let text = parts.joined(separator: " \(glyphs.separator) ")
            grid.write(Text.truncate(text, to: r.maxX - x - 1, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: r.y, role: .muted, limit: r.maxX)
        }
    }

    func drawTooSmall(_ grid: inout CellGrid) {
        let message = "Window too small: \(grid.width)x\(grid.height). oauthscope needs at least \(minimumScreenSize.width)x\(minimumScreenSize.height); enlarge the window, or press q to quit."
        var doc = Document()
        doc.text(message, .title)
        let lines = doc.layout(width: max(1, grid.width - 2), asciiOnly: glyphs.asciiOnly)
        let top = max(0, (grid.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let x = max(0, (grid.width - line.width) / 2)
            grid.draw(line, x: x, y: top + i, limit: grid.width)
        }
    }

    /// The help overlay, generated from the key table. Returns its visible rows and total lines.
    func drawHelp(_ grid: inout CellGrid, width: Int, height: Int) -> (Int, Int) {
        let boxWidth = min(width - 4, 96)
        var doc = Document()
        let rows = ui.keymap.helpRows()
        let keysWidth = min(22, rows.map { CellGrid.columns($0.keys) }.max() ?? 0)
        for row in rows {
            let pad = String(repeating: " ", count: max(0, keysWidth - CellGrid.columns(row.keys)) + 2)
            doc.line([Span(row.keys, .keyHint), Span(pad), Span(row.help)] + (row.contexts.isEmpty ? [] : [Span("  (\(row.contexts))", .muted)]), indent: keysWidth + 2)
        }
        doc.heading("Steps")
        doc.line(Span(glyphs.waiting, .stepWaiting), Span(" waiting   "), Span(glyphs.inProgress, .stepInProgress), Span(" in progress   "),
                 Span(glyphs.done, .stepDone), Span(" done   "), Span(glyphs.failed, .stepFailed), Span(" failed"))
        doc.line(Span(glyphs.ok, .stepDone), Span(" check passed   "), Span(glyphs.info, .findingInfo), Span(" note   "),
                 Span(glyphs.warn, .findingWarn), Span(" warning   "), Span(glyphs.fail, .findingError), Span(" check failed"))
        if !ui.configProblems.isEmpty {
            doc.heading("Problems with the theme or the key bindings")
            for p in ui.configProblems { doc.line([Span("\(glyphs.warn) ", .findingWarn), Span(p, .findingWarn)], indent: 2) }
        }
        if state.listen != nil {
            doc.heading("Reading the screen (listen mode)")
            doc.text("Top: how many callbacks of each verdict arrived, exactly, including those the list no longer keeps; then one line per redirect URI watched (#1, #2, ...) with the state it expects, where it forwards (→) and its own counts. Middle: one row per callback, newest at the bottom; the list follows new arrivals until you move up, and G or End follows again. A row says which redirect URI it reached when there are several, (post) for a form_post body and (#frag) for a URL fragment the listener's page posted back, and with --exchange what became of its code (x1 tokens, failed, not exchanged). Enter opens the selected callback: its redirect URI, response mode, exchange, every parameter explained, and the raw request, what the listener answered and whether it was forwarded. Bottom, when there is room: every event as written to the JSONL stream.", .text)
            doc.heading("Filtering callbacks with /")
            doc.text("Words that must all match, in any case: a verdict (stray, accepted, state_mismatch, ...); name=value for a parameter containing value (state=abc), or name= for one that is there; path:, param:, value:, remote:, method: for one field; any other word is looked for in the path, the parameters, the verdict and the remote address. !word hides what matches (!stray). uri: a redirect URI, mode: query, form_post or fragment, exchange: an exchange flow (exchange: alone: every code handed to one). U shows one redirect URI's callbacks at a time, then all again. Enter keeps the filter, Esc clears it.", .text)
        } else {
            doc.heading("Reading the screen")
            doc.text("Left: the four steps of the authorization-code flow, live. Right: what the selected step sent and received, with every parameter explained and the RFC section that defines it. Bottom: every event, newest last. Secrets are shown as a prefix and their length until r reveals them for the selected step.", .text)
            doc.heading("The sequence diagram (d)")
            doc.text("The flow pane can show the flow as a sequence diagram instead: lanes for the user's browser, oauthscope (the client), the authorization server and, once userinfo is called, the API. Each hop is one arrow with its status, dashed when it goes through the browser (the redirect to the authorization endpoint, the redirect back with the code), solid on the back channel. Up and down pick a hop; its raw request and response show on the right.", .text)
        }
        if session.displayed.count > 1 {
            doc.heading("Several flows")
            doc.text("The flows share one listener; each callback finds its flow by state. The title bar lists them with how each stands; [ and ] or the number keys show another, and from \(sideBySideWidth) columns two are drawn side by side. The status line and the exit status count every flow.", .text)
        }
        let lines = doc.layout(width: boxWidth - 4, asciiOnly: glyphs.asciiOnly)
        let boxHeight = min(height - 2, lines.count + 2)
        let box = Rect(x: (width - boxWidth) / 2, y: (height - boxHeight) / 2, width: boxWidth, height: boxHeight)
        grid.fill(x: box.x, y: box.y, width: box.width, height: box.height, role: .background)
        let visible = box.inner.height
        let scroll = min(ui.helpScroll, max(0, lines.count - visible))
        drawBox(&grid, box, title: "Keys \(glyphs.separator) ? or q closes", focused: true)
        for (i, line) in lines.dropFirst(scroll).prefix(visible).enumerated() {
            grid.draw(line, x: box.x + 2, y: box.inner.y + i, limit: box.maxX - 2)
        }
        drawScrollMarks(&grid, box, scroll: scroll, total: lines.count, rows: visible)
        return (visible, lines.count)
    }
}

/// Truncation that says so: the cut is marked with an ellipsis.
enum Text {
    static func truncate(_ s: String, to width: Int, ellipsis: String, asciiOnly: Bool) -> String {
        let safe = CellGrid.displayable(s, asciiOnly: asciiOnly)
        if CellGrid.columns(safe) <= width { return safe }
        let room = width - CellGrid.columns(ellipsis)
        guard room > 0 else { return String(ellipsis.prefix(max(0, width))) }
        var out = ""
        var w = 0
        for ch in safe {
            let cw = CellGrid.columns(of: ch)
            if w + cw > room { break }
            out.append(ch)
            w += cw
        }
        return out + ellipsis
    }

    static func pad(_ s: String, to width: Int, asciiOnly: Bool = false) -> String {
        let w = CellGrid.columns(s, asciiOnly: asciiOnly)
        return w >= width ? s : s + String(repeating: " ", count: width - w)
    }
}

extension CellGrid {
    /// Marks every occurrence of `query` (any case) in row `y` between `from` and `to` with the search role,
    /// reading the cells as drawn, so it finds exactly what the user sees.
    mutating func highlight(_ query: String, y: Int, from: Int, to: Int) {
        let needle = Array(query.lowercased())
        guard !needle.isEmpty, y >= 0, y < height else { return }
        var xs: [Int] = []
        var chars: [Character] = []
        for x in max(0, from)..<min(width, to) {
            let c = self[x, y]
            if c.width == 0 { continue }
            for ch in c.text.lowercased() {
                xs.append(x)
                chars.append(ch)
            }
        }
        guard chars.count >= needle.count else { return }
        var i = 0
        while i + needle.count <= chars.count {
            if Array(chars[i..<(i + needle.count)]) == needle {
                for k in i..<(i + needle.count) {
                    let x = xs[k]
                    restyle(x: x, y: y, width: max(1, Int(self[x, y].width)), role: .searchMatch)
                }
                i += needle.count
            } else {
                i += 1
            }
        }
    }
}
