import Foundation
import OAuthCore
import Testing
@testable import MockProvider

@Suite("Provider rules without the network")
struct ProviderRuleTests {
    @Test("the generic rule: loopback redirect URIs match on any port; everything else must match exactly", arguments: [
        ("http://127.0.0.1:8765/callback", "http://127.0.0.1:8765/callback", true),
        ("http://127.0.0.1:51000/callback", "http://127.0.0.1:8765/callback", true),
        ("http://127.0.0.1/callback", "http://127.0.0.1:8765/callback", true),
        ("http://[::1]:4000/cb", "http://[::1]/cb", true),
        ("http://localhost:4000/cb", "http://localhost:8000/cb", true),
        ("http://localhost:4000/cb", "http://127.0.0.1:4000/cb", false),
        ("http://127.0.0.1:8765/callback/", "http://127.0.0.1:8765/callback", false),
        ("http://127.0.0.1:8765/callback?x=1", "http://127.0.0.1:8765/callback", false),
        ("https://app.example/cb", "https://app.example/cb", true),
        ("https://app.example:444/cb", "https://app.example/cb", false),
        ("https://app.example/CB", "https://app.example/cb", false),
    ])
    func redirectMatching(requested: String, registered: String, matches: Bool) {
        #expect(RedirectRule.loopbackAnyPort.accepts(requested, registered: registered) == matches)
    }

    @Test("HTML escaping covers every character that can break out of text or an attribute")
    func htmlEscape() {
        #expect(HTML.escape("<a href=\"x\" title='y'>&</a>") == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
    }

    @Test("at_hash matches the example of OIDC Core Appendix A.3")
    func atHashVector() {
        // OpenID Connect Core 1.0, Appendix A.3: access_token and the at_hash of the ID token issued with it.
        #expect(SigningKeys.accessTokenHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") == "77QmUPtjPfzWtF2AnpK9RQ")
    }

    @Test("the issuer of an IPv6 listener puts the address in brackets")
    func ipv6Issuer() {
        #expect(MockProviderServer.issuer(host: "::1", port: 8080) == "http://[::1]:8080")
        #expect(MockProviderServer.issuer(host: "127.0.0.1", port: 8080) == "http://127.0.0.1:8080")
    }

    @Test("RFC 6749 §2.3.1: a Basic header with form-encoded id and secret authenticates the client")
    func basicWithEncodedCharacters() async throws {
        let client = MockClient(id: "client:one", secret: "s3cr&t +/", redirectURIs: ["http://127.0.0.1/cb"], authMethod: .clientSecretBasic)
        var configuration = MockProviderConfiguration()
        configuration.clients = [client]
        let core = ProviderCore(configuration: configuration, keys: try await SigningKeys.generate(.es256), issuer: "http://127.0.0.1:1", now: { Date() })
        let good = IncomingRequest(method: "POST", headers: [(name: "Authorization", value: HTTPBasicCredentials.headerValue(clientID: client.id, clientSecret: "s3cr&t +/"))])
        #expect((try? core.authenticateClient(good, []).get())?.id == "client:one")
        let bad = IncomingRequest(method: "POST", headers: [(name: "Authorization", value: HTTPBasicCredentials.headerValue(clientID: client.id, clientSecret: "s3cr&t"))])
        #expect((try? core.authenticateClient(bad, []).get()) == nil)
    }

    @Test("expired codes and tokens are swept, so memory stays bounded")
    func sweep() async throws {
        let clock = ManualClock()
        var configuration = MockProviderConfiguration()
        configuration.autoApprove = true
        let core = ProviderCore(configuration: configuration, keys: try await SigningKeys.generate(.es256), issuer: "http://127.0.0.1:1", now: { clock.now })
        let authorization = ProviderHarness.Authorization()
        for _ in 0..<50 {
            let reply = core.authorize(query: authorization.parameters.map { FormField($0.0, $0.1) })
            #expect(reply.status == 302)
        }
        #expect(core.store.withLock { $0.codes.count } == 50)
        clock.advance(by: 61)
        _ = core.authorize(query: authorization.parameters.map { FormField($0.0, $0.1) })
        #expect(core.store.withLock { $0.codes.count } == 1)
    }
}
