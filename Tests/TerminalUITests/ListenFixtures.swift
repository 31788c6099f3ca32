import FlowEngine
import Foundation
import OAuthCore

@testable import TerminalUI

extension Fixture {
    static let forwardURL = "http://127.0.0.1:3000/callback"

    static func listenStarted(forward: Bool = true) -> FlowEvent.Payload {
        .flowStarted(FlowStarted(mode: "listen", provider: forward ? "forwarding to \(forwardURL)" : "watching callbacks", clientID: nil, redirectURI: "http://127.0.0.1:8765/callback, http://[::1]:8766/cb", exchange: "never"))
    }

    static let browserHeaders: JSONValue = .object([
        ("Host", .string("127.0.0.1:8765")), ("User-Agent", .string("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")),
        ("Accept", .string("text/html")), ("Cookie", .string("sess…(40)")),
    ])

    static func listenCallback(_ verdict: CallbackVerdict, _ query: [(String, JSONValue)], detail: String?, status: Int, path: String = "/callback", method: String = "GET", remote: String = "127.0.0.1:51234", headers: JSONValue? = nil) -> FlowEvent.Payload {
        .callbackReceived(CallbackReceived(method: method, path: path, query: .object(query), remote: remote, verdict: verdict, detail: detail, status: status, headers: headers))
    }

    /// `oauthscope listen --forward …` on two redirect URIs, with a callback of every verdict.
    static var listen: EventScript {
        var s = EventScript()
        s.add(listenStarted(), after: 0)
        s.add(.listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8765"], redirectURI: "http://127.0.0.1:8765/callback")), after: 1)
        s.add(.listenerStarted(ListenerStarted(addresses: ["[::1]:8766"], redirectURI: "http://[::1]:8766/cb")), after: 1)
        s.add(listenCallback(.accepted, [("code", .string(Secret.redact(code))), ("state", .string(state)), ("iss", .string(issuer))], detail: "a code arrived (state not checked: give --expect-state to check it)", status: 200, headers: browserHeaders), after: 1200)
        s.add(listenCallback(.stray, [], detail: "not the callback path /callback", status: 404, path: "/favicon.ico", remote: "127.0.0.1:51236"), after: 40)
        s.add(listenCallback(.duplicate, [("code", .string(Secret.redact(code))), ("state", .string(state)), ("iss", .string(issuer))], detail: "this code was already received; not exchanged again", status: 400, remote: "127.0.0.1:51240"), after: 900)
        s.add(listenCallback(.errorResponse, [("error", .string("access_denied")), ("error_description", .string("The user denied the request")), ("state", .string("xyz-77"))], detail: "access_denied: the user or a policy refused consent", status: 200, remote: "[::1]:40112"), after: 3000)
        s.add(listenCallback(.stateMismatch, [("code", .string(Secret.redact("k2Jf0aQ-Z9yR-0b7"))), ("state", .string("attacker-state"))], detail: "state differs from --expect-state", status: 400, path: "/cb", remote: "[::1]:40118"), after: 800)
        s.add(listenCallback(.malformed, [("code", .string(Secret.redact("abc-123-def-456"))), ("state", .string("s1")), ("state", .string("s2"))], detail: "state appears 2 times (RFC 6749 §3.1)", status: 400, remote: "127.0.0.1:51300"), after: 500)
        s.add(listenCallback(.accepted, [("code", .string(Secret.redact("Qm9vbGVhbi1mb3JtLXBvc3Q"))), ("state", .string("fp-42")), ("iss", .string(issuer))], detail: "a code arrived (state not checked: give --expect-state to check it)", status: 200, method: "POST", remote: "127.0.0.1:51302", headers: .object([("Host", .string("127.0.0.1:8765")), ("Content-Type", .string("application/x-www-form-urlencoded")), ("Origin", .string(issuer))])), after: 2000)
        s.add(listenCallback(.stray, [], detail: "not the callback path /callback", status: 404, path: "/favicon.ico", remote: "127.0.0.1:51304"), after: 30)
        return s
    }

    /// Listen mode after `n` stray requests and then one real callback: a flood.
    static func listenFlood(_ n: Int) -> EventScript {
        var s = EventScript()
        s.add(listenStarted(forward: false), after: 0)
        s.add(.listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8765"], redirectURI: redirectURI)), after: 1)
        for i in 0..<n {
            s.add(listenCallback(.stray, [], detail: "not the callback path /callback", status: 404, path: i % 2 == 0 ? "/favicon.ico" : "/", remote: "127.0.0.1:\(40000 + i % 20000)"), after: 0)
        }
        s.add(acceptedCallback, after: 50)
        return s
    }
}

/// Two flows on one listener, as `oauthscope flow --profile jira --profile github` runs them: events interleaved,
/// told apart by `flow`. The first completes, the second fails at the exchange.
enum TwoFlows {
    static let start = EventScript.start

    static func events() -> [FlowEvent] {
        var a = Fixture.success
        var b = Fixture.invalidGrant
        a.events = a.events.map { var e = $0; e.flow = "f-a1"; return e }
        b.events = b.events.map { var e = $0; e.flow = "f-b2"; return e }
        relabel(&a, provider: "jira")
        relabel(&b, provider: "github")
        // Interleave by time; renumber as the bus would.
        var all = (a.events + b.events.map { var e = $0; e.time = e.time.addingTimeInterval(0.004); return e }).sorted { ($0.time, $0.flow) < ($1.time, $1.flow) }
        for i in all.indices { all[i].seq = i + 1 }
        return all
    }

    static func relabel(_ s: inout EventScript, provider: String) {
        for i in s.events.indices {
            if case .flowStarted(var f) = s.events[i].payload {
                f.provider = provider
                f.mode = "flow"
                s.events[i].payload = .flowStarted(f)
            }
        }
    }

    static var session: SessionState {
        var s = SessionState()
        for e in events() { s.apply(e) }
        return s
    }
}
