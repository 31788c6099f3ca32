import OAuthCore

/// A mouse press or wheel turn at a screen position (0-based column and row).
public struct MouseEvent: Sendable, Hashable {
    /// A (left) button press, or the wheel turned up or down.
    public enum Kind: Sendable, Hashable { case press, wheelUp, wheelDown }
    /// What happened.
    public var kind: Kind
    /// The screen column, from 0.
    public var x: Int
    /// The screen row, from 0.
    public var y: Int

    /// An event of `kind` at column `x`, row `y`.
    public init(_ kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}

/// A key as the UI understands it, independent of ncurses.
public enum Key: Sendable, Hashable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, tab, backTab, escape, backspace
    /// Ctrl-C typed while the terminal delivers it as a character.
    case interrupt
    /// The window changed size.
    case resize
    /// A mouse press or wheel turn, where the terminal reports them.
    case mouse(MouseEvent)

    /// How the help screen and the status line spell the key.
    public var label: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .interrupt: return "C-c"
        case .resize: return "resize"
        case .mouse: return "mouse"
        }
    }

    /// Reads a key as a config file writes it: one character (`"y"`, `"/"`, case matters), or a name, in any
    /// case: `Space`, `Enter`, `Tab`, `S-Tab`, `Esc`, `Backspace`, `Up`, `Down`, `Left`, `Right`, `PgUp`, `PgDn`,
    /// `Home`, `End`, `C-c`. The arrows' own symbols (`↑`) work too.
    public init?(name: String) {
        if name.count == 1, let c = name.first {
            switch c {
            case "↑": self = .up
            case "↓": self = .down
            case "←": self = .left
            case "→": self = .right
            default:
                guard !c.isWhitespace || c == " ", c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return nil }
                self = .char(c)
            }
            return
        }
        switch name.lowercased() {
        case "space": self = .char(" ")
        case "enter", "return": self = .enter
        case "tab": self = .tab
        case "s-tab", "backtab", "shift-tab": self = .backTab
        case "esc", "escape": self = .escape
        case "backspace", "bksp": self = .backspace
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pagedown": self = .pageDown
        case "home": self = .home
        case "end": self = .end
        case "c-c", "ctrl-c": self = .interrupt
        default: return nil
        }
    }
}

/// What a key asks the UI to do. The raw values are the names a config file's `[keys]` table uses.
public enum UICommand: String, Sendable, Hashable, CaseIterable {
    case moveUp = "move-up", moveDown = "move-down", top, bottom, pageUp = "page-up", pageDown = "page-down"
    case open, switchPane = "next-pane", switchPaneBack = "previous-pane"
    case help, back, quit, interrupt
    case reveal, proceed = "continue"
    /// Copy the selected value to the clipboard with OSC 52.
    case copy
    /// Search the detail pane or the event log; then the next and previous match.
    case search, searchNext = "search-next", searchPrevious = "search-previous"
    /// Follow-up hops on the tokens, once the flow has completed (`FlowCommand.action`).
    case refresh, userinfo, introspect, revoke, checkRotation = "check-rotation"
    /// Send the code's token request again: a replayed code must be refused.
    case replayCode = "replay-code"
    /// With several flows on one listener: show the next or the previous one (the number keys pick one).
    case nextFlow = "next-flow", previousFlow = "previous-flow"
    /// Export the session to a file; the next key picks the format (`h` HAR, `c` curl, `m` Markdown).
    case export
    /// `oauthscope replay`: publish one event and stay paused; twice or half as fast. (Space pauses and resumes,
    /// `G` jumps to the end: the keys of `continue` and `bottom`.)
    case replayStep = "replay-step", replayFaster = "replay-faster", replaySlower = "replay-slower"
    /// Step mode: edit the request a pause is holding; send the last hop again, or rerun an ended flow.
    case edit, again
    /// Show the flow as a sequence diagram in the flow pane, or the steps again.
    case diagram
    /// Ring the terminal bell when a callback arrives, or stop (`--bell` turns it on at start).
    case bell
    /// `oauthscope listen`: list one redirect URI's callbacks, then the next one's, then all again.
    case nextRedirect = "next-redirect-uri"
    /// Call an API with the access token: a prompt for `[METHOD] URL`, or one of the preset's calls.
    case call
}

/// Where a binding applies: everywhere, in one pane, or while the help overlay is open.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global, timeline, detail, log, help
}

/// One row of the key table: the key, what it does, where, and the words the help screen shows.
public struct Binding: Sendable, Hashable {
    public var key: Key
    public var command: UICommand
    public var contexts: Set<KeyContext>
    public var help: String

    public init(_ key: Key, _ command: UICommand, _ contexts: Set<KeyContext>, _ help: String) {
        self.key = key
        self.command = command
        self.contexts = contexts
        self.help = help
    }
}

/// The key table. Both the input handling and the help overlay are generated from it, so they cannot disagree.
public struct Keymap: Sendable, Hashable {
    public var bindings: [Binding]

    public init(bindings: [Binding]) { self.bindings = bindings }

    static let panes: Set<KeyContext> = [.timeline, .detail, .log]
    static let scrolling: Set<KeyContext> = [.timeline, .detail, .log, .help]

    /// mitmproxy's and less's conventions.
    public static let standard = Keymap(bindings: [
        Binding(.up, .moveUp, scrolling, "Previous step / scroll up / older event"),
        Binding(.char("k"), .moveUp, scrolling, "Previous step / scroll up / older event"),
        Binding(.down, .moveDown, scrolling, "Next step / scroll down / newer event"),
        Binding(.char("j"), .moveDown, scrolling, "Next step / scroll down / newer event"),
        Binding(.char("g"), .top, scrolling, "First step / top / oldest event"),
        Binding(.home, .top, scrolling, "First step / top / oldest event"),
        Binding(.char("G"), .bottom, scrolling, "Last step / bottom / newest event; in a replay, its end"),
        Binding(.end, .bottom, scrolling, "Last step / bottom / newest event; in a replay, its end"),
        Binding(.pageUp, .pageUp, scrolling, "Page up"),
        Binding(.pageDown, .pageDown, scrolling, "Page down"),
        Binding(.enter, .open, [.timeline, .log], "Open the selected step / event in the detail pane"),
        Binding(.tab, .switchPane, panes, "Next pane (timeline, detail, log)"),
        Binding(.right, .switchPane, panes, "Next pane (timeline, detail, log)"),
        Binding(.backTab, .switchPaneBack, panes, "Previous pane"),
        Binding(.left, .switchPaneBack, panes, "Previous pane"),
        Binding(.char("r"), .reveal, panes, "Reveal / hide the secrets of the selected step"),
        Binding(.char("y"), .copy, panes, "Copy the selected value (URL, code, token, event) via OSC 52"),
        Binding(.char("/"), .search, panes, "Search the detail or the event log (listen: filter callbacks)"),
        Binding(.char("n"), .searchNext, panes, "Next match of the search"),
        Binding(.char("N"), .searchPrevious, panes, "Previous match of the search"),
        Binding(.char("R"), .refresh, panes, "Tokens: refresh (grant_type=refresh_token, RFC 6749 §6)"),
        Binding(.char("u"), .userinfo, panes, "Tokens: call userinfo with the access token (OIDC Core §5.3)"),
        Binding(.char("i"), .introspect, panes, "Tokens: introspect the access token (RFC 7662)"),
        Binding(.char("X"), .revoke, panes, "Tokens: revoke the refresh token, else the access token (RFC 7009)"),
        Binding(.char("o"), .checkRotation, panes, "Tokens: does the replaced refresh token fail? (RFC 9700 §4.14.2)"),
        Binding(.char("C"), .replayCode, panes, "Tokens: send the code again; it must be refused (RFC 6749 §4.1.2)"),
        Binding(.char("A"), .call, panes, "Tokens: call an API with the access token ([METHOD] URL)"),
        Binding(.char("c"), .proceed, panes, "Continue a waiting flow (step mode, manual exchange); pause a replay"),
        Binding(.char(" "), .proceed, panes, "Continue a waiting flow (step mode, manual exchange); pause a replay"),
        Binding(.char("e"), .edit, panes, "Step mode: edit the paused request (Tab picks a parameter, field or header)"),
        Binding(.char("a"), .again, panes, "Again: at a pause, resend the last hop; after the flow, rerun it keeping the edits"),
        Binding(.char("."), .replayStep, panes, "Replay: one event at a time (pauses)"),
        Binding(.char("+"), .replayFaster, panes, "Replay: twice as fast"),
        Binding(.char("-"), .replaySlower, panes, "Replay: half as fast"),
        Binding(.char("x"), .export, panes, "Export to a file: then h HAR, c curl script, m Markdown"),
        Binding(.char("d"), .diagram, panes, "Sequence diagram of every hop in the flow pane / the steps again"),
        Binding(.char("b"), .bell, panes, "Bell when a callback arrives: on / off (--bell starts with it on)"),
        Binding(.char("U"), .nextRedirect, panes, "Listen: only one redirect URI's callbacks (#1, #2, ...), then all again"),
        Binding(.char("]"), .nextFlow, [.global], "Next flow, when several run at once (1-9 picks one)"),
        Binding(.char("["), .previousFlow, [.global], "Previous flow, when several run at once"),
        Binding(.char("?"), .help, [.global, .help], "Show / hide this help"),
        Binding(.char("q"), .back, [.global, .help], "Back (close help or event, then quit)"),
        Binding(.escape, .back, [.global, .help], "Back (close help or event, then quit)"),
        Binding(.char("Q"), .quit, [.global, .help], "Quit at once"),
        Binding(.interrupt, .interrupt, [.global, .help], "Quit at once"),
    ])

    /// The command `key` means in `context`: a binding for the context wins over a global one.
    public func command(for key: Key, in context: KeyContext) -> UICommand? {
        if let b = bindings.first(where: { $0.key == key && $0.contexts.contains(context) }) { return b.command }
        if context != .help, let b = bindings.first(where: { $0.key == key && $0.contexts.contains(.global) }) { return b.command }
        return nil
    }

    /// Every key bound to `command` in `context` (or globally), in table order.
    public func keys(for command: UICommand, in context: KeyContext? = nil) -> [Key] {
        bindings.filter { b in
            guard b.command == command else { return false }
            guard let c = context else { return true }
            return b.contexts.contains(c) || b.contexts.contains(.global)
        }.map(\.key)
    }

    /// The help screen's rows: one per command, its keys joined, in table order.
    public func helpRows() -> [(keys: String, help: String, contexts: String)] {
        var seen: [String] = []
        var rows: [(String, String, String)] = []
        for b in bindings where !seen.contains(b.help) {
            seen.append(b.help)
            let keys = bindings.filter { $0.help == b.help }.map(\.key.label).joined(separator: " ")
            // Say where only when a key does not work in every pane.
            let where_ = b.contexts.contains(.global) || b.contexts.isSuperset(of: Self.panes) ? "" : "in " + KeyContext.allCases.filter { b.contexts.contains($0) }.map(\.rawValue).joined(separator: ", ")
            rows.append((keys, b.help, where_))
        }
        return rows
    }

    /// The short key hints for the status line in `context`, e.g. `j/k step`, generated from the table.
    ///
    /// With `tokenActions` (the token step of a completed flow) the follow-up hops are listed, one by one, or
    /// as one `R/u/i/X/o tokens` hint when `compact`.
    ///
    /// With `replay` (`oauthscope replay`), the replay keys are listed: pause or play, step, speed, end.
    ///
    /// With `diagram` (the sequence diagram is in the flow pane) the moves pick a hop, and `d` goes back to steps.
    public func hints(for context: KeyContext, waiting: Bool, tokenActions: Bool = false, compact: Bool = false, replay: ReplayStatus? = nil, diagram: Bool = false) -> [(keys: String, action: String)] {
        func first(_ c: UICommand, letter: Bool = true) -> String {
            let ks = keys(for: c, in: context)
            let pick = letter ? (ks.first { if case .char = $0 { return true } else { return false } } ?? ks.first) : ks.first
            return pick?.label ?? ""
        }
        let move = [first(.moveDown), first(.moveUp)].filter { !$0.isEmpty }.joined(separator: "/")
        var out: [(String, String)] = []
        switch context {
        // In the diagram the way back to the steps comes before everything else there is to do.
        case .timeline: out = [(move, diagram ? "hop" : "step"), (first(.open, letter: false), "open")] + (diagram ? [(first(.diagram), "steps")] : [])
        case .detail: out = [(move, "scroll"), (first(.pageDown, letter: false), "page")]
        case .log: out = [(move, "event"), (first(.open, letter: false), "inspect"), (first(.bottom), "follow")]
        case .help: return [(move, "scroll"), (first(.back), "close")].filter { !$0.0.isEmpty }
        case .global: break
        }
        if tokenActions, context != .help {
            // The follow-up hops come first: on the token step of a finished flow they are what there is to do.
            let actions: [(String, String)] = [(first(.refresh), "refresh"), (first(.userinfo), "userinfo"), (first(.introspect), "introspect"),
                                               (first(.revoke), "revoke"), (first(.checkRotation), "rotation")]
            if compact {
                out.append((actions.map(\.0).filter { !$0.isEmpty }.joined(separator: "/"), "tokens"))
            } else {
                out += actions
            }
        }
        if context == .timeline, !diagram { out.append((first(.diagram), "diagram")) }
        if let replay, context != .help {
            let pause = keys(for: .proceed, in: context).contains(.char(" ")) ? "Space" : first(.proceed)
            out.append((pause, replay.paused ? "play" : "pause"))
            out.append((first(.replayStep), "step"))
            out.append(([first(.replayFaster), first(.replaySlower)].filter { !$0.isEmpty }.joined(separator: "/"), "speed"))
            out.append((first(.bottom), "end"))
        }
        out.append((first(.switchPane, letter: false), "pane"))
        out.append((first(.reveal), "reveal"))
        if waiting { out.append((first(.proceed), "continue")) }
        if waiting { out.append((first(.edit), "edit")) }
        out.append((first(.help), "help"))
        out.append((first(.back), "quit"))
        return out.filter { !$0.0.isEmpty }
    }
}

extension Keymap {
    /// This table with the user's `[keys]` from the config file applied: each entry `command = "key"` or
    /// `command = ["key", "key"]` replaces that command's keys (keeping where it works and its help). A key
    /// taken from another command in the same place is removed there, and said so. Entries that name no
    /// command or no key are reported with their line, and skipped.
    public func rebinding(_ table: TOMLTable, file: String) -> (keymap: Keymap, problems: [ConfigProblem]) {
        var map = self
        var problems: [ConfigProblem] = []
        for name in table.keys {
            let line = table.line(of: name)
            guard let command = UICommand(rawValue: name) else {
                let names = UICommand.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(ConfigProblem(.error, file: file, line: line, "[keys]: unknown command \"\(name)\" (commands: \(names))"))
                continue
            }
            let values: [TOMLValue]
            switch table[name] {
            case .string(let s)?: values = [.string(s)]
            case .array(let a)?: values = a
            default:
                problems.append(ConfigProblem(.error, file: file, line: line, "[keys]: \(name) must be a key in quotes or an array of keys, e.g. \(name) = [\"j\", \"Down\"]"))
                continue
            }
            var keys: [Key] = []
            for v in values {
                guard let text = v.stringValue, let key = Key(name: text) else {
                    let shown = v.stringValue.map { "\"\($0)\"" } ?? v.typeName
                    problems.append(ConfigProblem(.error, file: file, line: line, "[keys]: \(name): \(shown) is not a key (one character, or Space, Enter, Tab, S-Tab, Esc, Backspace, Up, Down, Left, Right, PgUp, PgDn, Home, End, C-c)"))
                    continue
                }
                if !keys.contains(key) { keys.append(key) }
            }
            guard !keys.isEmpty, let template = map.bindings.first(where: { $0.command == command }) ?? Keymap.standard.bindings.first(where: { $0.command == command }) else { continue }
            let at = map.bindings.firstIndex { $0.command == command } ?? map.bindings.count
            var rest = map.bindings
            rest.removeAll { $0.command == command }
            for key in keys {
                let taken = rest.filter { $0.key == key && !$0.contexts.isDisjoint(with: template.contexts) }
                for t in taken {
                    problems.append(ConfigProblem(.warning, file: file, line: line, "[keys]: \(key.label) now means \(name), no longer \(t.command.rawValue)"))
                }
                rest.removeAll { $0.key == key && !$0.contexts.isDisjoint(with: template.contexts) }
            }
            let insertAt = min(at, rest.count)
            rest.insert(contentsOf: keys.map { Binding($0, command, template.contexts, template.help) }, at: insertAt)
            map.bindings = rest
        }
        return (map, problems)
    }
}
