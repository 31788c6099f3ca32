import Synchronization

/// What a front (keys in the TUI, a line on stdin) asks the flow controller to do.
public enum FlowCommand: Sendable, Hashable {
    /// Step mode or `--exchange manual`: go on with the hop that is waiting.
    case proceed
    /// Give up on the flow (the user quit).
    case cancel
    /// After the exchange: one follow-up hop by name (`refresh`, `userinfo`, `revoke`, `introspect`).
    case action(String)
}

/// Carries commands from the fronts to the flow controller. Sending never blocks.
public final class CommandChannel: Sendable {
    public let commands: AsyncStream<FlowCommand>
    private let continuation: AsyncStream<FlowCommand>.Continuation

    public init() {
        (commands, continuation) = AsyncStream.makeStream(of: FlowCommand.self, bufferingPolicy: .bufferingNewest(64))
    }

    public func send(_ command: FlowCommand) { continuation.yield(command) }
    public func finish() { continuation.finish() }
}
