import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import OAuthCore
import Settings
import TerminalUI

/// Stdout and stderr for people, through the one terminal boundary (`TerminalWriter`): every line is escaped as
/// it is written. JSONL goes out as its encoder wrote it, and a rendered theme preview as the grid drew it.
enum StandardOutput {
    static func write(_ line: String) { TerminalWriter.standardOutput.write(line) }

    /// Several lines in one write.
    static func write(lines: [String]) { TerminalWriter.standardOutput.write(lines: lines) }

    /// Events as JSONL lines (`--output jsonl`), in one write, JSON-escaped by their encoder.
    static func write(jsonEvents: [FlowEvent], reveal: Bool) { TerminalWriter.standardOutput.write(jsonEvents: jsonEvents, reveal: reveal) }

    /// A screen drawn from a cell grid (`themes preview`), which escaped its text itself.
    static func write(renderedGrid: String) { TerminalWriter.standardOutput.write(renderedGrid: renderedGrid) }

    /// Kept for the exit paths: writes are synchronous, so nothing is ever pending.
    static func flush() {}

    static func error(_ line: String) { TerminalWriter.standardError.write(line) }
}

/// One run of the program: the bus, its fronts (TUI, printer, recorder) and the command channel.
final class Session {
    let bus = EventBus()
    let commands = CommandChannel()
    let output: OutputFormat
    let options: OutputOptions
    private var fronts: [Task<Void, Never>] = []
    private(set) var terminal: TerminalApp?

    /// - Parameter replay: for `oauthscope replay`, how the replay starts; the terminal UI shows its keys.
    init(options: OutputOptions, title: String, replay: ReplayStatus? = nil) throws {
        self.options = options
        output = options.resolvedOutput
        if let path = options.record {
            let recorder: Recorder
            do { recorder = try Recorder(path: path, reveal: options.reveal, header: RecordingHeader(arguments: CommandLine.arguments)) } catch { throw UsageError(error.description) }
            let batches = bus.subscribeBatches()
            fronts.append(Task { await recorder.record(batches) })
        }
        let bell = options.bell ? Self.bellWriter(output: output) : nil
        switch output {
        case .jsonl:
            let batches = bus.subscribeBatches()
            let reveal = options.reveal
            fronts.append(batches.drain(threadName: "jsonl") { batch in
                StandardOutput.write(jsonEvents: batch, reveal: reveal)
                if batch.contains(where: CallbackBell.rings) { bell?.bell() }
            })
        case .plain:
            let batches = bus.subscribeBatches()
            var printer = PlainPrinter(reveal: options.reveal, verbose: options.verbose, unicode: Self.localeIsUTF8)
            printer.drawsQRCode = isatty(STDOUT_FILENO) == 1
            let explain = options.explain
            fronts.append(Task {
                while let batch = await batches.next() {
                    StandardOutput.write(lines: batch.flatMap { printer.lines(for: $0) + (explain ? PlainPrinter.explanation(for: $0) : []) })
                    if batch.contains(where: CallbackBell.rings) { bell?.bell() }
                }
            })
        case .tui:
            // The config file's theme and [keys] apply to the screen; a broken file is a notice, not a refusal.
            let env = ProcessInfo.processInfo.environment
            let path = options.configPath(env)
            var notices: [String] = []
            var table: TOMLTable?
            do { table = try ConfigFile.load(path: path)?.table } catch { notices.append(error.description) }
            var uiOptions = TerminalUIOptions(
                reveal: options.reveal, title: title, themeFlag: options.theme, config: table, configFile: path, notices: notices, environment: env)
            uiOptions.replay = replay
            uiOptions.bell = options.bell
            terminal = TerminalApp(events: bus.subscribe(), commands: commands, options: uiOptions)
        }
    }

    /// Where `--bell` rings outside the terminal UI: the terminal the output goes to, never into a file or a pipe,
    /// and never into JSONL's stdout. Nil when no terminal is there to hear it.
    static func bellWriter(output: OutputFormat) -> TerminalWriter? {
        if output == .plain, isatty(STDOUT_FILENO) == 1 { return .standardOutput }
        if isatty(STDERR_FILENO) == 1 { return .standardError }
        return nil
    }

    static var localeIsUTF8: Bool {
        let env = ProcessInfo.processInfo.environment
        let lang = env["LC_ALL"] ?? env["LC_CTYPE"] ?? env["LANG"] ?? ""
        return lang.lowercased().contains("utf-8") || lang.lowercased().contains("utf8")
    }

    /// Runs `flow` with the fronts attached. With the TUI, the screen stays until the user quits, and quitting
    /// early cancels the flow. Returns the flow's result.
    func run(_ flow: @escaping @Sendable () async -> FlowResult, readsStdinCommands: Bool) async throws -> FlowResult {
        if let terminal {
            let flowTask = Task { await flow() }
            _ = try await terminal.run()
            flowTask.cancel()
            commands.send(.cancel)
            // The screen has given the signals back: from here on a Ctrl-C ends the tidying up at once.
            Interrupts.watch {}
            return await flowTask.value
        }
        if readsStdinCommands { startStdinCommands() }
        let flowTask = Task { await flow() }
        let commands = self.commands
        Interrupts.watch {
            flowTask.cancel()
            commands.send(.cancel)
        }
        return await flowTask.value
    }

    /// In plain and jsonl modes, stdin carries the pause commands (step mode, manual exchange): an empty line
    /// sends the paused request, `set NAME=VALUE`, `header NAME: VALUE` and `unset NAME` edit it, `again`
    /// resends the last hop, `q` quits.
    private func startStdinCommands() {
        let commands = self.commands
        Thread.detachNewThread {
            while let line = readLine() {
                switch PauseInput.read(line) {
                case .send: commands.send(.proceed)
                case .quit: commands.send(.cancel)
                case .again: commands.send(.again)
                case .edit(let text): commands.send(.edit(text))
                }
            }
        }
    }

    /// Ends every front after the last event reached it, and the last line is out.
    func finish() async {
        bus.finish()
        for f in fronts { await f.value }
        StandardOutput.flush()
    }
}
