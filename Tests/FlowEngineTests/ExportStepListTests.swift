import FlowEngine
import Foundation
import OAuthCore
import Testing

/// The exports list the steps of the grant a recording ran (its `GrantDescription`, as the TUI and the plain
/// printer do), and for `listen` what listening did; a grant without a redirect shows no browser, no callback
/// listener and no redirect URI.
@Suite("Export step lists")
struct ExportStepListTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_378_854)

    static func recording(_ payloads: [FlowEvent.Payload], flow: String = "fG") -> [FlowEvent] {
        payloads.enumerated().map { i, p in FlowEvent(seq: i + 1, time: t0.addingTimeInterval(Double(i) / 100), flow: flow, payload: p) }
    }

    /// A grant without a redirect, run to its end against the token endpoint.
    static func directGrant(_ grant: GrantDescription) -> [FlowEvent] {
        let url = "http://127.0.0.1:9400/token"
        return recording([
            .flowStarted(FlowStarted(mode: "demo", provider: "embedded provider", clientID: "oauthscope-demo", redirectURI: "http://127.0.0.1:8765/callback", grant: grant.id)),
            .tokenRequest(HTTPRequestCapture(purpose: "token", method: "POST", url: url, headers: [HeaderField("Content-Type", "application/x-www-form-urlencoded")], body: "grant_type=x")),
            .tokenResponse(HTTPResponseCapture(purpose: "token", status: 200, headers: [HeaderField("Content-Type", "application/json")], body: "{\"token_type\":\"Bearer\"}", elapsedMs: 5)),
            .flowCompleted(FlowCompleted(elapsedMs: 9)),
        ])
    }

    /// The first column of the table under `heading`.
    static func tableRows(_ markdown: String, under heading: String) -> [String] {
        let lines = markdown.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.hasSuffix(" " + heading) }) else { return [] }
        var rows: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("| "), !line.hasPrefix("|---") else { continue }
            rows.append(line.dropFirst(2).components(separatedBy: " |").first ?? "")
        }
        return Array(rows.dropFirst())
    }

    @Test("a grant without a redirect lists its own steps, and no browser, listener or redirect URI", arguments: [GrantDescription.clientCredentials, .refreshToken, .tokenExchange, .device])
    func directGrants(grant: GrantDescription) throws {
        let md = ExportFormat.markdown.render(Self.directGrant(grant), reveal: false)
        #expect(Self.tableRows(md, under: "Steps") == grant.steps.map(\.label))
        #expect(!md.contains("User redirected") && !md.contains("Code received"))
        #expect(!md.contains("participant B as Browser") && !md.contains("Callback listener"))
        #expect(!md.contains("| Redirect URI |"))
        #expect(md.contains("| Grant | `\(grant.id)` |"))
    }

    @Test("the authorization code keeps its four steps, the browser and the redirect URI")
    func authorizationCode() {
        let md = ExportFormat.markdown.render(ExportFixture.events(), reveal: false)
        #expect(Self.tableRows(md, under: "Steps") == GrantDescription.authorizationCode.steps.map(\.label))
        #expect(md.contains("participant B as Browser") && md.contains("| Redirect URI |"))
    }

    @Test("a listen recording lists what listening did: the redirect URI watched, where, and the callbacks by verdict; no flow steps")
    func listen() {
        let events = Self.recording([
            .flowStarted(FlowStarted(mode: "listen", provider: "watching callbacks", clientID: nil, redirectURI: "http://127.0.0.1:8799/callback")),
            .listenerStarted(ListenerStarted(addresses: ["127.0.0.1:8799"], redirectURI: "http://127.0.0.1:8799/callback", forward: "http://127.0.0.1:3000/cb")),
            .callbackReceived(CallbackReceived(method: "GET", path: "/callback", query: .object([("code", .string("c1"))]), remote: "127.0.0.1:5000", verdict: .accepted, status: 200)),
            .callbackReceived(CallbackReceived(method: "GET", path: "/favicon.ico", query: .object([]), remote: "127.0.0.1:5000", verdict: .stray, status: 404)),
            .callbackReceived(CallbackReceived(method: "GET", path: "/callback", query: .object([("code", .string("c2"))]), remote: "127.0.0.1:5000", verdict: .accepted, status: 200)),
        ], flow: "listen")
        let md = ExportFormat.markdown.render(events, reveal: false)
        #expect(Self.tableRows(md, under: "Steps").isEmpty && !md.contains("# Steps"))
        for label in GrantDescription.authorizationCode.steps.map(\.label) { #expect(!md.contains(label)) }
        let rows = Self.tableRows(md, under: "Listening")
        #expect(rows == ["`http://127.0.0.1:8799/callback`"])
        let row = md.components(separatedBy: "\n").first { $0.hasPrefix("| `http://127.0.0.1:8799/callback` |") } ?? ""
        #expect(row.contains("`127.0.0.1:8799`") && row.contains("`http://127.0.0.1:3000/cb`"))
        #expect(row.contains("2 accepted") && row.contains("1 stray"))
    }

    @Test("HAR: a grant without a redirect names its grant and no redirect URI on its page")
    func harPages() throws {
        let har = ExportFormat.har.render(Self.directGrant(.clientCredentials), reveal: false)
        let page = try #require(JSONValue.parse(har)?["log"]?["pages"]?.arrayValue?.first)
        #expect(page["_oauthscope_redirect_uri"] == nil)
        #expect(page["_oauthscope_grant"]?.stringValue == GrantDescription.clientCredentials.id)
        let code = try #require(JSONValue.parse(ExportFormat.har.render(ExportFixture.events(), reveal: false))?["log"]?["pages"]?.arrayValue?.first)
        #expect(code["_oauthscope_redirect_uri"]?.stringValue == "http://127.0.0.1:8765/callback")
    }
}
