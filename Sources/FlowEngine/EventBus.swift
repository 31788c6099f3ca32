import Foundation
import Synchronization

/// Fans every event out to every subscriber. Publishing never waits: each subscriber has its own bounded buffer,
/// and a subscriber that falls behind loses its oldest buffered events (and is told how many, with a
/// `bus.overflow` event) instead of slowing the listener or the exchange engine.
public final class EventBus: Sendable {
    private struct Subscriber {
        var continuation: AsyncStream<FlowEvent>.Continuation
        var dropped = 0
    }

    private struct State {
        var nextSeq = 1
        var nextID = 0
        var subscribers: [Int: Subscriber] = [:]
        var finished = false
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Date

    public init(clock: @escaping @Sendable () -> Date = Date.init) {
        self.clock = clock
    }

    /// A new subscription that sees every event published from now on. `bufferSize` bounds its memory.
    public func subscribe(bufferSize: Int = 8_192) -> AsyncStream<FlowEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: FlowEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id: Int? = state.withLock { s in
            if s.finished { return nil }
            let id = s.nextID
            s.nextID += 1
            s.subscribers[id] = Subscriber(continuation: continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Stamps the payload with the next sequence number and the time, and hands it to every subscriber.
    @discardableResult
    public func publish(flow: String, _ payload: FlowEvent.Payload) -> FlowEvent {
        state.withLock { s in
            let event = FlowEvent(seq: s.nextSeq, time: clock(), flow: flow, payload: payload)
            s.nextSeq += 1
            // Yielding inside the lock keeps every subscriber's order identical to the sequence numbers.
            for (id, var sub) in s.subscribers {
                if sub.dropped > 0 {
                    let notice = FlowEvent(seq: event.seq, time: event.time, flow: flow, payload: .busOverflow(BusOverflow(dropped: sub.dropped)))
                    if case .enqueued = sub.continuation.yield(notice) { sub.dropped = 0 }
                }
                switch sub.continuation.yield(event) {
                case .dropped: sub.dropped += 1
                case .enqueued, .terminated: break
                @unknown default: break
                }
                s.subscribers[id] = sub
            }
            return event
        }
    }

    /// Re-publishes a recorded event as it was (replay), keeping its flow and time but renumbering it.
    @discardableResult
    public func republish(_ recorded: FlowEvent) -> FlowEvent {
        state.withLock { s in
            var event = recorded
            event.seq = s.nextSeq
            s.nextSeq += 1
            for (_, sub) in s.subscribers { sub.continuation.yield(event) }
            return event
        }
    }

    /// Ends every subscription; later subscriptions end at once.
    public func finish() {
        let subs = state.withLock { s -> [Subscriber] in
            s.finished = true
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for sub in subs { sub.continuation.finish() }
    }
}

/// A bus bound to one flow, for the code that publishes that flow's events.
public struct FlowPublisher: Sendable {
    public let bus: EventBus
    public let flowID: String

    public init(bus: EventBus, flowID: String) {
        self.bus = bus
        self.flowID = flowID
    }

    @discardableResult
    public func publish(_ payload: FlowEvent.Payload) -> FlowEvent { bus.publish(flow: flowID, payload) }
}
