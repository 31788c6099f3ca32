import FlowEngine
import Foundation
import Testing

@Suite("Event times")
struct EventTimeTests {
    /// The general formatter, as the reference the arithmetic must agree with.
    static func reference(_ date: Date) -> String {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        let secs = (ms / 1000).rounded(.down)
        let base = Date(timeIntervalSince1970: secs).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        let frac = Int(ms - secs * 1000)
        return String(base.dropLast()) + "." + String(format: "%03d", frac) + "Z"
    }

    @Test("RFC 3339 with milliseconds, written by arithmetic, agrees with the general formatter")
    func agreesWithFormatter() {
        var dates: [Date] = [0, 951_782_400, 951_868_799.999, 4_107_542_400, -1, -0.0004, 1_795_142_825.123, 253_402_300_799.999, -62_135_596_800]
            .map { Date(timeIntervalSince1970: $0) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double(Int64.random(in: -62_000_000_000_000...253_000_000_000_000, using: &rng)) / 1000)) }
        for d in dates {
            #expect(EventTime.format(d) == Self.reference(d), "\(d.timeIntervalSince1970)")
        }
        #expect(EventTime.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
    }

    @Test("a formatted time reads back as the same millisecond")
    func roundTrip() {
        for t in [0.0, 1_795_142_825.123, -86_400.007] {
            let s = EventTime.format(Date(timeIntervalSince1970: t))
            #expect(EventTime.parse(s).map { ($0.timeIntervalSince1970 * 1000).rounded() } == (t * 1000).rounded())
        }
    }
}
