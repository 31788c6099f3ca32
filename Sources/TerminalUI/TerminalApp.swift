import CNCursesW
import FlowEngine
import Foundation
import OAuthCore
import Synchronization

/// How the terminal front starts.
public struct TerminalUIOptions: Sendable {
    /// `--reveal`: secrets in clear from the start.
    public var reveal: Bool
    /// The title bar's first words, e.g. "oauthscope demo".
    public var title: String
    /// The look of every role.
    public var theme: Theme
    /// The key table, with the user's `[keys]` applied.
    public var keymap: Keymap
    /// The colour depth to draw in; nil detects it from the environment (`ColorDepth.detect`). The terminal's
    /// terminfo entry can lower it further.
    public var colorDepth: ColorDepth?
    /// Mouse presses and the wheel, where the terminal reports them.
    public var mouse: Bool
    /// Problems with the theme or the key bindings, shown on the status line at start and in the help overlay.
    public var notices: [String]
    /// `oauthscope replay`: how the replay starts (paused or not, its speed); nil for a live session.
    public var replay: ReplayStatus?
    /// Where `x` writes its exports; nil is the current directory.
    public var exportDirectory: String?
    /// The program's version, for the exports' creator fields.
    public var toolVersion = RecordingHeader.programVersion
    /// `--bell`: ring the terminal bell when a callback arrives, from the start (`b` toggles it).
    public var bell = false

    /// - Parameters:
    ///   - theme: a theme already chosen; nil chooses one with `ThemeCatalog.select` from `themeFlag`
    ///     (`--theme NAME|PATH`), then `OAUTHSCOPE_THEME`, then the config file's `theme = "NAME"`, else
    ///     `default` (monochrome with `NO_COLOR`).
    ///   - config: the config file's root table (`TOML.parse`), for its `theme` and its `[keys]` table.
    ///   - configFile: the config file's path, for problems to name.
    ///   - keymap: a key table already built; nil takes `Keymap.standard` with the config's `[keys]` applied.
    public init(reveal: Bool = false, title: String = "oauthscope", theme: Theme? = nil, themeFlag: String? = nil, config: TOMLTable? = nil, configFile: String = "config.toml", keymap: Keymap? = nil, colorDepth: ColorDepth? = nil, mouse: Bool = true, notices: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.reveal = reveal
        self.title = title
        self.colorDepth = colorDepth
        self.mouse = mouse
        var notices = notices
        if let theme {
            self.theme = theme
        } else {
            var configTheme: String?
            if let v = config?["theme"] {
                if let name = v.stringValue {
                    configTheme = name
                } else {
                    notices.append(ConfigProblem(.error, file: configFile, line: config?.line(of: "theme"), "theme must be a theme name or path in quotes, found \(v.typeName)").description)
                }
            }
            let (chosen, problems) = ThemeCatalog.select(flag: themeFlag, config: configTheme, environment: environment)
            self.theme = chosen
            notices += problems.map(\.description)
        }
        if let keymap {
            self.keymap = keymap
        } else if let v = config?["keys"] {
            if let keys = v.tableValue {
                let (map, problems) = Keymap.standard.rebinding(keys, file: configFile)
                self.keymap = map
                notices += problems.map(\.description)
            } else {
                self.keymap = .standard
                notices.append(ConfigProblem(.error, file: configFile, line: config?.line(of: "keys"), "keys must be a table: [keys] with lines like copy = \"y\"").description)
            }
        } else {
            self.keymap = .standard
        }
        self.notices = notices
    }
}

/// How the user left the terminal front.
public enum TerminalExit: Sendable {
    /// `q` or `Q`.
    case quit
    /// Ctrl-C.
    case interrupted
    /// SIGTERM or SIGHUP.
    case terminated
}

/// Why the terminal front could not start.
public enum TerminalUIError: Error, CustomStringConvertible {
    case notATerminal
    case cannotInitialize
    case cannotCreatePipe(errno: Int32)

    public var description: String {
        switch self {
        case .notATerminal: return "the terminal UI needs a terminal on stdin and stdout; use --output plain or jsonl"
        case .cannotInitialize: return "ncurses could not initialise the terminal (is TERM set?)"
        case .cannotCreatePipe(let e): return "could not create the UI's wake-up pipe: \(String(cString: strerror(e)))"
        }
    }
}

/// The ncurses front: folds the events into one `FlowState` per flow (a `SessionState`) and draws them live until
/// the user quits.
///
/// One task consumes the events and queues each (O(1), bounded), then writes a byte to a pipe. One dedicated
/// thread owns ncurses and the state: it waits in `poll(2)` on the keyboard and that pipe, with no timeout unless
/// a clock on screen is ticking, answers keys first, then folds the queued events into its `SessionState` and
/// draws at most one frame every 16 ms, however many events arrive. The pipe carries one byte per frame's worth
/// of events, not one per event: the subscriber writes again only after the UI thread took what was queued. The state is never shared, so no frame
/// copies it (a copy of the event log and the callback list per frame would cost more the longer the session).
public final class TerminalApp: Sendable {
    private struct Shared {
        /// Events the UI thread has not folded in yet: a ring, so a screen that cannot draw (a stalled terminal)
        /// loses the oldest and is told how many, instead of holding a flood in memory.
        var pending = BoundedLog<FlowEvent>(capacity: TerminalApp.pendingCapacity)
        var wakePending = false
        var streamEnded = false
        /// The UI thread's state, handed over when it stops (`finalState`).
        var session = SessionState()
    }

    static let pendingCapacity = 16_384

    private let events: AsyncStream<FlowEvent>
    private let commands: CommandChannel
    private let options: TerminalUIOptions
    private let shared = Mutex(Shared())

    /// - Parameters:
    ///   - events: the flow's events, usually a subscription to the event bus.
    ///   - commands: where keys like `c` (continue) send their commands.
    public init(events: AsyncStream<FlowEvent>, commands: CommandChannel, options: TerminalUIOptions) {
        self.events = events
        self.commands = commands
        self.options = options
    }

    /// The flow that decides the exit status: the first that failed, else one still running, else the first
    /// (`SessionState.decisive`). With one flow, that flow.
    public var finalState: FlowState { shared.withLock { $0.session.decisive } }

    /// Every flow's state, in the order the flows started (one, unless several flows share the listener).
    public var finalStates: [FlowState] { shared.withLock { $0.session.displayed } }

    /// Takes over the terminal until the user quits; restores it on every path. The flow may finish long before;
    /// the screen stays until `q`.
    public func run() async throws -> TerminalExit {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalUIError.notATerminal }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TerminalUIError.cannotCreatePipe(errno: errno) }
        let (readFD, writeFD) = (fds[0], fds[1])
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let subscriber = Task.detached { [self] in
            for await event in events {
                let wake = self.shared.withLock { s -> Bool in
                    s.pending.append(event)
                    if s.wakePending { return false }
                    s.wakePending = true
                    return true
                }
                if wake { TerminalApp.poke(writeFD, UInt8(ascii: "S")) }
            }
            self.shared.withLock { $0.streamEnded = true }
            TerminalApp.poke(writeFD, UInt8(ascii: "S"))
        }
        let result: Result<TerminalExit, TerminalUIError> = await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                continuation.resume(returning: self.uiLoop(readFD: readFD, writeFD: writeFD))
            }
            thread.name = "oauthscope-ui"
            thread.start()
        }
        subscriber.cancel()
        await subscriber.value
        close(readFD)
        close(writeFD)
        let exit = try result.get()
        if !shared.withLock({ $0.session.isFinished }) { commands.send(.cancel) }
        return exit
    }

    static func poke(_ fd: Int32, _ byte: UInt8) {
        var b = byte
        _ = write(fd, &b, 1)
    }

    // MARK: - The UI thread

    private func uiLoop(readFD: Int32, writeFD: Int32) -> Result<TerminalExit, TerminalUIError> {
        let glyphs: Glyphs = osc_setlocale_is_utf8() != 0 ? .unicode : .ascii
        // Before initscr, so that ncurses leaves these signals to us (it only takes ones still at SIG_DFL).
        osc_install_signal_handlers(writeFD)
        defer { osc_restore_signal_handlers() }
        osc_mark_terminal_taken(1)
        guard osc_setup_screen() == Int32(OSC_OK) else {
            osc_mark_terminal_taken(0)
            return .failure(.cannotInitialize)
        }
        defer { _ = osc_end_screen() }

        let screen = NCursesScreen(theme: options.theme, depth: options.colorDepth ?? ColorDepth.detect(environment: ProcessInfo.processInfo.environment))
        screen.prepareColors()
        if options.mouse { screen.enableMouse() }
        var ui = UIState(revealByDefault: options.reveal)
        ui.title = options.title
        ui.keymap = options.keymap
        ui.configProblems = options.notices
        ui.replay = options.replay
        ui.bellOn = options.bell
        if options.replay?.paused == true { ui.notice = "Replay paused: Space plays, . shows one event at a time" }
        if let first = options.notices.first {
            ui.notice = first + (options.notices.count > 1 ? " (+\(options.notices.count - 1) more in ? help)" : "")
        }
        // The state on screen, owned by this thread; the queued events are folded in before each frame.
        var session = SessionState()
        defer {
            let rest = takePending()
            for e in rest { session.apply(e) }
            let final = session
            shared.withLock { $0.session = final }
        }
        let clock = ContinuousClock()
        var lastFrame: ContinuousClock.Instant?
        var needsDraw = true
        let frameInterval = Duration.milliseconds(16)
        var pollFDs = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)]

        while true {
            if needsDraw, lastFrame.map({ clock.now - $0 >= frameInterval }) ?? true {
                for e in takePending() { session.apply(e) }
                ui.observe(session)
                if ui.bellDue(session) { screen.bell() }
                let (width, height) = screen.size
                let frame = ScreenRenderer(session: session, ui: ui, theme: options.theme, glyphs: glyphs, now: Date()).render(width: width, height: height)
                ui.clamp(to: frame.metrics)
                screen.draw(frame.grid)
                lastFrame = clock.now
                needsDraw = false
            }
            var timeout: Int32 = -1
            if needsDraw, let last = lastFrame {
                let left = frameInterval - (clock.now - last)
                timeout = max(1, Int32(left.components.attoseconds / 1_000_000_000_000_000) + 1)
            } else if let tick = tickInterval(ui: ui, session: session) {
                timeout = tick
            }
            for i in pollFDs.indices { pollFDs[i].revents = 0 }
            let n = poll(&pollFDs, nfds_t(pollFDs.count), timeout)
            if n < 0 {
                if errno == EINTR { continue }
                return .success(.terminated)
            }
            if n == 0 {
                needsDraw = true  // a coalesced frame is due, or the clock ticked
                continue
            }
            if pollFDs[1].revents & Int16(POLLIN) != 0 {
                var buffer = [UInt8](repeating: 0, count: 256)
                var bytes: [UInt8] = []
                while true {
                    let got = read(readFD, &buffer, buffer.count)
                    if got <= 0 { break }
                    bytes += buffer[0..<got]
                }
                for b in bytes {
                    switch b {
                    case UInt8(ascii: "I"): return .success(.interrupted)
                    case UInt8(ascii: "T"), UInt8(ascii: "H"): return .success(.terminated)
                    case UInt8(ascii: "W"):
                        screen.resizeFromKernel()
                        needsDraw = true
                    default:
                        needsDraw = true
                    }
                }
            }
            if pollFDs[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                if pollFDs[0].revents & Int16(POLLHUP | POLLERR) != 0 && pollFDs[0].revents & Int16(POLLIN) == 0 {
                    return .success(.terminated)
                }
                let keys = screen.readKeys()
                guard !keys.isEmpty else { continue }
                // Keys act on what the user sees: the state of the last frame, before the events queued since.
                for key in keys {
                    if key == .resize {
                        screen.invalidate()
                        needsDraw = true
                        continue
                    }
                    for effect in ui.handle(key, session: session) {
                        switch effect {
                        case .send(let command):
                            // Keys act on the flow on display; quitting concerns them all.
                            let flows = session.flowIDs
                            let target = command == .cancel || flows.isEmpty ? nil : flows[min(max(0, ui.selectedFlow), flows.count - 1)]
                            commands.send(command, to: target)
                        case .quit(let exit): return .success(exit)
                        case .copy(let text): screen.writeRaw(OSC52.sequence(for: text))
                        case .export(let format):
                            for e in takePending() { session.apply(e) }
                            ui.notice = SessionExport.write(format, session: session, reveal: ui.revealByDefault,
                                                            directory: options.exportDirectory ?? FileManager.default.currentDirectoryPath, toolVersion: options.toolVersion)
                        }
                    }
                }
                needsDraw = true
                lastFrame = nil  // keys are answered at once, never held back by the frame cap
            }
        }
    }

    /// The events queued since the last call, oldest first, with a `bus.overflow` notice first when the queue lost
    /// some. The lock is held only to swap the queue out.
    private func takePending() -> [FlowEvent] {
        let taken = shared.withLock { s -> BoundedLog<FlowEvent>? in
            // The next event wakes this thread again; until then, however many arrive, the one wake-up already
            // pending is enough (one per frame, not one per event).
            s.wakePending = false
            guard !s.pending.isEmpty else { return nil }
            defer { s.pending = BoundedLog(capacity: TerminalApp.pendingCapacity) }
            return s.pending
        }
        guard let taken, let first = taken.first else { return [] }
        var batch: [FlowEvent] = []
        batch.reserveCapacity(taken.count + 1)
        if taken.dropped > 0 {
            batch.append(FlowEvent(seq: first.seq, time: first.time, flow: first.flow, payload: .busOverflow(BusOverflow(dropped: taken.dropped))))
        }
        batch.append(contentsOf: taken)
        return batch
    }

    /// Milliseconds until the next whole second while a clock on screen moves (the flow's elapsed time, a token's
    /// countdown on the step shown); nil when nothing moves, so an idle screen costs no CPU.
    private func tickInterval(ui: UIState, session: SessionState) -> Int32? {
        let (moving, since) = { () -> (Bool, Date?) in
            let st = session.flow(at: ui.selectedFlow)
            if st.listen != nil { return (false, nil) }
            // A flow waiting at a step shows no clock (the wait is the user's): no redraw each second while it waits.
            if let running = session.displayed.first(where: { $0.outcome == .running && $0.waiting == nil }), let start = running.startedAt { return (true, start) }
            if ui.displayedStep(in: st).completes.contains(.tokenExchanged), ui.inspectedSeq == nil {
                let now = Date()
                if let live = TokenLifetimes(state: st).entries.first(where: { $0.expiresAt > now }) { return (true, live.expiresAt) }
            }
            return (false, nil)
        }()
        guard moving, let origin = since else { return nil }
        // The time to the next whole second counted from `origin` (before it for a countdown, after it for a clock).
        let d = Date().timeIntervalSince(origin)
        let wait = 1 - (d - d.rounded(.down))
        return Int32(min(1001, max(1, Numbers.saturatingInt(wait * 1000) + 1)))
    }
}
