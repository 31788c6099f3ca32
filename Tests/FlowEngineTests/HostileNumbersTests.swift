import FlowEngine
import Foundation
import OAuthCore
import Testing

/// Numbers that reach the printers and the replayer from a crafted recording or a hostile provider.
@Suite("Hostile numbers in printers and replay")
struct HostileNumbersTests {
    @Test("the plain printer's durations give text for any number of seconds")
    func plainDurations() {
        #expect(PlainPrinter.duration(0.038) == "38 ms")
        #expect(PlainPrinter.duration(184) == "3 min 4 s")
        for seconds in [1e19, 1e300, .infinity, -1e300, -.infinity, .nan] {
            #expect(!PlainPrinter.duration(seconds).isEmpty)
        }
    }

    @Test("a flow.completed with elapsed_ms Int.max from a recording prints a line")
    func recordedElapsed() throws {
        let line = #"{"v":1,"seq":9223372036854775807,"time":"2026-01-01T12:00:00.000Z","flow":"f","type":"flow.completed","elapsed_ms":9223372036854775807}"#
        let event = try FlowEvent.parse(jsonLine: line)
        var printer = PlainPrinter()
        #expect(printer.lines(for: event).first?.contains("flow completed in") == true)
    }

    @Test("replay at a speed so small that every gap is infinite still plays every event, each pause capped")
    func tinySpeed() async {
        let start = Date(timeIntervalSince1970: 1_767_268_800)
        let events = (0..<3).map { FlowEvent(seq: $0 + 1, time: start.addingTimeInterval(Double($0)), flow: "f", payload: .busOverflow(BusOverflow(dropped: $0))) }
        let bus = EventBus()
        let stream = bus.subscribe()
        await RecordingReader.replay(events, on: bus, speed: 1e-300, maxPause: .milliseconds(1))
        bus.finish()
        var seen = 0
        for await _ in stream { seen += 1 }
        #expect(seen == 3)
    }
}
