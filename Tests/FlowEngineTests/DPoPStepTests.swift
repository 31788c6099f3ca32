import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// `--dpop` in step mode: the proof goes with the request as it finally leaves the pause (RFC 9449 §4.2), and the
/// proof shown is the one sent.
@Suite("DPoP proofs after a pause")
struct DPoPStepTests {
    static let dpopToken = ScriptedProvider.json(#"{"access_token":"at-1","token_type":"DPoP","expires_in":3600,"refresh_token":"rt-1"}"#)

    static func config(_ r: Run, then: [String]) -> FlowConfiguration {
        var c = r.config(then: then)
        c.stepMode = true
        c.dpop = true
        c.apiBase = URL(string: "https://api.example")
        return c
    }

    static func claims(of spec: HTTPRequestSpec) throws -> JSONValue {
        let jwt = try #require(spec.headers.first { $0.name == "DPoP" }?.value)
        return try DecodedJWT(jwt).claims
    }

    static func proofs(_ events: [FlowEvent], hop: String) -> [DPoPProofShown] {
        events.compactMap { if case .dpopProof(let p) = $0.payload, p.hop == hop { return p } else { return nil } }
    }

    @Test("an Authorization header edited at the api pause is the token the proof's ath hashes, and the proof shown is the one sent")
    func athFollowsTheEditedToken() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { purpose, _ in purpose == "token" ? Self.dpopToken : ScriptedProvider.json(#"{"sub":"u"}"#) }
        let driver = StepModeTests.driver(r, commands, replies: ["api": [.edit("header Authorization: DPoP at-edited")]])
        let (result, events) = await r.run(Self.config(r, then: ["call:GET:/me"]), provider: provider,
                                           agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        let api = try #require(provider.sent.withLock { $0.first { $0.purpose == "api" }?.spec })
        #expect(api.headers.first { $0.name == "Authorization" }?.value == "DPoP at-edited")
        let claims = try Self.claims(of: api)
        #expect(claims["ath"]?.stringValue == DPoP.ath("at-edited"))
        #expect(claims["ath"]?.stringValue != DPoP.ath("at-1"))
        #expect(claims["htm"]?.stringValue == "GET" && claims["htu"]?.stringValue == DPoP.htu(api.url))
        // One proof shown for the hop: the one that left.
        let shown = Self.proofs(events, hop: "api")
        #expect(shown.count == 1)
        #expect(shown.last?.claims["jti"] == claims["jti"])
    }

    @Test("a request edited at the token pause goes with a proof signed after the pause, one proof per request")
    func proofSignedAfterThePause() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in Self.dpopToken }
        let driver = StepModeTests.driver(r, commands, replies: ["token": [.edit("header X-Trace: 1")]])
        let (result, events) = await r.run(Self.config(r, then: []), provider: provider,
                                           agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        let token = try #require(provider.sent.withLock { $0.first { $0.purpose == "token" }?.spec })
        let claims = try Self.claims(of: token)
        // The proof is published after the last edit at the pause, for the request as edited.
        let edited = try #require(events.lastIndex { if case .requestEdited(let e) = $0.payload { return e.hop == "token" } else { return false } })
        let shown = try #require(events.lastIndex { if case .dpopProof(let p) = $0.payload { return p.hop == "token" } else { return false } })
        #expect(shown > edited)
        #expect(Self.proofs(events, hop: "token").map { $0.claims["jti"] } == [claims["jti"]])
    }

    @Test("again at a pause sends the hop with a fresh proof: a proof's jti is single-use (RFC 9449 §11.1)")
    func againGetsAFreshProof() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in Self.dpopToken }
        let driver = StepModeTests.driver(r, commands, replies: ["refresh": [.again]])
        let (result, _) = await r.run(Self.config(r, then: ["refresh"]), provider: provider,
                                      agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        let tokens = provider.sent.withLock { $0.filter { $0.purpose == "token" }.map(\.spec) }
        #expect(tokens.count == 2)
        let jtis = try tokens.map { try Self.claims(of: $0)["jti"] }
        #expect(jtis.count == 2 && jtis[0] != jtis[1])
        #expect(FormURLEncoded.decode(tokens[0].body).fields == FormURLEncoded.decode(tokens[1].body).fields, "the same code, sent again")
    }

    @Test("replay-code under --dpop sends the code with a proof of its own, and again sends it with another: what the provider refuses is the reused code")
    func replayCodeCarriesAProof() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { purpose, _ in
            purpose == "replay-code" ? ScriptedProvider.json(#"{"error":"invalid_grant","error_description":"code already used"}"#, status: 400) : Self.dpopToken
        }
        // At the pause before refresh, the hop sent last is the replay: again sends it once more.
        let driver = StepModeTests.driver(r, commands, replies: ["refresh": [.again]])
        let (result, events) = await r.run(Self.config(r, then: ["replay-code", "refresh"]), provider: provider,
                                           agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        let token = try #require(provider.sent.withLock { $0.first { $0.purpose == "token" }?.spec })
        let replays = provider.sent.withLock { $0.filter { $0.purpose == "replay-code" }.map(\.spec) }
        #expect(replays.count == 2)
        let claims = try replays.map { try Self.claims(of: $0) }
        let first = try Self.claims(of: token)
        let jtis = ([first] + claims).map { $0["jti"]?.stringValue }
        #expect(Set(jtis.compactMap { $0 }).count == 3, "each request its own proof: \(jtis)")
        for c in claims {
            #expect(c["htm"]?.stringValue == "POST" && c["htu"] == first["htu"])
            #expect(c["ath"] == nil, "no access token goes with a token request")
        }
        #expect(replays.allSatisfy { FormURLEncoded.decode($0.body).fields.first("code") == "c" })
        // Each proof sent is shown, as the replay hop's.
        #expect(Self.proofs(events, hop: "replay-code").map { $0.claims["jti"] } == claims.map { $0["jti"] })
        // The code was bound to the key the proofs are made with (RFC 9449 §10).
        let built = try #require(events.compactMap { e -> AuthorizationURLBuilt? in if case .urlBuilt(let u) = e.payload { return u } else { return nil } }.first)
        #expect(built.params["dpop_jkt"]?.stringValue == Self.proofs(events, hop: "token").first?.thumbprint)
        let replay = try #require(events.compactMap { e -> ActionCompleted? in if case .actionCompleted(let a) = e.payload, a.action == "replay-code" { return a } else { return nil } }.first)
        #expect(replay.ok && replay.error == "invalid_grant")
    }
}
