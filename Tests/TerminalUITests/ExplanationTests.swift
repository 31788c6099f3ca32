import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// The detail pane explains what the seeds send: a JSON token request field by field, a provider's own members
/// from its preset's glossary, an error code with its section, and the bell key.
@Suite("Explanations in the detail pane, and the bell")
struct ExplanationTests {
    /// A BitBadges-style flow: a JSON token request, a token response with the provider's own members.
    static var bitbadges: EventScript {
        var s = EventScript()
        s.add(.flowStarted(FlowStarted(mode: "demo", provider: "embedded provider imitating BitBadges", clientID: "demo-client", redirectURI: Fixture.redirectURI,
                                       settings: [SettingOrigin(name: "preset", value: "bitbadges", source: "flag")])), after: 0)
        s.add(Fixture.urlBuilt, after: 1)
        s.add(.userRedirected(UserRedirected(via: "simulated", command: nil)), after: 3)
        s.add(Fixture.acceptedCallback, after: 200)
        s.add(Fixture.codeReceived, after: 1)
        let body = #"{"grant_type":"authorization_code","code":"\#(Fixture.code)","client_id":"demo-client","client_secret":"s3cret","redirect_uri":"\#(Fixture.redirectURI)","code_verifier":"\#(Fixture.verifier)"}"#
        s.add(.tokenRequest(HTTPRequestCapture(purpose: "token", method: "POST", url: "\(Fixture.issuer)/token", headers: [HeaderField("Content-Type", "application/json")],
                                               body: Redactor.jsonBody(body))), after: 2)
        let json = #"{"access_token":"\#(Fixture.accessToken)","token_type":"Bearer","expires_in":86400,"address":"0xabc","chain":"Ethereum","bitbadgesAddress":"bb1xyz","scope":"completeClaims"}"#
        s.add(Fixture.tokenResponse(status: 200, json: json), after: 30)
        s.add(.tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 86400, scope: "completeClaims", accessToken: Sensitive(Secret(Fixture.accessToken)), refreshToken: nil, idToken: nil,
                                             extra: .object([("address", .string("0xabc")), ("chain", .string("Ethereum")), ("bitbadgesAddress", .string("bb1xyz"))]))), after: 2)
        s.add(.flowCompleted(FlowCompleted(elapsedMs: 240)), after: 1)
        return s
    }

    static func tokenStep(_ state: FlowState) -> String {
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .tokenExchanged
        return render(state, ui, width: 220, height: 300).text
    }

    @Test("a JSON token request body gets its field table, like a form body")
    func jsonBodyFieldTable() throws {
        let text = Self.tokenStep(Self.bitbadges.state)
        #expect(text.contains("The body's JSON fields:"))
        let verifier = try #require(Glossary.parameter("code_verifier", in: .tokenRequest))
        let line = try #require(text.split(separator: "\n").first { $0.contains("code_verifier") && $0.contains(verifier.ref) })
        #expect(line.contains(String(verifier.purpose.prefix(30))))
    }

    @Test("the preset's glossary explains BitBadges' own members instead of 'not defined by OAuth'")
    func presetGlossary() throws {
        let text = Self.tokenStep(Self.bitbadges.state)
        for name in ["address", "chain", "bitbadgesAddress"] {
            let entry = try #require(Glossary.providerField(name, preset: "bitbadges"))
            let line = try #require(text.split(separator: "\n").first { $0.contains(" \(name) ") && $0.contains("BitBadges") }, "\(name)")
            #expect(line.contains(String(entry.purpose.prefix(25))), "\(line)")
        }
        #expect(!text.contains("Not defined by OAuth"))
    }

    @Test("a provider's own member beats the same name elsewhere in the flow: Bitbucket's token response state")
    func providerMeaningFirst() throws {
        var s = EventScript()
        s.add(.flowStarted(FlowStarted(mode: "flow", provider: "Bitbucket Cloud", clientID: "demo-client", redirectURI: Fixture.redirectURI,
                                       settings: [SettingOrigin(name: "preset", value: "bitbucket", source: "flag")])), after: 0)
        s.add(Fixture.urlBuilt, after: 1)
        s.add(.userRedirected(UserRedirected(via: "simulated", command: nil)), after: 3)
        s.add(Fixture.acceptedCallback, after: 200)
        s.add(Fixture.codeReceived, after: 1)
        s.add(Fixture.tokenRequest, after: 2)
        s.add(Fixture.tokenResponse(status: 200, json: #"{"access_token":"\#(Fixture.accessToken)","scopes":"account","token_type":"bearer","expires_in":7200,"state":"authorization_code"}"#), after: 30)
        s.add(.tokenExchanged(TokenExchanged(tokenType: "bearer", expiresIn: 7200, scope: nil, accessToken: Sensitive(Secret(Fixture.accessToken)), refreshToken: nil, idToken: nil,
                                             extra: .object([("scopes", .string("account")), ("state", .string("authorization_code"))]))), after: 2)
        let text = Self.tokenStep(s.state)
        let state = try #require(Glossary.providerField("state", preset: "bitbucket"))
        let line = try #require(text.split(separator: "\n").first { $0.contains(" state ") && $0.contains("authorization_code") }, "\(text)")
        #expect(line.contains(String(state.purpose.prefix(30))), "\(line)")
    }

    @Test("a failure names its error code's meaning and section")
    func errorCodeMeaning() throws {
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .codeReceived
        let text = render(Fixture.accessDenied.state, ui, width: 200, height: 120).text
        let meaning = try #require(Glossary.errorCode("access_denied"))
        #expect(text.contains("access_denied: \(meaning.purpose) See \(meaning.ref)."))
    }

    @Test("b turns the bell on and off, and it rings only for callbacks that arrive while it is on")
    func bellKey() {
        var ui = UIState.test
        var script = EventScript()
        Fixture.throughRedirect(&script)
        // The favicon a browser asks for is a stray: never a ring.
        script.add(Fixture.callback(.stray, query: [], detail: "not the callback path", status: 404, path: "/favicon.ico"))
        var session = SessionState(single: script.state)
        do { let rang = ui.bellDue(session); #expect(!rang, "off by default") }
        _ = ui.handle(.char("b"), state: script.state)
        #expect(ui.bellOn)
        #expect(ui.notice?.contains("Bell on") == true)
        do { let rang = ui.bellDue(session); #expect(!rang, "a stray does not ring") }
        script.add(Fixture.acceptedCallback, after: 100)
        session = SessionState(single: script.state)
        do { let rang = ui.bellDue(session); #expect(rang, "the callback rings") }
        do { let rang = ui.bellDue(session); #expect(!rang, "once") }
        _ = ui.handle(.char("b"), state: script.state)
        #expect(!ui.bellOn)
        script.add(Fixture.callback(.duplicate, query: [], status: 400), after: 100)
        session = SessionState(single: script.state)
        do { let rang = ui.bellDue(session); #expect(!rang, "off: heard silently") }
        _ = ui.handle(.char("b"), state: script.state)
        do { let rang = ui.bellDue(session); #expect(!rang, "turning it on does not ring for old callbacks") }
        #expect(Keymap.standard.helpRows().contains { $0.keys == "b" && $0.help.contains("Bell") })
    }
}
