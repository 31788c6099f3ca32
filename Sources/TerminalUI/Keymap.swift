/// A key as the UI understands it, independent of ncurses.
public enum Key: Sendable, Hashable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, tab, backTab, escape, backspace
    /// Ctrl-C typed while the terminal delivers it as a character.
    case interrupt
    /// The window changed size.
    case resize

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
        }
    }
}

/// What a key asks the UI to do.
public enum UICommand: String, Sendable, Hashable, CaseIterable {
    case moveUp, moveDown, top, bottom, pageUp, pageDown
    case open, switchPane, switchPaneBack
    case help, back, quit, interrupt
    case reveal, proceed
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
        Binding(.char("G"), .bottom, scrolling, "Last step / bottom / newest event (follow)"),
        Binding(.end, .bottom, scrolling, "Last step / bottom / newest event (follow)"),
        Binding(.pageUp, .pageUp, scrolling, "Page up"),
        Binding(.pageDown, .pageDown, scrolling, "Page down"),
        Binding(.enter, .open, [.timeline, .log], "Open the selected step / event in the detail pane"),
        Binding(.tab, .switchPane, panes, "Next pane (timeline, detail, log)"),
        Binding(.right, .switchPane, panes, "Next pane (timeline, detail, log)"),
        Binding(.backTab, .switchPaneBack, panes, "Previous pane"),
        Binding(.left, .switchPaneBack, panes, "Previous pane"),
        Binding(.char("r"), .reveal, panes, "Reveal / hide the secrets of the selected step"),
        Binding(.char("c"), .proceed, panes, "Continue when the flow is waiting (step mode, manual exchange)"),
        Binding(.char(" "), .proceed, panes, "Continue when the flow is waiting (step mode, manual exchange)"),
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
    public func hints(for context: KeyContext, waiting: Bool) -> [(keys: String, action: String)] {
        func first(_ c: UICommand, letter: Bool = true) -> String {
            let ks = keys(for: c, in: context)
            let pick = letter ? (ks.first { if case .char = $0 { return true } else { return false } } ?? ks.first) : ks.first
            return pick?.label ?? ""
        }
        let move = [first(.moveDown), first(.moveUp)].filter { !$0.isEmpty }.joined(separator: "/")
        var out: [(String, String)] = []
        switch context {
        case .timeline: out = [(move, "step"), (first(.open, letter: false), "open")]
        case .detail: out = [(move, "scroll"), (first(.pageDown, letter: false), "page")]
        case .log: out = [(move, "event"), (first(.open, letter: false), "inspect"), (first(.bottom), "follow")]
        case .help: return [(move, "scroll"), (first(.back), "close")].filter { !$0.0.isEmpty }
        case .global: break
        }
        out.append((first(.switchPane, letter: false), "pane"))
        out.append((first(.reveal), "reveal"))
        if waiting { out.append((first(.proceed), "continue")) }
        out.append((first(.help), "help"))
        out.append((first(.back), "quit"))
        return out.filter { !$0.0.isEmpty }
    }
}
