import FlowEngine
import Foundation
import OAuthCore
import Testing
@testable import TerminalUI

/// The doctor's report card: a fold of events, drawn from state like every other view.
@Suite("Doctor report card")
struct DoctorViewTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    static func fold(_ payloads: [FlowEvent.Payload]) -> FlowState {
        var s = FlowState()
        for (i, p) in payloads.enumerated() { s.apply(FlowEvent(seq: i + 1, time: start.addingTimeInterval(Double(i) / 10), flow: "d1", payload: p)) }
        return s
    }

    static let request = HTTPRequestCapture(purpose: "token", method: "POST", url: "http://127.0.0.1:9/token", headers: [], body: "grant_type=authorization_code&code_verifier=wrong")
    static let response = HTTPResponseCapture(purpose: "token", status: 200, headers: [], body: "{\"token_type\":\"Bearer\"}", elapsedMs: 4)

    static var events: [FlowEvent.Payload] {
        [
            .doctor(.started(DoctorStarted(provider: "embedded", probes: ["state-echoed", "pkce-verifier-checked", "token-no-store"], approvals: 3, user: "simulated"))),
            .doctor(.probeStarted(ProbeStarted(probe: "state-echoed", asks: "is state echoed?", ref: "RFC 6749 §4.1.2"))),
            .doctor(.probeCompleted(ProbeCompleted(probe: "state-echoed", result: .pass, detail: "came back byte for byte", ref: "RFC 6749 §4.1.2"))),
            .doctor(.probeStarted(ProbeStarted(probe: "pkce-verifier-checked", asks: ProbeCatalogue.pkceVerifierChecked.asks, ref: ProbeCatalogue.pkceVerifierChecked.ref))),
            .tokenRequest(request),
            .tokenResponse(response),
        ]
    }

    @Test("the fold keeps each probe's verdict and the hops made while it ran; the running probe is shown")
    func fold() throws {
        let running = Self.fold(Self.events)
        let report = try #require(running.doctor)
        #expect(report.rows.map(\.probe) == ["state-echoed", "pkce-verifier-checked"])
        #expect(report.rows[0].result == .pass && report.rows[0].evidence.isEmpty)
        #expect(report.rows[1].result == nil && report.rows[1].evidence.map(\.type) == ["token.request", "token.response"])
        #expect(report.defaultSelection == 1)
        let done = Self.fold(Self.events + [
            .doctor(.probeCompleted(ProbeCompleted(probe: "pkce-verifier-checked", result: .fail, detail: "a wrong code_verifier was accepted", ref: ProbeCatalogue.pkceVerifierChecked.ref, fix: ProbeCatalogue.pkceVerifierChecked.meaning))),
            .doctor(.probeStarted(ProbeStarted(probe: "token-no-store", asks: "?", ref: "RFC 6749 §5.1"))),
            .doctor(.probeCompleted(ProbeCompleted(probe: "token-no-store", result: .pass, detail: "no-store", ref: "RFC 6749 §5.1"))),
            .doctor(.completed(DoctorCompleted(counts: ProbeCounts(pass: 2, fail: 1), elapsedMs: 30))),
        ])
        let finished = try #require(done.doctor)
        #expect(finished.defaultSelection == 1, "after the run the failed probe is shown")
        #expect(finished.completed?.counts.fail == 1)
    }

    @Test("drawn at 120x40 and 80x24: a row per probe with its mark, the shown probe's hops, what it means and its rule")
    func drawn() {
        let state = Self.fold(Self.events + [
            .doctor(.probeCompleted(ProbeCompleted(probe: "pkce-verifier-checked", result: .fail, detail: "a wrong code_verifier was accepted", ref: ProbeCatalogue.pkceVerifierChecked.ref, fix: ProbeCatalogue.pkceVerifierChecked.meaning))),
        ])
        for (w, h) in [(120, 40), (80, 24)] {
            let text = renderScreen(state: state, ui: UIState(), theme: .defaultDark, width: w, height: h, now: Self.start).text
            #expect(text.contains("Doctor report card"), "\(w)x\(h)")
            #expect(text.contains("✓ state-echoed"), "\(w)x\(h)")
            #expect(text.contains("▸✗ pkce-verifier-checked"), "\(w)x\(h)")
            #expect(text.contains("→ POST http://127.0.0.1:9/token"), "\(w)x\(h)")
            #expect(text.contains("← HTTP 200 (token, 4 ms)"), "\(w)x\(h)")
            #expect(text.contains("What this means"), "\(w)x\(h)")
            #expect(text.contains("RFC 7636 §4.6"), "\(w)x\(h)")
        }
        let ascii = renderScreen(state: state, ui: UIState(), theme: .defaultDark, width: 80, height: 24, now: Self.start, glyphs: .ascii).text
        #expect(ascii.contains(">x pkce-verifier-checked"))
    }

    @Test("the move keys pick the probe whose evidence is shown, and a request's headers are part of its evidence")
    func picked() {
        let withHeaders = HTTPRequestCapture(purpose: "token", method: "POST", url: "http://127.0.0.1:9/token", headers: [HeaderField("Content-Type", "application/x-www-form-urlencoded")], body: "grant_type=authorization_code")
        let state = Self.fold(Array(Self.events.dropLast(2)) + [
            .tokenRequest(withHeaders),
            .tokenResponse(Self.response),
            .doctor(.probeCompleted(ProbeCompleted(probe: "pkce-verifier-checked", result: .fail, detail: "a wrong code_verifier was accepted", ref: ProbeCatalogue.pkceVerifierChecked.ref))),
        ])
        var ui = UIState()
        let before = renderScreen(state: state, ui: ui, theme: .defaultDark, width: 120, height: 40, now: Self.start).text
        #expect(before.contains("Evidence · pkce-verifier-checked") || before.contains("Evidence") && before.contains("pkce-verifier-checked"))
        #expect(before.contains("Content-Type: application/x-www-form-urlencoded"))
        _ = ui.perform(.moveUp, state: state)
        #expect(ui.doctorSelection == 0)
        let after = renderScreen(state: state, ui: ui, theme: .defaultDark, width: 120, height: 40, now: Self.start).text
        #expect(after.contains("▸✓ state-echoed"))
        #expect(!after.contains("→ POST http://127.0.0.1:9/token"), "the picked probe made no hops")
        _ = ui.perform(.moveUp, state: state)
        #expect(ui.doctorSelection == 0, "the first row stays the first")
        _ = ui.perform(.bottom, state: state)
        #expect(ui.doctorSelection == 1)
    }
}
