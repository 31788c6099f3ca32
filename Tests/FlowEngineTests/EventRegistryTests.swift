import FlowEngine
import Foundation
import OAuthCore
import Testing

@Suite("Event-type registry")
struct EventRegistryTests {
    /// One payload of each kind. The switch is exhaustive: a kind added to the registry without a sample here
    /// does not compile, so every registered type is round-tripped below.
    static func sample(_ kind: FlowEvent.Payload.Kind) -> FlowEvent.Payload {
        let request = HTTPRequestCapture(purpose: "userinfo", method: "GET", url: "https://p.example/userinfo", headers: [HeaderField("Accept", "application/json")], body: "")
        let response = HTTPResponseCapture(purpose: "userinfo", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: "{}", elapsedMs: 12)
        switch kind {
        case .flowStarted: return .flowStarted(FlowStarted(mode: "demo", provider: "embedded", clientID: "c1", redirectURI: "http://127.0.0.1:8765/callback", followUps: ["userinfo"], profile: "work"))
        case .listenerStarted: return .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8765"], redirectURI: "http://127.0.0.1:8765/callback"))
        case .discoveryCompleted: return .discoveryCompleted(DiscoveryCompleted(issuer: "https://p.example", url: "https://p.example/.well-known/openid-configuration", authorizationEndpoint: "https://p.example/authorize", tokenEndpoint: "https://p.example/token", jwksURI: nil, userinfoEndpoint: "https://p.example/userinfo", metadata: .object([("issuer", .string("https://p.example"))]), elapsedMs: 7))
        case .httpRequest: return .httpRequest(request)
        case .httpResponse: return .httpResponse(response)
        case .urlBuilt: return .urlBuilt(AuthorizationURLBuilt(url: "https://p.example/authorize?client_id=c1", params: .object([("client_id", .string("c1"))]), pkce: .init(method: "S256", challenge: "abc"), endpoint: "https://p.example/authorize"))
        case .userRedirected: return .userRedirected(UserRedirected(via: "simulated", command: nil))
        case .callbackReceived: return .callbackReceived(CallbackReceived(method: "GET", path: "/callback", query: .object([("state", .string("s"))]), remote: "127.0.0.1:50000", verdict: .duplicate, detail: "seen before", status: 400))
        case .codeReceived: return .codeReceived(CodeReceived(code: "abc…(20)", checks: [Check("state", ok: true, "matches")]))
        case .tokenRequest: return .tokenRequest(HTTPRequestCapture(purpose: "token", method: "POST", url: "https://p.example/token", headers: [HeaderField("Accept", "a"), HeaderField("Accept", "b")], body: "grant_type=authorization_code"))
        case .tokenResponse: return .tokenResponse(HTTPResponseCapture(purpose: "token", status: 400, headers: [], body: "{\"error\":\"invalid_grant\"}", elapsedMs: 30))
        case .tokenExchanged: return .tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 3600, scope: "openid", accessToken: "eyJh…(812)", refreshToken: nil, idToken: IDTokenSummary(header: .object([("alg", .string("RS256"))]), claims: .object([("sub", .string("u"))]), checks: [Check("iss", ok: false, "wrong issuer")]), extra: nil))
        case .finding: return .finding(Finding(.warn, "token.expires_in_string", "expires_in is a string", ref: "RFC 6749 §5.1", step: "exchange"))
        case .stepWaiting: return .stepWaiting(StepWaiting(step: "exchange", prompt: "exchange the code", hop: "userinfo", request: request))
        case .flowCompleted: return .flowCompleted(FlowCompleted(elapsedMs: 1234))
        case .flowFailed: return .flowFailed(FlowFailed(reason: "the provider refused the code", error: "invalid_grant", hint: "codes are single-use", step: "exchange"))
        case .busOverflow: return .busOverflow(BusOverflow(dropped: 3))
        case .actionCompleted: return .actionCompleted(ActionCompleted(action: "refresh", ok: true, summary: "the refresh token rotated", rotated: true))
        case .doctorStarted: return .doctor(.started(DoctorStarted(provider: "embedded", probes: ["state-echoed"], approvals: 1, user: "simulated")))
        case .probeStarted: return .doctor(.probeStarted(ProbeStarted(probe: "state-echoed", asks: "is state echoed?", ref: "RFC 6749 §4.1.2")))
        case .probeCompleted: return .doctor(.probeCompleted(ProbeCompleted(probe: "state-echoed", result: .warn, detail: "d", ref: "RFC 6749 §4.1.2", fix: "f")))
        case .doctorCompleted: return .doctor(.completed(DoctorCompleted(counts: ProbeCounts(pass: 2, skip: 1), elapsedMs: 9)))
        case .lessonStarted: return .lessonStarted(LessonStarted(name: "deny", title: "The user refuses", intro: "i", staged: ["the simulated user clicks Deny"], expected: "access_denied", ref: "RFC 6749 §4.1.2.1"))
        case .lessonCompleted: return .lessonCompleted(LessonCompleted(name: "deny", outcome: "failed", error: "access_denied", expected: "access_denied", asExpected: true, explanation: "e", ref: "RFC 6749 §4.1.2.1"))
        case .requestEdited: return .requestEdited(RequestEdited(hop: "userinfo", edit: "set scope=openid", ok: true, request: request))
        case .deviceAuthorization: return .deviceAuthorization(DeviceAuthorizationIssued(userCode: "BCDF-GHJK", verificationURI: "https://p.example/device", verificationURIComplete: "https://p.example/device?user_code=BCDF-GHJK", expiresIn: 600, interval: 5, deviceCode: "Gmrh…(43)"))
        case .devicePoll: return .devicePoll(DevicePoll(attempt: 2, status: .slowDown, interval: 10, error: "slow_down"))
        case .clientAssertion: return .clientAssertion(ClientAssertionBuilt(hop: "token", method: "private_key_jwt", header: .object([("alg", .string("ES256")), ("kid", .string("k1"))]), claims: .object([("exp", .number(1_790_000_060)), ("iss", .string("c1"))]), explanation: "e", ref: "RFC 7523 §2.2"))
        case .authorizationPushed: return .authorizationPushed(AuthorizationPushed(endpoint: "https://p.example/par", requestURI: "urn:ietf:params:oauth:request_uri:abc", expiresIn: 60, url: "https://p.example/authorize?client_id=c1&request_uri=x", status: 201))
        case .dpopProof: return .dpopProof(DPoPProofShown(hop: "token", thumbprint: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", header: .object([("typ", .string("dpop+jwt"))]), claims: .object([("htm", .string("POST"))]), explanation: ["typ: a proof"], retry: false))
        }
    }

    @Test("every registered type round-trips encode → decode, and keeps its wire name", arguments: FlowEvent.Payload.Kind.allCases)
    func roundTrip(kind: FlowEvent.Payload.Kind) throws {
        let payload = Self.sample(kind)
        #expect(payload.kind == kind)
        let event = FlowEvent(seq: 7, time: Date(timeIntervalSince1970: 1_790_000_000), flow: "f1", payload: payload)
        let line = event.jsonLine()
        #expect(line.contains("\"type\":\"\(kind.rawValue)\""))
        let back = try FlowEvent.parse(jsonLine: line)
        #expect(back == event)
        // Written again, the line is the same bytes.
        #expect(back.jsonLine() == line)
    }

    @Test("wire names are unique and lower-case dotted")
    func names() {
        let names = FlowEvent.Payload.Kind.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "." || $0 == "_" } })
    }

    @Test("an unknown type is refused by name, and a recording with one still plays the rest")
    func unknownType() throws {
        let good = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_790_000_000), flow: "f1", payload: .flowCompleted(FlowCompleted(elapsedMs: 5)))
        let unknown = #"{"v":1,"seq":2,"time":"2026-09-21T12:00:00.000Z","flow":"f1","type":"example.never_registered","status":"pending"}"#
        #expect(throws: FlowEventDecodingError.self) { try FlowEvent.parse(jsonLine: unknown) }
        do {
            _ = try FlowEvent.parse(jsonLine: unknown)
        } catch {
            #expect(String(describing: error).contains("example.never_registered"))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (good.jsonLine() + "\n" + unknown + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let read = try RecordingReader.read(path: path)
        #expect(read.events == [good])
        #expect(read.problems.count == 1)
        #expect(read.problems.first.map { String(describing: $0).contains(":2:") } == true)
    }

    @Test("an event type without a summary of its own still gets a readable line, secrets redacted")
    func genericSummary() {
        struct Probe: EventPayload {
            var target: String
            var secret: Sensitive
        }
        let line = Probe(target: "https://p.example", secret: Sensitive(clear: "s3cret-value", redacted: "s3c…(12)")).summary(reveal: false)
        #expect(line == "target=https://p.example secret=s3c…(12)")
    }

    @Test("purpose and via are typed inside and plain strings on the wire; values this build does not know still read")
    func vocabulary() throws {
        let known = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_790_000_000), flow: "f", payload: .userRedirected(UserRedirected(via: .printed, command: nil)))
        #expect(known.jsonLine().contains(#""via":"printed""#))
        let odd = #"{"v":1,"seq":2,"time":"2026-09-21T12:00:00.000Z","flow":"f","type":"user.redirected","via":"carrier-pigeon"}"#
        guard case .userRedirected(let r) = try FlowEvent.parse(jsonLine: odd).payload else { Issue.record("not user.redirected"); return }
        #expect(r.via == RedirectVia(rawValue: "carrier-pigeon"))
        #expect(r.via != .browser)

        let call = #"{"v":1,"seq":3,"time":"2026-09-21T12:00:00.000Z","flow":"f","type":"http.request","purpose":"accessible-resources","method":"GET","url":"https://api.example/x"}"#
        guard case .httpRequest(let req) = try FlowEvent.parse(jsonLine: call).payload else { Issue.record("not http.request"); return }
        #expect(req.purpose.rawValue == "accessible-resources")
        #expect(GrantDescription.authorizationCode.step(forPurpose: req.purpose) == .tokenExchanged)
        #expect(GrantDescription.authorizationCode.step(forPurpose: .discovery) == .urlBuilt)
        // A token request written before `purpose` existed is the code exchange.
        let old = #"{"v":1,"seq":4,"time":"2026-09-21T12:00:00.000Z","flow":"f","type":"token.request","method":"POST","url":"https://p.example/token"}"#
        guard case .tokenRequest(let t) = try FlowEvent.parse(jsonLine: old).payload else { Issue.record("not token.request"); return }
        #expect(t.purpose == .token)
    }
}
