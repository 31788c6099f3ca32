import FlowEngine
import Foundation

/// Where a replay stands, as the UI shows it: the replay keys change it as they send their commands.
public struct ReplayStatus: Sendable, Hashable {
    public var paused: Bool
    /// 1 is real time; 0 as fast as possible.
    public var speed: Double
    /// Whether every event has been published (`G`).
    public var atEnd = false

    public init(paused: Bool, speed: Double) {
        self.paused = paused
        self.speed = speed.isFinite && speed > 0 ? min(max(speed, ReplayCursor.speeds.lowerBound), ReplayCursor.speeds.upperBound) : 0
    }

    /// The status line's words: `replay paused`, `replay ×2`, `replay at full speed`.
    public var summary: String {
        if atEnd { return "replay at its end" }
        if paused { return "replay paused" }
        if speed == 0 { return "replay at full speed" }
        return "replay ×" + Self.speedText(speed)
    }

    static func speedText(_ s: Double) -> String {
        s >= 1 ? String(Int(s)) : "1/" + String(Int((1 / s).rounded()))
    }

    /// Mirrors `ReplayCursor.apply`, so the screen says what the replay does.
    mutating func apply(_ control: ReplayControl) {
        switch control {
        case .togglePause: paused.toggle()
        case .step: paused = true
        case .faster: if speed > 0 { speed = min(speed * 2, ReplayCursor.speeds.upperBound) }
        case .slower: speed = speed > 0 ? max(speed / 2, ReplayCursor.speeds.lowerBound) : ReplayCursor.speeds.upperBound / 2
        case .end: atEnd = true
        }
    }
}

extension UIState {
    /// The key after `x`: `h`, `c` or `m` picks the format; any other key cancels.
    mutating func chooseExport(_ key: Key) -> [UIEffect] {
        choosingExport = false
        switch key {
        case .char("h"), .char("H"):
            notice = nil
            return [.export(.har)]
        case .char("c"), .char("C"):
            notice = nil
            return [.export(.curl)]
        case .char("m"), .char("M"):
            notice = nil
            return [.export(.markdown)]
        case .interrupt:
            return [.quit(.interrupted)]
        default:
            notice = "Export cancelled"
            return []
        }
    }

    /// A replay key: updates what the screen says and sends the control to the replay.
    mutating func replayControl(_ control: ReplayControl) -> [UIEffect] {
        guard var status = replay else {
            notice = "Only a replay (oauthscope replay FILE) can be paused, stepped or sped up."
            return []
        }
        status.apply(control)
        replay = status
        switch control {
        case .togglePause: notice = status.paused ? "Replay paused: Space resumes, . shows one event at a time" : "Replay resumed"
        case .step: notice = "One event (paused: Space resumes)"
        case .faster, .slower: notice = status.speed == 0 ? "Replay at full speed" : "Replay speed ×" + ReplayStatus.speedText(status.speed)
        case .end: notice = "Every recorded event is shown"
        }
        return [.send(.replay(control))]
    }
}

/// `x` in the terminal UI: every event the screen holds, exported to a file.
public enum SessionExport {
    /// Writes `session`'s events in `format` to a new file in `directory` and returns the status line's words:
    /// where it went, or why it could not be written.
    public static func write(_ format: ExportFormat, session: SessionState, reveal: Bool, directory: String, toolVersion: String, now: Date = Date()) -> String {
        var logs = session.flows.map(\.log)
        if session.unowned.log.totalAppended > 0 { logs.append(session.unowned.log) }
        var events: [FlowEvent] = []
        for log in logs { events += log }
        let dropped = logs.reduce(0) { $0 + $1.dropped }
        guard !events.isEmpty else { return "Nothing to export yet." }
        // Several flows interleave in time; each flow's own order is kept.
        events = events.enumerated().sorted { a, b in
            a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset
        }.map(\.element)
        let name = ExportFile.defaultName(flowID: session.flowIDs.first ?? "", format: format, at: now)
        let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
        do {
            try ExportFile.write(format.render(events, reveal: reveal, toolVersion: toolVersion), to: path)
        } catch {
            return "Export failed: \(error.description)"
        }
        let what: String
        switch format {
        case .har: what = "HAR"
        case .curl: what = "curl script"
        case .markdown: what = "Markdown report"
        }
        // The file name first and short: the status line of an 80-column terminal has little room.
        let shown = directory == FileManager.default.currentDirectoryPath ? "./" + name : path
        var notice = "Exported \(shown) (\(what))"
        if dropped > 0 { notice += " (the oldest \(dropped) events were no longer kept)" }
        if reveal { notice += ", secrets in clear" }
        return notice
    }
}
