import FlowEngine
import Foundation

/// Tells how a lesson ended: it folds the session's events and, when the lesson's flow has ended, publishes
/// `lesson.completed` on the same bus, so every front (screen, printer, recorder) shows it after `flow.completed`
/// or `flow.failed`.
public final class LessonNarrator: Sendable {
    private let task: Task<Void, Never>

    /// Subscribes at once: create it before the flow publishes anything.
    public init(lesson: Lesson, bus: EventBus) {
        let events = bus.subscribe()
        task = Task {
            var state = FlowState()
            for await event in events {
                switch event.payload {
                case .lessonStarted, .lessonCompleted, .busOverflow: continue
                default: break
                }
                state.apply(event)
                if let done = lesson.completed(state) {
                    bus.publish(flow: state.flowID, .lessonCompleted(done))
                    return
                }
            }
        }
    }

    /// Waits until `lesson.completed` is out (or the bus ended first).
    public func finished() async { await task.value }
}
