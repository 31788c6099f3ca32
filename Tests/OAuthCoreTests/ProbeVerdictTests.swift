import Foundation
import OAuthCore
import Testing

/// The doctor's verdicts, from plain values: what was sent and what came back.
@Suite("Probe verdicts")
struct ProbeVerdictTests {
    @Test("a wrong or missing verifier, or a request without credentials: refused passes, accepted fails, no answer skips")
    func tokenRefusals() {
        let accepted = TokenAttempt.accepted(status: 200)
        let refused = TokenAttempt.refused(status: 400, error: "invalid_grant")
        let silent = TokenAttempt.noAnswer("timed out")
        #expect(ProbeVerdicts.pkceVerifierChecked(accepted).result == .fail)
        #expect(ProbeVerdicts.pkceVerifierChecked(refused).result == .pass)
        #expect(ProbeVerdicts.pkceVerifierChecked(refused).detail.contains("invalid_grant"))
        #expect(ProbeVerdicts.pkceVerifierChecked(silent).result == .skip)
        #expect(ProbeVerdicts.pkceRequired(accepted).result == .fail)
        #expect(ProbeVerdicts.pkceRequired(refused).result == .pass)
        #expect(ProbeVerdicts.clientAuthRequired(accepted).result == .fail)
        #expect(ProbeVerdicts.clientAuthRequired(.refused(status: 401, error: "invalid_client")).result == .pass)
        #expect(ProbeVerdicts.clientAuthRequired(nil).result == .skip, "a public client has no credentials to leave out")
    }

    @Test("code-single-use needs one redemption to succeed; then a second one must be refused, and the first tokens should be revoked")
    func singleUse() {
        let ok = TokenAttempt.accepted(status: 200)
        let no = TokenAttempt.refused(status: 400, error: "invalid_grant")
        #expect(ProbeVerdicts.codeSingleUse(first: ok, replay: ok).result == .fail)
        #expect(ProbeVerdicts.codeSingleUse(first: ok, replay: no).result == .pass)
        #expect(ProbeVerdicts.codeSingleUse(first: no, replay: no).result == .skip)
        let passed = ProbeVerdicts.codeSingleUse(first: ok, replay: no)
        #expect(ProbeVerdicts.firstTokensAfterReplay(passed, userinfoStatus: 401).result == .pass)
        #expect(ProbeVerdicts.firstTokensAfterReplay(passed, userinfoStatus: 200).result == .warn)
        #expect(ProbeVerdicts.firstTokensAfterReplay(ProbeVerdicts.codeSingleUse(first: ok, replay: ok), userinfoStatus: 200).result == .fail)
    }

    @Test("state must come back byte for byte; the first difference is named")
    func state() {
        let sent = "abc~!$'()*+,;=:@/? %[]{}|^`xyz"
        #expect(ProbeVerdicts.stateEchoed(sent: sent, received: sent).result == .pass)
        let altered = ProbeVerdicts.stateEchoed(sent: sent, received: "abc~!$'()*+,;=:@/?+%[]{}|^`xyz")
        #expect(altered.result == .fail)
        #expect(altered.detail.contains("character 19"), "\(altered.detail)")
        #expect(ProbeVerdicts.stateEchoed(sent: sent, received: nil).result == .fail)
    }

    @Test("iss: required and equal when advertised; a different one is a mix-up; absent and unadvertised warns")
    func iss() {
        #expect(ProbeVerdicts.issParameter(advertised: true, received: nil, issuer: "https://a").result == .fail)
        #expect(ProbeVerdicts.issParameter(advertised: true, received: "https://a", issuer: "https://a").result == .pass)
        #expect(ProbeVerdicts.issParameter(advertised: false, received: "https://b", issuer: "https://a").result == .fail)
        #expect(ProbeVerdicts.issParameter(advertised: false, received: nil, issuer: "https://a").result == .warn)
    }

    @Test("an error redirect needs the request's state, and iss when advertised")
    func errorState() {
        let withState = CallbackParameters(query: "error=access_denied&state=s1&iss=https%3A%2F%2Fa")
        #expect(ProbeVerdicts.errorHasState(trigger: "a denial", sent: "s1", received: withState, issAdvertised: true, issuer: "https://a").result == .pass)
        let noState = CallbackParameters(query: "error=access_denied")
        let v = ProbeVerdicts.errorHasState(trigger: "a denial", sent: "s1", received: noState, issAdvertised: false, issuer: nil)
        #expect(v.result == .fail && v.detail.contains("access_denied"))
        #expect(ProbeVerdicts.errorHasState(trigger: "a denial", sent: "s1", received: CallbackParameters(query: "error=x&state=s1"), issAdvertised: true, issuer: "https://a").result == .fail)
        #expect(ProbeVerdicts.worst([ProbeVerdict(.pass, "a"), ProbeVerdict(.fail, "b"), ProbeVerdict(.skip, "c")]) == ProbeVerdict(.fail, "b"))
    }

    @Test("redirect variants: a page passes; a redirect to the variant fails; an error back at the registered URI passes")
    func redirectVariants() {
        let variant = "http://127.0.0.1:8765/callback/extra"
        #expect(ProbeVerdicts.redirectURIExact([("extra path", variant, .stayed(status: 400))]).result == .pass)
        #expect(ProbeVerdicts.redirectURIExact([("extra path", variant, .redirected(variant + "?code=abc&state=s"))]).result == .fail)
        #expect(ProbeVerdicts.redirectURIExact([("extra path", variant, .redirected(variant + "?error=invalid_request&state=s"))]).result == .fail,
                "an error sent to an unregistered URI is a redirect there all the same (RFC 6749 §4.1.2.1)")
        #expect(ProbeVerdicts.redirectURIExact([("extra path", variant, .redirected("http://127.0.0.1:8765/callback?error=redirect_uri_mismatch&state=s"))]).result == .pass)
        #expect(ProbeVerdicts.redirectURIExact([("extra path", variant, .unknown("timed out"))]).result == .skip)
    }

    @Test("refresh rotation: a new token and the old one refused passes; no new token warns (fails for a public client); old still valid fails")
    func refresh() {
        let ok = TokenAttempt.accepted(status: 200)
        let no = TokenAttempt.refused(status: 400, error: "invalid_grant")
        #expect(ProbeVerdicts.refreshRotated(hadRefreshToken: true, refresh: ok, rotated: true, oldReplay: no, publicClient: false).result == .pass)
        #expect(ProbeVerdicts.refreshRotated(hadRefreshToken: true, refresh: ok, rotated: true, oldReplay: ok, publicClient: false).result == .fail)
        #expect(ProbeVerdicts.refreshRotated(hadRefreshToken: true, refresh: ok, rotated: false, oldReplay: nil, publicClient: false).result == .warn)
        #expect(ProbeVerdicts.refreshRotated(hadRefreshToken: true, refresh: ok, rotated: false, oldReplay: nil, publicClient: true).result == .fail)
        #expect(ProbeVerdicts.refreshRotated(hadRefreshToken: false, refresh: nil, rotated: false, oldReplay: nil, publicClient: false).result == .skip)
    }

    @Test("metadata: issuer, https endpoints, JWKS keys; algorithms; S256")
    func metadata() throws {
        let token = try #require(URL(string: "https://a.example/token"))
        let plain = try #require(URL(string: "http://a.example/token"))
        let loopback = try #require(URL(string: "http://127.0.0.1:9/token"))
        #expect(ProbeVerdicts.metadataConsistent(expectedIssuer: "https://a.example", issuer: "https://a.example/", endpoints: [("token_endpoint", token), ("x", loopback)], jwks: .keys(total: 2, withoutKid: 0)).result == .pass)
        #expect(ProbeVerdicts.metadataConsistent(expectedIssuer: "https://a.example", issuer: "https://b.example", endpoints: [("token_endpoint", token)], jwks: .keys(total: 1, withoutKid: 0)).result == .fail)
        #expect(ProbeVerdicts.metadataConsistent(expectedIssuer: "https://a.example", issuer: "https://a.example", endpoints: [("token_endpoint", plain)], jwks: .keys(total: 1, withoutKid: 0)).result == .fail)
        #expect(ProbeVerdicts.metadataConsistent(expectedIssuer: "https://a.example", issuer: "https://a.example", endpoints: [("token_endpoint", token)], jwks: .keys(total: 2, withoutKid: 1)).result == .warn)
        #expect(ProbeVerdicts.idTokenAlgAllowed(advertised: ["RS256", "none"], used: "RS256").result == .fail)
        #expect(ProbeVerdicts.idTokenAlgAllowed(advertised: ["RS256", "HS256"], used: "RS256").result == .warn)
        #expect(ProbeVerdicts.idTokenAlgAllowed(advertised: ["ES256"], used: "HS256").result == .fail)
        #expect(ProbeVerdicts.idTokenAlgAllowed(advertised: ["ES256"], used: "ES256").result == .pass)
        #expect(ProbeVerdicts.pkceS256Advertised(["plain"]).result == .fail)
        #expect(ProbeVerdicts.pkceS256Advertised(["plain", "S256"]).result == .pass)
        #expect(ProbeVerdicts.pkceS256Advertised([]).result == .warn)
        #expect(ProbeVerdicts.pkceS256Advertised(nil).result == .skip)
        #expect(ProbeVerdicts.tokenNoStore(cacheControl: ["no-store", "private, no-store"]).result == .pass)
        #expect(ProbeVerdicts.tokenNoStore(cacheControl: ["no-store", nil]).result == .fail)
        #expect(ProbeVerdicts.tokenNoStore(cacheControl: ["no-cache"]).result == .fail)
    }

    @Test("the catalogue: unique ids, each with a question, a reference and a fix")
    func catalogue() {
        let ids = ProbeCatalogue.all.map(\.id)
        #expect(Set(ids).count == ids.count && ids.count == 13)
        for k in ProbeCatalogue.all { #expect(!k.asks.isEmpty && k.ref.contains("§") || k.ref.hasPrefix("RFC")); #expect(k.meaning.count > 40) }
    }
}
