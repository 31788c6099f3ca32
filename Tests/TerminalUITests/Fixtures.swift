import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// Builds flows from hand-made events, the way the bus would deliver them: numbered, timed, folded.
struct EventScript {
    static let start = Date(timeIntervalSince1970: 1_767_268_800)  // 2026-01-01 12:00:00 UTC
    var events: [FlowEvent] = []
    var clock: TimeInterval = 0
    let flow = "f-7c21"

    /// Appends an event `after` milliseconds after the previous one.
    mutating func add(_ payload: FlowEvent.Payload, after ms: Int = 5) {
        clock += Double(ms) / 1000
        events.append(FlowEvent(seq: events.count + 1, time: EventScript.start.addingTimeInterval(clock), flow: flow, payload: payload))
    }

    var state: FlowState {
        var s = FlowState()
        for e in events { s.apply(e) }
        return s
    }
}

enum Fixture {
    static let redirectURI = "http://127.0.0.1:8765/callback"
    static let issuer = "http://127.0.0.1:9400"
    static let code = "SplxlOBeZQQYbYS6WxSbIA-4f3c2b1a0"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let accessToken = "at-9f8e7d6c5b4a39281716051413121110"
    static let refreshToken = "rt-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    static let state = "af0ifjsldkj-Q3"
    static let nonce = "n-0S6_WzA2Mj"

    static var started: FlowEvent.Payload {
        .flowStarted(FlowStarted(mode: "demo", provider: "embedded provider", clientID: "demo-client", redirectURI: redirectURI))
    }

    static var params: JSONValue {
        .object([
            ("response_type", .string("code")), ("client_id", .string("demo-client")), ("redirect_uri", .string(redirectURI)),
            ("scope", .string("openid profile email")), ("state", .string(state)), ("nonce", .string(nonce)),
            ("code_challenge", .string("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")), ("code_challenge_method", .string("S256")),
        ])
    }

    static var urlBuilt: FlowEvent.Payload {
        let query = (params.objectValue ?? []).map { "\($0.0)=\(FormURLEncoded.encodeComponent(Format.inline($0.1)))" }.joined(separator: "&")
        return .urlBuilt(AuthorizationURLBuilt(url: "\(issuer)/authorize?\(query)", params: params, pkce: .init(method: "S256", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), endpoint: "\(issuer)/authorize"))
    }

    /// From flow.started to the user being redirected, with discovery.
    static func throughRedirect(_ s: inout EventScript) {
        s.add(started, after: 0)
        s.add(.listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8765"], redirectURI: redirectURI)), after: 2)
        s.add(.httpRequest(HTTPRequestCapture(purpose: "discovery", method: "GET", url: "\(issuer)/.well-known/openid-configuration", headers: [HeaderField("Accept", "application/json")], body: "")), after: 1)
        let metadata = #"{"issuer":"\#(issuer)","authorization_endpoint":"\#(issuer)/authorize","token_endpoint":"\#(issuer)/token","jwks_uri":"\#(issuer)/jwks"}"#
        s.add(.httpResponse(HTTPResponseCapture(purpose: "discovery", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Sensitive(public: metadata), elapsedMs: 4)), after: 4)
        s.add(.discoveryCompleted(DiscoveryCompleted(issuer: issuer, url: "\(issuer)/.well-known/openid-configuration", authorizationEndpoint: "\(issuer)/authorize", tokenEndpoint: "\(issuer)/token", jwksURI: "\(issuer)/jwks", userinfoEndpoint: nil, metadata: JSONValue.parse(metadata) ?? .null, elapsedMs: 4)), after: 1)
        s.add(urlBuilt, after: 1)
        s.add(.userRedirected(UserRedirected(via: "simulated", command: nil)), after: 3)
    }

    static func callback(_ verdict: CallbackVerdict, query: [(String, JSONValue)], detail: String? = nil, status: Int = 200, path: String = "/callback") -> FlowEvent.Payload {
        .callbackReceived(CallbackReceived(method: "GET", path: path, query: .object(query), remote: "127.0.0.1:51234", verdict: verdict, detail: detail, status: status))
    }

    static var acceptedCallback: FlowEvent.Payload {
        callback(.accepted, query: [("code", .string(Secret.redact(code))), ("state", .string(state)), ("iss", .string(issuer))])
    }

    static var codeReceived: FlowEvent.Payload {
        .codeReceived(CodeReceived(code: Sensitive(Secret(code)), checks: [
            Check("state", ok: true, "matches the state sent"), Check("iss", ok: true, "is the expected issuer (RFC 9207)"),
        ]))
    }

    static var tokenRequest: FlowEvent.Payload {
        let body = "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormURLEncoded.encodeComponent(redirectURI))&code_verifier=\(verifier)"
        return .tokenRequest(HTTPRequestCapture(purpose: "token", method: "POST", url: "\(issuer)/token", headers: [
            HeaderField("Content-Type", "application/x-www-form-urlencoded"), HeaderField(captured: "Authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="),
        ], body: Redactor.formBody(body)))
    }

    static func tokenResponse(status: Int, json: String, ms: Int = 38) -> FlowEvent.Payload {
        .tokenResponse(HTTPResponseCapture(purpose: "token", status: status, headers: [HeaderField("Content-Type", "application/json"), HeaderField("Cache-Control", "no-store")], body: Redactor.jsonBody(json), elapsedMs: ms))
    }

    static var tokenExchanged: FlowEvent.Payload {
        .tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 3600, scope: "openid profile email", accessToken: Sensitive(Secret(accessToken)), refreshToken: Sensitive(Secret(refreshToken)), idToken: IDTokenSummary(
            header: .object([("alg", .string("RS256")), ("kid", .string("demo-key-1")), ("typ", .string("JWT"))]),
            claims: .object([("iss", .string(issuer)), ("sub", .string("user-42")), ("aud", .string("demo-client")), ("exp", .number(1_767_272_400)), ("iat", .number(1_767_268_800)), ("nonce", .string(nonce))]),
            checks: [Check("signature", ok: true, "RS256 with key demo-key-1"), Check("aud", ok: true, "contains demo-client"), Check("nonce", ok: true, "matches")]), extra: nil))
    }

    /// A whole successful flow.
    static var success: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(acceptedCallback, after: 212)
        s.add(codeReceived, after: 1)
        s.add(tokenRequest, after: 2)
        let json = #"{"access_token":"\#(accessToken)","token_type":"Bearer","expires_in":3600,"refresh_token":"\#(refreshToken)","scope":"openid profile email","id_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2ln"}"#
        s.add(tokenResponse(status: 200, json: json), after: 38)
        s.add(tokenExchanged, after: 2)
        s.add(.finding(Finding(.info, "token.refresh_issued", "A refresh token was issued; store it like a password.", ref: "RFC 6749 §10.4")), after: 0)
        s.add(.flowCompleted(FlowCompleted(elapsedMs: 271)), after: 1)
        return s
    }

    static var stateMismatch: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(callback(.stateMismatch, query: [("code", .string(Secret.redact(code))), ("state", .string("attacker-state"))], detail: "state \"attacker-state\" is not the one sent", status: 400), after: 300)
        s.add(.flowFailed(FlowFailed(reason: "The callback's state does not match the request's.", hint: "Only a callback for this request may be accepted; start the flow again.", step: "callback")), after: 1)
        return s
    }

    static var accessDenied: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(callback(.errorResponse, query: [("error", .string("access_denied")), ("error_description", .string("The user denied the request")), ("state", .string(state))], detail: "the provider answered with an error", status: 200), after: 900)
        s.add(.flowFailed(FlowFailed(reason: "The provider answered with an error instead of a code.", error: "access_denied", errorDescription: "The user denied the request", hint: "The user (or a policy) refused consent; try again and approve.", step: "callback")), after: 1)
        return s
    }

    static var invalidGrant: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(acceptedCallback, after: 200)
        s.add(codeReceived, after: 1)
        s.add(tokenRequest, after: 2)
        s.add(tokenResponse(status: 400, json: #"{"error":"invalid_grant","error_description":"The authorization code has expired"}"#, ms: 12), after: 12)
        s.add(.flowFailed(FlowFailed(reason: "The token endpoint refused the code.", error: "invalid_grant", errorDescription: "The authorization code has expired", hint: "Codes are single use; start the flow again.", step: "exchange")), after: 1)
        return s
    }

    static var unreachable: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(acceptedCallback, after: 200)
        s.add(codeReceived, after: 1)
        s.add(tokenRequest, after: 2)
        s.add(.flowFailed(FlowFailed(reason: "Could not connect to http://127.0.0.1:9400/token: connection refused.", hint: "Is the provider running? Check --token-url.", step: "exchange")), after: 3)
        return s
    }

    /// Ten thousand stray requests hit the listener before the real callback.
    static var flood: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        for i in 0..<10_000 {
            s.add(callback(.stray, query: [], detail: "no code, no error", status: 404, path: i % 2 == 0 ? "/favicon.ico" : "/"), after: 0)
        }
        s.add(acceptedCallback, after: 50)
        s.add(codeReceived, after: 1)
        return s
    }

    /// A callback whose every field tries to act on the terminal.
    static let hostile = "\u{1b}]2;owned\u{07}x\u{1b}[31mred\u{202e}evil\u{200b}zw\u{9b}31mC1"

    static var hostileFlow: EventScript {
        var s = EventScript()
        throughRedirect(&s)
        s.add(callback(.errorResponse, query: [("error", .string("access_denied")), ("error_description", .string(hostile)), ("state", .string(hostile))], detail: hostile, path: "/callback\u{1b}]2;owned\u{07}"), after: 10)
        s.add(.finding(Finding(.warn, "callback.hostile", "odd text: \(hostile)")), after: 1)
        s.add(.flowFailed(FlowFailed(reason: "error \(hostile)", error: "access_denied", errorDescription: hostile, hint: hostile, step: "callback")), after: 1)
        return s
    }

    /// Step mode paused before the redirect.
    static var waiting: EventScript {
        var s = EventScript()
        s.add(.flowStarted(FlowStarted(mode: "demo", provider: "embedded provider", clientID: "demo-client", redirectURI: redirectURI, stepMode: true)), after: 0)
        s.add(.listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8765", "[::1]:8765"], redirectURI: redirectURI)), after: 2)
        s.add(urlBuilt, after: 1)
        s.add(.stepWaiting(StepWaiting(step: "redirect", prompt: "Open the authorization URL")), after: 1)
        return s
    }
}

/// Compares rendered text with a file beside the tests. A missing or different snapshot fails; snapshots are
/// written only when OAUTHSCOPE_RECORD_SNAPSHOTS=1.
func assertSnapshot(_ text: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = dir.appendingPathComponent(name + ".txt")
    let actual = text + "\n"
    if ProcessInfo.processInfo.environment["OAUTHSCOPE_RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            try actual.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            Issue.record("could not record snapshot \(file.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("missing snapshot \(file.path); record it with OAUTHSCOPE_RECORD_SNAPSHOTS=1 swift test --filter TerminalUITests, then read it", sourceLocation: sourceLocation)
        return
    }
    if expected != actual {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(e, a)).firstIndex { $0 != $1 } ?? min(e.count, a.count)
        let want = line < e.count ? String(e[line]) : "<end>"
        let got = line < a.count ? String(a[line]) : "<end>"
        Issue.record("snapshot \(name) differs at line \(line + 1):\n  expected: \(want)\n  actual:   \(got)\n(re-record with OAUTHSCOPE_RECORD_SNAPSHOTS=1 if the change is intended)", sourceLocation: sourceLocation)
    }
}

func render(_ state: FlowState, _ ui: UIState = UIState.test, width: Int = 120, height: Int = 40, glyphs: Glyphs = .unicode) -> CellGrid {
    renderScreen(state: state, ui: ui, theme: .defaultDark, width: width, height: height, glyphs: glyphs)
}

extension UIState {
    static var test: UIState {
        var ui = UIState(timeZone: TimeZone(secondsFromGMT: 0) ?? .current)
        ui.title = "oauthscope demo"
        return ui
    }
}

/// Test logs name a script by its size and last event, not by printing every event in it.
extension EventScript: CustomTestStringConvertible {
    var testDescription: String { "\(events.count) events ending in \(events.last?.type ?? "nothing")" }
}
