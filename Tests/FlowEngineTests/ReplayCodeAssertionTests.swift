import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// `replay-code` with a JWT client assertion: the code goes again, the assertion is a new one, so what the provider
/// refuses is the reused code (RFC 6749 §4.1.2), not a replayed assertion (RFC 7523 §3).
@Suite("replay-code and client assertions")
struct ReplayCodeAssertionTests {
    static func assertion(in spec: HTTPRequestSpec) throws -> JSONValue {
        try #require(TokenRequestBuilder.clientAssertion(in: spec)).claims
    }

    @Test("replay-code sends the same code with a freshly signed assertion (a new jti)")
    func freshAssertion() async throws {
        let r = Run()
        let used = Mutex<Set<String>>([])
        // Refuses a reused assertion jti as a real provider does, before it looks at the code.
        let provider = ScriptedProvider { purpose, spec in
            let jti = (try? Self.assertion(in: spec))?["jti"]?.stringValue ?? ""
            let replayed = used.withLock { !$0.insert(jti).inserted }
            if replayed { return ScriptedProvider.json(#"{"error":"invalid_client","error_description":"assertion jti already used"}"#, status: 401) }
            return purpose == "replay-code" ? ScriptedProvider.json(#"{"error":"invalid_grant","error_description":"code already used"}"#, status: 400) : okToken
        }
        var c = r.config(then: ["replay-code"])
        c.tokenAuth = .clientSecretJWT
        c.clientSecret = Secret("a-client-secret-long-enough-for-hs256-0123456789")
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=the-code&state=\($0)" })
        #expect(result == .completed)
        let specs = provider.sent.withLock { $0.filter { $0.purpose == "token" || $0.purpose == "replay-code" } }
        #expect(specs.map(\.purpose) == ["token", "replay-code"])
        let first = try Self.assertion(in: specs[0].spec), second = try Self.assertion(in: specs[1].spec)
        #expect(first["jti"]?.stringValue != nil && first["jti"] != second["jti"])
        let codes = specs.map { FormURLEncoded.decode($0.spec.body).fields.first("code") }
        #expect(codes == ["the-code", "the-code"])
        let replay = try #require(events.compactMap { if case .actionCompleted(let a) = $0.payload, a.action == "replay-code" { return a } else { return nil } }.first)
        #expect(replay.ok && replay.error == "invalid_grant", "the lesson is the reused code: \(replay.summary)")
        // The assertion sent with the replay is shown, as for every hop that carries one.
        #expect(events.contains { if case .clientAssertion(let a) = $0.payload { return a.hop == "replay-code" } else { return false } })
    }
}
