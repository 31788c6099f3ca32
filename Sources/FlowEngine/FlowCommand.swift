import Synchronization

/// What a front (keys in the TUI, a line on stdin) asks the flow controller to do.
public enum FlowCommand: Sendable, Hashable {
    /// Step mode or `--exchange manual`: go on with the hop that is waiting.
    case proceed
    /// Give up on the flow (the user quit).
    case cancel
    /// After the exchange: one follow-up hop by name (`refresh`, `userinfo`, `revoke`, `introspect`, or a
    /// provider's own call such as `accessible-resources`).
    case action(TokenAction)
    /// `oauthscope replay` in the terminal UI: pause, step, speed, jump to the end (`ReplayPlayer`). Flows
    /// ignore it.
    case replay(ReplayControl)
    /// At a step-mode pause: one edit of the pending request, as typed (`set NAME=VALUE`, `header NAME: VALUE`,
    /// `unset NAME`; `RequestEdit.parse` judges it).
    case edit(String)
    /// At a pause: send the last hop again, exactly as it was sent. After the flow ended: run it again, keeping
    /// the edits.
    case again
}

/// What the replay keys ask of a replay.
public enum ReplayControl: String, Sendable, Hashable, CaseIterable {
    /// Pause, or go on from a pause.
    case togglePause = "pause"
    /// Publish the next event only, and stay paused.
    case step
    /// Twice as fast, or half as fast.
    case faster, slower
    /// Publish every event left at once.
    case end
}

/// Carries commands from the fronts to the flow controllers. Sending never blocks. Each flow reads its own
/// route (`commands(for:)`); a command sent to a flow goes to that flow only, one sent to nobody in particular
/// (a line on stdin, quitting) goes to every flow.
public final class CommandChannel: Sendable {
    private let routes = Mutex<[String: AsyncStream<FlowCommand>.Continuation]>([:])

    public init() {}

    /// The commands for one flow. Ask once per flow, before the flow starts.
    public func commands(for flowID: String) -> AsyncStream<FlowCommand> {
        let (stream, continuation) = AsyncStream.makeStream(of: FlowCommand.self, bufferingPolicy: .bufferingNewest(64))
        routes.withLock { $0[flowID] = continuation }
        return stream
    }

    /// Sends to one flow, or with `flowID` nil (or unknown) to every flow.
    public func send(_ command: FlowCommand, to flowID: String? = nil) {
        let targets = routes.withLock { r -> [AsyncStream<FlowCommand>.Continuation] in
            if let flowID, let one = r[flowID] { return [one] }
            return Array(r.values)
        }
        for t in targets { t.yield(command) }
    }

    public func finish() {
        let all = routes.withLock { r -> [AsyncStream<FlowCommand>.Continuation] in
            defer { r.removeAll() }
            return Array(r.values)
        }
        for c in all { c.finish() }
    }
}
