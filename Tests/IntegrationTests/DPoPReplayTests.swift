import CallbackListener
import ExchangeEngine
import FlowEngine
import Foundation
import MockProvider
import OAuthCore
import Testing

/// `--dpop` with the embedded provider, which binds the code to the run's key (`dpop_jkt`, RFC 9449 §10): every
/// token request of the flow carries a fresh proof, so `replay-code` is refused for the reused code (RFC 6749
/// §4.1.2), not for a missing proof.
@Suite("DPoP and the code's replay")
struct DPoPReplayTests {
    @Test("demo --dpop --then replay-code: the code is bound to the key, the replay carries a fresh proof and is refused with invalid_grant")
    func replayCarriesAProof() async throws {
        let h = try await Harness()
        let browser = SimulatedBrowser(redirectURI: h.redirectURI)
        var c = h.configuration()
        c.dpop = true
        c.thenActions = ["replay-code"]
        let (result, events) = await h.run(c, agent: browser)
        await browser.shutdown()
        await h.stop()
        #expect(result == .completed)
        let proofs: [DPoPProofShown] = events.compactMap { e -> DPoPProofShown? in
            if case .dpopProof(let p) = e.payload { return p } else { return nil }
        }
        let thumbprint = try #require(proofs.first?.thumbprint)
        // The authorization request named the key the code is bound to.
        let built = try #require(events.compactMap { e -> AuthorizationURLBuilt? in
            if case .urlBuilt(let u) = e.payload { return u } else { return nil }
        }.first)
        #expect(built.params["dpop_jkt"]?.stringValue == thumbprint)
        let replay = try #require(events.compactMap { e -> ActionCompleted? in
            if case .actionCompleted(let a) = e.payload, a.action == "replay-code" { return a } else { return nil }
        }.first)
        let summary: String = replay.summary
        #expect(replay.ok && replay.error == "invalid_grant", "the lesson is the reused code: \(summary)")
        // The replay went with a proof of its own (a proof's jti is single-use, RFC 9449 §11.1), for the token endpoint.
        let replayProofs: [DPoPProofShown] = proofs.filter { $0.hop == "replay-code" }
        let tokenProofs: [DPoPProofShown] = proofs.filter { $0.hop == "token" }
        #expect(!replayProofs.isEmpty && !tokenProofs.isEmpty)
        let jtis: [String] = (tokenProofs + replayProofs).compactMap { (p: DPoPProofShown) -> String? in p.claims["jti"]?.stringValue }
        #expect(Set(jtis).count == jtis.count)
        #expect(jtis.count == tokenProofs.count + replayProofs.count)
        for p in replayProofs {
            #expect(p.claims["htm"]?.stringValue == "POST")
            #expect(p.claims["ath"] == nil, "no access token goes with a token request")
            #expect(p.thumbprint == thumbprint)
        }
        #expect(replayProofs.last?.claims["htu"] == tokenProofs.last?.claims["htu"])
    }
}
