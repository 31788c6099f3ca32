import FlowEngine
import Foundation
import OAuthCore
import Testing

/// `callback.received` is written to JSONL without the general encoder (it is the event a flood produces); these
/// check that the line carries exactly what the `Codable` encoding gives, member for member and in order.
@Suite("callback.received in JSONL")
struct CallbackEventEncodingTests {
    static let samples: [CallbackReceived] = {
        var out: [CallbackReceived] = []
        let queries: [JSONValue] = [
            .object([]),
            .object([("code", .string("Splx…(22)")), ("state", .string("xyz"))]),
            .object([("error_description", .string("line\nbreak \u{1B}[2J \"quoted\" \\ back \u{2028} é")), ("state", .array([.string("a"), .string("b")]))]),
        ]
        let headers: [JSONValue?] = [nil, .object([("Host", .string("127.0.0.1:8765")), ("Cookie", .string("abc…(40)"))])]
        for verdict in CallbackVerdict.allCases {
            for (i, query) in queries.enumerated() {
                for h in headers {
                    out.append(CallbackReceived(method: i == 2 ? "POST" : "GET", path: i == 0 ? "/other" : "/cb", query: query, remote: "[::1]:5\(i)", verdict: verdict,
                                                detail: i == 1 ? nil : "why: \u{7}bell", status: i == 1 ? nil : 400 + i, headers: h, forwarded: i == 2 ? "http://127.0.0.1:3000/cb?state=a" : nil,
                                                responseMode: i == 0 ? nil : ResponseMode.allCases[i % ResponseMode.allCases.count], redirectURI: h == nil ? nil : "http://127.0.0.1:8765/cb",
                                                exchange: i == 2 ? "x1" : nil))
                }
            }
        }
        return out
    }()

    @Test("each sample's line has the Codable encoding's members after the envelope", arguments: [false, true])
    func sameAsCodable(reveal: Bool) throws {
        for c in Self.samples {
            let event = FlowEvent(seq: 7, time: Date(timeIntervalSince1970: 1_700_000_000), flow: "listen", payload: .callbackReceived(c))
            let line = event.jsonLine(reveal: reveal)
            guard case .object(let members)? = JSONValue.parse(line) else { Issue.record("not a JSON object: \(line)"); continue }
            let expected = try JSONValueEncoder(userInfo: [.revealSecrets: reveal]).encode(c)
            #expect(members.map(\.0).prefix(5) == ["v", "seq", "time", "flow", "type"])
            #expect(JSONValue.object(Array(members.dropFirst(5))) == expected, "\(line)")
            #expect(try FlowEvent.parse(jsonLine: line) == event, "reads back as it was")
        }
    }

    @Test("lines written into one buffer are each event's line, for callbacks and other events alike")
    func batchBuffer() throws {
        let events = Self.samples.prefix(3).enumerated().map { i, c in
            FlowEvent(seq: i + 1, time: Date(timeIntervalSince1970: 1_700_000_000.5 + Double(i)), flow: "listen", payload: .callbackReceived(c))
        } + [FlowEvent(seq: 4, time: Date(timeIntervalSince1970: 1_700_000_010), flow: "listen", payload: .busOverflow(BusOverflow(dropped: 12)))]
        var bytes: [UInt8] = [UInt8(ascii: "x")]
        for e in events {
            e.writeJSONLine(into: &bytes)
            bytes.append(0x0A)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "x" + events.map { $0.jsonLine() + "\n" }.joined())
        #expect(try FlowEvent.parse(jsonLine: events[3].jsonLine()) == events[3])
    }

    @Test("whole numbers are written as serialized() writes them, large and negative ones included")
    func integers() {
        for v in [0, 7, -7, 10, 99, 100, 65_535, -1_000_000, 999_999_999_999_999, -999_999_999_999_999, 1_000_000_000_000_000, Int.max, Int.min] {
            var out: [UInt8] = []
            JSONValue.serialize(integer: v, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == JSONValue.number(Double(v)).serialized(), "\(v)")
        }
        #expect(JSONValue.number(-0.0).serialized() == "0")
        #expect(JSONValue.number(12.5).serialized() == "12.5")
    }
}
