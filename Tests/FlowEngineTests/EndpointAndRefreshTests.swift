import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// A scripted provider that also "verifies" signatures: a token signed `good` passes, anything else fails, and
/// every JWKS it was asked to use is recorded.
final class SigningScriptedProvider: ProviderClient {
    let inner: ScriptedProvider
    let jwksUsed = Mutex<[URL?]>([])
    init(_ answers: @escaping @Sendable (String, HTTPRequestSpec) -> HTTPOutcome) { inner = ScriptedProvider(answers) }

    func discover(issuer: String, publisher: FlowPublisher) async throws(FlowFailure) -> ProviderMetadata {
        try await inner.discover(issuer: issuer, publisher: publisher)
    }
    func send(_ request: HTTPRequestSpec, purpose: HopPurpose, publisher: FlowPublisher) async -> HTTPOutcome {
        await inner.send(request, purpose: purpose, publisher: publisher)
    }
    func verifySignature(of token: String, jwksURI: URL?, allowedAlgorithms: [String], publisher: FlowPublisher) async -> Check? {
        jwksUsed.withLock { $0.append(jwksURI) }
        return token.hasSuffix("." + Self.good) ? Check("signature", ok: true, "verified") : Check("signature", ok: false, "signature does not verify")
    }

    static let good = Base64URL.encode(Data("good".utf8))
    static let bad = Base64URL.encode(Data("bad".utf8))

    static func idToken(_ claims: String, signed: Bool = true) -> String {
        Base64URL.encode(Data(#"{"alg":"ES256","kid":"k"}"#.utf8)) + "." + Base64URL.encode(Data(claims.utf8)) + "." + (signed ? good : bad)
    }

    static func claims(iss: String = "https://as.example", sub: String = "alice", aud: String = "c") -> String {
        let now = Int(Date().timeIntervalSince1970)
        return #"{"iss":"\#(iss)","sub":"\#(sub)","aud":"\#(aud)","exp":\#(now + 600),"iat":\#(now)}"#
    }
}

func findings(_ events: [FlowEvent]) -> [Finding] {
    events.compactMap { if case .finding(let f) = $0.payload { return f } else { return nil } }
}

@Suite("Endpoints over plain http")
struct InsecureEndpointFlowTests {
    func config(_ r: Run, authorization: String = "https://as.example/authorize", token: String, issuer: String? = nil, jwks: String? = nil, allow: Bool = false, then: [String] = []) -> FlowConfiguration {
        var c = r.config(then: then)
        c.provider = .endpoints(authorization: URL(string: authorization)!, token: URL(string: token)!, issuer: issuer, jwks: jwks.flatMap(URL.init(string:)))
        c.allowInsecureHTTP = allow
        return c
    }

    @Test("a plain-http token endpoint on a remote host is refused before the user is sent anywhere, and no secret goes there")
    func remoteHTTPTokenEndpoint() async throws {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(config(r, token: "http://as.example/token"), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.hint?.contains("--allow-insecure-http") == true)
        #expect(provider.purposes.isEmpty)
        #expect(!events.contains { $0.type == "user.redirected" })
        let finding = try #require(findings(events).first { $0.code == "endpoint.insecure_http" })
        #expect(finding.severity == .error)
        #expect(finding.ref == "RFC 6749 §3.2")
    }

    @Test("a host that only starts with 127. is not loopback")
    func prefixIsNotLoopback() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, _) = await r.run(config(r, token: "http://127.evil.invalid/token"), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result != .completed)
        #expect(provider.purposes.isEmpty)
    }

    @Test("--allow-insecure-http sends it, with a warning finding")
    func allowed() async throws {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(config(r, token: "http://as.example/token", allow: true), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result == .completed)
        #expect(provider.purposes == ["token"])
        #expect(try #require(findings(events).first { $0.code == "endpoint.insecure_http" }).severity == .warn)
    }

    @Test("loopback http is fine")
    func loopback() async {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(config(r, authorization: "http://127.0.0.1:9/authorize", token: "http://[::1]:9/token"), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result == .completed)
        #expect(!findings(events).contains { $0.code.hasPrefix("endpoint.") })
    }

    @Test("an http token endpoint named for an https issuer is a downgrade, even on loopback")
    func downgrade() async throws {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        let (result, events) = await r.run(config(r, token: "http://127.0.0.1:9/token", issuer: "https://as.example"), provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result != .completed)
        #expect(provider.purposes.isEmpty)
        #expect(try #require(findings(events).first { $0.code == "endpoint.http_from_https_issuer" }).severity == .error)
    }

    @Test("--issuer http://remote-host is refused before discovery")
    func remoteHTTPIssuer() async throws {
        let r = Run()
        var c = r.config()
        c.provider = .issuer("http://remote-host.example")
        let (result, events) = await r.run(c, provider: ScriptedProvider { _, _ in okToken }, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.reason.contains("plain http"), "not the scripted discovery's failure: \(f.reason)")
        #expect(try #require(findings(events).first { $0.code == "endpoint.insecure_http" }).ref == "RFC 8414 §2")
    }

    @Test("a follow-up hop to a plain-http endpoint is not sent: the access token stays home")
    func followUpRefused() async throws {
        let r = Run()
        let provider = ScriptedProvider { _, _ in okToken }
        var c = config(r, token: "https://as.example/token", then: ["userinfo"])
        c.userinfoURL = URL(string: "http://as.example/userinfo")
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        #expect(result != .completed)
        #expect(provider.purposes == ["token"], "only the token request went out")
        let action = try #require(events.compactMap { if case .actionCompleted(let a) = $0.payload { return a } else { return nil } }.first)
        #expect(!action.ok && action.summary.contains("not sent"))
        #expect(try #require(findings(events).first { $0.code == "endpoint.insecure_http" }).ref == "RFC 6750 §5.3")
    }

    @Test("an http JWKS from an https issuer is not fetched; the signature check fails and says why")
    func jwks() async throws {
        let r = Run()
        let idToken = SigningScriptedProvider.idToken(SigningScriptedProvider.claims())
        let provider = SigningScriptedProvider { _, _ in ScriptedProvider.json(#"{"access_token":"at-1","token_type":"Bearer","id_token":"\#(idToken)"}"#) }
        let c = config(r, token: "https://as.example/token", issuer: "https://as.example", jwks: "http://as.example/jwks")
        let controller = FlowController(configuration: c, publisher: FlowPublisher(bus: r.bus, flowID: "f"), registry: r.registry, client: provider, userAgent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        let result = await controller.run()
        r.bus.finish()
        var events: [FlowEvent] = []
        for await e in r.events { events.append(e) }
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.reason.contains("signature"))
        #expect(provider.jwksUsed.withLock { $0.isEmpty }, "the JWKS was not used")
        #expect(findings(events).contains { $0.code == "endpoint.http_from_https_issuer" })
    }
}

@Suite("Refreshed ID tokens (OIDC Core §12.2)")
struct RefreshedIDTokenTests {
    func run(refreshed: String) async -> [Finding] {
        let r = Run()
        let first = SigningScriptedProvider.idToken(SigningScriptedProvider.claims())
        let provider = SigningScriptedProvider { purpose, _ in
            purpose == "token"
                ? ScriptedProvider.json(#"{"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-1","id_token":"\#(first)"}"#)
                : ScriptedProvider.json(#"{"access_token":"at-2","token_type":"Bearer","refresh_token":"rt-2","id_token":"\#(refreshed)"}"#)
        }
        var c = r.config(then: ["refresh"])
        c.provider = .endpoints(authorization: URL(string: "https://as.example/authorize")!, token: URL(string: "https://as.example/token")!, issuer: "https://as.example", jwks: URL(string: "https://as.example/jwks"))
        let controller = FlowController(configuration: c, publisher: FlowPublisher(bus: r.bus, flowID: "f"), registry: r.registry, client: provider, userAgent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" })
        let result = await controller.run()
        #expect(result == .completed)
        r.bus.finish()
        var events: [FlowEvent] = []
        for await e in r.events { events.append(e) }
        #expect(provider.jwksUsed.withLock { $0.count } == 2, "the refreshed ID token's signature is checked too")
        return findings(events).filter { $0.code.hasPrefix("refresh.id_token_") }
    }

    @Test("a refreshed ID token like the first one passes every check")
    func good() async {
        #expect(await run(refreshed: SigningScriptedProvider.idToken(SigningScriptedProvider.claims())).isEmpty)
    }

    @Test("another sub, another iss, a bad signature and a wrong audience are each an error finding")
    func bad() async {
        let refreshed = SigningScriptedProvider.idToken(SigningScriptedProvider.claims(iss: "https://other.example", sub: "mallory", aud: "someone-else"), signed: false)
        let got = await run(refreshed: refreshed)
        let codes = Set(got.map(\.code))
        for want in ["refresh.id_token_signature", "refresh.id_token_sub", "refresh.id_token_iss", "refresh.id_token_iss_unchanged", "refresh.id_token_aud"] {
            #expect(codes.contains(want), "\(want) missing from \(codes)")
        }
        #expect(got.allSatisfy { $0.severity == .error && $0.ref == "OIDC Core §12.2" })
    }

    @Test("a refreshed ID token with only another sub is caught by the sub check alone")
    func subOnly() async {
        let got = await run(refreshed: SigningScriptedProvider.idToken(SigningScriptedProvider.claims(sub: "mallory")))
        #expect(got.map(\.code) == ["refresh.id_token_sub"])
    }
}

@Suite("Browser command: an argument vector, never a shell")
struct BrowserCommandTests {
    @Test func theURLIsAlwaysOneLiteralArgument() throws {
        let url = "https://as.example/authorize;$(touch /tmp/pwned)`id`?a=b&c='d'\" e"
        #expect(try BrowserCommand(parsing: "firefox").arguments(for: url) == ["firefox", url])
        #expect(try BrowserCommand(parsing: "open -a 'Google Chrome' {url}").arguments(for: url) == ["open", "-a", "Google Chrome", url])
        #expect(try BrowserCommand(parsing: #"my\ browser --new-tab "{url}""#).arguments(for: url) == ["my browser", "--new-tab", url])
        #expect(try BrowserCommand(parsing: "curl -s -L -o /dev/null").arguments(for: url) == ["curl", "-s", "-L", "-o", "/dev/null", url])
        #expect(try BrowserCommand(parsing: "echo $(whoami) ; rm").arguments(for: url) == ["echo", "$(whoami)", ";", "rm", url], "nothing is expanded")
    }

    @Test func brokenCommandsAreErrors() {
        #expect(throws: BrowserCommandError.empty) { try BrowserCommand(parsing: "   ") }
        #expect(throws: BrowserCommandError.unbalanced("firefox 'x")) { try BrowserCommand(parsing: "firefox 'x") }
    }
}
