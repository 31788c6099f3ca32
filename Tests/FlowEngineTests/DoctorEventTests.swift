import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("Doctor events")
struct DoctorEventTests {
    func event(_ seq: Int, _ d: DoctorEvent) -> FlowEvent {
        FlowEvent(seq: seq, time: Date(timeIntervalSince1970: 1_000 + Double(seq)), flow: "fdoc", payload: .doctor(d))
    }

    @Test("each doctor event is one JSONL line with its type and fields, and reads back the same")
    func roundTrip() throws {
        let events: [FlowEvent] = [
            event(1, .started(DoctorStarted(provider: "embedded", probes: ["pkce-verifier-checked", "code-single-use"], approvals: 6, approvalsNote: "one more if a wrong verifier spends the code", user: "simulated"))),
            event(2, .probeStarted(ProbeStarted(probe: "pkce-verifier-checked", asks: "is a wrong code_verifier refused?", ref: "RFC 7636 §4.6"))),
            event(3, .probeCompleted(ProbeCompleted(probe: "pkce-verifier-checked", result: .fail, detail: "a wrong code_verifier got tokens (HTTP 200)", ref: "RFC 7636 §4.6", fix: "compare the verifier"))),
            event(4, .completed(DoctorCompleted(counts: ProbeCounts(pass: 1, fail: 1), elapsedMs: 42))),
        ]
        let types = ["doctor.started", "probe.started", "probe.completed", "doctor.completed"]
        for (e, type) in zip(events, types) {
            let line = e.jsonLine()
            let object = try #require(JSONValue.parse(line))
            #expect(object["type"]?.stringValue == type)
            #expect(try FlowEvent.parse(jsonLine: line) == e, "\(line)")
        }
        let completed = try #require(JSONValue.parse(events[2].jsonLine()))
        #expect(completed["probe"]?.stringValue == "pkce-verifier-checked")
        #expect(completed["result"]?.stringValue == "fail")
        #expect(completed["ref"]?.stringValue == "RFC 7636 §4.6")
        let counts = try #require(JSONValue.parse(events[3].jsonLine()))
        #expect(counts["counts"]?["fail"] == .number(1))
        #expect(counts["counts"]?["pass"] == .number(1))
        let plan = try #require(JSONValue.parse(events[0].jsonLine()))
        #expect(plan["approvals"] == .number(6))
    }

    @Test("an unknown result is refused, not guessed")
    func unknownResult() {
        let line = #"{"v":1,"seq":1,"time":"2026-12-04T10:00:00.000Z","flow":"f","type":"probe.completed","probe":"x","result":"maybe","detail":"d","ref":"r"}"#
        #expect(throws: (any Error).self) { try FlowEvent.parse(jsonLine: line) }
    }

    @Test("the plain report card: one line per probe with mark, id, verdict and rule; the fix under a failure; the counts")
    func plainCard() {
        var p = PlainPrinter(unicode: false)
        var lines: [String] = []
        lines += p.lines(for: event(1, .started(DoctorStarted(provider: "embedded", probes: ["a", "b"], approvals: 2, user: "simulated"))))
        lines += p.lines(for: event(2, .probeStarted(ProbeStarted(probe: "a", asks: "?", ref: "RFC 1"))))
        lines += p.lines(for: FlowEvent(seq: 3, time: Date(), flow: "fdoc", payload: .tokenResponse(HTTPResponseCapture(purpose: "token", status: 400, headers: [], body: "", elapsedMs: 1))))
        lines += p.lines(for: event(4, .probeCompleted(ProbeCompleted(probe: "a", result: .pass, detail: "refused", ref: "RFC 1"))))
        lines += p.lines(for: event(5, .probeCompleted(ProbeCompleted(probe: "b", result: .fail, detail: "accepted", ref: "RFC 2", fix: "refuse it"))))
        lines += p.lines(for: event(6, .completed(DoctorCompleted(counts: ProbeCounts(pass: 1, fail: 1), elapsedMs: 5))))
        #expect(lines.count == 6, "\(lines)")
        #expect(lines[0].contains("embedded"))
        #expect(lines[1].contains("2 probes") && lines[1].contains("2 authorization requests"))
        #expect(lines[2].hasPrefix("ok PASS a") && lines[2].contains("refused (RFC 1)"))
        #expect(lines[3].hasPrefix("FAIL FAIL b") && lines[3].contains("accepted (RFC 2)"))
        #expect(lines[4].contains("refuse it"))
        #expect(lines[5].contains("2 probes: 1 pass, 1 fail, 0 warn, 0 skip"))
    }
}
