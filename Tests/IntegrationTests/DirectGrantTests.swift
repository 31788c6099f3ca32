import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Testing

/// No browser: a grant without a redirect never sends the user anywhere, so opening one fails the test's flow.
struct NoBrowser: UserAgent {
    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure) {
        throw FlowFailure("a grant without a redirect opened a browser")
    }
}

/// The grants without a redirect, run whole against the embedded provider: the controller, the HTTP engine, the
/// provider's handlers and their errors.
@Suite("Grants without a redirect, end to end")
struct DirectGrantTests {
    static let seeded = SeededGrant(clientID: "client-1", accessToken: "seeded-access-token-value", refreshToken: "seeded-refresh-token-value")

    func harness(_ configure: @escaping (inout MockProviderConfiguration) -> Void = { _ in }) async throws -> Harness {
        try await Harness { c in
            c.seededGrants = [Self.seeded]
            c.clients.append(MockClient(id: "public-1", secret: nil, redirectURIs: ["http://127.0.0.1/callback"], authMethod: .none))
            configure(&c)
        }
    }

    func run(_ grant: GrantType, scope: String? = nil, _ h: Harness, edit: (inout FlowConfiguration) -> Void = { _ in }) async -> (FlowResult, [FlowEvent]) {
        var c = h.configuration()
        c.scope = scope
        c.grant = grant
        edit(&c)
        return await h.run(c, agent: NoBrowser())
    }

    func findings(_ events: [FlowEvent]) -> [Finding] { events.compactMap { if case .finding(let f) = $0.payload { return f } else { return nil } } }
    func request(_ events: [FlowEvent]) -> HTTPRequestCapture? { events.compactMap { if case .tokenRequest(let r) = $0.payload { return r } else { return nil } }.first }
    func exchanged(_ events: [FlowEvent]) -> TokenExchanged? { events.compactMap { if case .tokenExchanged(let t) = $0.payload { return t } else { return nil } }.first }

    @Test("client credentials: grant_type and scope sent with Basic authentication; an access token for the client, no refresh token")
    func clientCredentials() async throws {
        let h = try await harness()
        let (result, events) = await run(.clientCredentials, scope: "api.read", h)
        await h.stop()
        #expect(result == .completed)
        let body = request(events)?.body.clear ?? ""
        #expect(body.contains("grant_type=client_credentials") && body.contains("scope=api.read"))
        #expect(request(events)?.headers.contains { $0.name == "Authorization" } == true)
        let tokens = exchanged(events)
        #expect(tokens?.scope == "api.read")
        #expect(tokens?.refreshToken == nil && tokens?.idToken == nil)
        #expect(events.first?.type == "flow.started")
        #expect(!findings(events).contains { $0.code.hasPrefix("client_credentials.") })
        // The metadata lists the grant, so no warning about it.
        #expect(!findings(events).contains { $0.code == FindingCatalogue.grantUnadvertised.code })
    }

    @Test("client credentials: a refresh token in the answer (fault cc-refresh-token) is a finding at the token step")
    func clientCredentialsRefreshToken() async throws {
        let h = try await harness { $0.faults = [.ccRefreshToken] }
        let (result, events) = await run(.clientCredentials, h)
        await h.stop()
        #expect(result == .completed)
        let f = findings(events).first { $0.code == FindingCatalogue.clientCredentialsRefreshToken.code }
        #expect(f?.step == "exchange")
        #expect(f?.ref == "RFC 6749 §4.4.3")
    }

    @Test("client credentials: a public client is refused with unauthorized_client, explained with RFC 6749 §4.4")
    func clientCredentialsPublicClient() async throws {
        let h = try await harness()
        let (result, events) = await run(.clientCredentials, h) { c in
            c.clientID = "public-1"
            c.clientSecret = nil
            c.tokenAuth = .none
        }
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(f.error == "unauthorized_client")
        #expect(f.step == "exchange")
        #expect(f.hint?.contains("RFC 6749 §4.4") == true)
        #expect(findings(events).contains { $0.code == FindingCatalogue.clientCredentialsPublicClient.code && $0.step == "request" })
    }

    @Test("client credentials: a user's scope is invalid_scope")
    func clientCredentialsUserScope() async throws {
        let h = try await harness()
        let (result, _) = await run(.clientCredentials, scope: "openid", h)
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected a failure"); return }
        #expect(f.error == "invalid_scope")
    }

    @Test("refresh: the seeded refresh token rotates, the ID token is checked, and the old one is then refused")
    func refreshRotates() async throws {
        let h = try await harness()
        let (result, events) = await run(.refreshToken, h) { c in
            c.grantInputs.refreshToken = Secret(Self.seeded.refreshToken)
            c.thenActions = ["check-rotation"]
        }
        await h.stop()
        #expect(result == .completed)
        #expect(request(events)?.body.clear.contains("refresh_token=\(Self.seeded.refreshToken)") == true)
        let tokens = exchanged(events)
        #expect(tokens?.refreshToken != nil && tokens?.refreshToken?.clear != Self.seeded.refreshToken)
        #expect(findings(events).contains { $0.code == FindingCatalogue.refreshRotated.code && $0.step == "exchange" })
        let checks = tokens?.idToken?.checks ?? []
        #expect(Set(checks.map(\.name)).isSuperset(of: ["signature", "iss", "aud", "exp"]), "\(checks)")
        #expect(checks.filter { !$0.ok }.isEmpty, "\(checks)")
        // check-rotation presented the seeded token again: refused.
        let rotation = events.compactMap { if case .actionCompleted(let a) = $0.payload, a.action == "check-rotation" { return a } else { return nil } }.first
        #expect(rotation?.ok == true && rotation?.error == "invalid_grant")
    }

    @Test("refresh: a narrower scope is granted; a wider one is invalid_scope, explained with RFC 6749 §6")
    func refreshScope() async throws {
        let h = try await harness()
        let (narrow, events) = await run(.refreshToken, scope: "openid email", h) { $0.grantInputs.refreshToken = Secret(Self.seeded.refreshToken) }
        #expect(narrow == .completed)
        #expect(request(events)?.body.clear.contains("scope=openid+email") == true || request(events)?.body.clear.contains("scope=openid%20email") == true)
        #expect(exchanged(events)?.scope == "openid email")
        await h.stop()

        let h2 = try await harness()
        let (wide, _) = await run(.refreshToken, scope: "openid email admin", h2) { $0.grantInputs.refreshToken = Secret(Self.seeded.refreshToken) }
        await h2.stop()
        guard case .failed(let f) = wide else { Issue.record("expected a failure"); return }
        #expect(f.error == "invalid_scope")
        #expect(f.hint?.contains("RFC 6749 §6") == true)
    }

    @Test("refresh: an unknown refresh token is invalid_grant at the token step")
    func refreshUnknown() async throws {
        let h = try await harness()
        let (result, _) = await run(.refreshToken, h) { $0.grantInputs.refreshToken = Secret("not-a-token-this-server-issued") }
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected a failure"); return }
        #expect(f.error == "invalid_grant")
        #expect(f.step == "exchange")
    }

    @Test("token exchange: the seeded access token for a token for an audience; issued_token_type says what it is")
    func tokenExchange() async throws {
        let h = try await harness()
        let (result, events) = await run(.tokenExchange, h) { c in
            c.grantInputs.subjectToken = Secret(Self.seeded.accessToken)
            c.grantInputs.audiences = ["https://api.example.com"]
            c.grantInputs.resources = ["https://api.example.com/"]
        }
        await h.stop()
        #expect(result == .completed)
        let body = FormURLEncoded.decode(request(events)?.body.clear ?? "").fields
        #expect(body.first("grant_type") == GrantType.tokenExchange.wireValue)
        #expect(body.first("subject_token_type") == TokenTypeURI.accessToken)
        #expect(body.first("audience") == "https://api.example.com")
        #expect(body.first("resource") == "https://api.example.com/")
        #expect(exchanged(events)?.extra?["issued_token_type"]?.stringValue == TokenTypeURI.accessToken)
        #expect(!findings(events).contains { $0.code.hasPrefix("token_exchange.") })
    }

    @Test("token exchange: an ID token is issued with token_type N_A, and N_A is not called unusual")
    func tokenExchangeIDToken() async throws {
        let h = try await harness()
        let (result, events) = await run(.tokenExchange, h) { c in
            c.grantInputs.subjectToken = Secret(Self.seeded.accessToken)
            c.grantInputs.requestedTokenType = TokenTypeURI.idToken
        }
        await h.stop()
        #expect(result == .completed)
        #expect(exchanged(events)?.tokenType == "N_A")
        #expect(!findings(events).contains { $0.code == FindingCatalogue.tokenTokenTypeUnusual.code || $0.code.hasPrefix("token_exchange.") })
    }

    @Test("token exchange: errors of RFC 8693 §2.2.2, each explained", arguments: [
        ("audience", "invalid_target"), ("resource", "invalid_target"), ("subject", "invalid_grant"), ("type", "invalid_request"),
    ])
    func tokenExchangeErrors(kind: String, error: String) async throws {
        let h = try await harness()
        let (result, _) = await run(.tokenExchange, h) { c in
            c.grantInputs.subjectToken = Secret(kind == "subject" ? "unknown-token" : Self.seeded.accessToken)
            if kind == "audience" { c.grantInputs.audiences = ["https://unknown.example"] }
            if kind == "resource" { c.grantInputs.resources = ["https://unknown.example/"] }
            if kind == "type" { c.grantInputs.subjectTokenType = TokenTypeURI.saml2 }
        }
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected a failure"); return }
        #expect(f.error == error)
        #expect(f.step == "exchange")
        #expect(f.hint?.contains("RFC 8693 §2.2.2") == true || f.hint?.contains("RFC 8693 §2.1") == true, "\(f.hint ?? "")")
    }

    @Test("token exchange: an answer without issued_token_type (fault no-issued-token-type) fails at the token step")
    func tokenExchangeNoIssuedType() async throws {
        let h = try await harness { $0.faults = [.noIssuedTokenType] }
        let (result, events) = await run(.tokenExchange, h) { $0.grantInputs.subjectToken = Secret(Self.seeded.accessToken) }
        await h.stop()
        guard case .failed(let f) = result else { Issue.record("expected a failure"); return }
        #expect(f.step == "exchange")
        #expect(f.reason.contains("RFC 8693 §2.2.1"))
        #expect(findings(events).contains { $0.code == FindingCatalogue.tokenExchangeIssuedTypeMissing.code && $0.step == "exchange" })
    }

    @Test("each grant's events fall in its own two steps")
    func stepsOfEachGrant() async throws {
        for grant in [GrantType.clientCredentials, .refreshToken, .tokenExchange] {
            let h = try await harness()
            let (result, events) = await run(grant, h) { c in
                c.grantInputs.refreshToken = Secret(Self.seeded.refreshToken)
                c.grantInputs.subjectToken = Secret(Self.seeded.accessToken)
            }
            await h.stop()
            #expect(result == .completed)
            var state = FlowState()
            for e in events { state.apply(e) }
            let description = try #require(GrantDescription.named(grant.rawValue))
            #expect(state.grant == description)
            #expect(description.steps.count == 2)
            for s in description.steps { #expect(state[s].status == .done, "\(grant) \(s.label)") }
        }
    }
}
