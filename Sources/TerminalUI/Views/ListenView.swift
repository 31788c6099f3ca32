import FlowEngine
import Foundation
import OAuthCore

/// The callbacks on screen: all the kept ones, or those that pass the filter (by `seq`, from the filter cache).
/// Looking a row up costs O(log n) in the kept window; nothing here walks the list.
struct CallbackListing {
    var callbacks: BoundedLog<CallbackRecord>
    /// The seqs that pass the filter; nil when there is no filter.
    var matches: ArraySlice<Int>?

    var count: Int { matches?.count ?? callbacks.count }

    func record(at position: Int) -> CallbackRecord? {
        guard position >= 0, position < count else { return nil }
        guard let m = matches else { return callbacks[position] }
        let seq = m[m.startIndex + position]
        guard let i = callbacks.index(atOrAfterSeq: seq), callbacks[i].seq == seq else { return nil }
        return callbacks[i]
    }

    /// The position of the first callback whose seq is at least `seq`, clamped to the list; nil when empty.
    func position(atOrAfter seq: Int) -> Int? {
        guard count > 0 else { return nil }
        guard let m = matches else { return callbacks.index(atOrAfterSeq: seq) }
        var lo = m.startIndex, hi = m.endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if m[mid] < seq { lo = mid + 1 } else { hi = mid }
        }
        return min(lo - m.startIndex, count - 1)
    }
}

extension CallbackVerdict {
    /// The role a verdict is coloured in: green when a code arrived, yellow for noise, red for what went wrong.
    var role: ThemeRole {
        switch self {
        case .accepted: return .stepDone
        case .stray, .duplicate: return .findingWarn
        case .stateMismatch, .errorResponse, .malformed: return .findingError
        }
    }

    func glyph(_ g: Glyphs) -> String {
        switch self {
        case .accepted: return g.ok
        case .stray, .duplicate: return g.warn
        case .stateMismatch, .errorResponse, .malformed: return g.fail
        }
    }

    /// A short label for narrow count lines.
    var shortLabel: String {
        switch self {
        case .stateMismatch: return "mismatch"
        case .errorResponse: return "error"
        default: return rawValue
        }
    }

    /// What the verdict means, in a few sentences, with the sections that say so.
    var explanation: String {
        switch self {
        case .accepted:
            return "A well-formed authorization response carrying a code (RFC 6749 §4.1.2). Unless run with --exchange, oauthscope listen does not exchange it: the application behind the redirect URI does that, once, with its code_verifier."
        case .stateMismatch:
            return "The state parameter is missing or is not the one expected. state ties the response to the browser session that started the flow; a response with the wrong state may be forged (cross-site request forgery, RFC 6749 §10.12, RFC 9700 §4.7) and must be refused."
        case .errorResponse:
            return "The authorization server answered with an error instead of a code (RFC 6749 §4.1.2.1): error names what went wrong and error_description, when present, says it in words."
        case .stray:
            return "Not a redirect to the callback: another path (a favicon, a probe) or a method redirects never use. It is answered 404 or 405 and never forwarded."
        case .duplicate:
            return "The state or the code of this callback already arrived. A code is single use (RFC 6749 §4.1.2, §10.5): a second delivery is shown, never exchanged again. Browsers replaying a redirect, or an attacker, cause these."
        case .malformed:
            return "The parameters break the rules of an authorization response: a parameter given twice (RFC 6749 §3.1), or neither code nor error (§4.1.2)."
        }
    }
}

/// Drawing `oauthscope listen`: the counts per verdict, the callback list (newest at the bottom, following), a
/// callback's detail, and the raw event log when there is room.
struct ListenView {
    var state: FlowState
    var listeners: [ListenerStarted]
    var ui: UIState
    var glyphs: Glyphs
    var active: Bool

    var zone: TimeZone { ui.timeZone }
    /// The listen session's own model (an empty one for a state that is not a listen session, e.g. in a test).
    var session: ListenSession { state.listen ?? ListenSession() }
    var reveal: Bool { ui.isRevealed(.codeReceived) }

    // MARK: - Layout

    struct Layout {
        var counts: Rect
        /// One line per redirect URI watched: its forward target, expected state and counts.
        var routes: Rect?
        var notice: Rect?
        var list: Rect
        var detail: Rect?
        var log: Rect?
    }

    func layout(_ body: Rect, screenHeight: Int) -> Layout {
        var y = body.y
        let counts = Rect(x: body.x, y: y, width: body.width, height: 1)
        y += 1
        var routes: Rect?
        let routeLines = min(session.routes.count, screenHeight >= 30 ? 4 : 2)
        if routeLines > 0 {
            routes = Rect(x: body.x, y: y, width: body.width, height: routeLines)
            y += routeLines
        }
        var notice: Rect?
        if state.findings.last != nil {
            notice = Rect(x: body.x, y: y, width: body.width, height: 1)
            y += 1
        }
        var rest = body.y + body.height - y
        var log: Rect?
        if screenHeight >= 30 {
            let h = screenHeight >= 40 ? 7 : 6
            log = Rect(x: body.x, y: body.y + body.height - h, width: body.width, height: h)
            rest -= h
        }
        let detailShown = ui.callbackDetailOpen || ui.inspectedSeq != nil
        if detailShown {
            let listHeight = max(5, min(rest / 3, 12))
            let list = Rect(x: body.x, y: y, width: body.width, height: listHeight)
            let detail = Rect(x: body.x, y: y + listHeight, width: body.width, height: rest - listHeight)
            return Layout(counts: counts, routes: routes, notice: notice, list: list, detail: detail, log: log)
        }
        return Layout(counts: counts, routes: routes, notice: notice, list: Rect(x: body.x, y: y, width: body.width, height: rest), detail: nil, log: log)
    }

    // MARK: - Counts per verdict

    /// One line of exact counts per verdict (from `callbackCounts`, so callbacks that left the window count too).
    func drawCounts(_ grid: inout CellGrid, _ r: Rect) {
        let counts = state.callbackCounts
        let total = state.callbacks.totalAppended
        let lead = " \(Format.count(total)) callback\(total == 1 ? "" : "s"):"
        // The roomiest wording that fits: with the total, then without it, then short labels, then tighter, then
        // without the verdicts nobody has seen.
        let ladder: [(lead: Bool, short: Bool, tight: Bool, skipZero: Bool)] = [
            (true, false, false, false), (false, false, false, false), (false, true, false, false), (false, true, true, false), (false, true, true, true),
        ]
        var chosen: [(String, CallbackVerdict)] = []
        var withLead = false
        var gap = "  "
        for option in ladder {
            chosen = CallbackVerdict.allCases.compactMap { v in
                let n = counts[v] ?? 0
                if option.skipZero, n == 0 { return nil }
                return ("\(v.glyph(glyphs))\(option.tight ? "" : " ")\(Format.count(n)) \(option.short ? v.shortLabel : v.rawValue)", v)
            }
            withLead = option.lead
            gap = option.tight ? " " : "  "
            let w = (withLead ? CellGrid.columns(lead, asciiOnly: glyphs.asciiOnly) : 0) + chosen.reduce(0) { $0 + CellGrid.columns($1.0, asciiOnly: glyphs.asciiOnly) + gap.count }
            if w <= r.width { break }
        }
        var x = withLead ? grid.write(lead, x: r.x, y: r.y, role: .title, limit: r.maxX) : r.x
        for (i, (text, v)) in chosen.enumerated() {
            x = grid.write(i == 0 && !withLead ? " " : gap, x: x, y: r.y, role: .text, limit: r.maxX)
            x = grid.write(text, x: x, y: r.y, role: (counts[v] ?? 0) == 0 ? .muted : v.role, limit: r.maxX)
        }
    }

    /// The redirect URIs watched, one per line: `#n URI`, its expected state, where it forwards, and its counts.
    func drawRoutes(_ grid: inout CellGrid, _ r: Rect) {
        let all = session.routes
        let ascii = glyphs.asciiOnly
        for (i, route) in all.prefix(r.height).enumerated() {
            let y = r.y + i
            if i == r.height - 1, all.count > r.height {
                grid.write(" \(glyphs.ellipsis) \(all.count - i) more redirect URIs", x: r.x, y: y, role: .muted, limit: r.maxX)
                break
            }
            var x = grid.write(" #\(i + 1) ", x: r.x, y: y, role: .muted, limit: r.maxX)
            x = grid.write(route.redirectURI, x: x, y: y, role: .title, limit: r.maxX)
            let state = route.expectState.map { "state \($0)" } ?? "state not checked"
            x = grid.write("  \(state)", x: x, y: y, role: route.expectState == nil ? .muted : .text, limit: r.maxX)
            if let f = route.forward {
                x = grid.write("  \(glyphs.asciiOnly ? "->" : "→") \(f)", x: x, y: y, role: .text, limit: r.maxX)
            }
            var tally = "  \(Format.count(route.total))"
            for v in CallbackVerdict.allCases { if let n = route.counts[v], n > 0 { tally += " \(v.glyph(glyphs))\(Format.count(n))" } }
            grid.write(Text.truncate(tally, to: max(0, r.maxX - x - 1), ellipsis: glyphs.ellipsis, asciiOnly: ascii), x: x, y: y, role: .muted, limit: r.maxX)
        }
    }

    func drawNotice(_ grid: inout CellGrid, _ r: Rect) {
        guard let f = state.findings.last else { return }
        let kind: SubStep.Kind = f.severity == .error ? .fail : f.severity == .warn ? .warn : .info
        let x = grid.write(" " + glyphs.substep(kind) + " ", x: r.x, y: r.y, role: kind.role, limit: r.maxX)
        let text = f.message + (f.ref.map { " (\($0))" } ?? "")
        grid.write(Text.truncate(text, to: r.maxX - x - 1, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: r.y, role: kind == .fail ? .findingError : .text, limit: r.maxX)
    }

    // MARK: - The list

    /// The list box's title: how many arrived and are kept, the filter's "N of M", and whether it follows.
    func listTitle(_ listing: CallbackListing, selected: Int?) -> String {
        let cbs = state.callbacks
        let sep = " \(glyphs.separator) "
        var t = "Callbacks (\(Format.count(cbs.totalAppended)))"
        if cbs.dropped > 0 { t += sep + "newest \(Format.count(cbs.count)) kept" }
        if let f = ui.activeCallbackFilter {
            t += sep + "/\(f.query): \(Format.count(listing.count)) of \(Format.count(cbs.count))"
        }
        if ui.callbackSelection == nil {
            t += sep + "following"
        } else {
            let newer = max(0, listing.count - 1 - (selected ?? listing.count - 1))
            t += sep + (newer > 0 ? "\(Format.count(newer)) newer below, not following" : "not following") + sep + "G follows"
        }
        return t
    }

    struct Columns {
        var millis: Bool
        var remote: Int
        var path: Int
        static let method = 4
        static let verdict = 16

        init(width: Int) {
            if width >= 110 {
                millis = true; remote = 21; path = 24
            } else if width >= 90 {
                millis = true; remote = 15; path = 16
            } else {
                millis = false; remote = 15; path = 12
            }
        }

        var time: Int { millis ? 12 : 8 }
    }

    /// Draws the visible rows only; returns the seq drawn on each screen row and how many records were read.
    func drawList(_ grid: inout CellGrid, _ inner: Rect, listing: CallbackListing, selected: Int?) -> (rows: [Int: Int], visited: Int) {
        var rows: [Int: Int] = [:]
        guard inner.height > 0 else { return (rows, 0) }
        let cols = Columns(width: inner.width)
        var y = inner.y
        // Column heads.
        var x = inner.x
        let heads: [(String, Int)] = [("time", cols.time), ("from", cols.remote), ("", Columns.method), ("path", cols.path), ("verdict", Columns.verdict), ("parameters", 0)]
        x = grid.write(" ", x: x, y: y, role: .muted, limit: inner.maxX)
        for (h, w) in heads {
            x = grid.write(w > 0 ? Text.pad(h, to: w) + " " : h, x: x, y: y, role: .muted, limit: inner.maxX)
        }
        y += 1
        let room = inner.height - 1
        guard listing.count > 0 else {
            if room > 0 {
                let what = ui.activeCallbackFilter == nil
                    ? (listeners.isEmpty ? "Waiting for the listener to start…" : "Waiting for callbacks. Point a redirect at \(listeners.map(\.redirectURI).joined(separator: ", ")) or curl it.")
                    : (state.callbacks.isEmpty ? "No callbacks yet." : "No kept callback matches the filter; Esc clears it.")
                grid.write(what, x: inner.x + 1, y: y, role: .muted, limit: inner.maxX)
            }
            return (rows, 0)
        }
        guard room > 0 else { return (rows, 0) }
        let last = listing.count - 1
        let sel = selected ?? last
        let end = min(listing.count, max(sel + 1, min(listing.count, room)))
        let start = max(0, end - room)
        var visited = 0
        let highlight = ui.callbackSelection != nil
        for p in start..<end {
            guard let record = listing.record(at: p) else { continue }
            visited += 1
            drawRow(&grid, record, x: inner.x, y: y, limit: inner.maxX, cols: cols)
            if highlight, p == sel { grid.restyle(x: inner.x, y: y, width: inner.width, role: .selection) }
            rows[y] = record.seq
            y += 1
        }
        return (rows, visited)
    }

    func drawRow(_ grid: inout CellGrid, _ record: CallbackRecord, x x0: Int, y: Int, limit: Int, cols: Columns) {
        let c = record.callback
        let ascii = glyphs.asciiOnly
        func cell(_ s: String, _ w: Int) -> String { Text.pad(Text.truncate(s, to: w, ellipsis: glyphs.ellipsis, asciiOnly: ascii), to: w, asciiOnly: ascii) + " " }
        var x = grid.write(" " + cell(Format.clock(record.time, zone: zone, millis: cols.millis), cols.time), x: x0, y: y, role: .muted, limit: limit)
        x = grid.write(cell(c.remote, cols.remote), x: x, y: y, role: .text, limit: limit)
        x = grid.write(cell(c.method, Columns.method), x: x, y: y, role: .httpMethod, limit: limit)
        var path = c.path
        if session.routes.count > 1, let i = session.routeIndex(of: c) { path = "#\(i + 1) " + path }
        if let m = c.responseMode, m != .query { path += m == .formPost ? " (post)" : " (#frag)" }
        x = grid.write(cell(path, cols.path), x: x, y: y, role: .text, limit: limit)
        x = grid.write(cell(c.verdict.glyph(glyphs) + " " + c.verdict.rawValue, Columns.verdict), x: x, y: y, role: c.verdict.role, limit: limit)
        var params = Self.keyParameters(c, reveal: reveal)
        if let id = c.exchange {
            let summary = session.exchanges[id]?.summary ?? "\(id) queued"
            params = summary + (params.isEmpty ? "" : " \(glyphs.separator) " + params)
        }
        if params.isEmpty {
            grid.write("(no parameters)", x: x, y: y, role: .muted, limit: limit)
        } else {
            grid.write(Text.truncate(params, to: limit - x - 1, ellipsis: glyphs.ellipsis, asciiOnly: ascii), x: x, y: y, role: .text, limit: limit)
        }
    }

    /// The parameters worth a glance, in this order: code (redacted unless revealed), state, error, then how many
    /// others there are. Only `code`, `state` and `error` are named; the detail view shows every one.
    static func keyParameters(_ c: CallbackReceived, reveal: Bool) -> String {
        let members = c.query.objectValue ?? []
        var parts: [String] = []
        for name in ["code", "state", "error"] {
            guard let v = members.first(where: { $0.0 == name })?.1 else { continue }
            parts.append("\(name)=\(shown(Format.inline(v), name: name, reveal: reveal))")
        }
        let others = members.filter { !["code", "state", "error"].contains($0.0) }
        if parts.isEmpty, let first = others.first {
            parts.append("\(first.0)=\(shown(Format.inline(first.1), name: first.0, reveal: reveal))")
            if others.count > 1 { parts.append("+\(others.count - 1) more") }
        } else if !others.isEmpty {
            parts.append("+\(others.count) more")
        }
        return parts.joined(separator: " ")
    }

    /// A parameter's value as the screen may show it: a sensitive one redacted unless revealed. The listener
    /// has already redacted it unless it runs with --reveal; then `r` can still hide it here.
    static func shown(_ value: String, name: String, reveal: Bool) -> String {
        guard Redactor.isSensitive(name: name), !reveal, !isRedacted(value) else { return value }
        return Secret.redact(value)
    }

    static func isRedacted(_ value: String) -> Bool { value.hasSuffix(")") && value.contains("…(") }

    // MARK: - One callback

    func detailTitle(_ record: CallbackRecord?) -> String {
        guard let r = record else { return "Callback" }
        return "Callback #\(r.seq) \(glyphs.separator) \(r.callback.verdict.rawValue)"
    }

    /// Everything about one callback: verdict and why, what the listener answered, whether it was forwarded, every
    /// parameter decoded and explained, and the headers.
    func detailDocument(_ record: CallbackRecord?, wanted seq: Int?) -> Document {
        var doc = Document()
        guard let record else {
            let kept = state.callbacks.count
            doc.line(Span("Callback #\(seq ?? 0) is no longer kept: the screen holds the newest \(Format.count(kept)) callbacks. The counts above include it.", .muted))
            return doc
        }
        let c = record.callback
        var verdict = [Span(c.verdict.glyph(glyphs) + " " + c.verdict.rawValue, c.verdict.role)]
        if let d = c.detail { verdict.append(Span(" \(glyphs.separator) " + d)) }
        doc.line(verdict, indent: 2)
        doc.line([Span(c.method, .httpMethod), Span(" "), Span(c.path), Span(" from \(c.remote) at \(Format.clock(record.time, zone: zone)) \(glyphs.separator) event #\(record.seq)", .muted)], indent: 2)
        // Recordings made before callback.received carried `forwarded` fall back to the route's --forward URL.
        let forward = session.forwardTarget(of: c)
        let forwarded = c.forwarded != nil || (forward != nil && c.verdict != .stray)
        var answer: [Span] = [Span("answered   ", .jsonKey)]
        if forwarded, let f = forward {
            // The event's `forwarded` is the whole Location; the session's --forward URL needs the query added.
            let target = c.forwarded != nil ? f : "\(f) with the same query"
            answer += [Span("HTTP 307", .httpStatus(307)), Span(" \(glyphs.separator) a redirect to \(target)", .muted)]
        } else if let s = c.status {
            answer += [Span("HTTP \(s)", .httpStatus(s)), Span(" \(glyphs.separator) " + Self.pageWords(c.verdict, status: s), .muted)]
        } else {
            answer.append(Span("(not recorded)", .muted))
        }
        doc.line(answer, indent: 11)
        var fwd: [Span] = [Span("forwarded  ", .jsonKey)]
        if let f = forward {
            fwd.append(forwarded ? Span("yes, to \(f)", .stepDone) : Span("no: stray requests are never forwarded to \(f)", .muted))
        } else {
            fwd.append(Span("no (--forward URL passes each callback on to the application)", .muted))
        }
        doc.line(fwd, indent: 11)
        if let i = session.routeIndex(of: c) {
            let route = session.routes[i]
            doc.line([Span("redirect   ", .jsonKey), Span("#\(i + 1) \(route.redirectURI)"), Span(route.expectState.map { " \(glyphs.separator) expects state \($0)" } ?? " \(glyphs.separator) state not checked", .muted)], indent: 11)
        }
        let modeWords: String
        switch c.responseMode {
        case .query?: modeWords = "query: the parameters came in the URL's query string"
        case .formPost?: modeWords = "form_post: the browser POSTed the parameters as a form (OAuth 2.0 Form Post Response Mode §2)"
        case .fragment?: modeWords = "fragment: the listener's page posted the URL fragment back (the browser never sends it; Multiple Response Type Encoding Practices §2.1)"
        case nil: modeWords = c.method == "POST" ? "a POST body" : "none: no parameters came"
        }
        doc.line([Span("mode       ", .jsonKey), Span(modeWords, .muted)], indent: 11)
        if let id = c.exchange {
            var line = [Span("exchange   ", .jsonKey)]
            if let x = session.exchanges[id] {
                let role: ThemeRole
                switch x.status {
                case .completed: role = x.failedChecks.isEmpty ? .stepDone : .findingWarn
                case .running: role = .stepInProgress
                case .failed, .notExchanged: role = .findingError
                }
                line.append(Span(x.summary, role))
                if case .failed(let reason, _) = x.status { line.append(Span(" \(glyphs.separator) " + reason, .muted)) }
                if case .notExchanged(let why) = x.status { line.append(Span(" \(glyphs.separator) " + why, .muted)) }
            } else {
                line.append(Span("\(id): waiting to be exchanged", .muted))
            }
            doc.line(line, indent: 11)
        }
        doc.heading("What this verdict means")
        doc.text(c.verdict.explanation, .text)

        let members = c.query.objectValue ?? []
        let post = c.method == "POST"
        doc.heading(post ? "Parameters (\(members.count), query and form_post body)" : "Parameters (\(members.count), query string)")
        if post {
            doc.line(Span("response_mode=form_post: the browser POSTs the response as a form (OAuth 2.0 Form Post Response Mode §2).", .muted))
        }
        if members.isEmpty {
            doc.line(Span("No parameters.", .muted))
        } else {
            doc.table(ParamTable(rows: members.map { name, v in
                let g = Glossary.parameter(name, in: .callback)
                let text = Self.shown(Format.inline(v), name: name, reveal: reveal)
                let role: ThemeRole = Redactor.isSensitive(name: name) ? .secret : .jsonString
                return ParamTable.Row(name: name, value: [Span(text, role)], purpose: g?.purpose ?? "Not defined by OAuth for a callback; the application may use it.", ref: g?.ref ?? "")
            }))
            if members.contains(where: { Redactor.isSensitive(name: $0.0) }) {
                doc.line([Span("Secrets ", .muted), Span(reveal ? "shown in clear" : "hidden", .secret), Span(" \(glyphs.separator) r \(reveal ? "hides" : "reveals") them where the listener kept them (--reveal)", .muted)], indent: 2)
            }
        }
        doc.heading("Raw request (secrets as shown above)")
        let query = (c.query.objectValue ?? []).flatMap { name, v -> [String] in
            let values = v.arrayValue?.map(Format.inline) ?? [Format.inline(v)]
            return values.map { "\(name)=\(Self.shown($0, name: name, reveal: reveal))" }
        }.joined(separator: "&")
        // Recordings before `response_mode` existed: a POST carried its parameters in a form_post body.
        let inBody = c.responseMode == .formPost || c.responseMode == .fragment || (c.responseMode == nil && c.method == "POST")
        doc.line([Span(c.method, .httpMethod), Span(" " + c.path + (inBody || query.isEmpty ? "" : "?" + query) + " HTTP/1.1")], indent: 4)
        if let headers = c.headers?.objectValue, !headers.isEmpty {
            for (name, v) in headers { doc.line([Span(name + ": ", .jsonKey), Span(Format.inline(v))], indent: 4) }
        } else {
            doc.line(Span("(headers not recorded)", .muted))
        }
        if inBody, !query.isEmpty {
            doc.line([Span("")], indent: 4)
            doc.line([Span(query), Span(c.responseMode == .fragment ? "   (the URL fragment, as the page posted it)" : "", .muted)], indent: 4)
        }
        return doc
    }

    /// What the listener's answer page said, in words.
    static func pageWords(_ v: CallbackVerdict, status: Int) -> String {
        switch v {
        case .accepted: return "a page saying the code arrived"
        case .stray: return status == 405 ? "method not allowed" : "not found: not the callback path"
        case .errorResponse: return "a page showing the provider's error"
        case .stateMismatch, .duplicate, .malformed: return "a page saying the callback was refused"
        }
    }
}

extension ScreenRenderer {
    /// The listen view in `body`. Metrics are filled only for the side that has the keys.
    func drawListenBody(_ grid: inout CellGrid, _ body: Rect, state: FlowState, listeners: [ListenerStarted], ui: UIState, active: Bool, screenHeight: Int, metrics: inout PaneMetrics) {
        let view = ListenView(state: state, listeners: listeners, ui: ui, glyphs: glyphs, active: active)
        let layout = view.layout(body, screenHeight: screenHeight)
        view.drawCounts(&grid, layout.counts)
        if let r = layout.routes { view.drawRoutes(&grid, r) }
        if let n = layout.notice { view.drawNotice(&grid, n) }
        let focusOn = active && !ui.showingHelp
        let listing = ui.callbackListing(in: state)
        let selected = ui.callbackSelection.flatMap { listing.position(atOrAfter: $0) }
        drawBox(&grid, layout.list, title: view.listTitle(listing, selected: selected), focused: focusOn && ui.focus == .timeline)
        let (rows, visited) = view.drawList(&grid, layout.list.inner, listing: listing, selected: selected)
        if active {
            metrics.listRowSeqs = rows
            metrics.listRowsVisited = visited
            metrics.listRows = max(1, layout.list.inner.height - 1)
            metrics.timelineRect = layout.list
            metrics.timelineRowSteps = [:]
            metrics.detailRect = layout.detail ?? .zero
            metrics.logRect = layout.log ?? .zero
        }
        if let d = layout.detail {
            let doc: Document
            var title: String
            if let e = ui.inspectedEvent(in: state) {
                doc = DetailView(state: state, ui: ui, glyphs: glyphs, now: clockNow).eventDocument(e)
                title = "Event #\(e.seq) \(glyphs.separator) \(e.type)"
            } else {
                let seq = ui.callbackSelection ?? state.callbacks.last?.seq
                let record = seq.flatMap { s in state.callbacks.index(atOrAfterSeq: s).map { state.callbacks[$0] } }.flatMap { $0.seq == seq ? $0 : nil }
                doc = view.detailDocument(record, wanted: seq)
                title = view.detailTitle(record)
            }
            let width = max(1, d.inner.width - 1)
            let lines = doc.layout(width: width, asciiOnly: glyphs.asciiOnly)
            let rowsShown = d.inner.height
            let scroll = min(ui.detailScroll, max(0, lines.count - rowsShown))
            if lines.count > rowsShown { title += " \(glyphs.separator) \(scroll + 1)-\(min(lines.count, scroll + rowsShown))/\(lines.count)" }
            drawBox(&grid, d, title: title, focused: focusOn && ui.focus == .detail)
            for (i, line) in lines.dropFirst(scroll).prefix(rowsShown).enumerated() {
                grid.draw(line, x: d.inner.x + 1, y: d.inner.y + i, limit: d.inner.maxX)
            }
            drawScrollMarks(&grid, d, scroll: scroll, total: lines.count, rows: rowsShown)
            if active {
                metrics.detailRows = rowsShown
                metrics.detailLines = lines.count
                metrics.detailWidth = width
            }
        } else if active {
            metrics.detailRows = 0
            metrics.detailLines = 0
        }
        if let l = layout.log {
            let log = EventLogView(state: state, ui: ui, glyphs: glyphs)
            drawBox(&grid, l, title: log.title, focused: focusOn && ui.focus == .log)
            let seqs = log.draw(into: &grid, l.inner)
            if active {
                metrics.logRowSeqs = seqs
                metrics.logRows = l.inner.height
            }
        } else if active {
            metrics.logRows = 0
            metrics.logRowSeqs = [:]
        }
        if active { metrics.asciiOnly = glyphs.asciiOnly }
    }
}
