import FlowEngine
import Foundation

// Keys for the listen view and for switching between flows, as pure transitions of `UIState`.

extension UIState {
    // MARK: - Several flows

    /// Called before each frame with every flow: keeps the flow choice in range, follows the chosen flow's
    /// current step, and brings the listen filter's matches up to date with the callbacks that arrived since.
    public mutating func observe(_ session: SessionState) {
        selectedFlow = min(max(0, selectedFlow), session.displayed.count - 1)
        let state = session.flow(at: selectedFlow)
        if state.listen != nil {
            refreshFilter(state)
        } else {
            observe(state)
        }
    }

    /// Applies one key with every flow at hand: `[`, `]` and the number keys pick the flow on display; every
    /// other key goes to that flow (`handle(_:state:)`).
    public mutating func handle(_ key: Key, session: SessionState) -> [UIEffect] {
        let count = session.displayed.count
        selectedFlow = min(max(0, selectedFlow), count - 1)
        if count > 1, searchInput == nil, filterInput == nil, !showingHelp {
            if case .char(let c) = key, let n = c.wholeNumberValue, n >= 1, n <= 9 {
                notice = nil
                if n <= count {
                    selectFlow(n - 1, in: session)
                } else {
                    notice = "There are \(count) flows: 1-\(min(9, count)) picks one."
                }
                return []
            }
            if let command = keymap.command(for: key, in: context), command == .nextFlow || command == .previousFlow {
                notice = nil
                selectFlow((selectedFlow + (command == .nextFlow ? 1 : count - 1)) % count, in: session)
                return []
            }
        }
        return handle(key, state: session.flow(at: selectedFlow))
    }

    private mutating func selectFlow(_ position: Int, in session: SessionState) {
        guard position != selectedFlow else { return }
        selectedFlow = position
        // Each flow is read from its current step; selections and searches belonged to the other one.
        followsCurrentStep = true
        shownStep = nil
        inspectedSeq = nil
        logSelection = nil
        detailScroll = 0
        search = nil
        callbackSelection = nil
        callbackDetailOpen = false
        let s = session.flow(at: position)
        notice = "Flow \(position + 1) of \(session.displayed.count): \(s.shortLabel)"
    }

    // MARK: - The callback filter

    /// The filter that narrows the callback list now: the one being typed, else the committed one; nil for none.
    public var activeCallbackFilter: CallbackFilter? {
        let f = CallbackFilter(filterInput ?? callbackFilter ?? "")
        return f.isEmpty ? nil : f
    }

    /// The callbacks on the list: from the filter cache when it is current, else filtered afresh (snapshots and
    /// the first frame after a change), which reads the kept window once.
    func callbackListing(in state: FlowState) -> CallbackListing {
        guard let f = activeCallbackFilter else { return CallbackListing(callbacks: state.callbacks, matches: nil) }
        if let c = filterCache, c.isCurrent(for: f, in: state) { return CallbackListing(callbacks: state.callbacks, matches: c.matches) }
        return CallbackListing(callbacks: state.callbacks, matches: CallbackFilterCache.build(f, for: state).matches)
    }

    /// Looks at the callbacks that arrived since the last call, only (see `CallbackFilterCache`).
    mutating func refreshFilter(_ state: FlowState) {
        guard let f = activeCallbackFilter else {
            filterCache = nil
            return
        }
        if filterCache?.flowID != state.flowID || filterCache?.filter != f {
            filterCache = CallbackFilterCache(flowID: state.flowID, filter: f)
        }
        filterCache?.update(with: state.callbacks)
    }

    // MARK: - Listen mode

    /// Keys that mean something else in listen mode; nil hands the key to the ordinary handling (help, quit,
    /// the event log, scrolling the detail).
    mutating func handleListen(_ key: Key, state: FlowState) -> [UIEffect]? {
        if filterInput != nil { return typeFilter(key, state: state) }
        if searchInput != nil || showingHelp { return nil }
        if case .mouse(let m) = key { return listenMouse(m, state: state) }
        guard let command = keymap.command(for: key, in: context) else { return nil }
        switch command {
        case .search:
            notice = nil
            filterInput = callbackFilter ?? ""
            return []
        case .back:
            notice = nil
            if inspectedSeq != nil {
                inspectedSeq = nil
                detailScroll = 0
                focus = .log
            } else if callbackDetailOpen {
                callbackDetailOpen = false
                detailScroll = 0
                focus = .timeline
            } else if callbackFilter != nil {
                callbackFilter = nil
                filterCache = nil
                notice = "Filter cleared: every kept callback is listed"
            } else if focus != .timeline {
                focus = .timeline
            } else {
                return nil
            }
            return []
        case .open where focus == .timeline:
            notice = nil
            let listing = callbackListing(in: state)
            guard listing.count > 0 else {
                notice = "No callback to open yet."
                return []
            }
            // Opening pins the callback, so a flood cannot swap it for a newer one under the reader.
            let position = callbackSelection.flatMap { listing.position(atOrAfter: $0) } ?? listing.count - 1
            callbackSelection = listing.record(at: position)?.seq
            callbackDetailOpen = true
            detailScroll = 0
            return []
        case .moveUp, .moveDown, .top, .bottom, .pageUp, .pageDown:
            guard focus == .timeline else { return nil }
            notice = nil
            moveInList(command, state: state)
            return []
        case .switchPane, .switchPaneBack:
            notice = nil
            var panes: [Pane] = [.timeline]
            if callbackDetailOpen || inspectedSeq != nil { panes.append(.detail) }
            if metrics.logRows > 0 { panes.append(.log) }
            let i = panes.firstIndex(of: focus) ?? 0
            focus = panes[(i + (command == .switchPane ? 1 : panes.count - 1)) % panes.count]
            return []
        case .reveal:
            let now = !isRevealed(.codeReceived)
            revealOverrides[.codeReceived] = now
            notice = now ? "Codes shown in clear where the listener kept them (it redacts them unless started with --reveal)" : "Codes hidden"
            return []
        case .copy where focus != .log && inspectedSeq == nil:
            notice = nil
            return copyCallback(state: state)
        case .proceed:
            notice = "Nothing to continue: listen mode only watches callbacks."
            return []
        default:
            return nil
        }
    }

    private mutating func typeFilter(_ key: Key, state: FlowState) -> [UIEffect] {
        switch LineInput.edit(&filterInput, with: key) {
        case .editing, .cancelled:
            break
        case .submitted(let text):
            let query = text.trimmingCharacters(in: .whitespaces)
            callbackFilter = query.isEmpty ? nil : query
            refreshFilter(state)
            if let f = activeCallbackFilter {
                let n = callbackListing(in: state).count
                notice = "Filter /\(f.query): \(Format.count(n)) of \(Format.count(state.callbacks.count)) kept callbacks \(n == 1 ? "matches" : "match") · Esc clears it"
            } else {
                notice = "Filter cleared"
            }
        case .interrupted:
            return [.quit(.interrupted)]
        }
        refreshFilter(state)
        return []
    }

    /// j/k/PgUp/PgDn select a callback and stop following; g goes to the oldest kept; G/End follow the newest.
    private mutating func moveInList(_ command: UICommand, state: FlowState) {
        let listing = callbackListing(in: state)
        guard listing.count > 0 else { return }
        if command == .bottom {
            callbackSelection = nil
            detailScroll = 0
            notice = "Following the newest callback"
            return
        }
        let last = listing.count - 1
        let current = callbackSelection.flatMap { listing.position(atOrAfter: $0) } ?? last
        let page = max(1, metrics.listRows - 1)
        let next: Int
        switch command {
        case .moveUp: next = current - 1
        case .moveDown: next = current + 1
        case .pageUp: next = current - page
        case .pageDown: next = current + page
        default: next = 0
        }
        let clamped = min(max(0, next), last)
        if clamped != current { detailScroll = 0 }
        callbackSelection = listing.record(at: clamped)?.seq
    }

    private mutating func listenMouse(_ m: MouseEvent, state: FlowState) -> [UIEffect]? {
        guard metrics.timelineRect.contains(x: m.x, y: m.y) else { return nil }
        notice = nil
        focus = .timeline
        switch m.kind {
        case .wheelUp, .wheelDown:
            for _ in 0..<3 { moveInList(m.kind == .wheelUp ? .moveUp : .moveDown, state: state) }
        case .press:
            guard let seq = metrics.listRowSeqs[m.y] else { return [] }
            if seq != callbackSelection { detailScroll = 0 }
            callbackSelection = seq
        }
        return []
    }

    /// `y` on the list: the selected (or newest) callback as its JSONL line, secrets as they are shown.
    private mutating func copyCallback(state: FlowState) -> [UIEffect] {
        let listing = callbackListing(in: state)
        let position = callbackSelection.flatMap { listing.position(atOrAfter: $0) } ?? listing.count - 1
        guard let record = listing.record(at: position) else {
            notice = "Nothing to copy yet: no callback has arrived."
            return []
        }
        let event = FlowEvent(seq: record.seq, time: record.time, flow: state.flowID, payload: .callbackReceived(record.callback))
        notice = "Copied callback #\(record.seq) as JSON to the clipboard (OSC 52)"
        return [.copy(event.jsonLine(reveal: isRevealed(.codeReceived)))]
    }
}
