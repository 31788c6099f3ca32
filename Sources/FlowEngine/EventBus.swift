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

    /// Stamps the payload with the next sequence number and the time, and hands it to every subscriber. The
    /// payload is taken, not copied (a flood publishes one `callback.received` per request).
    public func publish(flow: String, _ payload: consuming FlowEvent.Payload) {
        var made: FlowEvent? = FlowEvent(seq: 0, time: Date(timeIntervalSince1970: 0), flow: flow, payload: payload)
        let wake = state.withLock { s -> [EventBatches] in
            // Moved, not copied, into the lock and on to the last subscriber that keeps it.
            guard var event = made.take() else { return [] }
            event.seq = s.nextSeq
            event.time = clock()
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
            // Most events have one batch writer, which needs waking only when it waits: no array for the rest.
            switch s.batchSubscribers.count {
            case 0: return []
            case 1: return s.batchSubscribers[0].append(consume event) ? s.batchSubscribers : []
            default: return s.batchSubscribers.filter { $0.append(event) }
            }
        }
        // Waking a waiting writer happens outside the bus's lock.
        for b in wake { b.wake() }
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

    public func publish(_ payload: consuming FlowEvent.Payload) { bus.publish(flow: flowID, payload) }
}

/// Events waiting for a batch subscriber. Bounded: when the writer falls behind, the oldest are dropped and a
/// `bus.overflow` event says how many.
public final class EventBatches: Sendable {
    private struct State {
        /// A ring: when full, the oldest is overwritten in O(1) (and counted in `dropped`).
        var events: BoundedLog<FlowEvent>
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
        /// A writer thread waits on `semaphore` (`nextBlocking`).
        var sleeping = false
        /// An emptied batch the writer gave back (`recycle`): the next events go into its storage, so a writer
        /// that takes one event at a time does not make the bus allocate for each.
        var spare: [FlowEvent] = []
    }

    private let state: Mutex<State>
    private let semaphore = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        state = Mutex(State(events: BoundedLog(capacity: max(1, capacity))))
    }

    /// Adds an event; true when a writer is waiting and must be woken (outside any lock).
    func append(_ event: consuming FlowEvent) -> Bool {
        var taken: FlowEvent? = event
        return state.withLock { s in
            if let event = taken.take() { s.events.append(event) }
            return s.waiter != nil || s.sleeping
        }
    }

    func wake() {
        let (waiter, sleeping) = state.withLock { s -> (CheckedContinuation<Void, Never>?, Bool) in
            defer { s.sleeping = false }
            return (s.waiter.take(), s.sleeping)
        }
        waiter?.resume()
        if sleeping { semaphore.signal() }
    }

    func finish() {
        state.withLock { $0.finished = true }
        wake()
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

    /// Like `next()`, for a writer on a thread of its own: blocks that thread (never a task of the pool) until
    /// a batch is there.
    public func nextBlocking() -> [FlowEvent]? {
        while true {
            if let batch = takeIfAny() { return batch.isEmpty ? nil : batch }
            let sleep = state.withLock { s -> Bool in
                if !s.events.isEmpty || s.finished { return false }
                s.sleeping = true
                return true
            }
            if sleep { semaphore.wait() }
        }
    }

    /// Gives a written batch back: it is emptied here (outside the bus's lock) and its storage takes the next
    /// events. A large one (after a flood) is let go instead of being kept.
    public func recycle(_ batch: consuming [FlowEvent]) {
        guard batch.capacity <= 1_024 else { return }
        batch.removeAll(keepingCapacity: true)
        let storage = batch
        state.withLock { s in if s.spare.capacity < storage.capacity { s.spare = storage } }
    }

    /// Hands every batch to `write` on a thread of its own until the bus finishes; the task ends after the last
    /// batch was written. For a writer that makes one system call per batch (JSONL on stdout): when callbacks
    /// come one at a time, waking a task through the pool's scheduler for each cost more than writing the line,
    /// and a semaphore costs a small part of it (benchmarks/RESULTS.md). Blocked, the thread uses no CPU.
    public func drain(threadName: String, _ write: @escaping @Sendable ([FlowEvent]) -> Void) -> Task<Void, Never> {
        Task {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    while let batch = self.nextBlocking() {
                        write(batch)
                        let flooding = batch.count > 1
                        self.recycle(batch)
                        // More than one event came while the last batch was being written: a flood. The next ones
                        // gather for a millisecond, so the writer wakes and writes once for dozens of lines instead
                        // of once for every few (each wake-up costs the machine more than writing the lines). A
                        // lone event, the usual case outside a flood, is still written at once.
                        if flooding { Thread.sleep(forTimeInterval: 0.001) }
                    }
                    done.resume()
                }
                thread.name = threadName
                thread.start()
            }
        }
    }

    /// The pending events (with an overflow notice first, if any were dropped); [] when finished and empty;
    /// nil when there is nothing yet.
    private func takeIfAny() -> [FlowEvent]? {
        state.withLock { s -> [FlowEvent]? in
            if s.events.isEmpty { return s.finished ? [] : nil }
            let dropped = s.events.dropped
            // The ring's storage itself becomes the batch (no copy of the events).
            let spare = s.spare
            s.spare = []
            var batch = s.events.removeAll(reusing: spare)
            if dropped > 0, let first = batch.first {
                batch.insert(FlowEvent(seq: first.seq, time: first.time, flow: first.flow, payload: .busOverflow(BusOverflow(dropped: dropped))), at: 0)
            }
            return batch
        }
    }
}
