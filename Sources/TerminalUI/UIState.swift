import FlowEngine
import Foundation
import OAuthCore

/// What the last frame learned about the panes' sizes, so that paging and clamping need no terminal.
public struct PaneMetrics: Sendable, Hashable {
    public var timelineRows = 10
    public var detailRows = 10
    /// Lines in the detail pane's content at its current width.
    public var detailLines = 0
    public var logRows = 5
    public var helpRows = 10
    public var helpLines = 0
    /// The detail pane's text width and whether the grid is ASCII-only, so a search can lay the detail out as
    /// it was drawn.
    public var detailWidth = 60
    public var asciiOnly = false
    /// Where each pane was drawn, and which step or event each row showed, for the mouse.
    var timelineRect = Rect.zero
    var detailRect = Rect.zero
    var logRect = Rect.zero
    var timelineRowSteps: [Int: FlowStep] = [:]
    var logRowSeqs: [Int: Int] = [:]
    /// Listen mode: the callback `seq` on each list row, the rows the list shows, and how many callbacks the
    /// last frame read to draw it (bounded by the rows, never by the history: what the flood tests assert).
    var listRowSeqs: [Int: Int] = [:]
    public var listRows = 10
    public internal(set) var listRowsVisited = 0
    /// The sequence diagram: how many arrows it had room for, and the arrow (`seq`) on each of its rows.
    public var diagramRows = 5
    var diagramRowSeqs: [Int: Int] = [:]

    public init() {}
}

/// A committed `/` search: what is sought, in which pane, and which match was last shown.
public struct SearchState: Sendable, Hashable {
    /// The text sought, matched in any case.
    public var query: String
    /// `.detail` or `.log`.
    public var pane: UIState.Pane
    /// The detail line (index in the laid-out document) or the event `seq` of the current match.
    public var current: Int?

    public init(query: String, pane: UIState.Pane, current: Int? = nil) {
        self.query = query
        self.pane = pane
        self.current = current
    }
}

/// Something a key asks the outside world to do.
public enum UIEffect: Sendable, Hashable {
    /// Send a command to the flow controller.
    case send(FlowCommand)
    /// Leave the UI.
    case quit(TerminalExit)
    /// Put text on the terminal's clipboard (`OSC52.sequence`).
    case copy(String)
    /// Export the session's events to a file in this format (`x`, then `h`, `c` or `m`).
    case export(ExportFormat)
}

/// Everything about the screen that is not the flow: focus, selection, scroll positions, what is revealed.
/// Keys change it through `handle`, a pure function, so key handling is tested without a terminal.
public struct UIState: Sendable, Hashable {
    public enum Pane: String, Sendable, Hashable, CaseIterable {
        case timeline, detail, log

        var context: KeyContext {
            switch self {
            case .timeline: return .timeline
            case .detail: return .detail
            case .log: return .log
            }
        }
    }

    public var focus: Pane = .timeline
    /// The step the user picked; used once `followsCurrentStep` is off.
    public var selectedStep: FlowStep = .urlBuilt
    /// While true the detail pane shows whichever step is happening now.
    public var followsCurrentStep = true
    public var detailScroll = 0
    /// The `seq` of the selected log event; nil follows the newest.
    public var logSelection: Int?
    /// The `seq` of the event shown in the detail pane instead of a step (opened from the log).
    public var inspectedSeq: Int?
    public var showingHelp = false
    public var helpScroll = 0
    /// `--reveal`: secrets in clear unless a step was hidden with `r`.
    public var revealByDefault = false
    public var revealOverrides: [FlowStep: Bool] = [:]
    /// A one-line notice for the status line, cleared by the next key.
    public var notice: String?
    /// The zone times are shown in.
    public var timeZone: TimeZone = .current
    public var metrics = PaneMetrics()
    /// The title bar's first words (`TerminalUIOptions.title`).
    public var title = "oauthscope"
    /// The key table keys are looked up in.
    public var keymap = Keymap.standard
    /// The query being typed after `/`; nil when not typing one.
    public var searchInput: String?
    /// Where the query being typed will search.
    public var searchTarget: Pane = .detail
    /// Problems with the theme or the key bindings, listed in the help overlay.
    public var configProblems: [String] = []
    /// The last search committed with Enter; `n` and `N` move between its matches.
    public var search: SearchState?
    /// With several flows: the position of the flow on display (and with the keys) in `SessionState.displayed`.
    public var selectedFlow = 0
    /// Listen mode: the filter committed with Enter after `/`; nil shows every callback.
    public var callbackFilter: String?
    /// Listen mode: the filter being typed after `/` (the list narrows as it is typed); nil when not typing.
    public var filterInput: String?
    /// Listen mode: the callbacks that pass the filter, brought up to date before each frame (`observe`).
    public var filterCache: CallbackFilterCache?
    /// Listen mode: the `seq` of the selected callback; nil follows the newest.
    public var callbackSelection: Int?
    /// Listen mode: whether the selected callback's detail is open under the list.
    public var callbackDetailOpen = false
    /// `oauthscope replay`: where the replay stands, as its keys left it; nil in a live session.
    public var replay: ReplayStatus?
    /// After `x`: the next key picks the export format.
    public var choosingExport = false
    /// The edit being typed after `e` at a step-mode pause (`set NAME=VALUE`, ...); nil when not typing one.
    public var editInput: String?
    /// Which of the pending request's names Tab offered last.
    public var editCandidate = -1
    /// The call being typed after `A` (`[METHOD] URL`, or a preset call's name); nil when not typing one.
    public var callInput: String?
    /// Which of the offered calls Tab showed last.
    public var callCandidate = -1
    /// `d`: the flow pane shows the sequence diagram instead of the steps.
    public var showingDiagram = false
    /// The `seq` of the hop selected in the diagram; nil follows the newest.
    public var diagramSelection: Int?
    /// `oauthscope doctor`: the probe row picked with the move keys; nil follows the running probe (then the
    /// first that failed).
    public var doctorSelection: Int?
    /// Ring the bell when a callback arrives (`--bell`, toggled with `b`).
    public var bellOn = false
    /// How many bell-worthy callbacks the session had when the bell was last considered (`bellDue`).
    public var callbacksHeard = 0

    public init(revealByDefault: Bool = false, timeZone: TimeZone = .current) {
        self.revealByDefault = revealByDefault
        self.timeZone = timeZone
    }

    /// The step the detail pane is about.
    public func displayedStep(in state: FlowState) -> FlowStep {
        followsCurrentStep ? state.currentStep : selectedStep
    }

    /// Whether `step`'s secrets are shown in clear.
    public func isRevealed(_ step: FlowStep) -> Bool { revealOverrides[step] ?? revealByDefault }

    /// The step the detail pane showed in the last frame.
    public var shownStep: FlowStep?

    /// Called with each new state before drawing: when following moved the detail pane to another step, that
    /// step is read from its top.
    public mutating func observe(_ state: FlowState) {
        let now = displayedStep(in: state)
        if let before = shownStep, before != now, inspectedSeq == nil { detailScroll = 0 }
        shownStep = now
    }

    /// The key context that applies now.
    public var context: KeyContext { showingHelp ? .help : focus.context }

    /// Applies one key: changes this state and returns what the outside world must do.
    public mutating func handle(_ key: Key, state: FlowState) -> [UIEffect] {
        if key == .resize { return [] }
        if choosingExport { return chooseExport(key) }
        if state.listen != nil, let effects = handleListen(key, state: state) { return effects }
        if searchInput != nil { return typeSearch(key, state: state) }
        if editInput != nil { return typeEdit(key, state: state) }
        if callInput != nil { return typeCall(key, state: state) }
        notice = nil
        if case .mouse(let m) = key {
            mouse(m, state: state)
            return []
        }
        guard let command = keymap.command(for: key, in: context) else { return [] }
        return perform(command, state: state)
    }

    /// Carries out one command.
    public mutating func perform(_ command: UICommand, state: FlowState) -> [UIEffect] {
        switch command {
        case .help:
            showingHelp.toggle()
            helpScroll = 0
        case .back:
            if showingHelp {
                showingHelp = false
            } else if inspectedSeq != nil {
                inspectedSeq = nil
                detailScroll = 0
                focus = .log
            } else if focus != .timeline {
                focus = .timeline
            } else {
                return [.quit(.quit)]
            }
        case .quit:
            return [.quit(.quit)]
        case .interrupt:
            return [.quit(.interrupted)]
        case .proceed where replay != nil:
            return replayControl(.togglePause)
        case .proceed:
            if let w = state.waiting {
                notice = "Continuing: \(w.step)"
                return [.send(.proceed)]
            }
            notice = state.isFinished ? "The flow has finished; nothing to continue." : "Nothing is waiting; the flow goes on by itself."
        case .reveal:
            let step = inspectedEvent(in: state).flatMap { state.grant.step(of: $0) } ?? displayedStep(in: state)
            let now = !isRevealed(step)
            revealOverrides[step] = now
            notice = now ? "Secrets of \(step.label) shown in clear (r hides them)" : "Secrets of \(step.label) hidden"
        case .switchPane, .switchPaneBack:
            let all = Pane.allCases
            let i = all.firstIndex(of: focus) ?? 0
            focus = all[(i + (command == .switchPane ? 1 : all.count - 1)) % all.count]
        case .open:
            open(state: state)
        case .bottom where replay != nil:
            move(command, state: state)
            return replayControl(.end)
        case .moveUp, .moveDown, .top, .bottom, .pageUp, .pageDown:
            move(command, state: state)
        case .copy:
            return copy(state: state)
        case .search:
            searchInput = ""
            searchTarget = focus == .log && inspectedSeq == nil ? .log : .detail
        case .searchNext, .searchPrevious:
            jump(forward: command == .searchNext, state: state)
        case .refresh, .userinfo, .introspect, .revoke, .checkRotation, .replayCode:
            return tokenAction(command, state: state)
        case .nextFlow, .previousFlow:
            notice = "Only one flow is running; [ and ] switch between flows when there are several."
        case .export:
            choosingExport = true
            notice = "Export the session as: h HAR, c curl script, m Markdown report (any other key cancels)"
        case .edit:
            guard let w = state.waiting, w.request != nil else {
                notice = "Nothing to edit: e edits the request a step-mode pause is holding (run with --step)."
                return []
            }
            editInput = ""
            editCandidate = -1
            notice = "Edit the \(w.hop ?? w.step) request: Tab picks a parameter, field or header"
        case .again:
            if state.waiting != nil {
                notice = "Sending the last hop again, exactly as it was sent"
                return [.send(.again)]
            }
            guard state.isFinished else {
                notice = "The flow is running; a sends a hop again at a pause, or reruns the flow once it has ended."
                return []
            }
            notice = "Running the flow again, keeping the edits"
            followsCurrentStep = true
            inspectedSeq = nil
            return [.send(.again)]
        case .replayStep:
            return replayControl(.step)
        case .replayFaster:
            return replayControl(.faster)
        case .replaySlower:
            return replayControl(.slower)
        case .diagram:
            toggleDiagram()
        case .call:
            guard state.tokens != nil else {
                notice = state.isFinished ? "No tokens were issued, so there is no access token to call an API with." : "A calls an API with the access token; wait for the exchange to finish."
                return []
            }
            callInput = ""
            callCandidate = -1
            notice = "Call an API with the access token: [METHOD] URL" + (Self.callCandidates(state).isEmpty ? "" : "; Tab offers \(Self.callCandidates(state).joined(separator: ", "))")
        case .bell:
            bellOn.toggle()
            notice = bellOn ? "Bell on: the terminal rings when a callback arrives (b turns it off)" : "Bell off"
        case .nextRedirect:
            notice = "U picks a redirect URI's callbacks in oauthscope listen; a flow has one redirect URI."
        }
        return []
    }

    /// Called with each new session before drawing: whether a callback arrived since the last call and the bell
    /// is on. Callbacks that arrived while it was off are heard silently, so turning it on never rings for old ones.
    public mutating func bellDue(_ session: SessionState) -> Bool {
        let heard = session.displayed.reduce(0) { $0 + CallbackBell.heard(in: $1) }
        defer { callbacksHeard = heard }
        return bellOn && heard > callbacksHeard
    }

    /// Whether the follow-up token actions apply now: the token step is on display and the flow completed.
    public func tokenActionsAvailable(in state: FlowState) -> Bool {
        guard state.tokens != nil, case .completed = state.outcome else { return false }
        return displayedStep(in: state).completes.contains(.tokenExchanged) && inspectedSeq == nil
    }

    private mutating func tokenAction(_ command: UICommand, state: FlowState) -> [UIEffect] {
        guard let action = command.tokenAction else { return [] }
        return send(action, state: state)
    }

    private mutating func send(_ action: TokenAction, state: FlowState) -> [UIEffect] {
        let name = action.rawValue
        guard state.tokens != nil else {
            notice = state.isFinished ? "No tokens were issued, so there is nothing to \(name)." : "\(name) works on the tokens of the exchange; wait for it to finish."
            return []
        }
        let tokenStep = state.grant.steps.first { $0.completes.contains(.tokenExchanged) } ?? displayedStep(in: state)
        if displayedStep(in: state) != tokenStep || inspectedSeq != nil {
            // Show the step where the request and its answer will appear.
            selectedStep = tokenStep
            followsCurrentStep = false
            inspectedSeq = nil
            detailScroll = 0
        }
        notice = "\(name): request sent; its answer appears under Follow-up requests"
        return [.send(.action(action))]
    }

    // MARK: - Calling an API

    /// What Tab offers at the call prompt: the preset's own calls by name, and in the demo the embedded
    /// provider's API (a path alone is taken relative to the provider).
    public static func callCandidates(_ state: FlowState) -> [String] {
        var out = state.started?.followUps ?? []
        if state.started?.mode == "demo" { out += ["GET /api/me", "GET /api/admin"] }
        return out
    }

    private mutating func typeCall(_ key: Key, state: FlowState) -> [UIEffect] {
        if key == .tab || key == .backTab {
            let all = Self.callCandidates(state)
            guard !all.isEmpty else { return [] }
            callCandidate = (callCandidate + (key == .tab ? 1 : all.count - 1) + (callCandidate < 0 && key == .backTab ? 1 : 0)) % all.count
            callInput = all[callCandidate]
            return []
        }
        switch LineInput.edit(&callInput, with: key) {
        case .editing, .cancelled:
            break
        case .submitted(let line):
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else {
                notice = "No call typed"
                return []
            }
            if (state.started?.followUps ?? []).contains(text) { return send(TokenAction(rawValue: text), state: state) }
            do throws(APICallError) {
                // Checked here so a typo is said at once; a path alone is resolved by the flow (the demo's provider).
                let call = try APICallRequest.parseTyped(text, base: URL(string: "http://127.0.0.1"))
                let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                let target = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : text
                return send(TokenAction(rawValue: APICallRequest.actionPrefix + call.method + ":" + target), state: state)
            } catch {
                notice = "Not sent: \(error)"
            }
        case .interrupted:
            return [.quit(.interrupted)]
        }
        return []
    }

    // MARK: - Editing a paused request

    /// The lines Tab offers at the pause: `set NAME=` for each query parameter and body field, `header NAME: `
    /// for each header of the pending request.
    public static func editCandidates(_ request: HTTPRequestCapture) -> [String] {
        guard let url = URL(string: request.url) else { return [] }
        let spec = HTTPRequestSpec(method: request.method, url: url, headers: request.headers.map { FormField($0.name, $0.value.display(reveal: false)) }, body: request.body.display(reveal: false))
        return RequestEdit.candidates(in: spec)
    }

    private mutating func typeEdit(_ key: Key, state: FlowState) -> [UIEffect] {
        if key == .tab || key == .backTab, let r = state.waiting?.request {
            let all = Self.editCandidates(r)
            guard !all.isEmpty else { return [] }
            editCandidate = (editCandidate + (key == .tab ? 1 : all.count - 1) + (editCandidate < 0 && key == .backTab ? 1 : 0)) % all.count
            editInput = all[editCandidate]
            return []
        }
        switch LineInput.edit(&editInput, with: key) {
        case .editing, .cancelled:
            break
        case .submitted(let line):
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                notice = "No edit typed; c sends the request as it is"
                return []
            }
            guard state.waiting != nil else {
                notice = "The pause is over; the edit was not sent"
                return []
            }
            notice = "Edit sent: \(line)"
            return [.send(.edit(line))]
        case .interrupted:
            return [.quit(.interrupted)]
        }
        return []
    }

    // MARK: - Search

    private mutating func typeSearch(_ key: Key, state: FlowState) -> [UIEffect] {
        switch LineInput.edit(&searchInput, with: key) {
        case .editing, .cancelled:
            break
        case .submitted(let query):
            guard !query.isEmpty else {
                search = nil
                notice = "Search cleared"
                return []
            }
            search = SearchState(query: query, pane: searchTarget)
            jump(forward: true, state: state, fromStart: true)
        case .interrupted:
            return [.quit(.interrupted)]
        }
        return []
    }

    /// The indices of the laid-out detail lines that contain `query` (any case), at the width of the last frame.
    public func detailMatches(_ query: String, state: FlowState) -> [Int] {
        let glyphs: Glyphs = metrics.asciiOnly ? .ascii : .unicode
        let now = state.lastEventAt ?? state.startedAt ?? Date(timeIntervalSince1970: 0)
        let lines = DetailView.content(state: state, ui: self, glyphs: glyphs, now: now).document.layout(width: max(1, metrics.detailWidth), asciiOnly: metrics.asciiOnly)
        let q = query.lowercased()
        return lines.indices.filter { lines[$0].spans.map(\.text).joined().lowercased().contains(q) }
    }

    /// The `seq` of every event in the log whose line (type and summary) contains `query`, any case.
    public func logMatches(_ query: String, state: FlowState) -> [Int] {
        let q = query.lowercased()
        return state.log.filter { e in
            let reveal = state.grant.step(of: e).map(isRevealed) ?? revealByDefault
            return (e.type + " " + e.summary(reveal: reveal)).lowercased().contains(q)
        }.map(\.seq)
    }

    /// Moves to the next (or previous) match, wrapping round; the first jump of a new search goes to the first
    /// match at or after what is on screen, as in less.
    private mutating func jump(forward: Bool, state: FlowState, fromStart: Bool = false) {
        guard var s = search else {
            notice = "No search yet: press / to search"
            return
        }
        let matches = s.pane == .log ? logMatches(s.query, state: state) : detailMatches(s.query, state: state)
        guard !matches.isEmpty else {
            notice = "No match for \"\(s.query)\""
            return
        }
        let origin: Int
        if fromStart || s.current == nil {
            origin = s.pane == .log ? (logIndex(in: state).map { state.log[$0].seq } ?? 0) : detailScroll
        } else {
            origin = s.current ?? 0
        }
        let pick: Int
        if fromStart || s.current == nil {
            pick = forward ? (matches.firstIndex { $0 >= origin } ?? 0) : (matches.lastIndex { $0 <= origin } ?? matches.count - 1)
        } else if forward {
            pick = matches.firstIndex { $0 > origin } ?? 0
        } else {
            pick = matches.lastIndex { $0 < origin } ?? matches.count - 1
        }
        let target = matches[pick]
        s.current = target
        search = s
        if s.pane == .log {
            logSelection = target
        } else {
            // A little context above the match; the renderer keeps the scroll inside the document.
            detailScroll = max(0, target - 2)
        }
        let wrapped = !fromStart && s.current != nil && ((forward && pick == 0 && matches.count > 1 && target <= origin) || (!forward && pick == matches.count - 1 && matches.count > 1 && target >= origin))
        notice = "\"\(s.query)\": match \(pick + 1) of \(matches.count)" + (wrapped ? " (wrapped)" : "") + " · n next, N previous"
    }

    // MARK: - Mouse

    private mutating func mouse(_ m: MouseEvent, state: FlowState) {
        if showingHelp {
            let maxScroll = max(0, metrics.helpLines - metrics.helpRows)
            if m.kind == .wheelUp { helpScroll = max(0, helpScroll - 3) }
            if m.kind == .wheelDown { helpScroll = min(maxScroll, helpScroll + 3) }
            return
        }
        let pane: Pane
        if metrics.timelineRect.contains(x: m.x, y: m.y) {
            pane = .timeline
        } else if metrics.detailRect.contains(x: m.x, y: m.y) {
            pane = .detail
        } else if metrics.logRect.contains(x: m.x, y: m.y) {
            pane = .log
        } else {
            return
        }
        switch m.kind {
        case .wheelUp, .wheelDown:
            let command: UICommand = m.kind == .wheelUp ? .moveUp : .moveDown
            let before = focus
            focus = pane
            for _ in 0..<(pane == .timeline ? 1 : 3) { move(command, state: state) }
            focus = before
        case .press:
            focus = pane
            switch pane {
            case .timeline where showingDiagram:
                guard let seq = metrics.diagramRowSeqs[m.y] else { return }
                if seq != diagramSelection { detailScroll = 0 }
                diagramSelection = seq
            case .timeline:
                guard let step = metrics.timelineRowSteps[m.y] else { return }
                if step != displayedStep(in: state) { detailScroll = 0 }
                selectedStep = step
                followsCurrentStep = false
                inspectedSeq = nil
            case .log:
                guard let seq = metrics.logRowSeqs[m.y] else { return }
                logSelection = seq == state.log.last?.seq ? nil : seq
            case .detail:
                break
            }
        }
    }

    private mutating func open(state: FlowState) {
        switch focus {
        case .timeline:
            inspectedSeq = nil
            focus = .detail
            detailScroll = 0
        case .log:
            guard let i = logIndex(in: state) else { return }
            let event = state.log[i]
            inspectedSeq = event.seq
            if let step = state.grant.step(of: event) {
                selectedStep = step
                followsCurrentStep = false
            }
            focus = .detail
            detailScroll = 0
        case .detail:
            break
        }
    }

    private mutating func move(_ command: UICommand, state: FlowState) {
        if showingHelp {
            let maxScroll = max(0, metrics.helpLines - metrics.helpRows)
            helpScroll = Self.scrolled(helpScroll, command, page: metrics.helpRows, max: maxScroll)
            return
        }
        if let report = state.doctor {
            // The doctor's report card: the move keys pick the probe whose evidence and meaning are shown.
            guard !report.rows.isEmpty else { return }
            let last = report.rows.count - 1
            let current = min(last, doctorSelection ?? report.defaultSelection ?? 0)
            let next: Int
            switch command {
            case .moveUp: next = max(0, current - 1)
            case .moveDown: next = min(last, current + 1)
            case .top: next = 0
            case .bottom: next = last
            case .pageUp: next = max(0, current - 5)
            default: next = min(last, current + 5)
            }
            doctorSelection = next
            return
        }
        switch focus {
        case .timeline where showingDiagram:
            moveInDiagram(command, state: state)
        case .timeline:
            if command == .pageUp || command == .pageDown {
                // Paging in the timeline pages the detail beside it, so a step can be read without leaving the list.
                detailScroll = Self.scrolled(detailScroll, command, page: metrics.detailRows, max: maxDetailScroll)
                return
            }
            let steps = state.grant.steps
            let current = steps.firstIndex(of: displayedStep(in: state)) ?? 0
            let last = max(0, steps.count - 1)
            let next: Int
            switch command {
            case .moveUp: next = max(0, current - 1)
            case .moveDown: next = min(last, current + 1)
            case .top: next = 0
            default: next = last
            }
            selectedStep = steps.indices.contains(next) ? steps[next] : selectedStep
            followsCurrentStep = false
            inspectedSeq = nil
            if next != current { detailScroll = 0 }
        case .detail:
            detailScroll = Self.scrolled(detailScroll, command, page: metrics.detailRows, max: maxDetailScroll)
        case .log:
            guard !state.log.isEmpty else { return }
            let last = state.log.count - 1
            let current = logIndex(in: state) ?? last
            let page = max(1, metrics.logRows - 1)
            let next: Int
            switch command {
            case .moveUp: next = current - 1
            case .moveDown: next = current + 1
            case .pageUp: next = current - page
            case .pageDown: next = current + page
            case .top: next = 0
            default: next = last
            }
            let clamped = min(max(0, next), last)
            logSelection = clamped == last ? nil : state.log[clamped].seq
        }
    }

    var maxDetailScroll: Int { max(0, metrics.detailLines - metrics.detailRows) }

    static func scrolled(_ value: Int, _ command: UICommand, page: Int, max maxValue: Int) -> Int {
        let step = Swift.max(1, page - 1)
        let next: Int
        switch command {
        case .moveUp: next = value - 1
        case .moveDown: next = value + 1
        case .pageUp: next = value - step
        case .pageDown: next = value + step
        case .top: next = 0
        default: next = maxValue
        }
        return Swift.min(Swift.max(0, next), maxValue)
    }

    /// The index in `state.log` of the selected event (the newest when following).
    public func logIndex(in state: FlowState) -> Int? {
        guard !state.log.isEmpty else { return nil }
        guard let seq = logSelection else { return state.log.count - 1 }
        return state.log.index(ofSeq: seq)
    }

    /// The event opened from the log, if it is still in the log's window.
    public func inspectedEvent(in state: FlowState) -> FlowEvent? {
        guard let seq = inspectedSeq, let i = state.log.index(ofSeq: seq), state.log[i].seq == seq else { return nil }
        return state.log[i]
    }

    /// Keeps scroll positions inside what the last frame could show (after a resize or a shrinking document).
    public mutating func clamp(to metrics: PaneMetrics) {
        self.metrics = metrics
        detailScroll = min(detailScroll, maxDetailScroll)
        helpScroll = min(helpScroll, max(0, metrics.helpLines - metrics.helpRows))
    }
}

extension BoundedLog where Element == FlowEvent {
    /// The index of the first event whose `seq` is at least `seq` (sequence numbers only grow), clamped to the log.
    func index(ofSeq seq: Int) -> Int? {
        guard !isEmpty else { return nil }
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].seq < seq { lo = mid + 1 } else { hi = mid }
        }
        return Swift.min(lo, count - 1)
    }
}

extension UICommand {
    /// The token action this command asks the flow controller for; nil for the UI's own commands.
    public var tokenAction: TokenAction? {
        switch self {
        case .refresh: return .refresh
        case .userinfo: return .userinfo
        case .introspect: return .introspect
        case .revoke: return .revoke
        case .checkRotation: return .checkRotation
        case .replayCode: return .replayCode
        default: return nil
        }
    }
}

/// One line of typed input (a search, a filter): the keys that edit it, and how the typing ended.
enum LineInput {
    enum Outcome: Equatable {
        case editing
        case submitted(String)
        case cancelled
        case interrupted
    }

    /// Applies `key` to `input` (nil once the typing is over). Backspace on an empty line cancels.
    static func edit(_ input: inout String?, with key: Key) -> Outcome {
        switch key {
        case .char(let c):
            input?.append(c)
            return .editing
        case .backspace:
            if input?.isEmpty ?? true {
                input = nil
                return .cancelled
            }
            input?.removeLast()
            return .editing
        case .escape:
            input = nil
            return .cancelled
        case .enter:
            let text = input ?? ""
            input = nil
            return .submitted(text)
        case .interrupt:
            input = nil
            return .interrupted
        default:
            return .editing
        }
    }
}
