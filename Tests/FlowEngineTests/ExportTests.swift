import FlowEngine
import Foundation
import OAuthCore
import Testing

/// A flow as a recording made with `--reveal` reads back: every value decoded as public text, secrets in clear.
enum ExportFixture {
    static let code = "SplxlOBeZQQYbYS6WxSbIA-secret-code"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let accessToken = "2YotnFZFEjr1zCsicMWpAA-access-token"
    static let refreshToken = "tGzv3JOkF0XG5Qx2TlKWIA-refresh-token"
    static let basic = "Basic " + Data("oauthscope-demo:demo-client-secret-value".utf8).base64EncodedString()
    static let issuer = "http://127.0.0.1:9400"

    static func events(provider: String = "embedded provider", path: String = "/callback", failed: FlowFailed? = nil, tokenURL: String = issuer + "/token", purpose: HopPurpose = "token") -> [FlowEvent] {
        let t0 = Date(timeIntervalSince1970: 1_796_378_854)
        let payloads: [FlowEvent.Payload] = [
            .flowStarted(FlowStarted(mode: "demo", provider: provider, clientID: "oauthscope-demo", redirectURI: "http://127.0.0.1:8765/callback")),
            .httpRequest(HTTPRequestCapture(purpose: "discovery", method: "GET", url: issuer + "/.well-known/openid-configuration", headers: [HeaderField("Accept", "application/json")], body: "")),
            .httpResponse(HTTPResponseCapture(purpose: "discovery", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Sensitive(public: "{\"issuer\":\"\(issuer)\"}"), elapsedMs: 14)),
            .discoveryCompleted(DiscoveryCompleted(issuer: issuer, url: issuer + "/.well-known/openid-configuration", authorizationEndpoint: issuer + "/authorize", tokenEndpoint: issuer + "/token", jwksURI: issuer + "/jwks", userinfoEndpoint: nil, metadata: .object([]), elapsedMs: 14)),
            .urlBuilt(AuthorizationURLBuilt(url: issuer + "/authorize?response_type=code&state=abc", params: .object([("state", .string("abc"))]), pkce: .init(method: "S256", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), endpoint: issuer + "/authorize")),
            .userRedirected(UserRedirected(via: "simulated", command: nil)),
            .callbackReceived(CallbackReceived(method: "GET", path: path, query: .object([("code", .string(code)), ("state", .string("abc"))]), remote: "127.0.0.1:5000", verdict: .accepted, status: 200)),
            .codeReceived(CodeReceived(code: Sensitive(public: code), checks: [Check("state", ok: true, "state equals the one sent")])),
            .tokenRequest(HTTPRequestCapture(purpose: purpose, method: "POST", url: tokenURL, headers: [
                HeaderField("Authorization", Sensitive(public: basic)), HeaderField("Content-Type", "application/x-www-form-urlencoded"),
            ], body: Sensitive(public: "grant_type=authorization_code&code=\(code)&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_verifier=\(verifier)"))),
            .tokenResponse(HTTPResponseCapture(purpose: purpose, status: failed == nil ? 200 : 400, headers: [HeaderField("Content-Type", "application/json")],
                body: Sensitive(public: failed == nil ? "{\"access_token\":\"\(accessToken)\",\"token_type\":\"Bearer\",\"refresh_token\":\"\(refreshToken)\"}" : "{\"error\":\"invalid_grant\"}"), elapsedMs: 7)),
            .httpRequest(HTTPRequestCapture(purpose: "jwks", method: "GET", url: issuer + "/jwks", headers: [HeaderField("Accept", "application/json")], body: "")),
            .httpResponse(HTTPResponseCapture(purpose: "jwks", status: 200, headers: [], body: "{\"keys\":[]}", elapsedMs: 3)),
            .finding(Finding(.warn, "pkce.plain", "PKCE plain offers no protection", ref: "RFC 7636 §4.2", step: "url")),
            failed.map { .flowFailed($0) } ?? .tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 3600, scope: "openid", accessToken: Sensitive(public: accessToken), refreshToken: Sensitive(public: refreshToken),
                idToken: IDTokenSummary(header: .object([]), claims: .object([]), checks: [Check("signature", ok: false, "no key matches kid")]), extra: nil)),
            .flowCompleted(FlowCompleted(elapsedMs: 40)),
        ]
        let used = failed == nil ? payloads : Array(payloads.dropLast())
        return used.enumerated().map { i, p in FlowEvent(seq: i + 1, time: t0.addingTimeInterval(Double(i) / 100), flow: "fTEST", payload: p) }
    }

    static let secrets = [code, verifier, accessToken, refreshToken, String(basic.dropFirst(6))]
}

@Suite("Export redaction")
struct ExportRedactionTests {
    @Test("values already redacted are left as they are; clear ones are redacted")
    func idempotent() {
        #expect(ExportRedaction.looksRedacted("49t8…(43)"))
        #expect(ExportRedaction.looksRedacted("…(9)"))
        #expect(!ExportRedaction.looksRedacted("49t8X…(43)"))
        #expect(!ExportRedaction.looksRedacted("plain"))
        #expect(ExportRedaction.secret("49t8…(43)") == "49t8…(43)")
        #expect(ExportRedaction.secret(ExportFixture.code) == Secret.redact(ExportFixture.code))
        let form = "grant_type=authorization_code&code=\(ExportFixture.code)&state=s"
        let once = ExportRedaction.form(form)
        #expect(once == "grant_type=authorization_code&code=\(Secret.redact(ExportFixture.code))&state=s")
        #expect(ExportRedaction.form(once) == once)
        #expect(ExportRedaction.header(name: "Authorization", value: ExportFixture.basic).hasPrefix("Basic "))
        #expect(!ExportRedaction.header(name: "authorization", value: ExportFixture.basic).contains(ExportFixture.basic.dropFirst(6)))
        #expect(ExportRedaction.url("http://h/cb?code=\(ExportFixture.code)#x") == "http://h/cb?code=\(Secret.redact(ExportFixture.code))#x")
    }
}

@Suite("HAR export")
struct HARExportTests {
    func har(_ events: [FlowEvent], reveal: Bool = false) throws -> JSONValue {
        let text = ExportFormat.har.render(events, reveal: reveal, toolVersion: "9.9.9")
        return try #require(JSONValue.parse(text))
    }

    @Test("one page per flow, one entry per client exchange and per callback, with timings and custom fields")
    func structure() throws {
        let events = ExportFixture.events()
        let log = try #require(try har(events)["log"])
        #expect(log["version"] == .string("1.2"))
        #expect(log["creator"]?["version"] == .string("9.9.9"))
        #expect(log["pages"]?.arrayValue?.count == 1)
        #expect(log["pages"]?.arrayValue?.first?["id"] == .string("fTEST"))
        let entries = try #require(log["entries"]?.arrayValue)
        let requests = events.filter { $0.type == "http.request" || $0.type == "token.request" }.count
        let callbacks = events.filter { $0.type == "callback.received" }.count
        #expect(entries.count == requests + callbacks)
        let purposes = entries.compactMap { $0["_oauthscope_purpose"]?.stringValue }
        #expect(purposes == ["discovery", "callback", "token", "jwks"])
        let token = entries[2]
        #expect(token["time"] == .number(7))
        #expect(token["timings"]?["wait"] == .number(7))
        #expect(token["request"]?["method"] == .string("POST"))
        let params = try #require(token["request"]?["postData"]?["params"]?.arrayValue)
        #expect(params.first?["name"] == .string("grant_type"))
        #expect(params.first { $0["name"] == .string("code") }?["value"] == .string(Secret.redact(ExportFixture.code)))
        #expect(token["response"]?["status"] == .number(200))
        #expect(token["response"]?["statusText"] == .string("OK"))
        #expect(token["_oauthscope_checks"]?.arrayValue?.first?["ok"] == .bool(false))
        let callback = entries[1]
        #expect(callback["_oauthscope_verdict"] == .string("accepted"))
        #expect(callback["request"]?["url"]?.stringValue?.hasPrefix("http://127.0.0.1:8765/callback?code=") == true)
        #expect(callback["_oauthscope_checks"]?.arrayValue?.count == 1)
        #expect(log["pages"]?.arrayValue?.first?["_oauthscope_outcome"]?["result"] == .string("completed"))
        #expect(log["pages"]?.arrayValue?.first?["_oauthscope_findings"]?.arrayValue?.first?["ref"] == .string("RFC 7636 §4.2"))
    }

    @Test("a recording made with --reveal is redacted again unless the export reveals too")
    func redaction() {
        let events = ExportFixture.events()
        let redacted = ExportFormat.har.render(events, reveal: false)
        for s in ExportFixture.secrets { #expect(!redacted.contains(s), "\(s) leaked") }
        let revealed = ExportFormat.har.render(events, reveal: true)
        for s in ExportFixture.secrets { #expect(revealed.contains(s), "\(s) missing with --reveal") }
    }
}

@Suite("curl export")
struct CurlExportTests {
    @Test("secrets become variables named at the top; nothing secret is inlined")
    func variables() {
        let script = ExportFormat.curl.render(ExportFixture.events(), reveal: false)
        for s in ExportFixture.secrets { #expect(!script.contains(s), "\(s) leaked") }
        #expect(script.contains("\"${OAUTHSCOPE_CODE}\""))
        #expect(script.contains("\"${OAUTHSCOPE_CODE_VERIFIER}\""))
        #expect(script.contains("\n  --user 'oauthscope-demo:'\"${OAUTHSCOPE_CLIENT_SECRET}\" \\\n"))
        #expect(script.contains("\n  --data-urlencode 'code='\"${OAUTHSCOPE_CODE}\" \\\n"))
        #expect(script.contains("#   OAUTHSCOPE_CLIENT_SECRET"))
        #expect(script.contains("\"${OAUTHSCOPE_ISSUER}\"'/jwks'"))
        let hops = script.components(separatedBy: "\ncurl ").count - 1
        #expect(hops == 3)
        let revealed = ExportFormat.curl.render(ExportFixture.events(), reveal: true)
        #expect(revealed.contains(ExportFixture.code))
        #expect(!revealed.contains("OAUTHSCOPE_CODE"))
    }

    @Test("bash parses the script, and a crafted recording runs no command of its own")
    func hostile() throws {
        let nasty = "x'\"; touch pwned-$(id -u) `touch pwned2`\ntouch pwned3 #\u{1b}]2;owned\u{07}\u{202e}"
        let events = ExportFixture.events(provider: nasty, path: "/cb\n touch pwned4", tokenURL: "http://127.0.0.1:1/t?a='$(touch pwned5)'", purpose: HopPurpose(rawValue: "tok\nen; touch pwned6" + nasty))
        let script = ExportFormat.curl.render(events, reveal: false)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curl-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A stand-in curl that prints each argument on its own line.
        let fake = dir.appendingPathComponent("curl")
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        try script.write(to: dir.appendingPathComponent("replay.sh"), atomically: true, encoding: .utf8)
        let syntax = try run("/bin/bash", ["-n", "replay.sh"], in: dir)
        #expect(syntax.status == 0)
        let result = try run("/bin/bash", ["replay.sh"], in: dir, path: dir.path + ":/usr/bin:/bin")
        #expect(result.status == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["curl", "replay.sh"])
        #expect(result.output.contains("http://127.0.0.1:1/t?a='$(touch pwned5)'"))
        // What a terminal would act on is quoted as $'\x1b...', never written raw.
        #expect(!script.unicodeScalars.contains { TerminalSafeText.needsEscape($0) && $0 != "\n" })
        #expect(script.contains("\\x1b]2;owned\\x07\\u202e"))
    }

    private func run(_ exe: String, _ args: [String], in dir: URL, path: String? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        if let path { env["PATH"] = path }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite("Markdown export")
struct MarkdownExportTests {
    @Test("summary, steps, findings, a sequence diagram and each hop in fenced blocks")
    func report() {
        let failure = FlowFailed(reason: "the token endpoint refused the code", error: "invalid_grant", hint: "codes are single use", step: "exchange")
        let md = ExportFormat.markdown.render(ExportFixture.events(failed: failure), reveal: false)
        #expect(md.contains("| Outcome | **failed** at step *Token exchanged* |"))
        #expect(md.contains("| Error | `invalid_grant` |"))
        #expect(md.contains("| URL built | ✅ done |"))
        #expect(md.contains("| Token exchanged | ❌ **failed** |"))
        #expect(md.contains("RFC 7636 §4\\.2"))
        #expect(md.contains("```mermaid\nsequenceDiagram\n"))
        #expect(md.contains("O->>P1: POST /token (token)"))
        #expect(md.contains("P1-->>O: HTTP 400 in 7 ms"))
        for s in ExportFixture.secrets { #expect(!md.contains(s), "\(s) leaked") }
    }

    @Test("a flood of callbacks keeps the report and its diagram bounded, and says how much it left out")
    func bounded() {
        var events = ExportFixture.events()
        let stray = CallbackReceived(method: "GET", path: "/favicon.ico", query: .object([]), remote: "127.0.0.1:1", verdict: .stray, status: 404)
        for i in 0..<1_000 { events.append(FlowEvent(seq: 100 + i, time: events[0].time, flow: "fTEST", payload: .callbackReceived(stray))) }
        let md = ExportFormat.markdown.render(events, reveal: false)
        let diagram = md.components(separatedBy: "```mermaid\n")[1].components(separatedBy: "\n```")[0]
        #expect(diagram.split(separator: "\n").count < 100)
        #expect(diagram.contains("more messages not drawn"))
        let exchanges = 4 + 1_000
        #expect(md.contains("\(exchanges - 100) more exchanges are not shown here"))
        #expect(md.components(separatedBy: "callback: GET").count - 1 <= 100)
    }

    @Test("hostile values cannot close a fence, break the diagram or become markup")
    func hostile() {
        let body = "```` not the end\n```\n# heading\u{1b}[2J"
        var events = ExportFixture.events(provider: "<img src=x onerror=alert(1)> [link](http://evil) ;\nNote over O: injected", path: "/cb;\nO->>B: forged")
        events.insert(FlowEvent(seq: 99, time: events[1].time, flow: "fTEST", payload: .httpRequest(HTTPRequestCapture(purpose: "api", method: "POST", url: "http://h/x", headers: [], body: Sensitive(public: body)))), at: 2)
        let md = ExportFormat.markdown.render(events, reveal: false)
        #expect(md.contains("\n`````http\nPOST http://h/x\n\n" + body.split(separator: "\n").map { TerminalSafeText.escape(String($0)) }.joined(separator: "\n") + "\n`````\n"))
        #expect(!md.unicodeScalars.contains { TerminalSafeText.needsEscape($0) && $0 != "\n" })
        // Outside code spans, every punctuation mark is escaped; inside one, nothing is markup.
        #expect(md.hasPrefix("# oauthscope report: \\<img src\\=x onerror\\=alert\\(1\\)\\> \\[link\\]\\(http"))
        #expect(md.contains("| Provider | `<img src=x onerror=alert(1)> [link](http://evil) ;\\x0aNote over O: injected` |"))
        let diagram = md.components(separatedBy: "```mermaid\n")[1].components(separatedBy: "\n```")[0]
        for line in diagram.split(separator: "\n").dropFirst() {
            #expect(line.hasPrefix("    participant ") || line.hasPrefix("    Note over ") || line.contains("->>") || line.contains("-->>"), "unexpected line \(line)")
            let withoutEntities = line.replacingOccurrences(of: "#[0-9]+;", with: "", options: .regularExpression)
            #expect(!withoutEntities.contains(";") && !withoutEntities.contains("#"))
        }
        #expect(!diagram.contains("O->>B: forged"))
        #expect(!diagram.contains("Note over O: injected"))
    }
}

@Suite("Recording header and the committed recording")
struct RecordingFormatTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/recordings/demo-2026-12-04.jsonl").path

    @Test("the command line keeps its words but not its secrets")
    func commandLine() {
        let argv = ["oauthscope", "flow", "--client-secret", "s3cr3t-value-long", "--client-secret=other-secret-value", "--param", "code=abcdefghijklmnop",
                    "--token-header", "Authorization: Bearer tokentokentoken", "--param", "prompt=consent", "--scope", "openid"]
        let r = RecordingHeader.redactedCommandLine(argv)
        #expect(r.count == argv.count)
        for secret in ["s3cr3t-value-long", "other-secret-value", "abcdefghijklmnop", "tokentokentoken"] {
            #expect(!r.joined(separator: " ").contains(secret))
        }
        #expect(r.contains("prompt=consent"))
        #expect(r.contains("Authorization: Bearer " + Secret.redact("tokentokentoken")))
        #expect(r.last == "openid")
    }

    @Test("a header line round-trips and is not read as an event")
    func header() throws {
        let h = RecordingHeader(arguments: ["oauthscope", "demo", "--record", "x.jsonl"], time: Date(timeIntervalSince1970: 1_796_378_854))
        let parsed = try #require(RecordingHeader.parse(jsonLine: h.jsonLine()))
        #expect(parsed == h)
        #expect(RecordingHeader.parse(jsonLine: ExportFixture.events()[0].jsonLine()) == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [h.jsonLine()] + ExportFixture.events().map { $0.jsonLine() }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let rec = try RecordingReader.load(path: path)
        #expect(rec.header == h)
        #expect(rec.problems.isEmpty)
        #expect(rec.events.count == ExportFixture.events().count)
    }

    @Test("the recording committed on 2026-12-04 still reads, folds to a completed flow and exports")
    func committedRecording() throws {
        let rec = try RecordingReader.load(path: Self.fixture)
        #expect(rec.problems.isEmpty)
        #expect(rec.header?.format == 1)
        #expect(rec.header?.command.contains("demo") == true)
        var state = FlowState()
        for e in rec.events { state.apply(e) }
        guard case .completed = state.outcome else {
            Issue.record("the recorded flow did not complete: \(state.outcome)")
            return
        }
        #expect(GrantDescription.authorizationCode.steps.allSatisfy { state[$0].status == .done })
        let har = try #require(JSONValue.parse(ExportFormat.har.render(rec.events, reveal: false)))
        let hops = rec.events.filter { $0.type == "http.request" || $0.type == "token.request" || $0.type == "callback.received" }.count
        #expect(har["log"]?["entries"]?.arrayValue?.count == hops)
        #expect(ExportFormat.curl.render(rec.events, reveal: false).contains("--url \"${OAUTHSCOPE_ISSUER}\"'/jwks'"))
        #expect(ExportFormat.markdown.render(rec.events, reveal: false).contains("```mermaid\nsequenceDiagram"))
        // The same recording without its header line, as older builds wrote it, reads the same events.
        let text = try String(contentsOfFile: Self.fixture, encoding: .utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("old-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.split(separator: "\n").dropFirst().joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let old = try RecordingReader.load(path: path)
        #expect(old.header == nil)
        #expect(old.events == rec.events)
    }
}

@Suite("Reading recorded order")
struct MemberOrderTests {
    @Test("headers and callback parameters read back in the order they were recorded")
    func order() throws {
        let request = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_796_378_854), flow: "f", payload: .tokenRequest(HTTPRequestCapture(
            purpose: "token", method: "POST", url: "http://h/token",
            headers: [HeaderField("Zeta", "1"), HeaderField("Authorization", "Basic …(20)"), HeaderField("Accept", "application/json")], body: "")))
        let back = try FlowEvent.parse(jsonLine: request.jsonLine())
        guard case .tokenRequest(let r) = back.payload else { Issue.record("wrong type"); return }
        #expect(r.headers.map(\.name) == ["Zeta", "Authorization", "Accept"])
        let callback = FlowEvent(seq: 2, time: request.time, flow: "f", payload: .callbackReceived(CallbackReceived(
            method: "GET", path: "/cb", query: .object([("state", .string("s")), ("code", .string("…(9)")), ("iss", .string("i"))]), remote: "r", verdict: .accepted)))
        guard case .callbackReceived(let c) = try FlowEvent.parse(jsonLine: callback.jsonLine()).payload else { Issue.record("wrong type"); return }
        #expect(c.query.objectValue?.map(\.0) == ["state", "code", "iss"])
    }
}
