import FlowEngine
import Foundation
import OAuthCore

/// A participant of the sequence diagram, left to right.
enum DiagramLane: Int, CaseIterable, Sendable, Hashable {
    case browser, client, server, api

    /// The lane's heading, longest first: each entry is one or two lines; the diagram takes the first that fits.
    var headings: [[String]] {
        switch self {
        case .browser: return [["User/Browser"], ["User/", "Browser"], ["Browser"], ["User"]]
        case .client: return [["oauthscope (client)"], ["oauthscope", "(client)"], ["client"]]
        case .server: return [["Authorization server"], ["Authorization", "server"], ["Auth", "server"], ["AS"]]
        case .api: return [["API"]]
        }
    }

    /// The full name, for the detail pane.
    var name: String { headings[0].joined(separator: " ") }
}

/// One hop of the flow as an arrow between two lanes: the redirect to the authorization endpoint, a callback,
/// or a back-channel HTTP request with its answer.
struct DiagramArrow: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case redirect, callback, http }

    /// The `seq` of the event that started the hop: the arrow's identity, kept in `UIState.diagramSelection`.
    var seq: Int
    var kind: Kind
    var from: DiagramLane
    var to: DiagramLane
    /// What the hop is, in a word: `authorize`, `callback`, `discovery`, `token`, `jwks`, `userinfo`, ...
    var name: String
    /// Its request line, short: `POST /token`, `GET /callback?code&state`.
    var summary: String
    /// How it went: an HTTP status and time, a callback verdict, or that no answer came (yet).
    var status: String
    var statusRole: ThemeRole
    /// True for hops that travel through the user's browser (drawn dashed).
    var frontChannel: Bool
    /// The `seq` of the response event, for back-channel hops that were answered.
    var responseSeq: Int?
}

/// The arrows of a flow, read from its event log. Only the part of the log around what is on screen is read, so a
/// frame costs the arrows it shows (plus the events between them), never the whole history.
struct SequenceDiagram {
    let state: FlowState
    /// How many events of the log this reader has read: what a frame costs, bounded by what it shows.
    private(set) var reads = 0

    init(_ state: FlowState) { self.state = state }

    /// The event at `index` of the log, counted.
    mutating func event(_ index: Int) -> FlowEvent {
        reads += 1
        return state.log[index]
    }

    /// How far past a request its answer is looked for; beyond this the hop shows as unknown rather than costing
    /// a long scan on every frame.
    static let responseSearchLimit = 4_096

    /// Whether `event` starts an arrow.
    static func startsArrow(_ event: FlowEvent) -> Bool {
        switch event.payload {
        case .userRedirected, .callbackReceived, .httpRequest, .tokenRequest: return true
        default: return false
        }
    }

    /// The lane a back-channel request goes to. The userinfo endpoint is an OAuth protected resource (OIDC Core
    /// §5.3), so it is drawn as the API.
    static func lane(forPurpose purpose: HopPurpose) -> DiagramLane {
        purpose == .userinfo ? .api : .server
    }

    /// Whether the flow talks to an API: the lane is then drawn from the start, so the layout does not jump.
    static func usesAPI(_ state: FlowState) -> Bool {
        if state.started?.followUps?.contains(where: { lane(forPurpose: HopPurpose(rawValue: $0)) == .api }) == true { return true }
        return state.hops.contains { lane(forPurpose: $0.request.purpose) == .api }
    }

    /// The lanes drawn for `state`, left to right.
    static func lanes(for state: FlowState) -> [DiagramLane] {
        usesAPI(state) ? DiagramLane.allCases : [.browser, .client, .server]
    }

    /// The path of a URL (or the URL itself when it has none), for short labels.
    static func path(of url: String) -> String {
        guard let c = URLComponents(string: url), !c.path.isEmpty else { return url }
        return c.path
    }

    /// The arrow that `log[index]` starts; nil when that event starts none.
    mutating func arrow(at index: Int) -> DiagramArrow? {
        guard index >= 0, index < state.log.count else { return nil }
        let event = self.event(index)
        switch event.payload {
        case .userRedirected(let r):
            let endpoint = state.authorization.map { Self.path(of: $0.endpoint) } ?? "/authorize"
            return DiagramArrow(seq: event.seq, kind: .redirect, from: .browser, to: .server, name: "authorize", summary: "GET " + endpoint,
                                status: "via " + r.via.rawValue, statusRole: .muted, frontChannel: true)
        case .callbackReceived(let c):
            let keys = (c.query.objectValue ?? []).map(\.0)
            // A callback that carries a code or an error is the authorization server's answer, sent back through
            // the browser; anything else (a favicon, a stray) is just the browser asking.
            let answer = keys.contains("code") || keys.contains("error")
            let query = keys.isEmpty ? "" : "?" + keys.prefix(6).joined(separator: "&") + (keys.count > 6 ? "&…" : "")
            var status = c.verdict.rawValue
            if let s = c.status { status += " \(s)" }
            return DiagramArrow(seq: event.seq, kind: .callback, from: answer ? .server : .browser, to: .client, name: "callback",
                                summary: c.method + " " + c.path + query, status: status, statusRole: Self.verdictRole(c.verdict), frontChannel: true)
        case .httpRequest(let r), .tokenRequest(let r):
            var arrow = DiagramArrow(seq: event.seq, kind: .http, from: .client, to: Self.lane(forPurpose: r.purpose), name: r.purpose.rawValue,
                                     summary: r.method + " " + Self.path(of: r.url), status: "…", statusRole: .stepInProgress, frontChannel: false)
            answer(&arrow, purpose: r.purpose, after: index)
            return arrow
        default:
            return nil
        }
    }

    /// Fills in how a back-channel hop went: its response, or that none came.
    mutating func answer(_ arrow: inout DiagramArrow, purpose: HopPurpose, after index: Int) {
        let count = state.log.count
        var i = index + 1
        let end = min(count, index + 1 + Self.responseSearchLimit)
        while i < end {
            let event = self.event(i)
            switch event.payload {
            case .httpResponse(let r), .tokenResponse(let r):
                if r.purpose == purpose {
                    arrow.status = "\(r.status) \(r.elapsedMs) ms"
                    arrow.statusRole = .httpStatus(r.status)
                    arrow.responseSeq = event.seq
                    return
                }
            case .httpRequest(let r), .tokenRequest(let r):
                if r.purpose == purpose {
                    Self.noAnswer(&arrow)
                    return
                }
            case .actionCompleted(let a) where a.action == purpose.rawValue:
                Self.noAnswer(&arrow)
                return
            case .flowFailed, .flowCompleted:
                Self.noAnswer(&arrow)
                return
            default:
                break
            }
            i += 1
        }
        if end < count {
            arrow.status = "?"
            arrow.statusRole = .muted
        } else if state.isFinished {
            Self.noAnswer(&arrow)
        }
    }

    static func noAnswer(_ arrow: inout DiagramArrow) {
        arrow.status = "no answer"
        arrow.statusRole = .stepFailed
    }

    static func verdictRole(_ v: CallbackVerdict) -> ThemeRole {
        switch v {
        case .accepted: return .stepDone
        case .stray, .duplicate: return .findingWarn
        case .stateMismatch, .errorResponse, .malformed: return .findingError
        }
    }

    /// The log index of the arrow `seq`, or of the nearest arrow after it (the log may have dropped it), or
    /// else the newest arrow before it.
    mutating func index(ofArrow seq: Int) -> Int? {
        guard let i = state.log.index(ofSeq: seq) else { return nil }
        var j = i
        while j < state.log.count {
            if Self.startsArrow(event(j)) { return j }
            j += 1
        }
        return previousArrow(before: i)
    }

    mutating func previousArrow(before index: Int) -> Int? {
        var j = min(index, state.log.count) - 1
        while j >= 0 {
            if Self.startsArrow(event(j)) { return j }
            j -= 1
        }
        return nil
    }

    mutating func nextArrow(after index: Int) -> Int? {
        var j = max(-1, index) + 1
        while j < state.log.count {
            if Self.startsArrow(event(j)) { return j }
            j += 1
        }
        return nil
    }

    /// The log index of the selected arrow: `selection`'s, or the newest when following.
    mutating func selectedIndex(_ selection: Int?) -> Int? {
        if let seq = selection { return index(ofArrow: seq) }
        return previousArrow(before: state.log.count)
    }

    /// The selected arrow (the newest when `selection` is nil).
    mutating func selectedArrow(_ selection: Int?) -> DiagramArrow? {
        guard let i = selectedIndex(selection) else { return nil }
        return arrow(at: i)
    }

    /// At most `rows` arrows around the selected one, oldest first, and where the selection is among them. The
    /// selection sits in the middle once there is history on both sides, at the bottom while following.
    mutating func window(selection: Int?, rows: Int) -> (arrows: [DiagramArrow], selected: Int?) {
        guard rows > 0, let sel = selectedIndex(selection) else { return ([], nil) }
        var after: [Int] = [sel]
        var j = sel
        while after.count < rows, let n = nextArrow(after: j) {
            after.append(n)
            j = n
        }
        var before: [Int] = []
        j = sel
        while before.count < rows - 1, let p = previousArrow(before: j) {
            before.append(p)
            j = p
        }
        var above = min(before.count, (rows - 1) / 2)
        let below = min(after.count, rows - above)
        above = min(before.count, rows - below)
        let indices = before.prefix(above).reversed() + after.prefix(below)
        var arrows: [DiagramArrow] = []
        for i in indices { if let a = arrow(at: i) { arrows.append(a) } }
        return (arrows, above)
    }
}

/// The flow drawn as a sequence diagram: a heading per lane, then two rows per hop (its label, then its arrow).
struct DiagramView {
    var state: FlowState
    var ui: UIState
    var glyphs: Glyphs
    /// The lanes drawn, worked out once per frame.
    let lanes: [DiagramLane]

    init(state: FlowState, ui: UIState, glyphs: Glyphs) {
        self.state = state
        self.ui = ui
        self.glyphs = glyphs
        lanes = SequenceDiagram.lanes(for: state)
    }

    /// The centre column of each lane in `r`; column `r.x` is kept for the selection mark.
    func laneColumns(_ r: Rect) -> [DiagramLane: Int] {
        let usable = max(lanes.count, r.width - 1)
        // The API lane draws nothing but short arrows, so it gets a narrower column than the others.
        let weights = lanes.map { $0 == .api ? 3 : 5 }
        let total = weights.reduce(0, +)
        var out: [DiagramLane: Int] = [:]
        var start = 0
        for (lane, w) in zip(lanes, weights) {
            let width = usable * w / total
            out[lane] = r.x + 1 + start + max(0, (width - 1) / 2)
            start += width
        }
        return out
    }

    /// Each lane's heading lines: the longest variants that do not run into a neighbour's on any row (headings
    /// are bottom-aligned, so a one-line name sits beside the second line of a two-line one).
    func headings(columns: [DiagramLane: Int], _ r: Rect) -> [[String]] {
        var pick = Array(repeating: 0, count: lanes.count)
        func lines(_ i: Int) -> [String] { lanes[i].headings[pick[i]] }
        func width(_ s: String) -> Int { CellGrid.columns(s, asciiOnly: glyphs.asciiOnly) }
        /// The columns `line` of lane `i` covers when `rows` header rows are drawn, by row.
        func spans(_ i: Int, rows: Int) -> [Int: ClosedRange<Int>] {
            guard let x = columns[lanes[i]] else { return [:] }
            let ls = lines(i)
            var out: [Int: ClosedRange<Int>] = [:]
            for (k, line) in ls.enumerated() {
                let w = max(1, width(line))
                let start = max(r.x, min(x - w / 2, r.maxX - w))
                out[rows - ls.count + k] = start...(start + w - 1)
            }
            return out
        }
        // Each round shortens one heading that runs into its neighbour; there are only a few variants to try.
        for _ in 0..<16 {
            let rows = (0..<lanes.count).map { lines($0).count }.max() ?? 1
            var clash: (Int, Int, Int)?
            search: for i in 0..<max(0, lanes.count - 1) {
                let a = spans(i, rows: rows), b = spans(i + 1, rows: rows)
                for (row, ra) in a {
                    // Two spaces at least, so neighbouring names never read as one.
                    if let rb = b[row], rb.lowerBound - ra.upperBound - 1 < 2 {
                        clash = (i, i + 1, row)
                        break search
                    }
                }
            }
            guard let (i, j, row) = clash else { break }
            let wi = width(lines(i)[max(0, min(lines(i).count - 1, row - (rows - lines(i).count)))])
            let wj = width(lines(j)[max(0, min(lines(j).count - 1, row - (rows - lines(j).count)))])
            let canI = pick[i] + 1 < lanes[i].headings.count, canJ = pick[j] + 1 < lanes[j].headings.count
            if canI, wi >= wj || !canJ {
                pick[i] += 1
            } else if canJ {
                pick[j] += 1
            } else {
                break
            }
        }
        return (0..<lanes.count).map(lines)
    }

    /// Draws the diagram into `r` and returns the arrow (`seq`) on each drawn row, for the mouse, and how many
    /// arrows fit.
    @discardableResult
    func draw(into grid: inout CellGrid, _ r: Rect) -> (rowSeqs: [Int: Int], arrowRows: Int) {
        var rows: [Int: Int] = [:]
        guard r.width > 4, r.height > 2 else { return (rows, 0) }
        let columns = laneColumns(r)
        let headings = headings(columns: columns, r)
        let headerRows = headings.map(\.count).max() ?? 1
        for (lane, lines) in zip(lanes, headings) {
            guard let x = columns[lane] else { continue }
            for (k, line) in lines.enumerated() {
                let w = max(1, CellGrid.columns(line, asciiOnly: glyphs.asciiOnly))
                let start = max(r.x, min(x - w / 2, r.maxX - w))
                grid.write(line, x: start, y: r.y + k + headerRows - lines.count, role: .title, limit: r.maxX)
            }
        }
        let top = r.y + headerRows
        let note = footnote()
        let bottom = r.y + r.height - (note == nil ? 0 : 1)
        for lane in lanes {
            guard let x = columns[lane] else { continue }
            for y in top..<max(top, bottom) { grid.write(glyphs.vertical, x: x, y: y, role: .border) }
        }
        let capacity = max(0, (bottom - top) / 2)
        var reader = SequenceDiagram(state)
        let (arrows, selected) = reader.window(selection: ui.diagramSelection, rows: capacity)
        if arrows.isEmpty, top + 1 < bottom {
            let text = state.started == nil ? "Waiting for the flow to start…" : "No hop yet: arrows appear as the flow runs."
            grid.write(text, x: r.x + 2, y: top + 1, role: .muted, limit: r.maxX)
        }
        for (k, arrow) in arrows.enumerated() {
            let y = top + k * 2
            drawArrow(&grid, arrow, labelRow: y, columns: columns, r, selected: k == selected)
            rows[y] = arrow.seq
            rows[y + 1] = arrow.seq
        }
        if let (text, role) = note {
            grid.write(Text.truncate(text, to: r.width - 1, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: r.x + 1, y: r.y + r.height - 1, role: role, limit: r.maxX)
        }
        return (rows, capacity)
    }

    /// The last row: how the flow stands when it waits or has ended.
    func footnote() -> (String, ThemeRole)? {
        if let w = state.waiting { return ("\(glyphs.paused) waiting: " + w.prompt, .stepInProgress) }
        switch state.outcome {
        case .running: return nil
        case .completed(let ms): return ("\(glyphs.done) completed in " + Format.duration(Double(ms) / 1000), .stepDone)
        case .failed(let f): return ("\(glyphs.failed) failed: " + (f.error ?? f.reason), .stepFailed)
        }
    }

    func drawArrow(_ grid: inout CellGrid, _ a: DiagramArrow, labelRow y: Int, columns: [DiagramLane: Int], _ r: Rect, selected: Bool) {
        guard let x1 = columns[a.from] ?? columns[.server], let x2 = columns[a.to] ?? columns[.server] else { return }
        // The label: what the hop is and how it went, then its request line, from the arrow's left end.
        let left = min(x1, x2)
        let labelX = left + 1
        var x = grid.write(a.name, x: labelX, y: y, role: selected ? .selection : .text, limit: r.maxX)
        x = grid.write(" ", x: x, y: y, role: selected ? .selection : .text, limit: r.maxX)
        x = grid.write(Text.truncate(a.status, to: max(0, r.maxX - x), ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: y, role: a.statusRole, limit: r.maxX)
        if r.maxX - x > 3 {
            let summary = " " + glyphs.separator + " " + a.summary
            grid.write(Text.truncate(summary, to: r.maxX - x, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: y, role: .muted, limit: r.maxX)
        }
        // The arrow: its shaft between the lanes, its head at the receiving lane.
        let ay = y + 1
        let role: ThemeRole = selected ? .borderFocus : a.statusRole == .stepFailed || a.statusRole == .findingError ? .stepFailed : .border
        let rightwards = x2 > x1
        let (from, to) = rightwards ? (x1 + 1, x2 - 1) : (x2 + 1, x1 - 1)
        guard from <= to else { return }
        for cx in from...to {
            let head = rightwards ? cx == to : cx == from
            let text: String
            if head {
                text = rightwards ? (glyphs.asciiOnly ? ">" : "▶") : (glyphs.asciiOnly ? "<" : "◀")
            } else if a.frontChannel {
                // Through the browser: dashed.
                text = glyphs.asciiOnly ? ((cx - from) % 2 == 0 ? "-" : " ") : "╌"
            } else {
                text = glyphs.horizontal
            }
            grid.write(text, x: cx, y: ay, role: role, limit: r.maxX)
        }
        if selected {
            grid.write(glyphs.selected, x: r.x, y: y, role: .selection)
            grid.write(glyphs.selected, x: r.x, y: ay, role: .selection)
        }
    }
}

extension UIState {
    /// Moves the diagram's selection: up and down by one hop, a page, to the first hop, or back to following
    /// the newest.
    mutating func moveInDiagram(_ command: UICommand, state: FlowState) {
        var reader = SequenceDiagram(state)
        let current = reader.selectedIndex(diagramSelection)
        guard let current else { return }
        let page = max(1, metrics.diagramRows - 1)
        var target: Int? = current
        switch command {
        case .moveUp, .pageUp:
            for _ in 0..<(command == .moveUp ? 1 : page) {
                guard let t = target, let p = reader.previousArrow(before: t) else { break }
                target = p
            }
        case .moveDown, .pageDown:
            for _ in 0..<(command == .moveDown ? 1 : page) {
                guard let t = target, let n = reader.nextArrow(after: t) else { break }
                target = n
            }
        case .top:
            target = reader.nextArrow(after: -1)
        default:
            target = nil
        }
        let newest = reader.previousArrow(before: state.log.count)
        // Reaching the newest hop follows new ones again, as the event log does.
        let seq = target.flatMap { $0 == newest ? nil : state.log[$0].seq }
        if seq != diagramSelection { detailScroll = 0 }
        diagramSelection = seq
    }

    /// Shows or hides the diagram in the flow pane. (No notice: the pane's title and the key line say it, and at
    /// 80 columns a notice would push the way back out of the key line.)
    mutating func toggleDiagram() {
        showingDiagram.toggle()
        diagramSelection = nil
        detailScroll = 0
    }
}
