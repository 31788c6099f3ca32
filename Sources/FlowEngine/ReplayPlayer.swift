import Foundation

/// Where a replay stands: the next event, paused or not, and the speed. A pure value: the controls and the
/// clock change it, and it says which events to publish and how long to wait before the next one.
public struct ReplayCursor: Sendable {
    public let events: [FlowEvent]
    /// The index of the next event to publish.
    public private(set) var next = 0
    public private(set) var paused: Bool
    /// 1 is real time, 2 twice as fast; 0 as fast as possible.
    public private(set) var speed: Double
    /// The longest wait between two events, whatever the recording says (a flow that waited an hour for a key).
    public let maxPause: Duration

    public static let speeds: ClosedRange<Double> = 0.0625...64

    public init(events: [FlowEvent], speed: Double = 1, paused: Bool = false, maxPause: Duration = .seconds(2)) {
        self.events = events
        self.speed = speed.isFinite && speed > 0 ? min(max(speed, Self.speeds.lowerBound), Self.speeds.upperBound) : 0
        self.paused = paused
        self.maxPause = maxPause
    }

    public var isAtEnd: Bool { next >= events.count }

    /// How long to wait before publishing the next event; nil while paused or when none is left.
    public var delayBeforeNext: Duration? {
        guard !paused, !isAtEnd else { return nil }
        guard next > 0, speed > 0 else { return .zero }
        let gap = max(0, events[next].time.timeIntervalSince(events[next - 1].time)) / speed
        return min(Duration.milliseconds(Int64((min(gap, 86_400) * 1000).rounded())), maxPause)
    }

    /// The next event, when its time has come.
    public mutating func take() -> FlowEvent? {
        guard !isAtEnd else { return nil }
        defer { next += 1 }
        return events[next]
    }

    /// Applies a control; returns the events to publish at once.
    public mutating func apply(_ control: ReplayControl) -> [FlowEvent] {
        switch control {
        case .togglePause:
            paused.toggle()
            return []
        case .step:
            paused = true
            return take().map { [$0] } ?? []
        case .faster:
            if speed > 0 { speed = min(speed * 2, Self.speeds.upperBound) }
            return []
        case .slower:
            speed = speed > 0 ? max(speed / 2, Self.speeds.lowerBound) : Self.speeds.upperBound / 2
            return []
        case .end:
            let rest = Array(events[min(next, events.count)...])
            next = events.count
            return rest
        }
    }
}

/// Plays recorded events onto a bus with their original spacing, obeying replay controls as they come.
public enum ReplayPlayer {
    private enum Wake: Sendable {
        case timer(Int)
        case control(ReplayControl)
        case stop
    }

    /// Publishes `cursor`'s events on `bus`, reading `.replay` commands from `controls` (other commands are
    /// ignored, `.cancel` stops). Returns when every event was published, or when the task is cancelled.
    public static func play(_ start: ReplayCursor, on bus: EventBus, controls: AsyncStream<FlowCommand>) async {
        var cursor = start
        let (wakes, wake) = AsyncStream.makeStream(of: Wake.self, bufferingPolicy: .unbounded)
        let forwarder = Task {
            for await c in controls {
                switch c {
                case .replay(let r): wake.yield(.control(r))
                case .cancel: wake.yield(.stop)
                case .proceed, .action, .edit, .again: break
                }
            }
        }
        var generation = 0
        var timer: Task<Void, Never>?
        // A timer stands for one wait only: a control that arrives meanwhile re-arms it, and the stale one is
        // recognised by its generation.
        func arm() {
            timer?.cancel()
            generation += 1
            guard let delay = cursor.delayBeforeNext else { return }
            let g = generation
            if delay == .zero {
                wake.yield(.timer(g))
                return
            }
            timer = Task {
                try? await Task.sleep(for: delay)
                if !Task.isCancelled { wake.yield(.timer(g)) }
            }
        }
        if !cursor.isAtEnd { arm() }
        loop: for await w in wakes {
            switch w {
            case .timer(let g):
                guard g == generation else { continue }
                if let e = cursor.take() { bus.republish(e) }
            case .control(let c):
                for e in cursor.apply(c) { bus.republish(e) }
            case .stop:
                break loop
            }
            if cursor.isAtEnd { break }
            arm()
        }
        timer?.cancel()
        forwarder.cancel()
        wake.finish()
    }
}
