import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("Replay controls")
struct ReplayTests {
    let events = ExportFixture.events()

    @Test("paused, a step publishes exactly one event; the end publishes the rest")
    func cursor() {
        var c = ReplayCursor(events: events, speed: 1, paused: true)
        #expect(c.delayBeforeNext == nil)
        #expect(c.apply(.step).map(\.seq) == [1])
        #expect(c.paused)
        #expect(c.apply(.step).map(\.seq) == [2])
        #expect(c.apply(.togglePause).isEmpty)
        #expect(!c.paused)
        #expect(c.delayBeforeNext != nil)
        let rest = c.apply(.end)
        #expect(rest.map(\.seq) == Array(3...events.count))
        #expect(c.isAtEnd)
        #expect(c.apply(.step).isEmpty)
        #expect(c.delayBeforeNext == nil)
    }

    @Test("speed doubles and halves within bounds; the wait follows the recording's spacing")
    func speed() {
        // The fixture's events are 10 ms apart.
        var c = ReplayCursor(events: events, speed: 1)
        _ = c.take()
        #expect(c.delayBeforeNext == .milliseconds(10))
        _ = c.apply(.slower)
        #expect(c.speed == 0.5)
        #expect(c.delayBeforeNext == .milliseconds(20))
        for _ in 0..<20 { _ = c.apply(.faster) }
        #expect(c.speed == ReplayCursor.speeds.upperBound)
        for _ in 0..<40 { _ = c.apply(.slower) }
        #expect(c.speed == ReplayCursor.speeds.lowerBound)
        let full = ReplayCursor(events: events, speed: 0)
        #expect(full.speed == 0)
        #expect(ReplayCursor(events: events, speed: .nan).speed == 0)
    }

    @Test("a long pause in the recording is capped")
    func cap() {
        var spaced = events
        spaced[1].time = spaced[0].time.addingTimeInterval(3_600)
        var c = ReplayCursor(events: spaced, speed: 1, maxPause: .seconds(2))
        _ = c.take()
        #expect(c.delayBeforeNext == .seconds(2))
    }

    @Test("the player obeys the controls it is sent: step, then the end")
    func player() async {
        let bus = EventBus()
        let seen = bus.subscribe()
        let (controls, send) = AsyncStream.makeStream(of: FlowCommand.self)
        let play = Task { await ReplayPlayer.play(ReplayCursor(events: events, speed: 1, paused: true), on: bus, controls: controls) }
        var it = seen.makeAsyncIterator()
        send.yield(.replay(.step))
        let first = await it.next()
        #expect(first?.seq == 1)
        send.yield(.proceed)  // not a replay control: ignored
        send.yield(.replay(.end))
        var rest: [Int] = []
        for _ in 1..<events.count { if let e = await it.next() { rest.append(e.seq) } }
        #expect(rest == Array(2...events.count))
        await play.value
    }
}
