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
        var batchSubscribers: [EventBatches] = []
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

    /// A subscription that hands over every event that accumulated since the last call at once, for writers
    /// (printers, the recorder) that do one write per batch: under a flood they wake rarely and write seldom,
    /// when quiet each event comes alone and at once.
    public func subscribeBatches(capacity: Int = 65_536) -> EventBatches {
        let batches = EventBatches(capacity: capacity)
        let accepted = state.withLock { s -> Bool in
            if s.finished { return false }
            s.batchSubscribers.append(batches)
            return true
        }
        if !accepted { batches.finish() }
        return batches
    }

    /// Stamps the payload with the next sequence number and the time, and hands it to every subscriber.
    @discardableResult
    public func publish(flow: String, _ payload: FlowEvent.Payload) -> FlowEvent {
        let (event, wake) = state.withLock { s -> (FlowEvent, [EventBatches]) in
            let event = FlowEvent(seq: s.nextSeq, time: clock(), flow: flow, payload: payload)
            s.nextSeq += 1
            // Yielding inside the lock keeps every subscriber's order identical to the sequence numbers.
            // Updated in place through an index: iterating a copy while writing back would copy the table per event.
            var i = s.subscribers.values.startIndex
            while i != s.subscribers.values.endIndex {
                let sub = s.subscribers.values[i]
                if sub.dropped > 0 {
                    let notice = FlowEvent(seq: event.seq, time: event.time, flow: flow, payload: .busOverflow(BusOverflow(dropped: sub.dropped)))
                    if case .enqueued = sub.continuation.yield(notice) { s.subscribers.values[i].dropped = 0 }
                }
                switch sub.continuation.yield(event) {
                case .dropped: s.subscribers.values[i].dropped += 1
                case .enqueued, .terminated: break
                @unknown default: break
                }
                s.subscribers.values.formIndex(after: &i)
            }
            return (event, s.batchSubscribers.filter { $0.append(event) })
        }
        // Waking a waiting writer happens outside the bus's lock.
        for b in wake { b.wake() }
        return event
    }

    /// Re-publishes a recorded event as it was (replay), keeping its flow and time but renumbering it.
    @discardableResult
    public func republish(_ recorded: FlowEvent) -> FlowEvent {
        let (event, wake) = state.withLock { s -> (FlowEvent, [EventBatches]) in
            var event = recorded
            event.seq = s.nextSeq
            s.nextSeq += 1
            for (_, sub) in s.subscribers { sub.continuation.yield(event) }
            return (event, s.batchSubscribers.filter { $0.append(event) })
        }
        for b in wake { b.wake() }
        return event
    }

    /// Ends every subscription; later subscriptions end at once.
    public func finish() {
        let (subs, batches) = state.withLock { s -> ([Subscriber], [EventBatches]) in
            s.finished = true
            defer {
                s.subscribers.removeAll()
                s.batchSubscribers.removeAll()
            }
            return (Array(s.subscribers.values), s.batchSubscribers)
        }
        for sub in subs { sub.continuation.finish() }
        for b in batches { b.finish() }
    }
}

/// A bus bound to one flow, for the code that publishes that flow's events.
public struct FlowPublisher: Sendable {
    public let bus: EventBus
    public let flowID: String
    /// Asked before each hop of the flow leaves (step mode, a manual exchange); nil sends at once.
    public var gate: (any HopGate)?

    public init(bus: EventBus, flowID: String) {
        self.bus = bus
        self.flowID = flowID
    }

    @discardableResult
    public func publish(_ payload: FlowEvent.Payload) -> FlowEvent { bus.publish(flow: flowID, payload) }
}

/// Events waiting for a batch subscriber. Bounded: when the writer falls behind, the oldest are dropped and a
/// `bus.overflow` event says how many.
public final class EventBatches: Sendable {
    private struct State {
        /// A ring: when full, the oldest is overwritten in O(1) (and counted in `dropped`).
        var events: BoundedLog<FlowEvent>
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>
    private let capacity: Int

    init(capacity: Int) {
        let capacity = max(1, capacity)
        self.capacity = capacity
        state = Mutex(State(events: BoundedLog(capacity: capacity)))
    }

    /// Adds an event; true when a writer is waiting and must be woken (outside any lock).
    func append(_ event: FlowEvent) -> Bool {
        state.withLock { s in
            s.events.append(event)
            return s.waiter != nil
        }
    }

    func wake() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Everything that arrived since the last call, waiting if nothing has; nil once the bus finished and all
    /// was handed over. One consumer only.
    public func next() async -> [FlowEvent]? {
        while true {
            if let batch = takeIfAny() { return batch.isEmpty ? nil : batch }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.events.isEmpty || s.finished { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// The pending events (with an overflow notice first, if any were dropped); [] when finished and empty;
    /// nil when there is nothing yet.
    private func takeIfAny() -> [FlowEvent]? {
        state.withLock { s -> [FlowEvent]? in
            if s.events.isEmpty { return s.finished ? [] : nil }
            let dropped = s.events.dropped
            var batch: [FlowEvent] = []
            batch.reserveCapacity(s.events.count + 1)
            if dropped > 0, let first = s.events.first {
                batch.append(FlowEvent(seq: first.seq, time: first.time, flow: first.flow, payload: .busOverflow(BusOverflow(dropped: dropped))))
            }
            batch.append(contentsOf: s.events)
            s.events = BoundedLog(capacity: capacity)
            return batch
        }
    }
}
